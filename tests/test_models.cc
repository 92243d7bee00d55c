#include "tests/test_models.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "formats/model_writer.h"
#include "sdk/numerics/fp8_convert.h"
#include "sdk/numerics/quantize.h"
#include "sdk/runtime/session.h"

namespace fp8sdk {
namespace testing {

namespace {

std::string Layer(int l) { return "encoder.layer." + std::to_string(l) + "."; }

const char* kLinearSuffixes[] = {"attention.self.query", "attention.self.key",
                                 "attention.self.value", "attention.output.dense",
                                 "intermediate.dense",   "output.dense"};

}  // namespace

std::vector<std::string> TinyBertLinearNames(const TinyBertConfig& c) {
  std::vector<std::string> names;
  for (int l = 0; l < c.layers; ++l) {
    for (const char* s : kLinearSuffixes) names.push_back(Layer(l) + s + ".weight");
  }
  return names;
}

TinyBertWeights MakeTinyBertWeights(const TinyBertConfig& c) {
  TinyBertWeights tw;
  std::mt19937 rng(c.seed);
  auto normal = [&](const std::string& name, size_t n, float mean, float stddev) {
    std::normal_distribution<float> nd(mean, stddev);
    std::vector<float> v(n);
    for (float& x : v) x = nd(rng);
    tw.w[name] = std::move(v);
  };
  const size_t h = static_cast<size_t>(c.hidden), inter = static_cast<size_t>(c.intermediate);
  const float wstd = 1.0f / std::sqrt(static_cast<float>(c.hidden));
  normal("embeddings.word_embeddings.weight", static_cast<size_t>(c.vocab) * h, 0, 0.5f);
  normal("embeddings.position_embeddings.weight", static_cast<size_t>(c.max_position) * h, 0, 0.2f);
  normal("embeddings.token_type_embeddings.weight", static_cast<size_t>(c.type_vocab) * h, 0, 0.2f);
  normal("embeddings.LayerNorm.weight", h, 1.0f, 0.1f);
  normal("embeddings.LayerNorm.bias", h, 0.0f, 0.1f);
  for (int l = 0; l < c.layers; ++l) {
    const std::string p = Layer(l);
    for (const char* s : {"attention.self.query", "attention.self.key", "attention.self.value",
                          "attention.output.dense"}) {
      normal(p + s + ".weight", h * h, 0, wstd);
      normal(p + s + ".bias", h, 0, 0.05f);
    }
    normal(p + "attention.output.LayerNorm.weight", h, 1.0f, 0.1f);
    normal(p + "attention.output.LayerNorm.bias", h, 0.0f, 0.1f);
    normal(p + "intermediate.dense.weight", inter * h, 0, wstd);
    normal(p + "intermediate.dense.bias", inter, 0, 0.05f);
    normal(p + "output.dense.weight", h * inter, 0, 1.0f / std::sqrt(static_cast<float>(inter)));
    normal(p + "output.dense.bias", h, 0, 0.05f);
    normal(p + "output.LayerNorm.weight", h, 1.0f, 0.1f);
    normal(p + "output.LayerNorm.bias", h, 0.0f, 0.1f);
  }
  normal("pooler.dense.weight", h * h, 0, wstd);
  normal("pooler.dense.bias", h, 0, 0.05f);
  normal("classifier.weight", static_cast<size_t>(c.labels) * h, 0, wstd);
  normal("classifier.bias", static_cast<size_t>(c.labels), 0, 0.05f);
  return tw;
}

namespace {

class TinyBertBuilder {
 public:
  TinyBertBuilder(const TinyBertConfig& c, const TinyBertWeights& w, const TinyBertQuant* q)
      : c_(c), w_(w), q_(q) {}

