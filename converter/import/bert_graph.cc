#include "converter/import/bert_graph.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "formats/model_writer.h"

namespace fp8sdk {
namespace convert {

Status BertConfig::Validate() const {
  auto bad = [](const char* field, int v) {
    return InvalidArgument(StrFormat("config: %s is %d", field, v));
  };
  if (vocab_size <= 0 || vocab_size > (1 << 24)) return bad("vocab_size", vocab_size);
  if (hidden_size <= 0 || hidden_size > 65536) return bad("hidden_size", hidden_size);
  if (num_layers <= 0 || num_layers > 1024) return bad("num_hidden_layers", num_layers);
  if (num_heads <= 0 || hidden_size % num_heads != 0) {
    return InvalidArgument(
        StrFormat("config: hidden_size %d is not divisible by "
                  "num_attention_heads %d",
                  hidden_size, num_heads));
  }
  if (intermediate_size <= 0 || intermediate_size > (1 << 20))
    return bad("intermediate_size", intermediate_size);
  if (max_position <= 0 || max_position > (1 << 20))
    return bad("max_position_embeddings", max_position);
  if (type_vocab_size <= 0 || type_vocab_size > 1024)
    return bad("type_vocab_size", type_vocab_size);
  if (!(layer_norm_eps >= 0.0f) || !std::isfinite(layer_norm_eps)) {
    return InvalidArgument("config: layer_norm_eps must be finite and >= 0");
  }
  if (classifier && (num_labels <= 0 || num_labels > 100000)) return bad("num_labels", num_labels);
  return Status::Ok();
}

Result<BertConfig> ParseBertConfigJson(const std::string& text, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what(): "[json.exception.parse_error.101] parse error at line 1, column 3: ..."
    const std::string what = e.what();
    const size_t at = what.find("parse error");
    return InvalidArgument(StrFormat("%s: not valid JSON: %s", where.c_str(),
                                     what.substr(at == std::string::npos ? 0 : at).c_str()));
  }
  if (!j.is_object()) {
    return InvalidArgument(StrFormat("%s: not a JSON object (a %s)", where.c_str(), j.type_name()));
  }
  BertConfig c;
  auto get_int = [&](const char* key, int* out, bool required) -> Status {
    if (!j.contains(key)) {
      return required ? InvalidArgument(StrFormat("%s: missing \"%s\"", where.c_str(), key))
                      : Status::Ok();
    }
    const auto& v = j[key];
    if (!v.is_number_integer() || v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX) {
      return InvalidArgument(StrFormat("%s: \"%s\" must be an integer in [%d, %d], got %s",
                                       where.c_str(), key, INT32_MIN, INT32_MAX, v.dump().c_str()));
    }
    *out = v.get<int>();
    return Status::Ok();
  };
  if (j.contains("model_type") && j["model_type"] != "bert") {
    return Unsupported(StrFormat("%s: model_type %s is not supported (this converter reads BERT)",
                                 where.c_str(), j["model_type"].dump().c_str()));
  }
  FP8_RETURN_IF_ERROR(get_int("vocab_size", &c.vocab_size, true));
  FP8_RETURN_IF_ERROR(get_int("hidden_size", &c.hidden_size, true));
  FP8_RETURN_IF_ERROR(get_int("num_hidden_layers", &c.num_layers, true));
  FP8_RETURN_IF_ERROR(get_int("num_attention_heads", &c.num_heads, true));
  FP8_RETURN_IF_ERROR(get_int("intermediate_size", &c.intermediate_size, true));
  FP8_RETURN_IF_ERROR(get_int("max_position_embeddings", &c.max_position, false));
  FP8_RETURN_IF_ERROR(get_int("type_vocab_size", &c.type_vocab_size, false));
  if (j.contains("layer_norm_eps")) {
    if (!j["layer_norm_eps"].is_number()) {
      return InvalidArgument(where + ": \"layer_norm_eps\" must be a number");
    }
    c.layer_norm_eps = j["layer_norm_eps"].get<float>();
  }
  if (j.contains("hidden_act")) {
    const std::string act = j["hidden_act"].is_string() ? j["hidden_act"].get<std::string>() : "";
    if (act == "gelu") {
      c.gelu = GeluApprox::kErf;
    } else if (act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast") {
      c.gelu = GeluApprox::kTanh;
    } else {
      return Unsupported(
          StrFormat("%s: hidden_act %s is not supported (gelu, gelu_new, "
                    "gelu_pytorch_tanh)",
                    where.c_str(), j["hidden_act"].dump().c_str()));
    }
  }
  // Learned absolute positions only: relative position schemes add terms to
  // the attention scores that this graph does not have.
  if (j.contains("position_embedding_type") && j["position_embedding_type"] != "absolute") {
    return Unsupported(StrFormat("%s: position_embedding_type %s is not supported (absolute)",
                                 where.c_str(), j["position_embedding_type"].dump().c_str()));
  }
  c.classifier = false;
  if (j.contains("architectures") && j["architectures"].is_array()) {
    for (const auto& a : j["architectures"]) {
      if (a == "BertForSequenceClassification") c.classifier = true;
    }
  }
  if (j.contains("id2label") && j["id2label"].is_object()) {
    const auto& m = j["id2label"];
    c.num_labels = static_cast<int>(m.size());
    c.labels.assign(m.size(), "");
    for (auto it = m.begin(); it != m.end(); ++it) {
      char* end = nullptr;
      const long id = std::strtol(it.key().c_str(), &end, 10);
      if (*end || id < 0 || static_cast<size_t>(id) >= m.size() || !it.value().is_string()) {
        return InvalidArgument(StrFormat("%s: id2label entry \"%s\" is not id -> name",
                                         where.c_str(), it.key().c_str()));
      }
      c.labels[static_cast<size_t>(id)] = it.value().get<std::string>();
    }
  }
  FP8_RETURN_IF_ERROR(get_int("num_labels", &c.num_labels, false));
  FP8_RETURN_IF_ERROR(c.Validate().WithContext(where));
  return c;
}

Result<BertConfig> ParseBertConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFound(StrFormat("cannot read '%s'", path.c_str()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseBertConfigJson(ss.str(), path);
}

namespace {

class Builder {
 public:
  Builder(const BertConfig& c, const WeightFn& w) : c_(c), w_(w) {}

  Result<Graph> Build() {
    const std::vector<Dim> bs = {SymbolDim("batch"), SymbolDim("sequence")};
    const int ids = b_.AddInput("input_ids", DType::kINT64, bs);
    const int types = b_.AddInput("token_type_ids", DType::kINT64, bs);
    const int mask = b_.AddInput("attention_mask", DType::kINT64, bs);
    const int64_t h = c_.hidden_size;
    FP8_ASSIGN_OR_RETURN(const int word_table,
                         Const("embeddings.word_embeddings.weight", {c_.vocab_size, h}));
    FP8_ASSIGN_OR_RETURN(const int pos_table,
                         Const("embeddings.position_embeddings.weight", {c_.max_position, h}));
    FP8_ASSIGN_OR_RETURN(const int type_table,
                         Const("embeddings.token_type_embeddings.weight", {c_.type_vocab_size, h}));
    const int word = Gather("embeddings.word", word_table, ids, 0);
    NodeAttrs slice;
    slice.like_axis = 1;
    const int pos = Op(OpType::kSLICE, "embeddings.position", {pos_table, ids}, slice);
    const int type = Gather("embeddings.token_type", type_table, types, 0);
    int x = Op(OpType::kADD, "embeddings.add_position", {word, pos});
    x = Op(OpType::kADD, "embeddings.add_token_type", {x, type});
    FP8_ASSIGN_OR_RETURN(x, LayerNorm("embeddings.LayerNorm", x));
    for (int l = 0; l < c_.num_layers; ++l) {
      FP8_ASSIGN_OR_RETURN(x, Layer(l, x, mask));
    }
    const int64_t zero = 0;
    const int first =
        b_.AddConstant("pooler.first_token_index", DType::kINT64, {}, &zero, sizeof(zero));
    const int cls = Gather("pooler.first_token", x, first, 1);
    FP8_ASSIGN_OR_RETURN(const int dense, Linear("pooler.dense", cls, h, h));
    const int pooled = Op(OpType::kTANH, "pooler.activation", {dense});
    if (c_.classifier) {
      FP8_ASSIGN_OR_RETURN(const int logits, Linear("classifier", pooled, c_.num_labels, h));
      Rename(logits, "logits");
      b_.AddOutput(logits);
    } else {
      Rename(x, "last_hidden_state");
      Rename(pooled, "pooler_output");
      b_.AddOutput(x);
      b_.AddOutput(pooled);
    }
    Metadata& md = b_.metadata();
    md.dim_limits = {{"batch", 64}, {"sequence", c_.max_position}};
    md.label_names = c_.labels;
    return b_.Finish();
  }

 private:
  Result<int> Const(const std::string& name, const std::vector<int64_t>& shape) {
    FP8_ASSIGN_OR_RETURN(WeightData w, w_(name, shape));
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    if (!w.external && w.owned.size() != static_cast<size_t>(n)) {
      return InvalidArgument(StrFormat("weight '%s' has %zu values, expected %lld", name.c_str(),
                                       w.owned.size(), static_cast<long long>(n)));
    }
    // A model with a NaN or infinite parameter computes NaN: said here, with
    // the parameter's name, rather than found later in some activation.
    const float* v = w.data();
    for (int64_t i = 0; i < n; ++i) {
      if (!std::isfinite(v[i])) {
        return InvalidArgument(StrFormat("weight '%s' has a %s value at element %lld", name.c_str(),
                                         std::isnan(v[i]) ? "NaN" : "infinite",
                                         static_cast<long long>(i)));
      }
    }
    if (w.external) {
      TensorDesc t;
      t.name = name;
      t.dtype = DType::kF32;
      for (int64_t d : shape) t.shape.push_back(FixedDim(d));
      t.constant = true;
      t.external = w.external;
      t.data_size = static_cast<size_t>(n) * sizeof(float);
      b_.graph().tensors.push_back(std::move(t));
      return static_cast<int>(b_.graph().tensors.size() - 1);
    }
    return b_.AddConstantF32(name, shape, w.owned);
  }

  int Op(OpType t, const std::string& name, const std::vector<int>& in, const NodeAttrs& a = {}) {
    const int out = b_.AddTensor(name + ":0", DType::kF32);
    b_.AddNode(t, name, in, {out}, a);
    return out;
  }

  void Rename(int t, const std::string& name) {
    b_.graph().tensors[static_cast<size_t>(t)].name = name;
  }

  int Gather(const std::string& name, int table, int idx, int axis) {
    NodeAttrs a;
    a.axis = axis;
    return Op(OpType::kGATHER, name, {table, idx}, a);
  }

  Result<int> LayerNorm(const std::string& p, int x) {
    FP8_ASSIGN_OR_RETURN(const int g, Const(p + ".weight", {c_.hidden_size}));
    FP8_ASSIGN_OR_RETURN(const int b, Const(p + ".bias", {c_.hidden_size}));
    NodeAttrs a;
    a.epsilon = c_.layer_norm_eps;
    return Op(OpType::kLAYER_NORM, p, {x, g, b}, a);
  }

  Result<int> Linear(const std::string& p, int x, int64_t out, int64_t in) {
    FP8_ASSIGN_OR_RETURN(const int w, Const(p + ".weight", {out, in}));
    FP8_ASSIGN_OR_RETURN(const int b, Const(p + ".bias", {out}));
    return Op(OpType::kLINEAR, p, {x, w, b});
  }

  Result<int> Layer(int l, int x, int mask) {
    const std::string p = "encoder.layer." + std::to_string(l) + ".";
    const int64_t h = c_.hidden_size;
    FP8_ASSIGN_OR_RETURN(const int q, Linear(p + "attention.self.query", x, h, h));
    FP8_ASSIGN_OR_RETURN(const int k, Linear(p + "attention.self.key", x, h, h));
    FP8_ASSIGN_OR_RETURN(const int v, Linear(p + "attention.self.value", x, h, h));
    NodeAttrs heads;
    heads.num_heads = c_.num_heads;
    const int qh = Op(OpType::kSPLIT_HEADS, p + "attention.self.split_query", {q}, heads);
    const int kh = Op(OpType::kSPLIT_HEADS, p + "attention.self.split_key", {k}, heads);
    const int vh = Op(OpType::kSPLIT_HEADS, p + "attention.self.split_value", {v}, heads);
    NodeAttrs qk;
    qk.transpose_b = true;
    qk.alpha = 1.0f / std::sqrt(static_cast<float>(c_.hidden_size / c_.num_heads));
    const int scores = Op(OpType::kBATCH_MATMUL, p + "attention.self.scores", {qh, kh}, qk);
    NodeAttrs sm;
    sm.mask_mode = MaskMode::kKeyPadding;
    const int probs = Op(OpType::kSOFTMAX, p + "attention.self.softmax", {scores, mask}, sm);
    const int ctx = Op(OpType::kBATCH_MATMUL, p + "attention.self.context", {probs, vh});
    const int merged = Op(OpType::kMERGE_HEADS, p + "attention.self.merge", {ctx}, heads);
    FP8_ASSIGN_OR_RETURN(const int attn, Linear(p + "attention.output.dense", merged, h, h));
    const int r1 = Op(OpType::kADD, p + "attention.output.residual", {attn, x});
    FP8_ASSIGN_OR_RETURN(const int h1, LayerNorm(p + "attention.output.LayerNorm", r1));
    FP8_ASSIGN_OR_RETURN(const int up,
                         Linear(p + "intermediate.dense", h1, c_.intermediate_size, h));
    NodeAttrs g;
    g.gelu = c_.gelu;
    const int act = Op(OpType::kGELU, p + "intermediate.gelu", {up}, g);
    FP8_ASSIGN_OR_RETURN(const int down, Linear(p + "output.dense", act, h, c_.intermediate_size));
    const int r2 = Op(OpType::kADD, p + "output.residual", {down, h1});
    return LayerNorm(p + "output.LayerNorm", r2);
  }

  const BertConfig& c_;
  const WeightFn& w_;
  GraphBuilder b_;
};

}  // namespace

Result<Graph> BuildBertGraph(const BertConfig& config, const WeightFn& weights) {
  FP8_RETURN_IF_ERROR(config.Validate());
  return Builder(config, weights).Build();
}

}  // namespace convert
}  // namespace fp8sdk
