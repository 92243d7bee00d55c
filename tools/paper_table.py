#!/usr/bin/python3
"""Builds the FP32 vs FP8 vs INT8 table on SST-2 dev (docs/results.md) and the per-layer SQNR
plot (docs/sqnr_fp8_vs_int8.svg), for the committed demo model and a larger one trained by
models/train_sst2.py, on every backend this machine has.

    /usr/bin/python3 tools/paper_table.py            # from the repository root

Steps (all commands are printed and written into docs/results.md):
  1. train the larger model (4 layers, hidden 256) if $TABLE_WORK/sst2_small is missing;
  2. fp8conv every variant: FP32, E4M3 with min-max / percentile / MSE calibration, E5M2,
     INT8 with per-tensor and per-channel weight scales, per-layer FP8 format search;
  3. fp8eval each model file on SST-2 dev with --backend all (every backend that can run it);
  4. write the table, the cross-backend agreement and the SQNR plot.
Needs ../shared/data (or $FP8SDK_DATA) and, for step 1, tools/setup.sh --train.
"""

import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("FP8SDK_DATA", os.path.join(REPO, "..", "shared", "data"))
WORK = os.environ.get("TABLE_WORK", "/tmp/fp8sdk-table")
VOCAB = os.path.join(DATA, "vocab", "bert-base-uncased-vocab.txt")
TRAIN = os.path.join(DATA, "sst2", "train.tsv")
DEV = os.path.join(DATA, "sst2", "dev.tsv")
CONV = os.path.join(REPO, "bazel-bin", "converter", "fp8conv")
EVAL = os.path.join(REPO, "bazel-bin", "tools", "fp8eval", "fp8eval")
SMALL_TRAIN = ["/usr/bin/python3", "models/train_sst2.py", "--out", os.path.join(WORK, "sst2_small"),
               "--layers", "4", "--hidden", "256", "--heads", "4", "--intermediate", "1024",
               "--epochs", "2", "--lr", "3e-4"]

# name, fp8conv options (None: the FP32 model as imported)
VARIANTS = [
    ("FP32", None),
    ("E4M3 min-max", ["--format", "e4m3", "--calibration", "minmax"]),
    ("E4M3 percentile 99.99", ["--format", "e4m3", "--calibration", "percentile"]),
    ("E4M3 MSE", ["--format", "e4m3", "--calibration", "mse"]),
    ("E5M2 min-max", ["--format", "e5m2", "--calibration", "minmax"]),
    ("INT8 per-tensor weights", ["--format", "int8", "--weights", "per-tensor"]),
    ("INT8 per-channel weights", ["--format", "int8", "--weights", "per-channel"]),
    ("FP8 per-layer format (Kuzmin)", ["--format", "e4m3", "--search-format"]),
]

commands = []


def run(cmd, dry=False, **kw):
    """Runs a command (dry: only records it) and keeps it for docs/results.md."""
    shown = " ".join(cmd).replace(REPO + "/", "").replace(DATA, "$DATA").replace(WORK, "$WORK")
    commands.append(shown)
    print(("  (done) " if dry else "+ ") + shown, flush=True)
    if not dry:
        subprocess.run(cmd, check=True, cwd=REPO, **kw)


def slug(name):
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")


def main():
    for f in (VOCAB, TRAIN, DEV):
        if not os.path.exists(f):
            sys.exit("paper_table: missing %s (set FP8SDK_DATA)" % f)
    os.makedirs(WORK, exist_ok=True)
    run(["bazel", "build", "--noshow_progress", "//:fp8conv", "//:fp8eval"])
    small = os.path.join(WORK, "sst2_small")
    # Trained once (about 10 minutes on 2 cores); recorded either way.
    run(SMALL_TRAIN, dry=os.path.exists(os.path.join(small, "model.safetensors")))
    models = [("sst2_tiny (2 layers, hidden 128)", os.path.join(REPO, "models", "sst2_tiny")),
              ("sst2_small (4 layers, hidden 256)", small)]
    results = {}  # (model, variant) -> fp8eval json
    reports = {}  # (model, variant) -> fp8conv report
    for mname, mdir in models:
        for vname, opts in VARIANTS:
            out = os.path.join(WORK, "%s_%s.fp8" % (os.path.basename(mdir), slug(vname)))
            rep, ev = out + ".report.json", out + ".eval.json"
            if opts is None:
                convert = [CONV, "convert", mdir, "-o", out, "--no-quantize", "-q"]
            else:
                convert = [CONV, "convert", mdir, "-o", out, "--calib", TRAIN, "--vocab", VOCAB,
                           "--samples", "128", "--eval-samples", "0", "--report", rep, "-q"] + opts
            evaluate = [EVAL, out, "--data", DEV, "--vocab", VOCAB, "--backend", "all", "--out", ev]
            # TABLE_REUSE=1 keeps the results of an interrupted run.
            reuse = bool(os.environ.get("TABLE_REUSE")) and os.path.exists(ev)
            t0 = time.time()
            run(convert, dry=reuse)
            run(evaluate, dry=reuse, stdout=subprocess.DEVNULL)
            print("   %.0f s%s" % (time.time() - t0, " (reused)" if reuse else ""), flush=True)
            if opts is not None:
                reports[(mname, vname)] = json.load(open(rep))
            results[(mname, vname)] = json.load(open(ev))
    write_docs(models, results, reports)


