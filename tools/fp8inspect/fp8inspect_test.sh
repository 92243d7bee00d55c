#!/usr/bin/env bash
# fp8inspect prints the model's structure and refuses bad files clearly.
set -u
inspect=tools/fp8inspect/fp8inspect
model=tests/tiny_bert_fp8.fp8
fail=0
check() { if ! grep -q -- "$2" <<<"$1"; then echo "missing: $2"; fail=1; fi; }

out=$($inspect "$model" --verify) || { echo "fp8inspect failed"; exit 1; }
check "$out" "format 1.0, data checksum ok"
check "$out" "input_ids                int64     \[batch, sequence\]"
check "$out" "logits                   f32       \[batch, 2\]"
check "$out" "LINEAR       encoder.layer.0.attention.self.query"
check "$out" "128 scales on axis 0"
check "$out" "input quantization: fp8_e4m3 scale"
check "$out" "fp8_e4m3"
check "$out" "labels: 0=negative 1=positive"

bad=$(mktemp)
head -c 100 "$model" > "$bad"
err=$($inspect "$bad" 2>&1); rc=$?
[ $rc -eq 1 ] || { echo "truncated file: exit $rc"; fail=1; }
check "$err" "invalid model file"
err=$($inspect /no/such.fp8 2>&1); rc=$?
[ $rc -eq 1 ] || { echo "missing file: exit $rc"; fail=1; }
$inspect >/dev/null 2>&1; [ $? -eq 2 ] || { echo "no args: expected exit 2"; fail=1; }
err=$($inspect "$model" --bogus 2>&1); rc=$?
[ $rc -eq 2 ] || { echo "unknown option: exit $rc"; fail=1; }
check "$err" "unknown option '--bogus'"
out=$($inspect --help) || { echo "--help: exit $?"; fail=1; }
check "$out" "usage: fp8inspect"
rm -f "$bad"
exit $fail