  Graph Build() {
    const std::vector<Dim> bs = {SymbolDim("batch"), SymbolDim("sequence")};
    const int ids = b_.AddInput("input_ids", DType::kINT64, bs);
    const int types = b_.AddInput("token_type_ids", DType::kINT64, bs);
    const int mask = b_.AddInput("attention_mask", DType::kINT64, bs);
    const int64_t h = c_.hidden;

    const int word = Gather("embeddings.word",
                            Const("embeddings.word_embeddings.weight", {c_.vocab, h}), ids, 0);
    const int type =
        Gather("embeddings.type",
               Const("embeddings.token_type_embeddings.weight", {c_.type_vocab, h}), types, 0);
    NodeAttrs slice;
    slice.axis = 0;
    slice.start = 0;
    slice.like_axis = 1;
    const int pos =
        Op(OpType::kSLICE, "embeddings.position",
           {Const("embeddings.position_embeddings.weight", {c_.max_position, h}), ids}, slice);
    int x = Op(OpType::kADD, "embeddings.add0", {word, pos});
    x = Op(OpType::kADD, "embeddings.add1", {x, type});
    x = LayerNorm("embeddings.LayerNorm", x);
    for (int l = 0; l < c_.layers; ++l) x = EncoderLayer(l, x, mask);

    // Pooler: the first token's hidden state.
    const int64_t zero = 0;
    const int idx0 = b_.AddConstant("pooler.first_token", DType::kINT64, {}, &zero, sizeof(zero));
    const int cls = Gather("pooler.first_token_gather", x, idx0, 1);
    const int pooled =
        Op(OpType::kTANH, "pooler.tanh",
           {Linear("pooler.dense", cls, h, h, q_ && q_->quantize_pooler_and_classifier)});
    const int logits_in =
        Linear("classifier", pooled, c_.labels, h, q_ && q_->quantize_pooler_and_classifier);
    b_.graph().tensors[static_cast<size_t>(logits_in)].name = "logits";
    b_.AddOutput(logits_in);
    b_.metadata().producer = "fp8sdk tests";
    b_.metadata().dim_limits = {{"batch", 8}, {"sequence", c_.max_position}};
    b_.metadata().label_names = {"negative", "positive"};
    return b_.Finish();
  }

 private:
  int Const(const std::string& name, const std::vector<int64_t>& shape) {
    return b_.AddConstantF32(name, shape, w_.at(name));
  }

  int Op(OpType t, const std::string& name, const std::vector<int>& inputs,
         const NodeAttrs& attrs = {}) {
    const int out = b_.AddTensor(name + ".out", DType::kF32);
    b_.AddNode(t, name, inputs, {out}, attrs);
    return out;
  }

  int Gather(const std::string& name, int table, int idx, int axis) {
    NodeAttrs a;
    a.axis = axis;
    return Op(OpType::kGATHER, name, {table, idx}, a);
  }

  int LayerNorm(const std::string& prefix, int x) {
    NodeAttrs a;
    a.epsilon = c_.layer_norm_eps;
    return Op(OpType::kLAYER_NORM, prefix,
              {x, Const(prefix + ".weight", {c_.hidden}), Const(prefix + ".bias", {c_.hidden})}, a);
  }

  int Linear(const std::string& prefix, int x, int64_t out_features, int64_t in_features,
             bool quantize) {
    const std::string wname = prefix + ".weight";
    const std::vector<float>& w = w_.at(wname);
    int wt;
    NodeAttrs a;
    if (q_ && quantize && q_->weight_dtype != DType::kF32) {
      wt = QuantizedWeight(wname, w, out_features, in_features);
      if (q_->quantize_inputs) {
        a.input_quant.enabled = true;
        a.input_quant.dtype = q_->input_dtype;
        auto it = q_->input_scales.find(wname);
        a.input_quant.scale = it != q_->input_scales.end() ? it->second : q_->default_input_scale;
      }
    } else {
      wt = Const(wname, {out_features, in_features});
    }
    const int bias = Const(prefix + ".bias", {out_features});
    return Op(OpType::kLINEAR, prefix, {x, wt, bias}, a);
  }