def write_docs(models, results, reports):
    docs = os.path.join(REPO, "docs")
    os.makedirs(docs, exist_ok=True)
    backends = []
    for r in results.values():
        for x in r["results"]:
            if x["backend"] not in backends:
                backends.append(x["backend"])
    lines = ["# FP32 vs FP8 vs INT8 on SST-2 dev", "",
             "Made by `tools/paper_table.py` on %s (%s). Accuracy on the 872 GLUE SST-2 dev "
             "sentences, per backend (%s); calibration on 128 SST-2 training sentences; the "
             "BERT recipe of `fp8conv` (every encoder LINEAR's weights and input activations "
             "quantized; embeddings, LayerNorm, Softmax, attention products, pooler and "
             "classifier in float32)." % (time.strftime("%Y-%m-%d"), os.uname().nodename,
                                          ", ".join(backends)), ""]
    for mname, _ in models:
        lines += ["## %s" % mname, "",
                  "| variant | " + " | ".join("accuracy (%s)" % b for b in backends) +
                  " | F1 | MCC | Δ accuracy vs FP32 |",
                  "|---|" + "---|" * (len(backends) + 3)]
        base = None
        for vname, _ in VARIANTS:
            r = results[(mname, vname)]
            acc = {x["backend"]: x["accuracy"] for x in r["results"]}
            first = r["results"][0]
            if base is None:
                base = first["accuracy"]
            cells = ["%.2f%%" % (100 * acc[b]) if b in acc else "—" for b in backends]
            lines.append("| %s | %s | %.4f | %.4f | %+.2f pt |" % (
                vname, " | ".join(cells), first["f1"], first["mcc"],
                100 * (first["accuracy"] - base)))
        lines.append("")
    lines += ["## Cross-backend agreement (same model file, all dev sentences)", "",
              "| model | variant | backends | label agreement | max logit difference (relative) |",
              "|---|---|---|---|---|"]
    for mname, _ in models:
        for vname, _ in VARIANTS:
            for p in results[(mname, vname)]["agreement"]:
                lines.append("| %s | %s | %s vs %s | %.2f%% | %.2g |" % (
                    mname.split(" ")[0], vname, p["a"], p["b"], 100 * p["label_agreement"],
                    p["max_logit_diff_relative"]))
    lines += ["", "## Per-layer SQNR: FP8 E4M3 against INT8", "",
              "![per-layer SQNR](sqnr_fp8_vs_int8.svg)", "",
              "SQNR (dB) of every quantized LINEAR's input activation on the 128 calibration "
              "sentences (signal: the FP32 activation; noise: its quantization error), from the "
              "fp8conv reports (E4M3 min-max vs INT8 per-channel weights, both with per-tensor "
              "activation scales), %s." % models[-1][0], "",
              "## Commands", "", "```sh"] + commands + ["```", ""]
    open(os.path.join(docs, "results.md"), "w").write("\n".join(lines))
    mname = models[-1][0]
    write_svg(os.path.join(docs, "sqnr_fp8_vs_int8.svg"),
              reports[(mname, "E4M3 min-max")], reports[(mname, "INT8 per-channel weights")])
    print("wrote docs/results.md and docs/sqnr_fp8_vs_int8.svg")


def layer_sqnr(report):
    """SQNR (dB) of each quantized LINEAR's input activation on the calibration data."""
    out = {}
    for t in report["tensors"]:
        if t.get("kind") == "activation" and "sqnr_db" in t:
            out[t["node"]] = t["sqnr_db"]
    return out


def write_svg(path, fp8_report, int8_report):
    a, b = layer_sqnr(fp8_report), layer_sqnr(int8_report)
    nodes = [n for n in a if n in b]
    w, h, left, bottom, top = 60 + 26 * len(nodes), 420, 50, 170, 30
    vmax = max([a[n] for n in nodes] + [b[n] for n in nodes] + [1.0])
    scale = (h - bottom - top) / vmax
    s = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" '
         'font-size="10">' % (w + 40, h),
         '<text x="%d" y="18" font-size="13">Input activation SQNR per quantized layer (dB): '
         'FP8 E4M3 (blue) vs INT8 (orange)</text>' % left]
    y0 = h - bottom
    for v in range(0, int(vmax) + 1, 10):
        y = y0 - v * scale
        s.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (left, w, y, y))
        s.append('<text x="%d" y="%.1f" text-anchor="end">%d</text>' % (left - 4, y + 3, v))
    for i, n in enumerate(nodes):
        x = left + 8 + 26 * i
        for j, (val, color) in enumerate(((a[n], "#3b6fb6"), (b[n], "#e08a2c"))):
            s.append('<rect x="%d" y="%.1f" width="10" height="%.1f" fill="%s"/>' % (
                x + 11 * j, y0 - val * scale, val * scale, color))
        label = n.replace("encoder.layer.", "L").replace("attention.", "att.")
        s.append('<text transform="translate(%d,%d) rotate(-60)" text-anchor="end">%s</text>' % (
            x + 10, y0 + 10, label))
    s.append("</svg>")
    open(path, "w").write("\n".join(s))


if __name__ == "__main__":
    main()
