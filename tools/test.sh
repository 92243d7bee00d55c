#!/usr/bin/env bash
# Builds everything and runs every test with Bazel, then prints one summary
# line "N passed, N failed, N skipped" counted over the GoogleTest cases of
# all test targets (a target that fails without a result file, e.g. a crash
# or a time-out, counts as one failure). Exits non-zero on any failure.
# Extra arguments go to `bazel test` (e.g. a target pattern).
#
#   tools/test.sh [--asan | --tsan | --aarch64] [bazel test arguments...]
# --asan / --tsan build and run the suite under AddressSanitizer +
# UndefinedBehaviorSanitizer / ThreadSanitizer (.bazelrc configs) in an
# output base of their own, so the default build stays as it is.
# --aarch64 cross-compiles for 64-bit ARM (tools/setup.sh --aarch64 installs
# what it needs) and runs the C++ tests under qemu-aarch64, also in an output
# base of its own: every cc_test but those that link the ONNX import (not
# built for ARM), the x86 FP8 GEMM products' test, the conformance variants
# that only force those products, and the Vulkan variants (the main
# conformance test runs the Vulkan backend on lavapipe too). No SST-2 data under emulation (each backend's 872 sentences
# take ~5 minutes there): those cases skip, TinyBERT's end-to-end cases run.
set -uo pipefail
cd "$(dirname "$0")/.."

startup=()
aarch64=""
flags=(--test_summary=short)
testlogs=bazel-testlogs
case "${1:-}" in
  --asan | --tsan)
    config="${1#--}"
    shift
    # One output base per checkout and configuration.
    startup=(--output_base="$HOME/.cache/fp8sdk-bazel-$config-$(pwd | md5sum | cut -c1-8)")
    flags+=(--config="$config" --symlink_prefix=/)
    testlogs="$(bazel "${startup[@]}" info --config="$config" bazel-testlogs 2>/dev/null)"
    # LeakSanitizer: ignore what system drivers keep for the process's life.
    flags+=(--test_env=LSAN_OPTIONS=suppressions="$(pwd)/tools/lsan.supp")
    flags+=(--test_env=TSAN_OPTIONS=halt_on_error=1:suppressions="$(pwd)/tools/tsan.supp")
    [ "$config" = tsan ] && flags+=(--test_tag_filters=-no_tsan)
    ;;
  --aarch64)
    shift
    aarch64=1
    startup=(--output_base="$HOME/.cache/fp8sdk-bazel-aarch64-$(pwd | md5sum | cut -c1-8)")
    flags+=(--config=aarch64 --symlink_prefix=/ --run_under=/usr/bin/qemu-aarch64)
    testlogs="$(bazel "${startup[@]}" info --config=aarch64 bazel-testlogs 2>/dev/null)"
    ;;
esac
if [ -n "${CI:-}" ] || [ ! -t 1 ]; then
  flags+=(--curses=no --color=no --show_progress_rate_limit=30)
fi
if [ -n "${CI:-}" ]; then
  # CI proves the tree works now: run every test even when Bazel's cache has a
  # result for the same inputs (the cache still serves compiled objects).
  flags+=(--nocache_test_results)
fi
# Where tests find the shared data (SST-2, the BERT vocabulary) and the npm
# test peers; tests that need them skip with a message when they are absent.
if [ -z "${FP8SDK_DATA:-}" ] && [ -d ../shared/data ]; then
  FP8SDK_DATA=$(cd ../shared/data && pwd)
fi
export FP8SDK_DATA="${FP8SDK_DATA:-}"
[ -n "${aarch64:-}" ] && FP8SDK_DATA=""
export FP8SDK_NODE_MODULES="${FP8SDK_NODE_MODULES:-$(pwd)/tools/npm/node_modules}"
flags+=(--test_env=FP8SDK_DATA --test_env=FP8SDK_NODE_MODULES --test_env=PATH)

targets=("$@")
if [ ${#targets[@]} -eq 0 ] && [ -n "${aarch64:-}" ]; then
  mapfile -t targets < <(bazel "${startup[@]}" query \
    'kind(cc_test, //...) except rdeps(//..., @onnx//:onnx) except //backends/cuda/... except //fuzz/... except attr(name, "conformance_(onednn|vulkan)_.*", //tests/...)' 2>/dev/null)
  [ ${#targets[@]} -gt 0 ] || { echo "aarch64: no test targets found"; echo "0 passed, 1 failed"; exit 1; }
fi
[ ${#targets[@]} -gt 0 ] || targets=(//...)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
bazel "${startup[@]}" test "${flags[@]}" "${targets[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

python3 tools/test_summary.py "$log" "$testlogs"
summary_status=$?
if [ "$status" -ne 0 ] || [ "$summary_status" -ne 0 ]; then
  exit 1
fi
exit 0