  int QuantizedWeight(const std::string& name, const std::vector<float>& w, int64_t n, int64_t k) {
    const DType dt = q_->weight_dtype;
    const std::vector<int64_t> shape = {n, k};
    if (dt == DType::kF16 || dt == DType::kBF16) {
      std::vector<uint16_t> h(w.size());
      for (size_t i = 0; i < w.size(); ++i) {
        h[i] = dt == DType::kF16 ? FloatToF16(w[i]) : FloatToBf16(w[i]);
      }
      return b_.AddConstant(name, dt, shape, h.data(), h.size() * 2);
    }
    ChannelLayout layout;
    MakeChannelLayout(shape, q_->per_channel ? 0 : -1, &layout);
    if (!q_->per_channel) layout = ChannelLayout{1, 1, w.size()};
    std::vector<float> amax(layout.channels);
    AbsMaxPerChannel(w.data(), layout, amax.data());
    QuantParams qp;
    qp.axis = q_->per_channel ? 0 : -1;
    qp.amax = amax;
    std::vector<uint8_t> bytes(w.size());
    if (dt == DType::kINT8) {
      for (float a : amax) qp.scales.push_back(Int8ScaleForAmax(a));
      QuantizeInt8PerChannel(w.data(), reinterpret_cast<int8_t*>(bytes.data()), layout,
                             qp.scales.data());
    } else {
      const Fp8Format f = Fp8FormatOf(dt, kE4M3);
      for (float a : amax) qp.scales.push_back(Fp8ScaleForAmax(a, f));
      QuantizeFp8PerChannel(w.data(), bytes.data(), layout, qp.scales.data(), f);
    }
    return b_.AddConstant(name, dt, shape, bytes.data(), bytes.size(), qp);
  }

  int EncoderLayer(int l, int x, int mask) {
    const std::string p = Layer(l);
    const int64_t h = c_.hidden;
    const bool qz = q_ != nullptr;
    const int q = Linear(p + "attention.self.query", x, h, h, qz);
    const int k = Linear(p + "attention.self.key", x, h, h, qz);
    const int v = Linear(p + "attention.self.value", x, h, h, qz);
    NodeAttrs heads;
    heads.num_heads = c_.heads;
    const int qh = Op(OpType::kSPLIT_HEADS, p + "attention.split_q", {q}, heads);
    const int kh = Op(OpType::kSPLIT_HEADS, p + "attention.split_k", {k}, heads);
    const int vh = Op(OpType::kSPLIT_HEADS, p + "attention.split_v", {v}, heads);
    NodeAttrs qk;
    qk.transpose_b = true;
    qk.alpha = 1.0f / std::sqrt(static_cast<float>(c_.hidden / c_.heads));
    const int scores = Op(OpType::kBATCH_MATMUL, p + "attention.scores", {qh, kh}, qk);
    NodeAttrs sm;
    sm.mask_mode = MaskMode::kKeyPadding;
    const int probs = Op(OpType::kSOFTMAX, p + "attention.softmax", {scores, mask}, sm);
    const int ctx = Op(OpType::kBATCH_MATMUL, p + "attention.context", {probs, vh});
    const int merged = Op(OpType::kMERGE_HEADS, p + "attention.merge", {ctx}, heads);
    const int attn = Linear(p + "attention.output.dense", merged, h, h, qz);
    const int res1 = Op(OpType::kADD, p + "attention.output.residual", {attn, x});
    const int h1 = LayerNorm(p + "attention.output.LayerNorm", res1);
    const int up = Linear(p + "intermediate.dense", h1, c_.intermediate, h, qz);
    NodeAttrs g;
    g.gelu = c_.gelu;
    const int act = Op(OpType::kGELU, p + "intermediate.gelu", {up}, g);
    const int down = Linear(p + "output.dense", act, h, c_.intermediate, qz);
    const int res2 = Op(OpType::kADD, p + "output.residual", {down, h1});
    return LayerNorm(p + "output.LayerNorm", res2);
  }

