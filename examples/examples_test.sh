#!/usr/bin/env bash
# The examples run: minimal prints two finite logits, classify labels
# sentences, fp8demo prints its table; bad input is an error.
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
# classify: the test model (64 positions, vocabulary 1000) with a vocabulary
# of a few words.
v="$TEST_TMPDIR/vocab.txt"
printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ngood\nbad\nmovie\nstars\n-\n5\n' > "$v"
classify() { examples/classify tests/tiny_bert_fp8.fp8 --vocab "$v" --max-length 64 "$@"; }
out=$(classify "good movie" "bad movie") || { echo "classify failed: $out"; exit 1; }
[ "$(wc -l <<<"$out")" -eq 2 ] || { echo "classify: expected 2 lines, got: $out"; exit 1; }
# "--" ends the options: a sentence may start with "-".
out=$(classify --batch 2 -- "-5 stars" --bogus) || { echo "classify -- failed: $out"; exit 1; }
grep -q -- "-5 stars" <<<"$out" && grep -q -- "--bogus" <<<"$out" || { echo "classify --: $out"; exit 1; }
# Without --max-length the default (128) stays within the model's 64 positions.
out=$(examples/classify tests/tiny_bert_fp8.fp8 --vocab "$v" "good movie") ||
  { echo "classify with the default length failed: $out"; exit 1; }
out=$(examples/classify --help) || { echo "classify --help failed"; exit 1; }
grep -q "^usage: classify" <<<"$out" || { echo "classify --help: $out"; exit 1; }
# Unknown options and bad values are usage errors naming them.
for args in "--batch 10abc" "--batch 99999999999" "--batch 0" "--batch ''" "--max-length 2" \
            "--max-length 64x" "--device gpu" "--bogus" "-x"; do
  eval "set -- $args"
  bad=${2-$1}
  err=$(classify "$@" "good movie" 2>&1); rc=$?
  [ $rc -eq 2 ] || { echo "classify $args: exit $rc, expected 2: $err"; exit 1; }
  grep -qF "'$bad'" <<<"$err" || { echo "classify $args: message does not name '$bad': $err"; exit 1; }
done
# fp8demo: a small run; past the maximum is a usage error; without enough
# memory, an error naming the size (not an abort). Sanitizers reserve more
# address space than the limit allows: that part is left out under them.
out=$(examples/fp8demo 1000) || { echo "fp8demo 1000 failed: $out"; exit 1; }
grep -q "^student-t (dof 2)" <<<"$out" || { echo "fp8demo: $out"; exit 1; }
err=$(examples/fp8demo 268435456 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "67108864" <<<"$err" || { echo "fp8demo 268435456: exit $rc: $err"; exit 1; }
if [ -z "${ASAN_OPTIONS:-}${TSAN_OPTIONS:-}" ]; then
  err=$(ulimit -v 200000 && examples/fp8demo 67108864 2>&1 >/dev/null); rc=$?
  [ $rc -eq 1 ] && grep -q "not enough memory for 67108864 elements" <<<"$err" ||
    { echo "fp8demo without memory: exit $rc: $err"; exit 1; }
fi
exit 0
