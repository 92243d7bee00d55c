#!/usr/bin/env python3
"""The PyTorch side of the CUDA backend's end-to-end target: a BERT-base-shaped classifier
(models/train_sst2.py's model, the same math as Hugging Face BertForSequenceClassification) in
bf16, eager mode, on the GPU; batch 32, sequence 128 by default; median of timed runs with CUDA
events. Compare with `fp8bench MODEL.fp8 --backend cuda --batch 32 --seq 128` on the same GPU.

    python3 tools/torch_bert_bench.py [--batch 32] [--seq 128] [--iterations 50] [--json FILE]
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
import train_sst2 as ts  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--iterations", type=int, default=50)
    ap.add_argument("--json")
    a = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("torch_bert_bench: no CUDA GPU")
    cfg = ts.default_config(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                            intermediate_size=3072)
    model = ts.BertForSequenceClassification(cfg).eval().to("cuda", torch.bfloat16)
    ids = torch.randint(0, cfg["vocab_size"], (a.batch, a.seq), device="cuda")
    types = torch.zeros_like(ids)
    mask = torch.ones_like(ids)
    times = []
    with torch.inference_mode():
        for i in range(a.warmup + a.iterations):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            model(ids, mask, types)
            end.record()
            torch.cuda.synchronize()
            if i >= a.warmup:
                times.append(start.elapsed_time(end))
    times.sort()
    r = {"device": torch.cuda.get_device_name(), "batch": a.batch, "seq": a.seq,
         "median_ms": times[len(times) // 2], "p90_ms": times[int(len(times) * 0.9)],
         "torch": torch.__version__}
    print(json.dumps(r))
    if a.json:
        json.dump(r, open(a.json, "w"), indent=2)


if __name__ == "__main__":
    main()