  const TinyBertConfig& c_;
  const TinyBertWeights& w_;
  const TinyBertQuant* q_;
  GraphBuilder b_;
};

}  // namespace

Graph BuildLinearOfActivations() {
  GraphBuilder b;
  const int x = b.AddInput("x", DType::kF32, {FixedDim(3), FixedDim(5)});
  const int w = b.AddInput("w", DType::kF32, {FixedDim(4), FixedDim(5)});
  const int y = b.AddTensor("y", DType::kF32);
  b.AddNode(OpType::kLINEAR, "linear", {x, w}, {y});
  b.AddOutput(y);
  return b.Finish();
}

Graph BuildTinyBert(const TinyBertConfig& config, const TinyBertWeights& weights,
                    const TinyBertQuant* quant) {
  return TinyBertBuilder(config, weights, quant).Build();
}

TinyBertInputs MakeTinyBertInputs(const TinyBertConfig& c, int batch, int sequence, uint32_t seed) {
  TinyBertInputs in;
  in.batch = batch;
  in.sequence = sequence;
  std::mt19937 rng(seed);
  const size_t n = static_cast<size_t>(batch) * static_cast<size_t>(sequence);
  in.input_ids.resize(n);
  in.token_type_ids.resize(n);
  in.attention_mask.resize(n);
  for (int b = 0; b < batch; ++b) {
    // Row b keeps a prefix of its tokens; the rest is padding (id 0, mask 0).
    const int len = std::max(1, sequence - (b * 3) % std::max(1, sequence));
    for (int s = 0; s < sequence; ++s) {
      const size_t i = static_cast<size_t>(b * sequence + s);
      const bool real = s < len;
      in.input_ids[i] = real ? static_cast<int64_t>(rng() % static_cast<uint32_t>(c.vocab)) : 0;
      in.token_type_ids[i] = real && s >= len / 2 ? 1 : 0;
      in.attention_mask[i] = real ? 1 : 0;
    }
  }
  return in;
}

namespace {

using Mat = std::vector<double>;  // row-major

// y[r, o] = sum_i x[r, i] * W[o, i] + b[o]
Mat LinearF64(const Mat& x, size_t rows, size_t in, const std::vector<float>& w,
              const std::vector<float>& b, size_t out) {
  Mat y(rows * out);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t o = 0; o < out; ++o) {
      double acc = b[o];
      for (size_t i = 0; i < in; ++i) acc += x[r * in + i] * static_cast<double>(w[o * in + i]);
      y[r * out + o] = acc;
    }
  }
  return y;
}

void LayerNormF64(Mat* x, size_t rows, size_t h, const std::vector<float>& g,
                  const std::vector<float>& b, double eps) {
  for (size_t r = 0; r < rows; ++r) {
    double* v = x->data() + r * h;
    double mean = 0, var = 0;
    for (size_t i = 0; i < h; ++i) mean += v[i];
    mean /= static_cast<double>(h);
    for (size_t i = 0; i < h; ++i) var += (v[i] - mean) * (v[i] - mean);
    var /= static_cast<double>(h);
    const double inv = 1.0 / std::sqrt(var + eps);
    for (size_t i = 0; i < h; ++i) v[i] = (v[i] - mean) * inv * g[i] + b[i];
  }
}

}  // namespace

