#!/usr/bin/env bash
# fp8bench runs a model and reports latency; bad arguments are usage errors.
set -u
bench=tools/fp8bench/fp8bench
fail=0
out=$($bench tests/tiny_bert_fp8.fp8 --backend reference --batch 2 --seq 16 --warmup 1 --iterations 3 \
      --json "$TEST_TMPDIR/b.json") || { echo "fp8bench failed: $out"; exit 1; }
grep -q "latency: median" <<<"$out" || { echo "no latency line"; fail=1; }
grep -q '"median_ms"' "$TEST_TMPDIR/b.json" || { echo "no JSON"; fail=1; }
$bench >/dev/null 2>&1; [ $? -eq 2 ] || { echo "no model: expected exit 2"; fail=1; }
$bench m.fp8 --backend tpu >/dev/null 2>&1; [ $? -eq 2 ] || { echo "bad backend: expected exit 2"; fail=1; }
$bench /no/such.fp8 >/dev/null 2>&1; [ $? -eq 1 ] || { echo "missing model: expected exit 1"; fail=1; }
exit $fail
