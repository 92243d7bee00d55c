#include "converter/quantize/quantize_pass.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "sdk/numerics/fp8_convert.h"
#include "sdk/numerics/quantize.h"

namespace fp8sdk {
namespace convert {

namespace {

// Encoder layer index from "encoder.layer.<n>.", or -1.
int LayerOf(const std::string& name) {
  const std::string key = "encoder.layer.";
  const size_t p = name.find(key);
  if (p == std::string::npos) return -1;
  return std::atoi(name.c_str() + p + key.size());
}

int NumLayers(const Graph& g) {
  int n = 0;
  for (const Node& node : g.nodes) n = std::max(n, LayerOf(node.name) + 1);
  return n;
}

std::string FormatName(DType dtype, const Fp8Format& f) {
  if (dtype == DType::kINT8) return "INT8";
  return f.Name();
}

double SqnrFromPowers(double signal, double noise) {
  if (noise <= 0.0) return INFINITY;
  return 10.0 * std::log10(signal / noise);
}

}  // namespace

Selection SelectNodes(const Graph& g, const QuantOptions& o) {
  Selection s;
  const int layers = NumLayers(g);
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    const std::string op = OpTypeName(n.type);
    auto keep = [&](const std::string& why) { s.kept.push_back({n.name, op, why}); };
    const bool linear = n.type == OpType::kLINEAR;
    const bool bmm = n.type == OpType::kBATCH_MATMUL;
    if (!linear && !bmm) {
      switch (n.type) {
        case OpType::kLAYER_NORM:
        case OpType::kSOFTMAX:
        case OpType::kGELU:
        case OpType::kADD:
          keep(
              "float32 by the BERT recipe: quantizing LayerNorm, Softmax, GELU and residual adds "
              "is the most reported cause of accuracy collapse");
          break;
        case OpType::kGATHER:
          if (n.name.find("embeddings") != std::string::npos &&
              !(o.embeddings && n.name == "embeddings.word")) {
            keep("float32 by the BERT recipe: embeddings stay in higher precision" +
                 std::string(n.name == "embeddings.word" ? " (--quantize-embeddings to change)"
                                                         : ""));
          }
          break;
        default:
          break;  // layout and other operators move data only
      }
      continue;
    }
    if (bmm && !o.attention) {
      keep(
          "float32: attention batched matmuls in FP8 are an option (--attention-fp8), not the "
          "default");
      continue;
    }
    const int layer = LayerOf(n.name);
    if (layer < 0 && !o.head) {
      keep(
          "float32 by the BERT recipe: pooler and classifier stay in higher precision "
          "(--quantize-head to change)");
      continue;
    }
    bool skipped = false;
    for (const std::string& pattern : o.skip) {
      if (!pattern.empty() && n.name.find(pattern) != std::string::npos) {
        keep("float32: matches --skip '" + pattern + "'");
        skipped = true;
        break;
      }
    }
    if (skipped) continue;
    if (layer >= 0 && layer < o.keep_first) {
      keep(
          StrFormat("float32: layer %d is among the first %d (--keep-first)", layer, o.keep_first));
      continue;
    }
    if (layer >= 0 && layer >= layers - o.keep_last) {
      keep(StrFormat("float32: layer %d is among the last %d (--keep-last)", layer, o.keep_last));
      continue;
    }
    if (linear) {
      const TensorDesc& w = g.tensors[static_cast<size_t>(n.inputs[1])];
      if (!w.IsConstant() || w.dtype != DType::kF32) {
        keep("float32: the weight is not a float32 constant");
        continue;
      }
    }
    s.nodes.push_back(i);
  }
  return s;
}

std::vector<int> ActivationTensors(const Graph& g, const Selection& s, const QuantOptions& o) {
  std::vector<int> out;
  if (!o.quantize_activations) return out;
  auto add = [&](int t) {
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  };
  for (size_t i : s.nodes) {
    const Node& n = g.nodes[i];
    add(n.inputs[0]);
    if (n.type == OpType::kBATCH_MATMUL) add(n.inputs[1]);
  }
  return out;
}

Status ApplyQuantization(Graph* g, const Selection& s, const QuantOptions& o,
                         const std::vector<int>& act_tensors,
                         const std::vector<RangeObserver>& observers,
                         std::vector<TensorReport>* report,
                         std::vector<std::vector<uint8_t>>* retired) {
  std::map<int, ScaleChoice> act_choice;
  for (size_t i = 0; i < act_tensors.size(); ++i) {
    const RangeObserver& obs = observers[i];
    if (obs.count() == 0) {
      return Internal("no calibration values for " + g->TensorLabel(act_tensors[i]));
    }
    if (obs.nonfinite()) {
      return InvalidArgument(StrFormat("%s: %llu NaN or infinite values during calibration",
                                       g->TensorLabel(act_tensors[i]).c_str(),
                                       static_cast<unsigned long long>(obs.nonfinite())));
    }
    act_choice[act_tensors[i]] = o.search_format && o.dtype != DType::kINT8
                                     ? ChooseFormatByMse(obs)
                                     : ChooseScale(obs, o.dtype, o.method, o.percentile);
  }
  const Fp8Format wformat = o.dtype == DType::kFP8_E5M2 ? kE5M2 : kE4M3;
  for (size_t ni : s.nodes) {
    Node& n = g->nodes[ni];
    auto act_quant = [&](int tensor, ActQuant* q) {
      if (!o.quantize_activations) return;
      const ScaleChoice& c = act_choice.at(tensor);
      q->enabled = true;
      q->dtype = c.dtype;
      q->scale = c.scale;
      q->fp8 = c.format;
      const RangeObserver& obs = observers[static_cast<size_t>(
          std::find(act_tensors.begin(), act_tensors.end(), tensor) - act_tensors.begin())];
      // One row per activation tensor, however many operators read it.
      for (const TensorReport& seen : *report) {
        if (seen.kind == "activation" &&
            seen.tensor == g->tensors[static_cast<size_t>(tensor)].name)
          return;
      }
      TensorReport r;
      r.node = n.name;
      r.tensor = g->tensors[static_cast<size_t>(tensor)].name;
      r.kind = "activation";
      r.format = FormatName(c.dtype, c.format);
      r.granularity = "per-tensor";
      r.amax = obs.amax();
      r.scale_min = r.scale_max = c.scale;
      r.clipped_pct = 100.0 * c.clipped;
      r.sqnr_db = SqnrFromPowers(obs.MeanSquare(), c.mse);
      report->push_back(r);
    };
    if (n.type == OpType::kBATCH_MATMUL) {
      act_quant(n.inputs[0], &n.attrs.a_quant);
      act_quant(n.inputs[1], &n.attrs.b_quant);
      continue;
    }
    act_quant(n.inputs[0], &n.attrs.input_quant);
    // Weights: min-max per output channel (or per tensor).
    TensorDesc& w = g->tensors[static_cast<size_t>(n.inputs[1])];
    const Shape ws = w.FixedShape();
    const size_t count = static_cast<size_t>(ws.NumElements());
    const float* src = static_cast<const float*>(w.data());
    ChannelLayout layout{1, 1, count};
    if (o.per_channel_weights) MakeChannelLayout({ws[0], ws[1]}, 0, &layout);
    std::vector<float> amax(layout.channels), scales(layout.channels);
    AbsMaxPerChannel(src, layout, amax.data());
    std::vector<uint8_t> bytes(count);
    std::vector<float> back(count);
    for (size_t c = 0; c < layout.channels; ++c) {
      if (!std::isfinite(amax[c])) {
        return InvalidArgument(StrFormat("%s: weight has NaN or infinite values",
                                         g->TensorLabel(n.inputs[1]).c_str()));
      }
      scales[c] =
          o.dtype == DType::kINT8 ? Int8ScaleForAmax(amax[c]) : Fp8ScaleForAmax(amax[c], wformat);
    }
    if (o.dtype == DType::kINT8) {
      QuantizeInt8PerChannel(src, reinterpret_cast<int8_t*>(bytes.data()), layout, scales.data());
      DequantizeInt8PerChannel(reinterpret_cast<const int8_t*>(bytes.data()), back.data(), layout,
                               scales.data());
    } else {
      QuantizeFp8PerChannel(src, bytes.data(), layout, scales.data(), wformat);
      DequantizeFp8PerChannel(bytes.data(), back.data(), layout, scales.data(), wformat);
    }
    TensorReport r;
    r.node = n.name;
    r.tensor = w.name;
    r.kind = "weight";
    r.format = FormatName(o.dtype, wformat);
    r.granularity = o.per_channel_weights ? "per-channel" : "per-tensor";
    r.amax = *std::max_element(amax.begin(), amax.end());
    const auto [lo, hi] = std::minmax_element(scales.begin(), scales.end());
    r.scale_min = *lo;
    r.scale_max = *hi;
    r.clipped_pct = 0.0;  // min-max: nothing is clipped
    r.sqnr_db = SqnrDb(src, back.data(), count);
    report->push_back(r);

    QuantParams q;
    q.scales = scales;
    q.axis = o.per_channel_weights ? 0 : -1;
    q.amax = amax;
    w.dtype = o.dtype;
    w.quant = std::move(q);
    w.external = nullptr;
    if (retired && !w.owned.empty()) retired->push_back(std::move(w.owned));
    w.owned = std::move(bytes);
    w.data_size = w.owned.size();
  }
  if (o.embeddings) FP8_RETURN_IF_ERROR(QuantizeEmbeddingTable(g, report, retired));
  return Status::Ok();
}

Status QuantizeEmbeddingTable(Graph* g, std::vector<TensorReport>* report,
                              std::vector<std::vector<uint8_t>>* retired) {
  for (const Node& n : g->nodes) {
    if (n.type != OpType::kGATHER || n.name != "embeddings.word") continue;
    TensorDesc& t = g->tensors[static_cast<size_t>(n.inputs[0])];
    if (!t.IsConstant() || t.dtype != DType::kF32 || t.shape.size() != 2) {
      return InvalidArgument(g->TensorLabel(n.inputs[0]) + ": not a float32 [vocab, hidden] table");
    }
    const Shape s = t.FixedShape();
    const size_t count = static_cast<size_t>(s.NumElements());
    const float* src = static_cast<const float*>(t.data());
    ChannelLayout layout;
    MakeChannelLayout({s[0], s[1]}, 0, &layout);
    std::vector<float> amax(layout.channels), scales(layout.channels), back(count);
    AbsMaxPerChannel(src, layout, amax.data());
    for (size_t c = 0; c < amax.size(); ++c) {
      if (!std::isfinite(amax[c])) return InvalidArgument(t.name + ": NaN or infinite values");
      scales[c] = Fp8ScaleForAmax(amax[c], kE4M3);
    }
    std::vector<uint8_t> bytes(count);
    QuantizeFp8PerChannel(src, bytes.data(), layout, scales.data(), kE4M3);
    DequantizeFp8PerChannel(bytes.data(), back.data(), layout, scales.data(), kE4M3);
    TensorReport r;
    r.node = n.name;
    r.tensor = t.name;
    r.kind = "weight";
    r.format = "E4M3";
    r.granularity = "per-row";
    r.amax = *std::max_element(amax.begin(), amax.end());
    const auto [lo, hi] = std::minmax_element(scales.begin(), scales.end());
    r.scale_min = *lo;
    r.scale_max = *hi;
    r.sqnr_db = SqnrDb(src, back.data(), count);
    report->push_back(r);
    QuantParams q;
    q.scales = std::move(scales);
    q.axis = 0;
    q.amax = std::move(amax);
    t.dtype = DType::kFP8_E4M3;
    t.quant = std::move(q);
    t.external = nullptr;
    if (retired && !t.owned.empty()) retired->push_back(std::move(t.owned));
    t.owned = std::move(bytes);
    t.data_size = t.owned.size();
  }
  return Status::Ok();
}

}  // namespace convert
}  // namespace fp8sdk
