#!/usr/bin/env bash
# fp8bench runs a model and reports latency; bad arguments are usage errors.
set -u
bench=tools/fp8bench/fp8bench
fail=0
out=$($bench tests/tiny_bert_fp8.fp8 --backend reference --batch 2 --seq 16 --warmup 1 --iterations 3 \
      --json "$TEST_TMPDIR/b.json") || { echo "fp8bench failed: $out"; exit 1; }
grep -q "latency: median" <<<"$out" || { echo "no latency line"; fail=1; }
grep -q '"median_ms"' "$TEST_TMPDIR/b.json" || { echo "no JSON"; fail=1; }
# --profile: a table by operator type, every operator in the JSON, and the
# per-operator times add up to about the whole run.
out=$($bench tests/tiny_bert_fp8.fp8 --backend cpu --batch 2 --seq 16 --warmup 1 --iterations 3 \
      --profile --json "$TEST_TMPDIR/p.json") || { echo "fp8bench --profile failed: $out"; exit 1; }
grep -q "^  LINEAR " <<<"$out" || { echo "no LINEAR row in the profile: $out"; fail=1; }
grep -q "slowest operators" <<<"$out" || { echo "no slowest-operators list"; fail=1; }
python3 - "$TEST_TMPDIR/p.json" tests/tiny_bert_fp8.fp8 <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
p = j["profile"]
ops = sum(j["operators_by_backend"].values())
steps = [s for s in p["steps"] if s["op"] != "COPY"]
assert len(steps) == ops, (len(steps), ops)
assert all(s["ms_per_run"] > 0 for s in steps), "a step with no time"
assert abs(sum(s["ms_per_run"] for s in p["steps"]) - p["total_ms_per_run"]) < 1e-6
assert any(s["op"] == "LINEAR" for s in steps)
PY
$bench >/dev/null 2>&1; [ $? -eq 2 ] || { echo "no model: expected exit 2"; fail=1; }
$bench m.fp8 --backend tpu >/dev/null 2>&1; [ $? -eq 2 ] || { echo "bad backend: expected exit 2"; fail=1; }
$bench /no/such.fp8 >/dev/null 2>&1; [ $? -eq 1 ] || { echo "missing model: expected exit 1"; fail=1; }
exit $fail
