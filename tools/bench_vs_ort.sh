#!/usr/bin/env bash
# End to end against ONNX Runtime on a BERT-base-shaped model (random weights):
# ORT FP32 (npm onnxruntime-node, CPU) vs fp8sdk FP32 and FP8 (E4M3) on the CPU
# backend, batch 1, sequence 128, 2 threads, in one run.
# Needs: tools/setup.sh --train (torch, to write the ONNX model once) and ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${BENCH_DIR:-/tmp/fp8sdk-bert-base}"
data="${FP8SDK_DATA:-../shared/data}"
threads="${THREADS:-2}"
[ -f "$work/model.onnx" ] || /usr/bin/python3 models/make_bert_base.py "$work"
bazel build --noshow_progress //:fp8conv //:fp8bench
bazel-bin/converter/fp8conv convert "$work/model.onnx" -o "$work/fp32.fp8" --no-quantize -q
bazel-bin/converter/fp8conv convert "$work/model.onnx" -o "$work/e4m3.fp8" -q \
  --calib "$data/sst2/train.tsv" --vocab "$data/vocab/bert-base-uncased-vocab.txt" --samples 32 --eval-samples 8
ort=$(node tools/npm/ort_bench.js "$work/model.onnx" --threads "$threads" --iterations 20)
echo "onnxruntime fp32: $ort"
ort_ms=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['median_ms'])" "$ort")
for m in fp32 e4m3; do
  bazel-bin/tools/fp8bench/fp8bench "$work/$m.fp8" --backend cpu --batch 1 --seq 128 \
    --threads "$threads" --iterations 20 --json "$work/$m.json" > /dev/null
  ours=$(python3 -c "import json; print(json.load(open('$work/$m.json'))['median_ms'])")
  size=$(stat -c %s "$work/$m.fp8")
  python3 -c "print(f'fp8sdk {\"$m\":5s}: median {$ours:.1f} ms = {$ours/$ort_ms:.2f}x ONNX Runtime fp32 ({$ort_ms:.1f} ms); model file {$size/1e6:.0f} MB')"
done
