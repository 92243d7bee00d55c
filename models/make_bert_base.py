#!/usr/bin/env python3
"""Writes a BERT-base-shaped classifier (12 layers, hidden 768, 12 heads, FFN 3072,
vocabulary 30522) with random weights as a standard torch ONNX export (opset 17,
constant folding on) plus its Hugging Face directory, for speed comparisons with
ONNX Runtime (tools/bench_vs_ort.sh). Weights are random: for timing only.

usage: /usr/bin/python3 models/make_bert_base.py [--no-onnx] OUT_DIR   (needs tools/setup.sh --train)

--no-onnx writes the Hugging Face directory alone (fp8conv converts either).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402
import train_sst2 as ts  # noqa: E402


def main():
    args = sys.argv[1:]
    onnx = "--no-onnx" not in args
    args = [a for a in args if a != "--no-onnx"]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = args[0]
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(2)
    cfg = ts.default_config(hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                            intermediate_size=3072)
    model = ts.BertForSequenceClassification(cfg)
    mf.randomize(model, torch.Generator().manual_seed(7))
    ts.write_config(os.path.join(out, "config.json"), cfg)
    ts.write_safetensors(os.path.join(out, "model.safetensors"), model.state_dict())
    written = ["config.json", "model.safetensors"]
    if onnx:
        ts.export_onnx(model, os.path.join(out, "model.onnx"), opset=17, constant_folding=True)
        written.insert(0, "model.onnx")
    print(f"wrote {', '.join(written)} in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
