#!/usr/bin/env bash
# The example backend built out of tree (make + a C++ compiler + the public
# headers, no Bazel), then loaded at run time by fp8bench from
# FP8SDK_BACKEND_PATH, where it claims the operators it runs.
set -u
work="$TEST_TMPDIR/oot"
mkdir -p "$work"
cp examples/custom_backend/custom_backend.cc examples/custom_backend/Makefile "$work/"
make -s -C "$work" FP8SDK_INCLUDE="$PWD/sdk/include" NAME=outoftree >"$work/make.log" 2>&1 ||
  { echo "make failed:"; cat "$work/make.log"; exit 1; }
[ -f "$work/libfp8_backend_outoftree.so" ] || { echo "no plugin built"; exit 1; }
out=$(FP8SDK_BACKEND_PATH="$work" tools/fp8bench/fp8bench tests/tiny_bert_fp8.fp8 --batch 1 --seq 8 \
      --warmup 0 --iterations 1 2>&1) || { echo "fp8bench failed: $out"; exit 1; }
grep -q "outoftree device 0" <<<"$out" || { echo "plugin not loaded:"; echo "$out"; exit 1; }
grep -q "partition on \[[0-9]\] outoftree" <<<"$out" || { echo "plugin claimed nothing:"; echo "$out"; exit 1; }
echo "loaded and ran: $(grep -c 'outoftree' <<<"$out") lines name it"
