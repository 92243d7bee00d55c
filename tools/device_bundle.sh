#!/usr/bin/env bash
# Builds what a GPU session runs and packs it into device_bundle/bundle.tar.gz
# (git-ignored) for the device tool's `carry`: one runfiles tree (the test and
# benchmark binaries, plugins, models, test data) that is their working
# directory, the shared libraries a bare GPU machine lacks (oneDNN,
# FlatBuffers, the Vulkan loader, ...; not glibc/libstdc++, and not CUDA's,
# which that machine has) and SST-2 data, stripped and compressed (the tool
# carries at most 64 MiB). tools/device_run.sh unpacks and runs it there:
#
#   bash tools/device_bundle.sh            # here (bazel)
#   device run: carry ["device_bundle"], command "bash tools/device_run.sh"
#
# Check it here first: `bash tools/device_run.sh` runs the same steps on this
# machine (the CUDA cases skip without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
out=$stage
targets=(
  //backends/cuda:cuda_backend_test
  //backends/cuda:cuda_gemm_benchmark
  //tests/conformance:conformance_test
  //backends/vulkan:vk_gemm_benchmark
  //backends/vulkan:vk_alu_peak
  //backends/vulkan:vulkan_validation_test
  //converter:fp8conv
  //tools/fp8bench:fp8bench
  //tools/fp8eval:fp8eval
)
bazel build --noshow_progress "${targets[@]}"
mkdir -p "$out/lib" "$out/root" "$out/data/sst2" "$out/data/vocab"
for t in "${targets[@]}"; do
  pkg=${t#//}
  pkg=${pkg%%:*}
  name=${t##*:}
  mkdir -p "$out/root/$pkg"
  cp -L "bazel-bin/$pkg/$name" "$out/root/$pkg/$name"
  if [ -d "bazel-bin/$pkg/$name.runfiles/fp8sdk" ]; then
    # The union of the runfiles trees; -n keeps the first copy of a file.
    cp -rLn "bazel-bin/$pkg/$name.runfiles/fp8sdk/." "$out/root/"
  fi
done
rm -rf "$out/root/_solib_k8" "$out/root/external"  # libraries go to lib/
# Shared libraries (ldd on the built files, whose run paths resolve): ours
# (Bazel's _solib_k8) and the system's that a GPU machine's image lacks.
skip='^(libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|librt|ld-linux-x86-64|libcuda|libcudart|libcublas|libcublasLt|libnvidia.*)\.so'
while read -r lib; do
  base=$(basename "$lib")
  [[ "$base" =~ $skip ]] && continue
  [ -e "$out/lib/$base" ] || cp -L "$lib" "$out/lib/$base"
done < <(for t in "${targets[@]}"; do
           pkg=${t#//}
           pkg=${pkg%%:*}
           echo "bazel-bin/$pkg/${t##*:}"
           find -L "bazel-bin/$pkg/${t##*:}.runfiles/fp8sdk" -name '*.so' 2>/dev/null
         done | xargs ldd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u)
# Every library found (the copies in the tree resolve theirs through lib/).
if ldd "$out"/root/*/*/* 2>/dev/null | grep -q 'not found'; then
  ldd "$out"/root/*/*/* 2>/dev/null | grep 'not found' | sort -u | grep -vE "$skip" >&2 || true
fi
find "$out" -type f \( -name '*.so*' -o -perm -u+x \) -exec strip --strip-unneeded {} + \
  2>/dev/null || true
# The Khronos validation layer (vulkan_validation_test there: the GPU kernels,
# cooperative matrices included, under validation).
layer_json=/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json
if [ -f "$layer_json" ]; then
  mkdir -p "$out/layers"
  cp "$layer_json" "$out/layers/"
  cp -L /usr/lib/x86_64-linux-gnu/libVkLayer_khronos_validation.so "$out/lib/"
fi
# The GL/Vulkan loader packages a bare GPU machine's image may lack (the
# NVIDIA Vulkan driver needs libglvnd's dispatch library): Debian's amd64
# debs, unpacked there by tools/device_run.sh when its loader lacks them.
mkdir -p "$out/gl"
lists=$(mktemp -d)
apt_opts=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
mkdir -p "$lists/partial"
if apt-get "${apt_opts[@]}" update >/dev/null 2>&1 &&
   (cd "$out/gl" && apt-get "${apt_opts[@]}" download libvulkan1 libegl1 libglvnd0 libopengl0 \
      libgl1 libglx0 libgles2 >/dev/null 2>&1); then
  :
else
  echo "device_bundle: could not download the GL/Vulkan loader debs (apt): the GPU machine must have them" >&2
fi
rm -rf "$lists"
data="${FP8SDK_DATA:-../shared/data}"
if [ -f "$data/sst2/dev.tsv" ]; then
  cp "$data/sst2/dev.tsv" "$out/data/sst2/"
  head -n 1000 "$data/sst2/train.tsv" >"$out/data/sst2/train.tsv"  # calibration sentences
  cp "$data/vocab/bert-base-uncased-vocab.txt" "$out/data/vocab/"
else
  echo "device_bundle: no SST-2 data at $data: the SST-2 checks will skip there" >&2
fi
du -sh "$out"/* | sed 's/^/  /'
rm -rf device_bundle
mkdir -p device_bundle
tar -C "$out" -czf device_bundle/bundle.tar.gz .
size=$(stat -c %s device_bundle/bundle.tar.gz)
echo "device_bundle: $((size >> 20)) MiB in device_bundle/bundle.tar.gz (the device tool carries at most 64 MiB)"
[ "$size" -lt $((60 << 20)) ] || { echo "device_bundle: too large to carry" >&2; exit 1; }
