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
expect 2 "--calib and --calib-ids are alternatives" convert m -o x.fp8 --calib a --calib-ids b
expect 2 "--percentile needs --calibration percentile" convert m -o x.fp8 --percentile 99
expect 2 "--no-quantize writes the float32 model: --format would have no effect" convert m -o x.fp8 --no-quantize --format int8
expect 1 "cannot read ONNX file '/no/such/model.onnx'" convert /no/such/model.onnx -o /tmp/x.fp8 --calib c.tsv
# Outputs never replace an input, a device node or a FIFO (checked before the
# work: a model directory with nothing in it still trips the checks).
tmp=${TEST_TMPDIR:-/tmp}/fp8conv_cli
rm -rf "$tmp" && mkdir -p "$tmp/hf"
echo '{}' > "$tmp/hf/config.json"
echo x > "$tmp/hf/model.safetensors"
echo x > "$tmp/vocab.txt"
echo x > "$tmp/calib.tsv"
mkfifo "$tmp/fifo"
ln -s "$tmp/vocab.txt" "$tmp/vocab_link"
expect 1 "is an input" convert "$tmp/hf" -o "$tmp/hf/model.safetensors" --calib "$tmp/calib.tsv"
expect 1 "is an input" convert "$tmp/hf" -o "$tmp/hf/config.json" --calib "$tmp/calib.tsv"
expect 1 "is an input" convert "$tmp/hf" -o "$tmp/calib.tsv" --calib "$tmp/calib.tsv"
expect 1 "is an input" convert "$tmp/hf" -o "$tmp/vocab_link" --vocab "$tmp/vocab.txt" --calib "$tmp/calib.tsv"
expect 1 "is an input" convert "$tmp/hf" -o "$tmp/x.fp8" --report "$tmp/hf/model.safetensors" --calib "$tmp/calib.tsv"
expect 1 "not a regular file" convert "$tmp/hf" -o /dev/null --calib "$tmp/calib.tsv"
expect 1 "not a regular file" convert "$tmp/hf" -o "$tmp/fifo" --calib "$tmp/calib.tsv"
expect 1 "fifo' is not a regular file or a directory" convert "$tmp/fifo" -o "$tmp/x.fp8" --calib "$tmp/calib.tsv"
# Calibration data may come from a pipe (the stand-in model's import fails
# first here, before anything reads it).
expect 1 "config.json" convert "$tmp/hf" -o "$tmp/x.fp8" --calib <(cat "$tmp/calib.tsv")
expect 1 "name the same file" convert "$tmp/hf" -o "$tmp/x.fp8" --report "$tmp/x.fp8" --calib "$tmp/calib.tsv"
# An earlier output in the model's directory may be replaced (the import then
# fails on the stand-in weights: exit 1, but not for the output path).
echo old > "$tmp/hf/model.fp8"
expect 1 "config.json" convert "$tmp/hf" -o "$tmp/hf/model.fp8" --calib "$tmp/calib.tsv"
for f in "$tmp/hf/model.safetensors" "$tmp/hf/config.json" "$tmp/calib.tsv" "$tmp/vocab.txt"; do
  [ "$(head -c 2 "$f")" != "FP" ] || { echo "$f was overwritten"; fail=1; }
done
[ -p "$tmp/fifo" ] || { echo "the FIFO was replaced"; fail=1; }
exit $fail
