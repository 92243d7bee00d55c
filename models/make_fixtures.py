#!/usr/bin/python3
"""Build the small random BERT test fixtures in tests/data/bert_random/.

    /usr/bin/python3 models/make_fixtures.py [--out tests/data/bert_random] [--seed 20240611]

A BERT-for-sequence-classification with random weights (vocab 1000, hidden 32, 2 layers,
4 heads, intermediate 64, 64 positions, 2 labels), saved the ways real users get such models:

- erf_opset17.onnx, erf_opset11.onnx, tanh_opset14.onnx: torch.onnx.export with the defaults
  users get (do_constant_folding=True, self-contained), dynamic batch/sequence axes;
- hf_f32/, hf_f16/, hf_bf16/ (erf model) and hf_tanh/ (tanh model, F32): Hugging Face
  directories (config.json + model.safetensors);
- golden.json: 3 inputs (batch 2, sequence 7) and the torch FP32 logits of every model.

The model code, safetensors writer and ONNX Runtime check come from models/train_sst2.py.
"""

import argparse
import collections
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_sst2 as ts  # noqa: E402

REPO = ts.REPO


def fixture_config(act, torch_dtype="float32"):
    return ts.default_config(vocab_size=1000, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                             intermediate_size=64, max_position_embeddings=64, hidden_act=act,
                             torch_dtype=torch_dtype)


