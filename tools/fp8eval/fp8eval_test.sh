#!/usr/bin/env bash
# fp8eval on the committed demo model: JSON names its metrics, the CPU and
# reference backends agree, and bad inputs are clear errors. Needs
# $FP8SDK_DATA (SST-2 and the BERT vocabulary); skips without it.
set -u
eval=tools/fp8eval/fp8eval
data="${FP8SDK_DATA:-}"
vocab="$data/vocab/bert-base-uncased-vocab.txt"
if [ -z "$data" ] || [ ! -f "$data/sst2/dev.tsv" ] || [ ! -f "$vocab" ]; then
  echo "SKIPPED: SST-2 data not found (set FP8SDK_DATA)"
  exit 0
fi
fail=0
head -65 "$data/sst2/dev.tsv" > "$TEST_TMPDIR/dev64.tsv"
out=$($eval models/sst2_tiny --data "$TEST_TMPDIR/dev64.tsv" --vocab "$vocab" --backend cpu --json) ||
  { echo "fp8eval failed: $out"; exit 1; }
python3 - "$out" <<'PY' || fail=1
import json, sys
j = json.loads(sys.argv[1])
assert j["examples"] == 64, j["examples"]
for k in ("accuracy", "f1", "mcc"):
    assert 0.0 <= abs(j[k]) <= 1.0, (k, j[k])
assert j["accuracy"] > 0.6, j["accuracy"]  # the demo model is ~79% on the dev set
assert j["results"][0]["backend"] == "cpu"
PY
# Two backends: agreement is reported for the pair.
$eval models/sst2_tiny --data "$TEST_TMPDIR/dev64.tsv" --vocab "$vocab" --backend all \
  --out "$TEST_TMPDIR/all.json" > "$TEST_TMPDIR/all.txt" 2>/dev/null || { echo "--backend all failed"; fail=1; }
grep -q "agreement" "$TEST_TMPDIR/all.txt" || { echo "no agreement line"; cat "$TEST_TMPDIR/all.txt"; fail=1; }
python3 - "$TEST_TMPDIR/all.json" <<'PY' || fail=1
import json, sys
j = json.load(open(sys.argv[1]))
names = [r["backend"] for r in j["results"]]
assert "onednn" in names and "reference" in names, names
for p in j["agreement"]:
    if {p["a"], p["b"]} == {"onednn", "reference"}:
        assert p["label_agreement"] == 1.0, p
        assert p["max_logit_diff_relative"] < 1e-3, p
        break
else:
    raise SystemExit("no onednn/reference pair")
PY
# Errors: exit 2 for usage, 1 for unreadable inputs, each with a message.
$eval models/sst2_tiny --vocab "$vocab" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "no --data: expected 2"; fail=1; }
$eval models/sst2_tiny --data x.tsv --backend tpu >/dev/null 2>&1; [ $? -eq 2 ] || { echo "bad backend: expected 2"; fail=1; }
msg=$($eval models/sst2_tiny --data /no/such.tsv --vocab "$vocab" 2>&1); [ $? -eq 1 ] || { echo "missing data: expected 1"; fail=1; }
grep -q "/no/such.tsv" <<<"$msg" || { echo "message does not name the file: $msg"; fail=1; }
printf 'sentence\nno labels here\n' > "$TEST_TMPDIR/unlabelled.tsv"
msg=$($eval models/sst2_tiny --data "$TEST_TMPDIR/unlabelled.tsv" --vocab "$vocab" 2>&1); [ $? -eq 2 ] || { echo "unlabelled: expected 2"; fail=1; }
grep -q "no label column" <<<"$msg" || { echo "unlabelled message: $msg"; fail=1; }
exit $fail
