#!/usr/bin/env bash
# fp8eval on the committed demo model: JSON names its metrics, the CPU and
# reference backends agree, and bad inputs are clear errors. The SST-2 part
# needs $FP8SDK_DATA (SST-2 and the BERT vocabulary) and skips without it;
# the checks on the test model and a small vocabulary always run.
set -u
eval=tools/fp8eval/fp8eval
fail=0
# Without the shared data: the test model (64 positions, vocabulary 1000, two
# classes) with a vocabulary of a few words.
model=tests/tiny_bert_fp8.fp8
t="$TEST_TMPDIR"
printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ngood\nbad\nmovie\nfilm\n' > "$t/vocab.txt"
printf 'sentence\tlabel\ngood movie\t1\nbad film\t0\n' > "$t/ok.tsv"
# --help: the usage on stdout, exit 0.
out=$($eval --help 2>/dev/null); rc=$?
[ $rc -eq 0 ] && grep -q "^usage: fp8eval" <<<"$out" || { echo "--help: exit $rc, stdout: $out"; fail=1; }
# --max-length defaults to the model's 64 positions; beyond them is an error
# naming both numbers.
out=$($eval $model --data "$t/ok.tsv" --vocab "$t/vocab.txt" --json 2>&1) &&
  grep -q '"max_length": 64' <<<"$out" || { echo "default --max-length: $out"; fail=1; }
msg=$($eval $model --data "$t/ok.tsv" --vocab "$t/vocab.txt" --max-length 128 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "128" <<<"$msg" && grep -q "64 positions" <<<"$msg" ||
  { echo "--max-length 128: exit $rc: $msg"; fail=1; }
# No labelled sentence, labels that are not classes of the model: errors
# naming the file (and line, label and number of classes).
printf 'sentence\tlabel\n' > "$t/header.tsv"
msg=$($eval $model --data "$t/header.tsv" --vocab "$t/vocab.txt" --max-length 64 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "header.tsv has no labelled sentences" <<<"$msg" ||
  { echo "header only: exit $rc: $msg"; fail=1; }
printf 'sentence\tlabel\ngood movie\t1\nbad film\t5\n' > "$t/five.tsv"
msg=$($eval $model --data "$t/five.tsv" --vocab "$t/vocab.txt" --max-length 64 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "five.tsv:3: label 5 .* 2 classes" <<<"$msg" ||
  { echo "label 5: exit $rc: $msg"; fail=1; }
printf '1\tgood movie\n-1\tbad film\n' > "$t/minus.tsv"  # no header
msg=$($eval $model --data "$t/minus.tsv" --vocab "$t/vocab.txt" --max-length 64 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "minus.tsv:2: label -1 .* 2 classes" <<<"$msg" ||
  { echo "label -1: exit $rc: $msg"; fail=1; }
# --out: checked before the work, never an input, and a failed write is exit 1.
msg=$($eval /no/such.fp8 --data "$t/ok.tsv" --vocab "$t/vocab.txt" --out "$t/no/dir/e.json" 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q "no/dir/e.json" <<<"$msg" || { echo "--out in a missing directory: exit $rc: $msg"; fail=1; }
msg=$($eval /no/such.fp8 --data "$t/ok.tsv" --vocab "$t/vocab.txt" --out "$t" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "not a regular file" <<<"$msg" || { echo "--out a directory: exit $rc: $msg"; fail=1; }
cp $model "$t/m.fp8"
cp "$t/ok.tsv" "$t/ok.copy"
cp "$t/vocab.txt" "$t/vocab.copy"
for input in "$t/m.fp8" "$t/ok.tsv" "$t/vocab.txt"; do
  msg=$($eval "$t/m.fp8" --data "$t/ok.tsv" --vocab "$t/vocab.txt" --max-length 64 \
        --out "$input" 2>&1)
  rc=$?
  [ $rc -eq 1 ] && grep -q "is an input" <<<"$msg" || { echo "--out $input: exit $rc: $msg"; fail=1; }
done
cmp -s $model "$t/m.fp8" && cmp -s "$t/ok.tsv" "$t/ok.copy" && cmp -s "$t/vocab.txt" "$t/vocab.copy" ||
  { echo "--out overwrote an input"; fail=1; }
$eval $model --data "$t/ok.tsv" --vocab "$t/vocab.txt" --max-length 64 --out "$t/ok.json" \
  >/dev/null 2>&1 &&
  grep -q '"accuracy"' "$t/ok.json" || { echo "--out did not write the results"; fail=1; }

data="${FP8SDK_DATA:-}"
vocab="$data/vocab/bert-base-uncased-vocab.txt"
if [ -z "$data" ] || [ ! -f "$data/sst2/dev.tsv" ] || [ ! -f "$vocab" ]; then
  echo "SKIPPED: SST-2 data not found (set FP8SDK_DATA)"
  exit $fail
fi
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