def randomize(model, gen):
    """Every parameter random and O(1)-effective (the HF init would make attention nearly uniform
    and biases/LayerNorm trivial, so loaders that drop or swap them would go unnoticed):
    Linear weights N(0, 1/fan_in), times 2 for intermediate.dense (puts GELU inputs where the erf
    and tanh forms differ most, |x| ~ 2.7) and times 3 for the classifier (O(1) logits); biases
    N(0, 0.1^2); LayerNorm gamma 1 + N(0, 0.1^2), beta N(0, 0.1^2); embeddings (pad row included)
    N(0, 0.5^2)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "LayerNorm" in name:
                if name.endswith("weight"):
                    p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=gen))
                else:
                    p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            elif "embeddings" in name:
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            else:
                gain = 2.0 if "intermediate" in name else 3.0 if name.startswith("classifier") else 1.0
                p.copy_(gain * torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[1]))


def golden_inputs(seed):
    """3 inputs, batch 2, sequence 7: [CLS]=101 ... [SEP]=102, ids < 1000; one row of each has
    attention_mask 0s at its end (input_ids 0 = [PAD] there); token_type_ids have some 1s."""
    rs = np.random.RandomState(seed)
    specs = [  # (valid length per row, first segment-B position per row or None)
        ((7, 5), (4, None)),
        ((4, 7), (None, 3)),
        ((7, 6), (5, 2)),
    ]
    out = []
    for lens, segb in specs:
        ids, mask, tt = [], [], []
        for n, sb in zip(lens, segb):
            row = [101] + [int(x) for x in rs.randint(103, 1000, size=n - 2)] + [102] + [0] * (7 - n)
            ids.append(row)
            mask.append([1] * n + [0] * (7 - n))
            tt.append([0] * 7 if sb is None else [0] * sb + [1] * (n - sb) + [0] * (7 - n))
        out.append({"input_ids": ids, "attention_mask": mask, "token_type_ids": tt})
    return out


def rounded_copy(model, cfg, dtype):
    m = ts.BertForSequenceClassification(cfg)
    sd = model.state_dict()
    m.load_state_dict({k: v.to(dtype).to(torch.float32) for k, v in sd.items()})
    return m.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "data", "bert_random"))
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)

    gen = torch.Generator().manual_seed(args.seed)
    erf = ts.BertForSequenceClassification(fixture_config("gelu"))
    randomize(erf, gen)
    erf.eval()
    # The tanh model has the same weights; only hidden_act differs ("gelu_new").
    tanh = ts.BertForSequenceClassification(fixture_config("gelu_new"))
    tanh.load_state_dict(erf.state_dict())
    tanh.eval()

    models = collections.OrderedDict()
    # ONNX files exported the standard way.
    for fn, model, opset in (("erf_opset17.onnx", erf, 17), ("erf_opset11.onnx", erf, 11),
                             ("tanh_opset14.onnx", tanh, 14)):
        path = os.path.join(args.out, fn)
        ts.export_onnx(model, path, opset, constant_folding=True)
        models[fn] = model
    # Hugging Face directories.
    for d, model, st_dtype, tdtype, cfg_dtype in (
            ("hf_f32", erf, "F32", torch.float32, "float32"),
            ("hf_f16", erf, "F16", torch.float16, "float16"),
            ("hf_bf16", erf, "BF16", torch.bfloat16, "bfloat16"),
            ("hf_tanh", tanh, "F32", torch.float32, "float32")):
        os.makedirs(os.path.join(args.out, d), exist_ok=True)
        cfg = dict(model.config, torch_dtype=cfg_dtype)
        ts.write_config(os.path.join(args.out, d, "config.json"), cfg)
        sd = collections.OrderedDict((k, v.detach().contiguous()) for k, v in model.state_dict().items())
        st = os.path.join(args.out, d, "model.safetensors")
        ts.write_safetensors(st, sd, st_dtype)
        n = ts.roundtrip_check(st, sd, st_dtype)
        # Reference: torch, float32 arithmetic on the weights as stored (rounded to f16/bf16).
        models[d] = model if tdtype == torch.float32 else rounded_copy(model, model.config, tdtype)
        print("%s: %d tensors %s, read back identically" % (d, n, st_dtype))

    inputs = golden_inputs(args.seed)
    logits = collections.OrderedDict()
    for name, model in models.items():
        logits[name] = [ts.torch_logits(model, x).tolist() for x in inputs]

    # ONNX Runtime and op types.
    report = collections.OrderedDict()
    import onnx
    for fn in ("erf_opset17.onnx", "erf_opset11.onnx", "tanh_opset14.onnx"):
        path = os.path.join(args.out, fn)
        onnx.checker.check_model(path)
        m = onnx.load(path)
        ops = ts.onnx_op_types(path)
        inits = [(i.name, list(i.dims)) for i in m.graph.initializer]
        outs = ts.run_ort(path, inputs)
        diff = None if outs is None else max(float(np.abs(o - np.array(l, dtype=np.float32)).max())
                                             for o, l in zip(outs, logits[fn]))
        report[fn] = {"opset": m.opset_import[0].version, "op_types": ops, "ort_max_abs_diff": diff,
                      "n_initializers": len(inits), "n_nodes": len(m.graph.node)}
        print("%s: opset %d, %d nodes, op types %s" % (fn, m.opset_import[0].version, len(m.graph.node), ops))
        print("   initializers (%d): %s" % (len(inits), ", ".join("%s%s" % (n, d) for n, d in inits)))
        print("   max |ORT - torch| = %s" % diff)
        if diff is not None and diff > 1e-4:
            raise SystemExit("ORT and torch differ on %s by %g" % (fn, diff))

    def maxdiff(a, b):
        return float(max(np.abs(np.array(x) - np.array(y)).max() for x, y in zip(logits[a], logits[b])))

    contrasts = collections.OrderedDict([
        ("erf_vs_tanh", maxdiff("hf_f32", "hf_tanh")),
        ("f32_vs_f16", maxdiff("hf_f32", "hf_f16")),
        ("f32_vs_bf16", maxdiff("hf_f32", "hf_bf16")),
    ])
    # What ignoring attention_mask or token_type_ids would change (all inputs, erf f32 model).
    contrasts["ignore_attention_mask"] = max(float(np.abs(ts.torch_logits(erf, dict(x, attention_mask=[[1] * 7] * 2))
                                                      - np.array(l)).max()) for x, l in zip(inputs, logits["hf_f32"]))
    contrasts["ignore_token_type_ids"] = max(float(np.abs(ts.torch_logits(erf, dict(x, token_type_ids=[[0] * 7] * 2))
                                                      - np.array(l)).max()) for x, l in zip(inputs, logits["hf_f32"]))
    print("max |logit difference| between variants:", dict(contrasts))

    golden = collections.OrderedDict([
        ("description", "Random BERT fixtures (models/make_fixtures.py, seed %d). logits[model][i] are the torch "
                        "FP32 logits [batch=2][labels=2] for inputs[i]; hf_f16/hf_bf16 logits are computed in "
                        "float32 from the weights rounded to f16/bf16 (exactly what the safetensors hold). "
                        "erf_* / hf_f32 / hf_f16 / hf_bf16 share weights (hidden_act gelu); tanh_opset14 / "
                        "hf_tanh have the same weights with hidden_act gelu_new." % args.seed),
        ("seed", args.seed),
        ("inputs", inputs),
        ("logits", logits),
        ("ort_max_abs_diff", {k: v["ort_max_abs_diff"] for k, v in report.items()}),
        ("onnx_op_types", {k: v["op_types"] for k, v in report.items()}),
        ("variant_max_abs_diff", contrasts),
    ])
    with open(os.path.join(args.out, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")

    total = 0
    for root, _, files in sorted(os.walk(args.out)):
        for fn in sorted(files):
            p = os.path.join(root, fn)
            total += os.path.getsize(p)
            print("%-32s %8d  %s" % (os.path.relpath(p, args.out), os.path.getsize(p), ts.sha256(p)))
    print("total %d bytes" % total)


if __name__ == "__main__":
    main()
