#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang + ASan + UBSan in an output
# base of their own and runs each for a bounded time on a seed corpus made
# from real files. Exits non-zero on the first crash, leak, sanitizer report
# or time-out; the input that caused it is kept in $FUZZ_OUT (printed).
#
#   tools/fuzz.sh                 # about a minute per target (what CI runs)
#   FUZZ_SECONDS=3600 tools/fuzz.sh   # an hour per target
#   FUZZ_RUNS=10000000 FUZZ_SECONDS=0 FUZZ_TARGETS=onnx_fuzzer tools/fuzz.sh
#                                 # the documented run (SECURITY.md): 10M executions
#   FUZZ_JOBS=2 ...               # the runs split over 2 processes
#   FUZZ_KEEP_CORPUS=1 ...        # go on from the last run's corpus (a run in parts)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
out="${FUZZ_OUT:-/tmp/fp8sdk-fuzz}"
base="$HOME/.cache/fp8sdk-bazel-fuzz-$(pwd | md5sum | cut -c1-8)"  # one per checkout
runs="${FUZZ_RUNS:--1}"  # -1: no limit on executions
jobs="${FUZZ_JOBS:-1}"   # processes per target (FUZZ_RUNS is split among them)
targets=(model_loader_fuzzer onnx_fuzzer safetensors_fuzzer tokenizer_fuzzer)
build_targets=("${targets[@]}")
if [ -n "${FUZZ_TARGETS:-}" ]; then read -r -a targets <<< "$FUZZ_TARGETS"; fi
# --symlink_prefix=/: leave the default build's bazel-bin etc. alone.
bazel --output_base="$base" build --config=fuzz --noshow_progress --symlink_prefix=/ \
  $(printf '//fuzz:%s ' "${build_targets[@]}") //fuzz:make_onnx_seed //tests:tiny_bert_fp8_small_model
bin="$(bazel --output_base="$base" info --config=fuzz bazel-bin 2>/dev/null)"
data="${FP8SDK_DATA:-../shared/data}"

mkdir -p "$out"
seed() {  # seed corpus of a target, from real files (FUZZ_KEEP_CORPUS=1: add to the last run's)
  local dir="$out/$1/corpus"
  if [ "${FUZZ_KEEP_CORPUS:-0}" != 1 ]; then rm -rf "$dir"; fi
  mkdir -p "$dir"
  case "$1" in
    model_loader_fuzzer) cp "$bin/tests/tiny_bert_fp8_small.fp8" "$dir/" ;;
    onnx_fuzzer)  # the fixtures, and the same with an 8-row vocabulary (half the bytes)
      for f in tests/data/bert_random/*.onnx; do
        cp "$f" "$dir/"
        "$bin/fuzz/make_onnx_seed" "$f" "$dir/small_$(basename "$f")" 8
      done ;;
    safetensors_fuzzer) find tests/data/bert_random -name '*.safetensors' -exec cp {} "$dir/" \; ;;
    tokenizer_fuzzer)
      printf 'a gripping, beautifully acted film\n' > "$dir/s1"
      printf 'label\tsentence\n1\tcaf\xc3\xa9 unbelievable !\n0\tbad\n' > "$dir/s2"
      if [ -f "$data/sst2/dev.tsv" ]; then head -50 "$data/sst2/dev.tsv" > "$dir/dev50.tsv"; fi ;;
  esac
}
status=0
for t in "${targets[@]}"; do
  seed "$t"
  # Inputs that once failed (fuzz/regressions/<target>/) must pass first.
  if [ -d "fuzz/regressions/$t" ]; then
    if ! "$bin/fuzz/$t" fuzz/regressions/"$t"/* > "$out/$t/regressions.txt" 2>&1; then
      echo "$t FAILED: a regression input fails again: see $out/$t/regressions.txt"
      status=1
    fi
  fi
  echo "== $t: ${seconds}s (0: no limit), $runs runs (-1: no limit), $jobs process(es)"
  mkdir -p "$out/$t/artifacts"
  # FUZZ_JOBS processes share the corpus (each picks up what the others add);
  # each runs its share of FUZZ_RUNS with its own random seed.
  per_job=$runs
  if [ "$runs" -gt 0 ]; then per_job=$(( (runs + jobs - 1) / jobs )); fi
  rm -f "$out/$t"/log.*.txt "$out/$t/log.txt"
  pids=()
  for ((j = 0; j < jobs; j++)); do
    "$bin/fuzz/$t" "$out/$t/corpus" -max_total_time="$seconds" -runs="$per_job" -seed=$((j + 1)) \
      -rss_limit_mb=4096 -timeout=20 -max_len=$((1 << 20)) -print_final_stats=1 \
      -artifact_prefix="$out/$t/artifacts/" 2> "$out/$t/log.$j.txt" &
    pids+=($!)
  done
  failed=0
  for ((j = 0; j < jobs; j++)); do
    if ! wait "${pids[$j]}"; then
      echo "$t FAILED: see $out/$t/log.$j.txt and $out/$t/artifacts/"
      grep -E "ERROR|SUMMARY|runtime error" "$out/$t/log.$j.txt" | head -5
      failed=1
    fi
  done
  [ $failed -eq 0 ] || status=1
  # One line per target: executions summed over the processes, the largest RSS.
  cat "$out/$t"/log.*.txt | awk '/stat::number_of_executed_units/ {n += $2}
    /stat::peak_rss_mb/ {if ($2 > r) r = $2}
    END {printf "stat::number_of_executed_units: %d stat::peak_rss_mb: %d\n", n, r}'
done
exit $status
