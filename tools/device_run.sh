#!/usr/bin/env bash
# Runs the GPU checks from device_bundle/bundle.tar.gz (tools/device_bundle.sh)
# on the machine it is on, in the repository root: the CUDA backend's tests,
# the conformance suite on the cuda and vulkan backends (SST-2 included), the
# Vulkan kernels under the validation layer, the FP8 GEMM benchmarks of both
# and the Vulkan ALUs' multiply-add peak (vk_alu_peak, on the first GPU),
# and with `e2e` BERT-base end to end (PyTorch bf16 eager against fp8bench on
# cuda and vulkan). Everything goes to ${OUT:-/tmp/fp8sdk-device}/device.log;
# the console gets each step's summary.
#
#   bash tools/device_run.sh [checks | tests | bench] [e2e [profile]] [eval] [ncu]
#
# checks (the default, when no step is named) = tests (correctness) + bench
# (GEMM timings); profile
# adds a per-operator profile to each e2e backend; eval scores the SST-2 demo
# model in E4M3 and INT8 on every backend.
# e2e takes E2E_BATCH (32), E2E_ITERATIONS (20) and E2E_BACKENDS ("cuda vulkan");
# a model already at /tmp/fp8sdk-bert-base/e4m3.fp8 is used as it is. ncu lists
# the FP8 GEMM's kernels under Nsight Compute.
#
# Each step has its own time limit, cut to DEVICE_BUDGET_S for the whole run;
# a step that fails does not stop the rest.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
steps="${*:-checks}"
out="${OUT:-/tmp/fp8sdk-device}"
mkdir -p "$out"
log="$out/device.log"
b=/tmp/fp8sdk-bundle
[ -f device_bundle/bundle.tar.gz ] || { echo "device_run: no device_bundle/bundle.tar.gz (run tools/device_bundle.sh)"; exit 1; }
# Unpacked once per bundle: a machine kept warm between calls may hold an
# older one, which must not run in place of the bundle carried now.
sum=$(md5sum device_bundle/bundle.tar.gz | cut -d' ' -f1)
if [ ! -d "$b/root" ] || [ "$(cat "$b/.bundle" 2>/dev/null)" != "$sum" ]; then
  rm -rf "$b" && mkdir -p "$b" && tar -C "$b" -xzf device_bundle/bundle.tar.gz ||
    { echo "device_run: cannot unpack device_bundle/bundle.tar.gz"; exit 1; }
  echo "$sum" >"$b/.bundle"
