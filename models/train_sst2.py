#!/usr/bin/python3
"""Train a bert-tiny-shaped BERT classifier from scratch on GLUE SST-2 and export it.

Run with Debian's interpreter (it has python3-torch, python3-onnx, python3-numpy; install them with
`tools/setup.sh --train`), from the repository root:

    /usr/bin/python3 models/train_sst2.py --out models/sst2_tiny

Everything is self-contained (no `transformers`, `tokenizers` or `safetensors` package):

- a faithful BERT BasicTokenizer + WordPiece tokenizer (uncased);
- a BERT model whose state_dict keys are exactly those of Hugging Face
  BertForSequenceClassification, computing the same math as HF BERT;
- a safetensors writer and reader;
- ONNX export (opset 17) whose float parameters are ONNX external data pointing *into*
  model.safetensors, so that the weights are stored once;
- a check against ONNX Runtime (onnxruntime-node from tools/npm) when node is available.

The output directory gets config.json, model.safetensors, model.onnx, dev_logits_sample.json and
README.md. models/make_fixtures.py reuses the pieces of this file to build the small test models
in tests/data/bert_random/.
"""

import argparse
import collections
import hashlib
import inspect
import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import time
import unicodedata

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --------------------------------------------------------------------------------------------
# Tokenizer: BERT BasicTokenizer + WordPiece (as in Google's BERT / HF BertTokenizer, uncased)
# --------------------------------------------------------------------------------------------

def _is_whitespace(ch):
    if ch in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(ch) == "Zs"


def _is_control(ch):
    if ch in ("\t", "\n", "\r"):
        return False
    return unicodedata.category(ch).startswith("C")


