#!/usr/bin/env bash
# The main job: convert the committed demo model (BERT trained on SST-2) to
# FP8 E4M3 and to INT8, calibrating on 128 real SST-2 training sentences,
# then classify the 872 SST-2 dev sentences with FP32, FP8 and INT8 and print
# the accuracies. Needs ../shared/data (or FP8SDK_DATA).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${FP8SDK_DATA:-../shared/data}"
vocab="$data/vocab/bert-base-uncased-vocab.txt"
for f in "$vocab" "$data/sst2/train.tsv" "$data/sst2/dev.tsv"; do
  [ -f "$f" ] || { echo "demo: missing $f (set FP8SDK_DATA to the shared data directory)" >&2; exit 1; }
done
out="${DEMO_OUT:-/tmp/fp8sdk-demo}"
mkdir -p "$out"
bazel build --noshow_progress //:fp8conv //:classify //:fp8inspect
bin=bazel-bin
conv="$bin/converter/fp8conv"
classify="$bin/examples/classify"

echo "== fp8conv: FP8 E4M3 (the BERT recipe) =="
"$conv" convert models/sst2_tiny -o "$out/sst2_e4m3.fp8" --calib "$data/sst2/train.tsv" \
  --vocab "$vocab" --samples 128 --report "$out/sst2_e4m3.json"
echo
echo "== fp8conv: INT8 (the baseline) =="
"$conv" convert models/sst2_tiny -o "$out/sst2_int8.fp8" --calib "$data/sst2/train.tsv" \
  --vocab "$vocab" --samples 128 --format int8 -q
"$conv" convert models/sst2_tiny -o "$out/sst2_fp32.fp8" --no-quantize -q

echo
echo "== classify: a few sentences with the FP8 model =="
"$classify" "$out/sst2_e4m3.fp8" --vocab "$vocab" \
  "a gripping, beautifully acted film" \
  "the plot is thin and the jokes fall flat" \
  "not the worst movie of the year, but close"

echo
echo "== SST-2 dev accuracy (872 sentences) =="
for m in fp32 e4m3 int8; do
  printf "%-5s " "$m"
  "$classify" "$out/sst2_$m.fp8" --vocab "$vocab" --file "$data/sst2/dev.tsv" | tail -1
done