std::vector<double> TinyBertForwardFloat64(const TinyBertConfig& c, const TinyBertWeights& tw,
                                           const TinyBertInputs& in) {
  const size_t B = static_cast<size_t>(in.batch), S = static_cast<size_t>(in.sequence);
  const size_t H = static_cast<size_t>(c.hidden), NH = static_cast<size_t>(c.heads);
  const size_t D = H / NH, I = static_cast<size_t>(c.intermediate), R = B * S;
  Mat x(R * H);
  const auto& we = tw.at("embeddings.word_embeddings.weight");
  const auto& pe = tw.at("embeddings.position_embeddings.weight");
  const auto& te = tw.at("embeddings.token_type_embeddings.weight");
  for (size_t r = 0; r < R; ++r) {
    const size_t s = r % S;
    for (size_t i = 0; i < H; ++i) {
      x[r * H + i] = static_cast<double>(we[static_cast<size_t>(in.input_ids[r]) * H + i]) +
                     pe[s * H + i] + te[static_cast<size_t>(in.token_type_ids[r]) * H + i];
    }
  }
  LayerNormF64(&x, R, H, tw.at("embeddings.LayerNorm.weight"), tw.at("embeddings.LayerNorm.bias"),
               c.layer_norm_eps);
  for (int l = 0; l < c.layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    auto lin = [&](const Mat& v, size_t in_f, const std::string& name, size_t out_f) {
      return LinearF64(v, R, in_f, tw.at(name + ".weight"), tw.at(name + ".bias"), out_f);
    };
    const Mat q = lin(x, H, p + "attention.self.query", H);
    const Mat k = lin(x, H, p + "attention.self.key", H);
    const Mat v = lin(x, H, p + "attention.self.value", H);
    Mat ctx(R * H, 0.0);
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));
    for (size_t b = 0; b < B; ++b) {
      for (size_t h = 0; h < NH; ++h) {
        for (size_t i = 0; i < S; ++i) {
          std::vector<double> logits(S);
          double mx = -INFINITY;
          for (size_t j = 0; j < S; ++j) {
            if (in.attention_mask[b * S + j] == 0) {
              logits[j] = -INFINITY;
              continue;
            }
            double dot = 0;
            for (size_t d = 0; d < D; ++d) {
              dot += q[(b * S + i) * H + h * D + d] * k[(b * S + j) * H + h * D + d];
            }
            logits[j] = dot * scale;
            mx = std::max(mx, logits[j]);
          }
          double sum = 0;
          for (double& z : logits) sum += (z = std::isinf(z) ? 0.0 : std::exp(z - mx));
          for (size_t d = 0; d < D; ++d) {
            double acc = 0;
            for (size_t j = 0; j < S; ++j) acc += logits[j] / sum * v[(b * S + j) * H + h * D + d];
            ctx[(b * S + i) * H + h * D + d] = acc;
          }
        }
      }
    }
    Mat a = lin(ctx, H, p + "attention.output.dense", H);
    for (size_t i = 0; i < a.size(); ++i) a[i] += x[i];
    LayerNormF64(&a, R, H, tw.at(p + "attention.output.LayerNorm.weight"),
                 tw.at(p + "attention.output.LayerNorm.bias"), c.layer_norm_eps);
    Mat up = lin(a, H, p + "intermediate.dense", I);
    for (double& z : up) {
      z = c.gelu == GeluApprox::kErf
              ? 0.5 * z * (1.0 + std::erf(z / std::sqrt(2.0)))
              : 0.5 * z * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (z + 0.044715 * z * z * z)));
    }
    Mat down = lin(up, I, p + "output.dense", H);
    for (size_t i = 0; i < down.size(); ++i) down[i] += a[i];
    LayerNormF64(&down, R, H, tw.at(p + "output.LayerNorm.weight"),
                 tw.at(p + "output.LayerNorm.bias"), c.layer_norm_eps);
    x = std::move(down);
  }
  Mat cls(B * H);
  for (size_t b = 0; b < B; ++b) {
    for (size_t i = 0; i < H; ++i) cls[b * H + i] = x[(b * S) * H + i];
  }
  Mat pooled = LinearF64(cls, B, H, tw.at("pooler.dense.weight"), tw.at("pooler.dense.bias"), H);
  for (double& z : pooled) z = std::tanh(z);
  const size_t L = static_cast<size_t>(c.labels);
  return LinearF64(pooled, B, H, tw.at("classifier.weight"), tw.at("classifier.bias"), L);
}