fi
root=$b/root
# The GL/Vulkan loaders from the bundle where the machine lacks them (a bare
# GPU machine's image; commands run as root there).
if ! ldconfig -p | grep -q 'libGLdispatch.so.0' && [ "$(id -u)" = 0 ] && ls "$b"/gl/*.deb >/dev/null 2>&1; then
  for deb in "$b"/gl/*.deb; do dpkg -x "$deb" /; done
  ldconfig
fi
# CUDA's libraries from the machine: the toolkit's, else the Python wheels'.
cudalib=""
for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
  [ -e "$d/libcublasLt.so.13" ] && cudalib="$cudalib:$d"
done
if [ -z "$cudalib" ]; then
  f=$(find /usr /opt -name 'libcublasLt.so.13*' 2>/dev/null | head -n 1)
  [ -n "$f" ] && cudalib=":$(dirname "$f")"
  f=$(find /usr /opt -name 'libcudart.so.13*' 2>/dev/null | head -n 1)
  [ -n "$f" ] && cudalib="$cudalib:$(dirname "$f")"
fi
export LD_LIBRARY_PATH="$b/lib$cudalib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
           /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"; break; fi
done
export FP8SDK_DATA="$b/data"
[ -d "$b/layers" ] && export VK_LAYER_PATH="$b/layers"
unset RUNFILES_DIR

say() { echo "$@" | tee -a "$log"; }
# A deadline for the whole run (DEVICE_BUDGET_S seconds from now): each step's
# limit is cut to what is left, and a step with under 10 s left is skipped,
# so the log comes back before the device call's own limit kills everything.
deadline=$((SECONDS + ${DEVICE_BUDGET_S:-100000}))
# step NAME SECONDS COMMAND...: runs in the runfiles root, full output to the
# log, the lines that matter (STEP_GREP adds some) to the console. Steps may
# run in parallel (step ... &): each has its own files until it ends.
step() {
  local name=$1 limit=$2
  shift 2
  local left=$((deadline - SECONDS - 5))
  if [ "$left" -lt 10 ]; then
    say "== $name: skipped, no time left"
    return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  local start=$SECONDS
  (cd "$root" && timeout -k 10 "$limit" "$@") >"$out/$name.step" 2>&1
  local rc=$?
  {
    echo "== $name"
    grep -E "^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED|Failure|^BM_|FLOP/s|^device:|^cooperative|error|Error|median|accuracy|max [|]diff[|]${STEP_GREP:+|$STEP_GREP}" "$out/$name.step" |
      grep -vE '^\[ (RUN|      OK)' | head -n 40
    echo "   rc=$rc in $((SECONDS - start)) s (limit $limit s)"
  } >"$out/$name.summary"
  # One writer at a time appends to the log and the console.
  (
    flock 9
    cat "$out/$name.summary"
    { cat "$out/$name.summary"; echo "-- $name output"; cat "$out/$name.step"; } >>"$log"
  ) 9>"$out/.lock"
  rm -f "$out/$name.step" "$out/$name.summary"
}

say "device_run $(date -u +%FT%TZ): $steps"
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1
  echo "cuda libraries:${cudalib:- none found}; Vulkan ICD: ${VK_DRIVER_FILES:-loader default}"; } | tee -a "$log"

has() { [[ " $steps " == *" $1 "* ]]; }

# e2e's model is made and converted on the CPU cores while the GPU checks run:
# a BERT-base-shaped Hugging Face directory (random weights) and its E4M3 file.
work=/tmp/fp8sdk-bert-base
if has e2e && [ ! -f "$work/e4m3.fp8" ]; then
  (
    # Written aside and renamed: a run cut short leaves no half model.
    [ -f "$work/model.safetensors" ] || {
      rm -rf "$work.part"
      step make_bert_base 120 python3 "$repo/models/make_bert_base.py" --no-onnx "$work.part"
      [ -f "$work.part/model.safetensors" ] && rm -rf "$work" && mv "$work.part" "$work"
    }
    step fp8conv 180 converter/fp8conv convert "$work" -o "$work/e4m3.fp8" -q \
      --calib "$b/data/sst2/train.tsv" --vocab "$b/data/vocab/bert-base-uncased-vocab.txt" \
      --samples 32 --eval-samples 8 --device cpu --threads 8
  ) &
  prep=$!
fi

if has checks || has tests; then
  # Correctness first, side by side (the GPU is shared; none of these times).
  step cuda_backend_test 180 backends/cuda/cuda_backend_test &
  step conformance_cuda 240 tests/conformance/conformance_test --gtest_filter='*cuda*' &
  step conformance_vulkan 240 tests/conformance/conformance_test --gtest_filter='*vulkan*' &
  step vulkan_validation_test 240 backends/vulkan/vulkan_validation_test &
  wait $(jobs -p | grep -vx "${prep:-none}")
fi
if has checks || has bench; then
  # Then the timings, one at a time.
  step cuda_gemm_benchmark 120 backends/cuda/cuda_gemm_benchmark
  step vk_alu_peak 60 backends/vulkan/vk_alu_peak
  step vk_gemm_benchmark 120 backends/vulkan/vk_gemm_benchmark
fi

if has e2e; then
  batch="${E2E_BATCH:-32}"
  iterations="${E2E_ITERATIONS:-20}"
  export FP8SDK_BACKEND_PATH="$root/backends/vulkan:$root/backends/cuda"
  [ -n "${prep:-}" ] && wait "$prep"
  python3 -c "import torch" 2>/dev/null &&
    step torch_bf16 120 python3 "$repo/tools/torch_bert_bench.py" --batch "$batch" --seq 128
  for be in ${E2E_BACKENDS:-cuda vulkan}; do
    step "fp8bench_$be" 120 tools/fp8bench/fp8bench "$work/e4m3.fp8" --backend "$be" --strict \
      --batch "$batch" --seq 128 --iterations "$iterations"
    # Where the time goes: every operator timed on its own (profile).
    has profile && step "fp8bench_${be}_profile" 120 tools/fp8bench/fp8bench "$work/e4m3.fp8" \
      --backend "$be" --strict --batch "$batch" --seq 128 --iterations 5 --profile
  done
fi

# eval: the SST-2 demo model (models/sst2_tiny) converted to E4M3 and INT8
# here, then scored on the 872 dev sentences on every backend (fp8eval).
if has eval; then
  for fmt in e4m3 int8; do
    step "fp8conv_sst2_$fmt" 120 converter/fp8conv convert "$repo/models/sst2_tiny" \
      -o "/tmp/sst2_$fmt.fp8" -q --format "$fmt" --calib "$b/data/sst2/train.tsv" \
      --vocab "$b/data/vocab/bert-base-uncased-vocab.txt" --samples 128 --eval-samples 0 --device cpu
    FP8SDK_BACKEND_PATH="$root/backends/vulkan:$root/backends/cuda" STEP_GREP='^(onednn|cuda|vulkan|reference) ' \
      step "fp8eval_sst2_$fmt" 180 tools/fp8eval/fp8eval "/tmp/sst2_$fmt.fp8" \
      --data "$b/data/sst2/dev.tsv" --vocab "$b/data/vocab/bert-base-uncased-vocab.txt" --backend all
  done
fi

# ncu: the names of the kernels the FP8 GEMM launches (cuBLASLt's FP8 tensor
# core kernels on Hopper) and their throughput.
if has ncu; then
  ncu=$(command -v ncu || ls /usr/local/cuda/bin/ncu /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n 1)
  if [ -n "$ncu" ]; then
    STEP_GREP='CC [0-9]|Duration|Throughput' step ncu_fp8_gemm 120 "$ncu" --clock-control none \
      --launch-count 10 backends/cuda/cuda_gemm_benchmark \
      --benchmark_filter='BM_CublasLtFp8E4M3/8192|BM_BackendFp8Linear/4096' --benchmark_min_time=0.01
    # The first GEMM kernels of a BERT run (which cuBLASLt kernels serve it).
    [ -f "$work/e4m3.fp8" ] && STEP_GREP='CC [0-9]|Duration' step ncu_bert_gemms 120 "$ncu" \
      --clock-control none -k regex:'nvjet|gemm|Gemm' --launch-count 4 tools/fp8bench/fp8bench \
      "$work/e4m3.fp8" --backend cuda --strict --batch "${E2E_BATCH:-32}" --seq 128 --warmup 0 \
      --iterations 1
  else
    say "== ncu: not found"
  fi
fi
say "device_run done: full log $log"