def _is_punctuation(ch):
    cp = ord(ch)
    # All non-letter/number ASCII is punctuation for BERT (e.g. "^", "$", "`").
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_chinese_char(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _whitespace_split(text):
    text = text.strip()
    return text.split() if text else []


class BertTokenizer:
    """Uncased BERT tokenizer: BasicTokenizer (clean, CJK split, lower-case, NFD accent strip,
    punctuation split) then greedy longest-match-first WordPiece with '##' continuations."""

    def __init__(self, vocab_path, max_input_chars_per_word=100):
        self.vocab = collections.OrderedDict()
        with open(vocab_path, encoding="utf-8") as f:
            for i, line in enumerate(f):
                self.vocab[line.rstrip("\n")] = i
        self.max_input_chars_per_word = max_input_chars_per_word
        self.unk_id = self.vocab["[UNK]"]
        self.cls_id = self.vocab["[CLS]"]
        self.sep_id = self.vocab["[SEP]"]
        self.pad_id = self.vocab["[PAD]"]

    # BasicTokenizer
    @staticmethod
    def _clean_text(text):
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or _is_control(ch):
                continue
            out.append(" " if _is_whitespace(ch) else ch)
        return "".join(out)

    @staticmethod
    def _tokenize_chinese_chars(text):
        out = []
        for ch in text:
            if _is_chinese_char(ord(ch)):
                out.extend((" ", ch, " "))
            else:
                out.append(ch)
        return "".join(out)

    @staticmethod
    def _strip_accents(text):
        text = unicodedata.normalize("NFD", text)
        return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")

    @staticmethod
    def _split_on_punc(text):
        out = []
        start_new = True
        for ch in text:
            if _is_punctuation(ch):
                out.append([ch])
                start_new = True
            else:
                if start_new:
                    out.append([])
                start_new = False
                out[-1].append(ch)
        return ["".join(x) for x in out]

    def basic_tokenize(self, text):
        text = self._clean_text(text)
        text = self._tokenize_chinese_chars(text)
        text = unicodedata.normalize("NFC", text)
        split = []
        for tok in _whitespace_split(text):
            tok = self._strip_accents(tok.lower())
            split.extend(self._split_on_punc(tok))
        return _whitespace_split(" ".join(split))

    # WordPiece
    def wordpiece(self, word):
        chars = list(word)
        if len(chars) > self.max_input_chars_per_word:
            return ["[UNK]"]
        pieces = []
        start = 0
        while start < len(chars):
            end = len(chars)
            cur = None
            while start < end:
                sub = "".join(chars[start:end])
                if start > 0:
                    sub = "##" + sub
                if sub in self.vocab:
                    cur = sub
                    break
                end -= 1
            if cur is None:
                return ["[UNK]"]
            pieces.append(cur)
            start = end
        return pieces

    def tokenize(self, text):
        return [p for w in self.basic_tokenize(text) for p in self.wordpiece(w)]

    def encode(self, text, max_length=None):
        """[CLS] tokens [SEP] as ids, truncated (tokens first) to max_length; no padding."""
        ids = [self.vocab.get(t, self.unk_id) for t in self.tokenize(text)]
        if max_length is not None:
            ids = ids[: max_length - 2]
        return [self.cls_id] + ids + [self.sep_id]


# --------------------------------------------------------------------------------------------
# Model: same module names (hence state_dict keys) and math as HF BertForSequenceClassification
# --------------------------------------------------------------------------------------------

def default_config(**kw):
    cfg = {
        "architectures": ["BertForSequenceClassification"],
        "model_type": "bert",
        "vocab_size": 30522,
        "hidden_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 512,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": 512,
        "type_vocab_size": 2,
        "layer_norm_eps": 1e-12,
        "initializer_range": 0.02,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "classifier_dropout": None,
        "id2label": {"0": "negative", "1": "positive"},
        "label2id": {"negative": 0, "positive": 1},
        "problem_type": "single_label_classification",
        "torch_dtype": "float32",
    }
    cfg.update(kw)
    return cfg


def gelu_erf(x):
    # HF GELUActivation ("gelu") is torch's exact GELU: 0.5 * x * (1 + erf(x / sqrt(2))).
    return F.gelu(x)


def gelu_new(x):
    # HF NewGELUActivation ("gelu_new"), written exactly as transformers writes it.
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACT = {"gelu": gelu_erf, "gelu_new": gelu_new}


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c["vocab_size"], c["hidden_size"], padding_idx=c["pad_token_id"])
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], c["hidden_size"])
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])
        self.register_buffer("position_ids", torch.arange(c["max_position_embeddings"]).expand((1, -1)),
                             persistent=False)

    def forward(self, input_ids, token_type_ids):
        seq_len = input_ids.size(1)
        position_ids = self.position_ids[:, :seq_len]
        e = (self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
             + self.token_type_embeddings(token_type_ids))
        return self.dropout(self.LayerNorm(e))


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_heads = c["num_attention_heads"]
        self.head_dim = c["hidden_size"] // self.num_heads
        h = c["hidden_size"]
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.dropout = nn.Dropout(c["attention_probs_dropout_prob"])

    def _heads(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.num_heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x, ext_mask):
        q = self._heads(self.query(x))
        k = self._heads(self.key(x))
        v = self._heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores + ext_mask
        probs = self.dropout(F.softmax(scores, dim=-1))
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return ctx.view(ctx.size(0), ctx.size(1), -1)


class BertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, h, inp):
        return self.LayerNorm(self.dropout(self.dense(h)) + inp)


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, x, ext_mask):
        return self.output(self.self(x, ext_mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["intermediate_size"])
        self.act = ACT[c["hidden_act"]]

    def forward(self, x):
        return self.act(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["intermediate_size"], c["hidden_size"])
        self.LayerNorm = nn.LayerNorm(c["hidden_size"], eps=c["layer_norm_eps"])
        self.dropout = nn.Dropout(c["hidden_dropout_prob"])

    def forward(self, h, inp):
        return self.LayerNorm(self.dropout(self.dense(h)) + inp)


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)

    def forward(self, x, ext_mask):
        a = self.attention(x, ext_mask)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c["num_hidden_layers"])])

    def forward(self, x, ext_mask):
        for layer in self.layer:
            x = layer(x, ext_mask)
        return x


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c["hidden_size"], c["hidden_size"])

    def forward(self, x):
        return torch.tanh(self.dense(x[:, 0]))


class BertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c)

    def forward(self, input_ids, attention_mask, token_type_ids):
        # In the weights' type (float32 as trained and exported; bf16 when timed in bf16).
        ext = attention_mask[:, None, None, :].to(self.embeddings.word_embeddings.weight.dtype)
        ext = (1.0 - ext) * -10000.0
        h = self.encoder(self.embeddings(input_ids, token_type_ids), ext)
        return self.pooler(h)


class BertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.bert = BertModel(c)
        drop = c.get("classifier_dropout")
        self.dropout = nn.Dropout(c["hidden_dropout_prob"] if drop is None else drop)
        self.classifier = nn.Linear(c["hidden_size"], len(c["id2label"]))
        self.init_weights()

    def init_weights(self):
        # HF BertPreTrainedModel._init_weights
        std = self.config["initializer_range"]
        for m in self.modules():
            if isinstance(m, nn.Linear):
                m.weight.data.normal_(0.0, std)
                m.bias.data.zero_()
            elif isinstance(m, nn.Embedding):
                m.weight.data.normal_(0.0, std)
                if m.padding_idx is not None:
                    m.weight.data[m.padding_idx].zero_()
            elif isinstance(m, nn.LayerNorm):
                m.bias.data.zero_()
                m.weight.data.fill_(1.0)

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.classifier(self.dropout(self.bert(input_ids, attention_mask, token_type_ids)))


# --------------------------------------------------------------------------------------------
# safetensors (written and read by hand; the format is 8-byte LE header size + JSON + data)
# --------------------------------------------------------------------------------------------

ST_DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (None, 2)}


def tensor_bytes(t, dtype):
    t = t.detach().cpu().contiguous()
    if dtype == "F32":
        return t.to(torch.float32).numpy().astype("<f4").tobytes()
    if dtype == "F16":
        return t.to(torch.float16).numpy().astype("<f2").tobytes()
    if dtype == "BF16":
        return t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, dtype="F32"):
    """tensors: ordered {name: torch tensor}. Returns {name: (absolute_offset, length)}."""
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    pos = 0
    for name, t in tensors.items():
        b = tensor_bytes(t, dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [pos, pos + len(b)]}
        blobs.append(b)
        pos += len(b)
    hj = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hj += b" " * ((8 - (8 + len(hj)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)
    base = 8 + len(hj)
    return {n: (base + h["data_offsets"][0], h["data_offsets"][1] - h["data_offsets"][0])
            for n, h in header.items() if n != "__metadata__"}


def read_safetensors(path):
    """Returns ({name: float32 numpy array}, {name: dtype}, {name: (absolute_offset, length)})."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    arrays, dtypes, spans = {}, {}, {}
    prev_end = 0
    for name, h in header.items():
        if name == "__metadata__":
            continue
        b, e = h["data_offsets"]
        dt = h["dtype"]
        count = int(np.prod(h["shape"])) if h["shape"] else 1
        assert e - b == count * ST_DTYPES[dt][1], name
        raw = data[base + b: base + e]
        if dt == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            a = np.frombuffer(raw, dtype=np.dtype(ST_DTYPES[dt][0]).newbyteorder("<")).astype(np.float32)
        arrays[name] = a.reshape(h["shape"])
        dtypes[name] = dt
        spans[name] = (base + b, e - b)
        prev_end = max(prev_end, e)
    assert base + prev_end == len(data), "trailing bytes in safetensors file"
    return arrays, dtypes, spans


def roundtrip_check(path, state_dict, dtype="F32"):
    arrays, dtypes, _ = read_safetensors(path)
    assert list(arrays) == list(state_dict), "tensor names/order differ"
    for k, t in state_dict.items():
        want = t.detach().to(torch.float32)
        if dtype == "F16":
            want = want.half().float()
        elif dtype == "BF16":
            want = want.bfloat16().float()
        assert dtypes[k] == dtype
        assert np.array_equal(arrays[k], want.numpy()), k
    return len(arrays)


def write_config(path, cfg):
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")


# --------------------------------------------------------------------------------------------
# ONNX export and ONNX Runtime check
# --------------------------------------------------------------------------------------------

INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids"]


def export_onnx(model, path, opset, constant_folding):
    model.eval()
    ids = torch.tensor([[101, 7592, 2088, 102, 0, 0, 0], [101, 2023, 2003, 1037, 3231, 1012, 102]])
    ids = ids % model.config["vocab_size"]
    mask = torch.tensor([[1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1]])
    tt = torch.tensor([[0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 1, 1, 1]])
    axes = {n: {0: "batch", 1: "sequence"} for n in INPUT_NAMES}
    axes["logits"] = {0: "batch"}
    # The TorchScript exporter (standard ONNX ops at the opset asked for); newer torch defaults to
    # another exporter, which it still selects with dynamo=False.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    torch.onnx.export(model, (ids, mask, tt), path, input_names=INPUT_NAMES, output_names=["logits"],
                      dynamic_axes=axes, opset_version=opset, do_constant_folding=constant_folding,
                      **legacy)


def externalize_initializers(onnx_path, st_spans, state_dict, st_name="model.safetensors"):
    """Rewrites every float initializer whose name is a parameter as external data pointing into
    the safetensors file. Returns (number externalized, names left embedded)."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(onnx_path)
    done, kept = 0, []
    for init in m.graph.initializer:
        if init.name in st_spans and init.data_type == onnx.TensorProto.FLOAT:
            arr = numpy_helper.to_array(init)
            want = state_dict[init.name].detach().numpy()
            if arr.shape != want.shape or not np.array_equal(arr, want):
                raise RuntimeError("initializer %s differs from the parameter" % init.name)
            off, length = st_spans[init.name]
            assert length == arr.size * 4
            init.ClearField("raw_data")
            init.ClearField("float_data")
            init.data_location = onnx.TensorProto.EXTERNAL
            del init.external_data[:]
            for k, v in (("location", st_name), ("offset", str(off)), ("length", str(length))):
                e = init.external_data.add()
                e.key, e.value = k, v
            done += 1
        else:
            kept.append((init.name, onnx.TensorProto.DataType.Name(init.data_type), list(init.dims)))
    missing = sorted(set(st_spans) - {i.name for i in m.graph.initializer})
    # onnx.save would try to handle external data itself; write the protobuf as is.
    with open(onnx_path, "wb") as f:
        f.write(m.SerializeToString())
    return done, kept, missing


def onnx_op_types(path):
    import onnx
    m = onnx.load(path, load_external_data=False)
    return sorted({n.op_type for n in m.graph.node})


ORT_JS = r"""
const fs = require('fs');
const ort = require(process.argv[1]);
const req = JSON.parse(fs.readFileSync(0, 'utf8'));
(async () => {
  const s = await ort.InferenceSession.create(req.model);
  const out = [];
  for (const f of req.feeds) {
    const feeds = {};
    for (const k of ['input_ids', 'attention_mask', 'token_type_ids']) {
      const a = f[k];
      feeds[k] = new ort.Tensor('int64', BigInt64Array.from(a.flat().map(BigInt)), [a.length, a[0].length]);
    }
    const r = await s.run(feeds);
    out.push({dims: r.logits.dims, data: Array.from(r.logits.data)});
  }
  process.stdout.write(JSON.stringify(out));
})().catch(e => { process.stderr.write(String(e && e.stack || e)); process.exit(2); });
"""


def ort_module_path():
    nm = os.environ.get("FP8SDK_NODE_MODULES", os.path.join(REPO, "tools", "npm", "node_modules"))
    return os.path.join(nm, "onnxruntime-node")


def run_ort(onnx_path, feeds):
    """feeds: list of {input name: 2-D list of ints}. Returns list of numpy logits, or raises
    RuntimeError with ONNX Runtime's message. Returns None if node/onnxruntime-node is absent."""
    node = shutil.which("node")
    mod = ort_module_path()
    if node is None or not os.path.isdir(mod):
        return None
    req = json.dumps({"model": os.path.abspath(onnx_path), "feeds": feeds})
    p = subprocess.run([node, "-e", ORT_JS, mod], input=req.encode(), capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode(errors="replace").strip())
    res = json.loads(p.stdout)
    return [np.array(r["data"], dtype=np.float32).reshape(r["dims"]) for r in res]


def torch_logits(model, feed):
    model.eval()
    with torch.no_grad():
        return model(*[torch.tensor(feed[k], dtype=torch.int64) for k in INPUT_NAMES]).numpy()


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# SST-2 data and training
# --------------------------------------------------------------------------------------------

def read_tsv(path):
    """GLUE SST-2 tsv: a header line (label<TAB>sentence or label<TAB>content), then rows."""
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        li = header.index("label")
        ti = 1 - li
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 2:
                continue
            rows.append((parts[ti], int(parts[li])))
    return rows


def make_batch(encoded, pad_id):
    L = max(len(x) for x in encoded)
    ids = torch.full((len(encoded), L), pad_id, dtype=torch.int64)
    mask = torch.zeros((len(encoded), L), dtype=torch.int64)
    for i, x in enumerate(encoded):
        ids[i, :len(x)] = torch.tensor(x)
        mask[i, :len(x)] = 1
    return ids, mask, torch.zeros_like(ids)


def epoch_batches(encoded, batch_size, rng, bucket=50):
    """Shuffled batches with little padding: shuffle, cut into chunks of `bucket` batches, sort each
    chunk by length, cut it into batches, shuffle the batch order (SST-2 train averages 13 tokens;
    random batches would be padded to 44 on average)."""
    order = list(range(len(encoded)))
    rng.shuffle(order)
    batches = []
    for c in range(0, len(order), batch_size * bucket):
        chunk = sorted(order[c:c + batch_size * bucket], key=lambda i: len(encoded[i]))
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def evaluate(model, enc, labels, pad_id, bs=256):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(enc), bs):
            logits = model(*make_batch(enc[i:i + bs], pad_id))
            correct += int((logits.argmax(-1) == torch.tensor(labels[i:i + bs])).sum())
    return correct / len(enc)


def train(args):
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    tok = BertTokenizer(args.vocab)
    train_rows = read_tsv(os.path.join(args.data_dir, "train.tsv"))
    dev_rows = read_tsv(os.path.join(args.data_dir, "dev.tsv"))
    t0 = time.time()
    tr_enc = [tok.encode(s, args.max_length) for s, _ in train_rows]
    tr_lab = [l for _, l in train_rows]
    dv_enc = [tok.encode(s, args.max_length) for s, _ in dev_rows]
    dv_lab = [l for _, l in dev_rows]
    print("tokenized %d train / %d dev sentences in %.1fs" % (len(tr_enc), len(dv_enc), time.time() - t0),
          flush=True)

    cfg = default_config(hidden_act=args.hidden_act, hidden_size=args.hidden,
                         num_hidden_layers=args.layers, num_attention_heads=args.heads,
                         intermediate_size=args.intermediate)
    model = BertForSequenceClassification(cfg)
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        (no_decay if n.endswith("bias") or "LayerNorm" in n else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
    steps_per_epoch = len(epoch_batches(tr_enc, args.batch_size, random.Random(0)))
    total = steps_per_epoch * args.epochs
    warm = int(total * args.warmup)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / max(1, warm) if s < warm else max(0.0, (total - s) / max(1, total - warm)))

    t_train = time.time()
    step = 0
    history = []
    for ep in range(args.epochs):
        model.train()
        run_loss, n_loss = 0.0, 0
        for idx in epoch_batches(tr_enc, args.batch_size, rng):
            ids, mask, tt = make_batch([tr_enc[i] for i in idx], tok.pad_id)
            y = torch.tensor([tr_lab[i] for i in idx])
            loss = F.cross_entropy(model(ids, mask, tt), y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            run_loss += loss.item()
            n_loss += 1
            if step % 200 == 0:
                print("epoch %d step %d/%d loss %.4f lr %.2e %.0fs" % (ep + 1, step, total, run_loss / n_loss,
                      sched.get_last_lr()[0], time.time() - t_train), flush=True)
                run_loss, n_loss = 0.0, 0
        acc = evaluate(model, dv_enc, dv_lab, tok.pad_id)
        history.append(acc)
        print("epoch %d dev accuracy %.4f (%d/%d) %.0fs" % (ep + 1, acc, round(acc * len(dv_enc)), len(dv_enc),
              time.time() - t_train), flush=True)
    train_seconds = time.time() - t_train
    return model, tok, dev_rows, dv_enc, dv_lab, history, train_seconds


def export_sst2(args, model, tok, dev_rows, dv_enc, dv_lab, history, train_seconds, command):
    os.makedirs(args.out, exist_ok=True)
    model.eval()
    cfg = {k: v for k, v in model.config.items()}
    sd = collections.OrderedDict((k, v.detach().contiguous()) for k, v in model.state_dict().items())
    st_path = os.path.join(args.out, "model.safetensors")
    spans = write_safetensors(st_path, sd, "F32")
    n = roundtrip_check(st_path, sd, "F32")
    print("model.safetensors: %d tensors, %d parameters, read back identically" %
          (n, sum(v.numel() for v in sd.values())))
    write_config(os.path.join(args.out, "config.json"), cfg)

    # ONNX: export self-contained, then point the parameters into model.safetensors.
    onnx_path = os.path.join(args.out, "model.onnx")
    export_onnx(model, onnx_path, 17, constant_folding=False)
    n_ext, kept, missing = externalize_initializers(onnx_path, spans, sd)
    print("model.onnx: %d initializers -> external data in model.safetensors; embedded: %s; "
          "parameters not found as initializers: %s" % (n_ext, kept, missing))
    import onnx
    onnx.checker.check_model(onnx_path)  # path form: resolves external data next to the model
    m = onnx.load(onnx_path, load_external_data=True)
    from onnx import numpy_helper
    for init in m.graph.initializer:
        if init.name in sd:
            assert np.array_equal(numpy_helper.to_array(init), sd[init.name].numpy()), init.name
    print("onnx.checker OK; external data loads back equal to the parameters")
    op_types = onnx_op_types(onnx_path)
    print("model.onnx op types:", op_types)

    # Golden sample: the first 16 dev sentences, one at a time (no padding).
    sample = []
    for i in range(16):
        feed = {"input_ids": [dv_enc[i]], "attention_mask": [[1] * len(dv_enc[i])],
                "token_type_ids": [[0] * len(dv_enc[i])]}
        lg = torch_logits(model, feed)[0]
        sample.append({"sentence": dev_rows[i][0], "label": dv_lab[i], "tokens": tok.tokenize(dev_rows[i][0]),
                       "input_ids": dv_enc[i], "logits": [float(x) for x in lg]})
    with open(os.path.join(args.out, "dev_logits_sample.json"), "w") as f:
        json.dump({"description": "First 16 sentences of GLUE SST-2 dev.tsv: WordPiece ids from models/train_sst2.py "
                                  "([CLS] ... [SEP], max_length %d, no padding; attention_mask all 1, "
                                  "token_type_ids all 0) and torch FP32 logits [negative, positive]."
                                  % args.max_length,
                   "vocab": "bert-base-uncased-vocab.txt", "max_length": args.max_length, "sentences": sample},
                  f, indent=1)
        f.write("\n")

    ort_max, ort_note = ort_check_sst2(model, onnx_path, sample, dv_enc, dv_lab, tok.pad_id)
    print(ort_note, flush=True)
    if ort_max is not None and ort_max > 1e-4:
        raise SystemExit("ORT and torch differ by %g" % ort_max)

    write_readme(args, cfg, history, train_seconds, command, n_ext, kept, op_types, ort_note, len(sd))
    total = 0
    for fn in sorted(os.listdir(args.out)):
        sz = os.path.getsize(os.path.join(args.out, fn))
        total += sz
        print("%-24s %10d bytes" % (fn, sz))
    print("total %d bytes (%.2f MB)" % (total, total / 1e6))


def ort_check_sst2(model, onnx_path, sample, dv_enc, dv_lab, pad_id):
    """ONNX Runtime vs torch: the 16 golden sentences one at a time, then the whole dev set in padded
    batches of 32. Returns (max |ORT - torch| or None, a sentence for the README)."""
    feeds = [{"input_ids": [s["input_ids"]], "attention_mask": [[1] * len(s["input_ids"])],
              "token_type_ids": [[0] * len(s["input_ids"])]} for s in sample]
    for i in range(0, len(dv_enc), 32):
        ids, mask, tt = make_batch(dv_enc[i:i + 32], pad_id)
        feeds.append({"input_ids": ids.tolist(), "attention_mask": mask.tolist(), "token_type_ids": tt.tolist()})
    try:
        outs = run_ort(onnx_path, feeds)
    except RuntimeError as e:
        return None, "ONNX Runtime REFUSED model.onnx: " + str(e)
    if outs is None:
        return None, "node or onnxruntime-node not found; the ONNX Runtime check was skipped."
    ort_max = max(float(np.abs(o - torch_logits(model, f)).max()) for f, o in zip(feeds, outs))
    dev = np.concatenate(outs[len(sample):])
    acc = float((dev.argmax(-1) == np.array(dv_lab)).mean())
    ver = "?"
    try:
        with open(os.path.join(ort_module_path(), "package.json")) as f:
            ver = json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        pass
    return ort_max, ("ONNX Runtime %s (onnxruntime-node, CPU) loads `model.onnx` with its weights read from "
                     "`model.safetensors`: on the 16 golden sentences (one at a time) and on the whole dev set "
                     "(padded batches of 32) max |ORT - torch| = %.2g, and ORT's dev accuracy is %.2f%%."
                     % (ver, ort_max, 100 * acc))


def write_readme(args, cfg, history, train_seconds, command, n_ext, kept, op_types, ort_note, n_tensors):
    files = ["config.json", "model.safetensors", "model.onnx", "dev_logits_sample.json"]
    rows = []
    total = 0
    for fn in files:
        p = os.path.join(args.out, fn)
        sz = os.path.getsize(p)
        total += sz
        rows.append("| `%s` | %d | `%s` |" % (fn, sz, sha256(p)))
    acc = history[-1]
    n_dev = 872
    text = """# {name}: a {L}-layer BERT for SST-2, trained from scratch

A small BERT classifier ({L} layers, hidden {H}, {A} attention heads,
intermediate {I}, vocabulary {V}) trained **from scratch** (random initialisation, no
pre-training) on the GLUE SST-2 training set (67,349 sentences), for fp8sdk's end-to-end tests
and examples: FP32 reference vs FP8 vs INT8 on a real classifier with real text.

- Dev accuracy (GLUE SST-2 dev, 872 sentences, FP32, torch): **{acc:.2%}** ({correct}/872).
  Per epoch: {hist}.
- Training time: {mins:.1f} min in all ({secs:.0f} s of training with {threads} torch thread(s), plus
  tokenization and export).
- Labels: 0 = negative, 1 = positive (`id2label` in config.json).
- Tokenizer: BERT uncased WordPiece (lower-case, strip accents) with the vocabulary of
  bert-base-uncased. The vocabulary is **not** stored here: use
  `../shared/data/vocab/bert-base-uncased-vocab.txt` (or `$FP8SDK_DATA/vocab/...`). Sequences are
  `[CLS] tokens [SEP]`, truncated to {maxlen} tokens; token_type_ids are all 0.

## How it was made

From the repository root, after `tools/setup.sh --train`:

```sh
{command}
```

`models/train_sst2.py` contains everything (tokenizer, model, safetensors writer/reader, export);
no `transformers`/`safetensors` package is used. Hyper-parameters: AdamW lr {lr}, weight decay
{wd} (not on biases and LayerNorm), {warm:.0%} linear warm-up then linear decay, batch {bs},
{epochs} epochs (batches of similar length, shuffled), dropout 0.1, gradient clipping 1.0, seed {seed}, torch {torch_ver}
(Debian python3-torch) with OpenBLAS. Runs are reproducible with the same seed and thread count.

## Files

| File | Bytes | sha256 |
|---|---:|---|
{rows}

Total of these four files: {total} bytes ({total_mb:.2f} MB), plus this README.

- `config.json`: Hugging Face `BertConfig` (`BertForSequenceClassification`, hidden_act `{act}`).
- `model.safetensors`: all {n_tensors} tensors of the model in float32 (`F32`), under the Hugging
  Face names (`bert.embeddings.word_embeddings.weight`, ...,
  `bert.encoder.layer.N.attention.self.query.weight`, ..., `classifier.weight`); Linear weights are
  `[out_features, in_features]` as in torch.
- `model.onnx`: the same network exported by `torch.onnx.export` (opset 17,
  `do_constant_folding=False`), inputs `input_ids`, `attention_mask`, `token_type_ids` (int64,
  `[batch, sequence]`), output `logits` (float32, `[batch, 2]`). Op types: {ops}.
- `dev_logits_sample.json`: golden file for C++ tests: the first 16 dev sentences, their token ids
  from the Python tokenizer (`[CLS] ... [SEP]`, no padding) and the torch FP32 logits.

### How model.onnx references the weights in model.safetensors

The weights are stored once. Every float parameter ({n_ext} initializers, each named with its Hugging
Face name and kept in its torch shape: the encoder's Linear weights `[out, in]` feed a `Transpose`
then `MatMul`, the pooler's and classifier's feed `Gemm` with transB = 1) is an ONNX initializer with `data_location = EXTERNAL` and `external_data` =
`{{location: "model.safetensors", offset: <absolute byte offset of the tensor's data in the file>,
length: <bytes>}}`. The offset is 8 + (safetensors header size) + the tensor's `data_offsets[0]`;
safetensors stores raw little-endian float32, the same bytes ONNX expects. Keep the two files in the
same directory. Initializers left embedded (constants torch created, not parameters): {kept}
(the position ids became a `Constant` node). ONNX Runtime checks that the file exists
(without it: `External data path does not exist`) and reads it; no alignment is required (the offsets
here are multiples of 4, not of 64 or of the page size).

{ort}

`onnx.checker.check_model` (with external data) passes, and the external data loads back equal to
the parameters.

## Licenses

- Training data: GLUE SST-2 (Socher et al. 2013, Stanford Sentiment Treebank; distributed with
  GLUE, Wang et al. 2018). Check the SST/GLUE terms before redistributing data; this directory holds
  no data except the 16 dev sentences quoted in `dev_logits_sample.json` as test vectors.
- Vocabulary: BERT uncased WordPiece vocabulary (google-research/bert), Apache-2.0; not copied here.
- The weights were trained by this project's script and are distributed under the project's
  license.
""".format(name=os.path.basename(os.path.normpath(args.out)), L=cfg["num_hidden_layers"], H=cfg["hidden_size"], A=cfg["num_attention_heads"],
           I=cfg["intermediate_size"], V=cfg["vocab_size"], acc=acc, correct=round(acc * n_dev),
           hist=", ".join("%.2f%%" % (100 * h) for h in history), mins=args.wall_minutes, secs=train_seconds,
           threads=args.threads, maxlen=args.max_length, command=command, lr=args.lr, wd=args.weight_decay,
           warm=args.warmup, bs=args.batch_size, epochs=args.epochs, seed=args.seed,
           torch_ver=torch.__version__, rows="\n".join(rows), total=total, total_mb=total / 1e6,
           act=cfg["hidden_act"], n_tensors=n_tensors, ops=", ".join("`%s`" % o for o in op_types),
           n_ext=n_ext, kept=", ".join("`%s` (%s %s)" % k for k in kept) or "none", ort=ort_note)
    with open(os.path.join(args.out, "README.md"), "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join(REPO, "..", "shared", "data", "sst2"))
    ap.add_argument("--vocab", default=os.path.join(REPO, "..", "shared", "data", "vocab",
                                                    "bert-base-uncased-vocab.txt"))
    ap.add_argument("--out", default=os.path.join(REPO, "models", "sst2_tiny"))
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--warmup", type=float, default=0.1, help="fraction of steps")
    ap.add_argument("--hidden-act", default="gelu", choices=sorted(ACT))
    ap.add_argument("--layers", type=int, default=2, help="encoder layers (bert-tiny: 2)")
    ap.add_argument("--hidden", type=int, default=128, help="hidden size (bert-tiny: 128)")
    ap.add_argument("--heads", type=int, default=2, help="attention heads (bert-tiny: 2)")
    ap.add_argument("--intermediate", type=int, default=512, help="feed-forward size (bert-tiny: 512)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (at most 2; on a busy 2-core machine 1 is much faster)")
    args = ap.parse_args()
    t0 = time.time()
    command = "/usr/bin/python3 models/train_sst2.py " + " ".join(sys.argv[1:])
    model, tok, dev_rows, dv_enc, dv_lab, history, secs = train(args)
    print("dev accuracy %.4f; training took %.1f s" % (history[-1], secs), flush=True)
    args.wall_minutes = (time.time() - t0) / 60.0
    export_sst2(args, model, tok, dev_rows, dv_enc, dv_lab, history, secs, command.strip())
    print("final dev accuracy: %.4f" % history[-1])


if __name__ == "__main__":
    main()
