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
# --help: the usage on stdout, exit 0.
out=$($bench --help 2>/dev/null); rc=$?
[ $rc -eq 0 ] && grep -q "^usage: fp8bench" <<<"$out" || { echo "--help: exit $rc, stdout: $out"; fail=1; }
# Numeric flags: the message gives the whole range.
msg=$($bench m.fp8 --warmup 100000000 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "\[0, 100000\]" <<<"$msg" || { echo "--warmup: exit $rc: $msg"; fail=1; }
msg=$($bench m.fp8 --iterations 1e11 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "\[1, 1000000\]" <<<"$msg" || { echo "--iterations: exit $rc: $msg"; fail=1; }
$bench m.fp8 --warmup "" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "--warmup '': expected exit 2"; fail=1; }
# --json: a path that cannot be written is an error before the work (the
# model is not even loaded), and never the model itself.
msg=$($bench /no/such.fp8 --json "$TEST_TMPDIR/no/dir/b.json" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "no/dir/b.json" <<<"$msg" || { echo "--json in a missing directory: exit $rc: $msg"; fail=1; }
msg=$($bench /no/such.fp8 --json "$TEST_TMPDIR" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "not a regular file" <<<"$msg" || { echo "--json a directory: exit $rc: $msg"; fail=1; }
cp tests/tiny_bert_fp8.fp8 "$TEST_TMPDIR/m.fp8"
msg=$($bench "$TEST_TMPDIR/m.fp8" --backend reference --seq 8 --iterations 1 --warmup 0 \
      --json "$TEST_TMPDIR/m.fp8" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "is an input" <<<"$msg" || { echo "--json the model: exit $rc: $msg"; fail=1; }
cmp -s tests/tiny_bert_fp8.fp8 "$TEST_TMPDIR/m.fp8" || { echo "--json overwrote the model"; fail=1; }
exit $fail
