#!/usr/bin/env bash
# The examples run: minimal prints two finite logits; bad input is an error.
set -u
out=$(examples/minimal tests/tiny_bert_fp8.fp8 101 7 42 99 102) || { echo "minimal failed: $out"; exit 1; }
[ "$(wc -w <<<"$out")" -eq 2 ] || { echo "expected 2 logits, got: $out"; exit 1; }
err=$(examples/minimal tests/tiny_bert_fp8.fp8 101 5000 102 2>&1); rc=$?
[ $rc -eq 1 ] || { echo "id past the vocabulary: exit $rc"; exit 1; }
grep -q "index 5000" <<<"$err" || { echo "no index in: $err"; exit 1; }
examples/minimal >/dev/null 2>&1; [ $? -eq 2 ] || { echo "no args: expected 2"; exit 1; }
exit 0
