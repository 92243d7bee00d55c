#!/usr/bin/env bash
# The examples run: minimal prints two finite logits; bad input is an error.
set -u
out=$(examples/minimal tests/tiny_bert_fp8.fp8 101 7 42 99 102) || { echo "minimal failed: $out"; exit 1; }
[ "$(wc -w <<<"$out")" -eq 2 ] || { echo "expected 2 logits, got: $out"; exit 1; }
err=$(examples/minimal tests/tiny_bert_fp8.fp8 101 5000 102 2>&1); rc=$?
[ $rc -eq 1 ] || { echo "id past the vocabulary: exit $rc"; exit 1; }
grep -q "index 5000" <<<"$err" || { echo "no index in: $err"; exit 1; }
examples/minimal >/dev/null 2>&1; [ $? -eq 2 ] || { echo "no args: expected 2"; exit 1; }
# Token ids are decimal integers in int64 range, nothing else: a usage error
# naming the argument.
for bad in abc "" 0x10 --help 1.5 99999999999999999999999 " 7" 7x -; do
  err=$(examples/minimal tests/tiny_bert_fp8.fp8 101 "$bad" 102 2>&1); rc=$?
  [ $rc -eq 2 ] || { echo "minimal id '$bad': exit $rc, expected 2: $err"; exit 1; }
  grep -qF "'$bad' is not a token id" <<<"$err" || { echo "minimal id '$bad': $err"; exit 1; }
done
out=$(examples/minimal --help) || { echo "minimal --help failed"; exit 1; }
grep -q "^usage: minimal" <<<"$out" || { echo "minimal --help: $out"; exit 1; }
exit 0
