#!/usr/bin/env bash
# fp8conv follows command-line conventions: --help, subcommands, clear errors
# on stderr, exit status 0 / 1 (conversion failed) / 2 (usage).
set -u
conv=converter/fp8conv
fail=0
expect() {  # expect <status> <needle> <args...>
  local want=$1 needle=$2; shift 2
  local out rc
  out=$("$conv" "$@" 2>&1); rc=$?
  if [ "$rc" -ne "$want" ]; then echo "fp8conv $*: exit $rc, want $want"; fail=1; fi
  if ! grep -q -- "$needle" <<<"$out"; then echo "fp8conv $*: output lacks '$needle':"; echo "$out"; fail=1; fi
}
expect 0 "usage:" --help
expect 0 "fp8conv 0.1.0" --version
expect 2 "no command"
expect 2 "unknown command 'convrt'" convrt
expect 2 "convert needs -o OUTPUT.fp8" convert some_model
expect 2 "convert takes one model" convert -o x.fp8
expect 2 "--format must be e4m3, e5m2 or int8, got 'fp4'" convert m -o x.fp8 --format fp4
expect 2 "--samples must be an integer" convert m -o x.fp8 --samples lots
expect 2 "unknown option '--frobnicate'" convert m -o x.fp8 --frobnicate
expect 2 "--percentile must be a number" convert m -o x.fp8 --percentile 200
expect 1 "cannot read ONNX file '/no/such/model.onnx'" convert /no/such/model.onnx -o /tmp/x.fp8 --calib c.tsv
exit $fail