namespace {

using MatF = std::vector<float>;

// Weight codes (unscaled) and per-output scales as the converter stores them.
struct SimWeight {
  MatF codes;                 // [out, in]
  std::vector<float> scales;  // per output
};

SimWeight SimulatedWeight(const std::vector<float>& w, size_t out, size_t in,
                          const TinyBertQuant* q) {
  SimWeight s;
  s.scales.assign(out, 1.0f);
  if (!q || q->weight_dtype == DType::kF32) {
    s.codes = w;
    return s;
  }
  s.codes.resize(w.size());
  if (q->weight_dtype == DType::kF16 || q->weight_dtype == DType::kBF16) {
    for (size_t i = 0; i < w.size(); ++i) {
      s.codes[i] = q->weight_dtype == DType::kF16 ? F16ToFloat(FloatToF16(w[i]))
                                                  : Bf16ToFloat(FloatToBf16(w[i]));
    }
    return s;
  }
  ChannelLayout layout = q->per_channel ? ChannelLayout{1, out, in} : ChannelLayout{1, 1, w.size()};
  std::vector<float> amax(layout.channels), scales(layout.channels), ones(layout.channels, 1.0f);
  AbsMaxPerChannel(w.data(), layout, amax.data());
  std::vector<uint8_t> bytes(w.size());
  if (q->weight_dtype == DType::kINT8) {
    for (size_t c = 0; c < amax.size(); ++c) scales[c] = Int8ScaleForAmax(amax[c]);
    QuantizeInt8PerChannel(w.data(), reinterpret_cast<int8_t*>(bytes.data()), layout,
                           scales.data());
    DequantizeInt8PerChannel(reinterpret_cast<int8_t*>(bytes.data()), s.codes.data(), layout,
                             ones.data());
  } else {
    const Fp8Format f = Fp8FormatOf(q->weight_dtype, kE4M3);
    for (size_t c = 0; c < amax.size(); ++c) scales[c] = Fp8ScaleForAmax(amax[c], f);
    QuantizeFp8PerChannel(w.data(), bytes.data(), layout, scales.data(), f);
    DequantizeFp8PerChannel(bytes.data(), s.codes.data(), layout, ones.data(), f);
  }
  for (size_t o = 0; o < out; ++o) s.scales[o] = scales[q->per_channel ? o : 0];
  return s;
}

MatF SimLinear(const MatF& x, size_t rows, size_t in, const std::string& name,
               const TinyBertWeights& tw, size_t out, const TinyBertQuant* q) {
  const SimWeight w = SimulatedWeight(tw.at(name + ".weight"), out, in, q);
  const std::vector<float>& b = tw.at(name + ".bias");
  MatF xq = x;
  float sx = 1.0f;
  if (q && q->weight_dtype != DType::kF32 && q->quantize_inputs) {
    auto it = q->input_scales.find(name + ".weight");
    sx = it != q->input_scales.end() ? it->second : q->default_input_scale;
    const Fp8Format f = Fp8FormatOf(q->input_dtype, kE4M3);
    std::vector<uint8_t> codes(x.size());
    if (q->input_dtype == DType::kINT8) {
      QuantizeInt8(x.data(), reinterpret_cast<int8_t*>(codes.data()), x.size(), sx);
      DequantizeInt8(reinterpret_cast<int8_t*>(codes.data()), xq.data(), x.size(), 1.0f);
    } else {
      QuantizeFp8(x.data(), codes.data(), x.size(), sx, f);
      ConvertFp8ToFloat(codes.data(), xq.data(), x.size(), f);
    }
  }
  MatF y(rows * out);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t o = 0; o < out; ++o) {
      float acc = 0.0f;
      for (size_t i = 0; i < in; ++i) acc += xq[r * in + i] * w.codes[o * in + i];
      y[r * out + o] = acc * (sx * w.scales[o]) + b[o];
    }
  }
  return y;
}

void SimLayerNorm(MatF* x, size_t rows, size_t h, const std::vector<float>& g,
                  const std::vector<float>& b, float eps) {
  for (size_t r = 0; r < rows; ++r) {
    float* v = x->data() + r * h;
    float sum = 0.0f;
    for (size_t i = 0; i < h; ++i) sum += v[i];
    const float mean = sum / static_cast<float>(h);
    float sq = 0.0f;
    for (size_t i = 0; i < h; ++i) sq += (v[i] - mean) * (v[i] - mean);
    const float inv = 1.0f / std::sqrt(sq / static_cast<float>(h) + eps);
    for (size_t i = 0; i < h; ++i) v[i] = (v[i] - mean) * inv * g[i] + b[i];
  }
}

}  // namespace

