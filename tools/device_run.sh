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
#   bash tools/device_run.sh [checks] [e2e]     (default: checks)
#
# e2e takes E2E_BATCH (32), E2E_ITERATIONS (20) and E2E_BACKENDS ("cuda vulkan");
# a model already at /tmp/fp8sdk-bert-base/model.onnx is used as it is.
#
# Each step has its own time limit; a step that fails does not stop the rest.
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
# step NAME SECONDS COMMAND...: runs in the runfiles root, full output to the
# log, the lines that matter to the console.
step() {
  local name=$1 limit=$2
  shift 2
  say "== $name"
  local start=$SECONDS
  (cd "$root" && timeout "$limit" "$@") >"$out/step.log" 2>&1
  local rc=$?
  cat "$out/step.log" >>"$log"
  grep -E '^\[  (PASSED|FAILED|SKIPPED) |^\[  FAILED|Failure|^BM_|FLOP/s|^device:|^cooperative|error|Error|median|accuracy' "$out/step.log" |
    grep -vE '^\[ (RUN|      OK)' | head -n 40
  say "   rc=$rc in $((SECONDS - start)) s"
  rm -f "$out/step.log"
}

say "device_run $(date -u +%FT%TZ): $steps"
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1
  echo "cuda libraries:${cudalib:- none found}; Vulkan ICD: ${VK_DRIVER_FILES:-loader default}"; } | tee -a "$log"

if [[ " $steps " == *" checks "* ]]; then
  step cuda_backend_test 180 backends/cuda/cuda_backend_test
  step conformance_cuda_vulkan 420 tests/conformance/conformance_test --gtest_filter='*cuda*:*vulkan*'
  step vulkan_validation_test 240 backends/vulkan/vulkan_validation_test
  step cuda_gemm_benchmark 240 backends/cuda/cuda_gemm_benchmark
  step vk_gemm_benchmark 240 backends/vulkan/vk_gemm_benchmark
  step vk_alu_peak 60 backends/vulkan/vk_alu_peak
fi

if [[ " $steps " == *" e2e "* ]]; then
  work=/tmp/fp8sdk-bert-base
  batch="${E2E_BATCH:-32}"
  iterations="${E2E_ITERATIONS:-20}"
  export FP8SDK_BACKEND_PATH="$root/backends/vulkan:$root/backends/cuda"
  [ -f "$work/model.onnx" ] || step make_bert_base 300 python3 "$repo/models/make_bert_base.py" "$work"
  step fp8conv 300 converter/fp8conv convert "$work/model.onnx" -o "$work/e4m3.fp8" -q \
    --calib "$b/data/sst2/train.tsv" --vocab "$b/data/vocab/bert-base-uncased-vocab.txt" \
    --samples 32 --eval-samples 8
  python3 -c "import torch" 2>/dev/null &&
    step torch_bf16 300 python3 "$repo/tools/torch_bert_bench.py" --batch "$batch" --seq 128
  for be in ${E2E_BACKENDS:-cuda vulkan}; do
    step "fp8bench_$be" 300 tools/fp8bench/fp8bench "$work/e4m3.fp8" --backend "$be" \
      --batch "$batch" --seq 128 --iterations "$iterations"
  done
fi
say "device_run done: full log $log"
