#!/usr/bin/env python3
"""Turns fp8_convert_benchmark JSON into bandwidth ratios against memcpy.

Usage:
  bazel run -c opt //sdk/numerics:fp8_convert_benchmark -- \
      --benchmark_format=json --benchmark_out=/tmp/conv.json
  tools/bench_ratios.py /tmp/conv.json [--check]

Each conversion is compared, by bytes moved per second (read + written), with
memcpy of its larger buffer measured in the same run at the same element
count: float32 for float->E4M3 and E4M3->float, bf16 for E4M3->bf16. With
--check, exits 1 unless the targets hold on buffers of 64 MiB and more:
float->E4M3 >= 0.5x and E4M3->bf16 >= 0.7x (best instruction set).
"""
import json
import sys

PEERS = {
    "BM_FloatToE4M3": "BM_MemcpyFloat",
    "BM_E4M3ToFloat": "BM_MemcpyFloat",
    "BM_E4M3ToBf16": "BM_MemcpyBf16",
}
TARGETS = {"BM_FloatToE4M3": 0.5, "BM_E4M3ToBf16": 0.7}
# Elements (Mi) at which the larger buffer of each conversion is >= 64 MiB.
TARGET_MIN_MI = {"BM_FloatToE4M3": 16, "BM_E4M3ToBf16": 32}


def main():
    path = sys.argv[1]
    check = "--check" in sys.argv[2:]
    data = json.load(open(path))
    rate = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        parts = b["run_name"].split("/") if "run_name" in b else b["name"].split("/")
        name, args = parts[0], [p for p in parts[1:] if p.isdigit()]
        mi = int(args[0])
        isa = b.get("label", "")
        rate[(name, mi, isa)] = b["bytes_per_second"]
    print(f"{'conversion':16} {'Mi elem':>7} {'isa':>7} {'GB/s':>8} {'memcpy GB/s':>11} {'ratio':>6}")
    ok = True
    best = {}
    for (name, mi, isa), bps in sorted(rate.items()):
        if name not in PEERS:
            continue
        peer = rate.get((PEERS[name], mi, ""))
        if not peer:
            continue
        ratio = bps / peer
        print(f"{name[3:]:16} {mi:7d} {isa:>7} {bps / 1e9:8.2f} {peer / 1e9:11.2f} {ratio:6.2f}")
        if mi >= TARGET_MIN_MI.get(name, 1 << 30):
            best[(name, mi)] = max(best.get((name, mi), 0.0), ratio)
    for (name, mi), ratio in sorted(best.items()):
        target = TARGETS[name]
        verdict = "ok" if ratio >= target else "BELOW TARGET"
        print(f"target {name[3:]} at {mi} Mi elements: best {ratio:.2f}x memcpy, "
              f"need {target}x: {verdict}")
        ok &= ratio >= target
    if check and not ok:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