std::vector<float> TinyBertSimulateFloat32(const TinyBertConfig& c, const TinyBertWeights& tw,
                                           const TinyBertQuant* q, const TinyBertInputs& in) {
  const size_t B = static_cast<size_t>(in.batch), S = static_cast<size_t>(in.sequence);
  const size_t H = static_cast<size_t>(c.hidden), NH = static_cast<size_t>(c.heads);
  const size_t D = H / NH, I = static_cast<size_t>(c.intermediate), R = B * S;
  MatF x(R * H);
  const auto& we = tw.at("embeddings.word_embeddings.weight");
  const auto& pe = tw.at("embeddings.position_embeddings.weight");
  const auto& te = tw.at("embeddings.token_type_embeddings.weight");
  for (size_t r = 0; r < R; ++r) {
    for (size_t i = 0; i < H; ++i) {
      x[r * H + i] = (we[static_cast<size_t>(in.input_ids[r]) * H + i] + pe[(r % S) * H + i]) +
                     te[static_cast<size_t>(in.token_type_ids[r]) * H + i];
    }
  }
  SimLayerNorm(&x, R, H, tw.at("embeddings.LayerNorm.weight"), tw.at("embeddings.LayerNorm.bias"),
               c.layer_norm_eps);
  const float alpha = 1.0f / std::sqrt(static_cast<float>(D));
  for (int l = 0; l < c.layers; ++l) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    const MatF qm = SimLinear(x, R, H, p + "attention.self.query", tw, H, q);
    const MatF km = SimLinear(x, R, H, p + "attention.self.key", tw, H, q);
    const MatF vm = SimLinear(x, R, H, p + "attention.self.value", tw, H, q);
    MatF ctx(R * H);
    std::vector<float> prob(S);
    for (size_t b = 0; b < B; ++b) {
      for (size_t h = 0; h < NH; ++h) {
        for (size_t i = 0; i < S; ++i) {
          float mx = -INFINITY;
          for (size_t j = 0; j < S; ++j) {
            float acc = 0.0f;
            for (size_t d = 0; d < D; ++d)
              acc += qm[(b * S + i) * H + h * D + d] * km[(b * S + j) * H + h * D + d];
            float z = (acc * alpha) * 1.0f;
            if (in.attention_mask[b * S + j] == 0) z = -INFINITY;
            prob[j] = z;
            mx = std::max(mx, z);
          }
          float sum = 0.0f;
          for (size_t j = 0; j < S; ++j) sum += (prob[j] = std::exp(prob[j] - mx));
          const float inv = 1.0f / sum;
          for (size_t j = 0; j < S; ++j) prob[j] *= inv;
          for (size_t d = 0; d < D; ++d) {
            float acc = 0.0f;
            for (size_t j = 0; j < S; ++j) acc += prob[j] * vm[(b * S + j) * H + h * D + d];
            ctx[(b * S + i) * H + h * D + d] = acc * 1.0f;
          }
        }
      }
    }
    MatF a = SimLinear(ctx, R, H, p + "attention.output.dense", tw, H, q);
    for (size_t i = 0; i < a.size(); ++i) a[i] = a[i] + x[i];
    SimLayerNorm(&a, R, H, tw.at(p + "attention.output.LayerNorm.weight"),
                 tw.at(p + "attention.output.LayerNorm.bias"), c.layer_norm_eps);
    MatF up = SimLinear(a, R, H, p + "intermediate.dense", tw, I, q);
    for (float& z : up) {
      z = c.gelu == GeluApprox::kErf
              ? 0.5f * z * (1.0f + std::erf(z * 0.7071067811865476f))
              : 0.5f * z * (1.0f + std::tanh(0.7978845608028654f * (z + 0.044715f * z * z * z)));
    }
    MatF down = SimLinear(up, R, I, p + "output.dense", tw, H, q);
    for (size_t i = 0; i < down.size(); ++i) down[i] = down[i] + a[i];
    SimLayerNorm(&down, R, H, tw.at(p + "output.LayerNorm.weight"),
                 tw.at(p + "output.LayerNorm.bias"), c.layer_norm_eps);
    x = std::move(down);
  }
  MatF cls(B * H);
  for (size_t b = 0; b < B; ++b) {
    for (size_t i = 0; i < H; ++i) cls[b * H + i] = x[(b * S) * H + i];
  }
  const TinyBertQuant* head_q = q && q->quantize_pooler_and_classifier ? q : nullptr;
  MatF pooled = SimLinear(cls, B, H, "pooler.dense", tw, H, head_q);
  for (float& z : pooled) z = std::tanh(z);
  return SimLinear(pooled, B, H, "classifier", tw, static_cast<size_t>(c.labels), head_q);
}

Status SetBertInputs(Session* s, int64_t batch, int64_t sequence, const int64_t* input_ids,
                     const int64_t* token_type_ids, const int64_t* attention_mask) {
  const int64_t dims[2] = {batch, sequence};
  const size_t bytes = static_cast<size_t>(batch * sequence) * sizeof(int64_t);
  FP8_RETURN_IF_ERROR(s->SetInput("input_ids", DType::kINT64, dims, 2, input_ids, bytes));
  FP8_RETURN_IF_ERROR(s->SetInput("token_type_ids", DType::kINT64, dims, 2, token_type_ids, bytes));
  return s->SetInput("attention_mask", DType::kINT64, dims, 2, attention_mask, bytes);
}

Status SetBertInputs(Session* s, const TinyBertInputs& in) {
  return SetBertInputs(s, in.batch, in.sequence, in.input_ids.data(), in.token_type_ids.data(),
                       in.attention_mask.data());
}

std::vector<float> RunBertSession(Session* s, const TinyBertInputs& in, Status* status) {
  Status st = SetBertInputs(s, in);
  if (st.ok()) st = s->Run();
  TensorView v;
  if (st.ok()) st = s->GetOutput("logits", &v);
  if (status) *status = st;
  if (!st.ok()) {
    if (!status) std::fprintf(stderr, "RunBertSession: %s\n", st.ToString().c_str());
    return {};
  }
  const float* p = static_cast<const float*>(v.data);
  return std::vector<float>(p, p + v.size_bytes / sizeof(float));
}

double MaxRelDiff(const std::vector<float>& got, const std::vector<float>& want) {
  double max_ref = 0, max_diff = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    max_ref = std::max(max_ref, std::fabs(static_cast<double>(want[i])));
    max_diff = std::max(max_diff, std::fabs(static_cast<double>(got[i]) - want[i]));
  }
  return max_diff / std::max(max_ref, 1e-30);
}

std::vector<float> RunBertGraph(const Graph& graph, const TinyBertInputs& in,
                                fp8_device_kind_t device) {
  SessionOptions o;
  o.device = device;
  o.max_batch = std::max(1, in.batch);
  o.max_sequence = std::max(1, in.sequence);
  auto s = Session::Create(graph, o);
  if (!s.ok()) {
    std::fprintf(stderr, "RunBertGraph: %s\n", s.status().ToString().c_str());
    return {};
  }
  Status st = SetBertInputs(s.value().get(), in);
  if (st.ok()) st = s.value()->Run();
  TensorView v;
  if (st.ok())
    st = s.value()->GetOutput(graph.tensors[static_cast<size_t>(graph.outputs[0])].name, &v);
  if (!st.ok()) {
    std::fprintf(stderr, "RunBertGraph: %s\n", st.ToString().c_str());
    return {};
  }
  const float* p = static_cast<const float*>(v.data);
  return std::vector<float>(p, p + v.size_bytes / sizeof(float));
}

}  // namespace testing
}  // namespace fp8sdk
