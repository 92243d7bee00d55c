// The cases of the backend conformance suite (see conformance_cases.h): the
// builders of each operator's tiny graphs and their inputs, and the list.
#include "tests/conformance/conformance_cases.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "formats/model_writer.h"
#include "sdk/numerics/fp8_format.h"
#include "sdk/numerics/quantize.h"
#include "sdk/runtime/graph.h"

namespace fp8sdk {
namespace conformance {

std::vector<Dim> Fixed(const std::vector<int64_t>& d) {
  std::vector<Dim> r;
  for (int64_t x : d) r.push_back(FixedDim(x));
  return r;
}

namespace {

std::vector<float> Rand(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

int64_t Prod(const std::vector<int64_t>& d) {
  int64_t p = 1;
  for (int64_t x : d) p *= x;
  return p;
}

const char* DTypeTag(DType t) { return DTypeName(t); }

// A constant weight [N, K] in `dt` (quantized ones with per-channel or
// per-tensor scales).
int AddWeight(GraphBuilder* b, DType dt, int64_t N, int64_t K, bool per_channel, uint32_t seed) {
  const size_t n = static_cast<size_t>(N * K);
  const std::vector<float> w = Rand(n, seed, -0.5f, 0.5f);
  if (dt == DType::kF32) return b->AddConstantF32("w", {N, K}, w);
  if (dt == DType::kF16 || dt == DType::kBF16) {
    std::vector<uint16_t> h(n);
    for (size_t i = 0; i < n; ++i) h[i] = dt == DType::kF16 ? FloatToF16(w[i]) : FloatToBf16(w[i]);
    return b->AddConstant("w", dt, {N, K}, h.data(), h.size() * 2);
  }
  QuantParams qp;
  qp.axis = per_channel ? 0 : -1;
  const size_t channels = per_channel ? static_cast<size_t>(N) : 1;
  const std::vector<float> amax = Rand(channels, seed + 1, 0.2f, 0.5f);
  std::vector<uint8_t> codes(n);
  const ChannelLayout layout{1, channels, n / channels};
  if (dt == DType::kINT8) {
    for (float a : amax) qp.scales.push_back(Int8ScaleForAmax(a));
    QuantizeInt8PerChannel(w.data(), reinterpret_cast<int8_t*>(codes.data()), layout,
                           qp.scales.data());
  } else {
    const Fp8Format f = Fp8FormatOf(dt, kE4M3);
    for (float a : amax) qp.scales.push_back(Fp8ScaleForAmax(a, f));
    QuantizeFp8PerChannel(w.data(), codes.data(), layout, qp.scales.data(), f);
  }
  return b->AddConstant("w", dt, {N, K}, codes.data(), codes.size(), qp);
}

Case LinearCase(DType wdt, bool per_channel, bool quant_in, DType in_dt, int64_t M, int64_t K,
                int64_t N, bool bias) {
  Case c;
  c.name = std::string("linear_w") + DTypeTag(wdt) + (per_channel ? "_pc" : "_pt") +
           (quant_in ? std::string("_x") + DTypeTag(in_dt) : "_xf32") + "_M" + std::to_string(M) +
           "_K" + std::to_string(K) + "_N" + std::to_string(N) + (bias ? "_bias" : "");
  GraphBuilder b;
  const int x = b.AddInput("x", DType::kF32, {SymbolDim("batch"), FixedDim(K)});
  const int w = AddWeight(&b, wdt, N, K, per_channel, static_cast<uint32_t>(M * 7 + K * 3 + N));
  const int bi = bias ? b.AddConstantF32("b", {N}, Rand(static_cast<size_t>(N), 5)) : -1;
  const int y = b.AddTensor("y", DType::kF32);
  NodeAttrs a;
  if (quant_in) {
    a.input_quant.enabled = true;
    a.input_quant.dtype = in_dt;
    const float amax = 2.0f;
    a.input_quant.scale = in_dt == DType::kINT8 ? Int8ScaleForAmax(amax)
                                                : Fp8ScaleForAmax(amax, Fp8FormatOf(in_dt, kE4M3));
  }
  b.AddNode(OpType::kLINEAR, "linear", bias ? std::vector<int>{x, w, bi} : std::vector<int>{x, w},
            {y}, a);
  b.AddOutput(y);
  c.graph = b.Finish();
  // Several runs on one session: the planned M, then smaller ones.
  for (int64_t m : {M, std::max<int64_t>(1, M / 2), int64_t{1}}) {
    c.runs.push_back({MakeFeed("x", DType::kF32, {m, K},
                               Rand(static_cast<size_t>(m * K), 11 + m, -2.5f, 2.5f))});
  }
  c.max_batch = M;
  c.tol = 1e-5;
  return c;
}

// Activation quantization, bit for bit: LINEAR with identity weights (1.0
// exactly, scale 1) and a power-of-two input scale, so y = Q(x / s) * s with
// no rounding but the quantization's. The inputs (in units of the scale)
// are every finite value of the input format and both signs, every midpoint
// between neighbours (ties: half to even) and the floats just either side
// of it, and values past the largest (saturation); INT8: every integer and
// half-integer past the range. A quantizer one step off fails by the
// format's spacing; tol is far below that (not 0: zeros may differ in sign).
Case QuantProbeCase(DType wdt, DType in_dt) {
  std::vector<float> t;  // in units of the scale
  if (in_dt == DType::kINT8) {
    for (int i = -260; i <= 260; ++i) t.push_back(0.5f * static_cast<float>(i));
  } else {
    const Fp8Format f = Fp8FormatOf(in_dt, kE4M3);
    std::vector<float> v;
    for (int c = 0; c < 128; ++c) {
      const float x = Fp8ToFloat(static_cast<uint8_t>(c), f);
      if (std::isfinite(x)) v.push_back(x);
    }
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    const float top = v.back(), gap = v.back() - v[v.size() - 2];
    v.push_back(top + gap);  // the midpoint past the largest is a tie too
    for (size_t i = 0; i < v.size(); ++i) {
      t.push_back(v[i]);
      if (i + 1 < v.size()) {
        const float mid = 0.5f * (v[i] + v[i + 1]);
        t.insert(t.end(), {std::nextafter(mid, 0.0f), mid, std::nextafter(mid, 1e30f)});
      }
    }
    t.insert(t.end(), {2 * top, 1e6f, 3e30f});
    const size_t positive = t.size();
    for (size_t i = 0; i < positive; ++i) t.push_back(-t[i]);
  }
  constexpr int64_t K = 64;
  const int64_t M = (static_cast<int64_t>(t.size()) + K - 1) / K;
  t.resize(static_cast<size_t>(M * K), 0.0f);
  const float scale = 1.0f / 64;  // a power of two: x = t * scale and x / scale are exact
  for (float& x : t) x *= scale;

  Case c;
  c.name = std::string("linear_quant_probe_w") + DTypeTag(wdt) + "_x" + DTypeTag(in_dt);
  GraphBuilder b;
  const int x = b.AddInput("x", DType::kF32, {SymbolDim("batch"), FixedDim(K)});
  std::vector<float> eye(static_cast<size_t>(K * K), 0.0f);
  for (int64_t i = 0; i < K; ++i) eye[static_cast<size_t>(i * K + i)] = 1.0f;
  int w;
  if (wdt == DType::kF32) {
    w = b.AddConstantF32("w", {K, K}, eye);
  } else {
    std::vector<uint8_t> codes(eye.size());
    QuantParams qp;
    qp.scales = {1.0f};
    const ChannelLayout layout{1, 1, eye.size()};
    if (wdt == DType::kINT8) {
      QuantizeInt8PerChannel(eye.data(), reinterpret_cast<int8_t*>(codes.data()), layout,
                             qp.scales.data());
    } else {
      QuantizeFp8PerChannel(eye.data(), codes.data(), layout, qp.scales.data(),
                            Fp8FormatOf(wdt, kE4M3));
    }
    w = b.AddConstant("w", wdt, {K, K}, codes.data(), codes.size(), qp);
  }
  const int y = b.AddTensor("y", DType::kF32);
  NodeAttrs a;
  a.input_quant.enabled = true;
  a.input_quant.dtype = in_dt;
  a.input_quant.scale = scale;
  b.AddNode(OpType::kLINEAR, "linear", {x, w}, {y}, a);
  b.AddOutput(y);
  c.graph = b.Finish();
  c.runs.push_back({MakeFeed("x", DType::kF32, {M, K}, t)});
  c.max_batch = M;
  c.tol = 1e-12;
  return c;
}

// quant: both operands quantized to `qtype` (E4M3 or INT8).
Case BatchMatMulCase(bool quant, bool transpose_b, bool broadcast, int64_t M, int64_t K, int64_t N,
                     DType qtype = DType::kFP8_E4M3) {
  Case c;
  c.name = std::string("batch_matmul") +
           (!quant                  ? "_f32"
            : qtype == DType::kINT8 ? "_int8"
                                    : "_e4m3") +
           (transpose_b ? "_tb" : "") + (broadcast ? "_bcast" : "") + "_M" + std::to_string(M) +
           "_K" + std::to_string(K) + "_N" + std::to_string(N);
  const std::vector<int64_t> da = {2, 3, M, K};
  std::vector<int64_t> db =
      transpose_b ? std::vector<int64_t>{2, 3, N, K} : std::vector<int64_t>{2, 3, K, N};
  if (broadcast) db[0] = 1;
  GraphBuilder b;
  const int a = b.AddInput("a", DType::kF32, Fixed(da));
  const int bb = b.AddInput("b", DType::kF32, Fixed(db));
  const int y = b.AddTensor("y", DType::kF32);
  NodeAttrs at;
  at.transpose_b = transpose_b;
  at.alpha = 0.125f;
  if (quant && qtype == DType::kINT8) {
    at.a_quant = ActQuant{true, DType::kINT8, Int8ScaleForAmax(2.0f), kE4M3};
    at.b_quant = ActQuant{true, DType::kINT8, Int8ScaleForAmax(1.5f), kE4M3};
  } else if (quant) {
    at.a_quant = ActQuant{true, DType::kFP8_E4M3, 2.0f / 448.0f, kE4M3};
    at.b_quant = ActQuant{true, DType::kFP8_E4M3, 1.5f / 448.0f, kE4M3};
  }
  b.AddNode(OpType::kBATCH_MATMUL, "bmm", {a, bb}, {y}, at);
  b.AddOutput(y);
  c.graph = b.Finish();
  c.runs.push_back(
      {MakeFeed("a", DType::kF32, da, Rand(static_cast<size_t>(Prod(da)), 21, -2, 2)),
       MakeFeed("b", DType::kF32, db, Rand(static_cast<size_t>(Prod(db)), 22, -1.5f, 1.5f))});
  c.tol = 1e-5;
  return c;
}

// One node with f32 inputs of the given shapes and f32 output.
Case SimpleCase(const std::string& name, OpType op, const std::vector<std::vector<int64_t>>& shapes,
                const NodeAttrs& attrs = {}, double tol = 1e-5) {
  Case c;
  c.name = name;
  GraphBuilder b;
  std::vector<int> ins;
  std::vector<Feed> feeds;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const std::string n = "in" + std::to_string(i);
    ins.push_back(b.AddInput(n, DType::kF32, Fixed(shapes[i])));
    feeds.push_back(
        MakeFeed(n, DType::kF32, shapes[i],
                 Rand(static_cast<size_t>(Prod(shapes[i])), 31 + static_cast<uint32_t>(i), -3, 3)));
  }
  const int y = b.AddTensor("y", DType::kF32);
  b.AddNode(op, "op", ins, {y}, attrs);
  b.AddOutput(y);
  c.graph = b.Finish();
  c.runs.push_back(std::move(feeds));
  c.tol = tol;
  return c;
}

// residual: LAYER_NORM(x + r), the ADD before it (which the CUDA backend
// fuses into its LayerNorm kernel).
Case LayerNormCase(const std::vector<int64_t>& shape, bool beta, bool residual = false) {
  Case c;
  c.name = std::string(residual ? "add_" : "") + "layer_norm_C" + std::to_string(shape.back()) +
           (beta ? "_beta" : "");
  const int64_t C = shape.back();
  GraphBuilder b;
  int x = b.AddInput("x", DType::kF32, Fixed(shape));
  if (residual) {
    const int r = b.AddInput("r", DType::kF32, Fixed(shape));
    const int sum = b.AddTensor("sum", DType::kF32);
    b.AddNode(OpType::kADD, "add", {x, r}, {sum}, NodeAttrs{});
    x = sum;
  }
  const int g = b.AddConstantF32("gamma", {C}, Rand(static_cast<size_t>(C), 41, 0.5f, 1.5f));
  std::vector<int> ins = {x, g};
  // An absent optional input is -1 (the reference reads input 2 unconditionally).
  ins.push_back(beta ? b.AddConstantF32("beta", {C}, Rand(static_cast<size_t>(C), 42)) : -1);
  const int y = b.AddTensor("y", DType::kF32);
  NodeAttrs a;
  a.epsilon = 1e-5f;
  b.AddNode(OpType::kLAYER_NORM, "ln", ins, {y}, a);
  b.AddOutput(y);
  c.graph = b.Finish();
  c.runs.push_back(
      {MakeFeed("x", DType::kF32, shape, Rand(static_cast<size_t>(Prod(shape)), 43, -4, 4))});
  if (residual) {
    c.runs.back().push_back(
        MakeFeed("r", DType::kF32, shape, Rand(static_cast<size_t>(Prod(shape)), 44, -4, 4)));
  }
  c.tol = 1e-5;
  return c;
}

// A key-padding mask (`keep`: 1 keeps a key) as `dt` (INT64, INT32, UINT8 or F32).
Feed MaskFeed(DType dt, const std::vector<int64_t>& dims, const std::vector<int64_t>& keep) {
  switch (dt) {
    case DType::kINT32:
      return MakeFeed("mask", dt, dims, std::vector<int32_t>(keep.begin(), keep.end()));
    case DType::kUINT8:
      return MakeFeed("mask", dt, dims, std::vector<uint8_t>(keep.begin(), keep.end()));
    case DType::kF32:
      return MakeFeed("mask", dt, dims, std::vector<float>(keep.begin(), keep.end()));
    default:
      return MakeFeed("mask", dt, dims, keep);
  }
}

Case SoftmaxCase(MaskMode mode, int64_t keys, DType mask_dt = DType::kINT64) {
  Case c;
  const std::vector<int64_t> shape = {2, 3, 5, keys};
  c.name = std::string("softmax_") +
           (mode == MaskMode::kNone         ? "nomask"
            : mode == MaskMode::kKeyPadding ? "keypad"
                                            : "additive") +
           (mask_dt != DType::kINT64 ? std::string("_") + DTypeName(mask_dt) : "") + "_C" +
           std::to_string(keys);
  GraphBuilder b;
  const int x = b.AddInput("x", DType::kF32, Fixed(shape));
  std::vector<int> ins = {x};
  std::vector<Feed> feeds = {
      MakeFeed("x", DType::kF32, shape, Rand(static_cast<size_t>(Prod(shape)), 51, -5, 5))};
  if (mode == MaskMode::kKeyPadding) {
    ins.push_back(b.AddInput("mask", mask_dt, Fixed({2, keys})));
    std::vector<int64_t> m(static_cast<size_t>(2 * keys), 0);  // batch 1: fully masked -> zeros
    for (int64_t i = 0; i < keys; ++i) m[static_cast<size_t>(i)] = i < keys - keys / 3;
    feeds.push_back(MaskFeed(mask_dt, {2, keys}, m));
  } else if (mode == MaskMode::kAdditive) {
    ins.push_back(b.AddInput("mask", DType::kF32, Fixed({2, 1, 1, keys})));
    feeds.push_back(MakeFeed("mask", DType::kF32, {2, 1, 1, keys},
                             Rand(static_cast<size_t>(2 * keys), 52, -3, 0)));
  }
  const int y = b.AddTensor("y", DType::kF32);
  NodeAttrs a;
  a.softmax_scale = 0.125f;
  a.mask_mode = mode;
  b.AddNode(OpType::kSOFTMAX, "softmax", ins, {y}, a);
  b.AddOutput(y);
  c.graph = b.Finish();
  c.runs.push_back(std::move(feeds));
  c.tol = 1e-5;
  return c;
}

// Data movement on f32 or int64 data: bytes must match exactly.
Case LayoutCase(const std::string& name, OpType op, DType dt, const std::vector<int64_t>& shape,
                const NodeAttrs& a) {
  Case c;
  c.name = name;
  GraphBuilder b;
  const int x = b.AddInput("x", dt, Fixed(shape));
  const int y = b.AddTensor("y", dt);
  b.AddNode(op, "op", {x}, {y}, a);
  b.AddOutput(y);
  c.graph = b.Finish();
  const size_t n = static_cast<size_t>(Prod(shape));
  if (dt == DType::kINT64) {
    std::vector<int64_t> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<int64_t>(i * 7919);
    c.runs.push_back({MakeFeed("x", dt, shape, v)});
  } else {
    c.runs.push_back({MakeFeed("x", dt, shape, Rand(n, 61))});
  }
  return c;
}

Case QuantizeCase(bool quantize) {
  Case c;
  c.name = quantize ? "quantize_e4m3" : "dequantize_e4m3";
  GraphBuilder b;
  const std::vector<int64_t> shape = {3, 17};
  const int x = b.AddInput("x", quantize ? DType::kF32 : DType::kFP8_E4M3, Fixed(shape));
  const int y = b.AddTensor("y", quantize ? DType::kFP8_E4M3 : DType::kF32);
  const int qt = quantize ? y : x;
  b.graph().tensors[static_cast<size_t>(qt)].quant.scales = {0.02f};
  b.AddNode(quantize ? OpType::kQUANTIZE : OpType::kDEQUANTIZE, "q", {x}, {y});
  b.AddOutput(y);
  c.graph = b.Finish();
  if (quantize) {
    c.runs.push_back({MakeFeed("x", DType::kF32, shape, Rand(51, 81, -4, 4))});
  } else {
    std::vector<uint8_t> codes(51);
    for (size_t i = 0; i < codes.size(); ++i) codes[i] = static_cast<uint8_t>((i * 37) % 0x7e);
    c.runs.push_back({MakeFeed("x", DType::kFP8_E4M3, shape, codes)});
  }
  c.tol = 0;
  return c;
}

}  // namespace

Case GatherCase(bool fp8_table, int64_t rows, int64_t width) {
  Case c;
  c.name = std::string(fp8_table ? "gather_fp8_table" : "gather_f32") + "_" + std::to_string(rows) +
           "x" + std::to_string(width);
  GraphBuilder b;
  int table;
  if (fp8_table) {
    std::vector<uint8_t> codes(static_cast<size_t>(rows * width));
    QuantParams qp;
    qp.scales = {0.01f};
    QuantizeFp8(Rand(codes.size(), 71).data(), codes.data(), codes.size(), 0.01f, kE4M3);
    table = b.AddConstant("table", DType::kFP8_E4M3, {rows, width}, codes.data(), codes.size(), qp);
  } else {
    table = b.AddConstantF32("table", {rows, width}, Rand(static_cast<size_t>(rows * width), 71));
  }
  const int ids = b.AddInput("ids", DType::kINT64, Fixed({3, 5}));
  const int y = b.AddTensor("y", DType::kF32);
  b.AddNode(OpType::kGATHER, "gather", {table, ids}, {y});
  b.AddOutput(y);
  c.graph = b.Finish();
  std::vector<int64_t> idx(15);
  for (size_t i = 0; i < idx.size(); ++i)
    idx[i] = static_cast<int64_t>((i * 5 + 3) % static_cast<size_t>(rows));
  c.runs.push_back({MakeFeed("ids", DType::kINT64, {3, 5}, idx)});
  return c;
}

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  const DType wdts[] = {DType::kF32,      DType::kF16,      DType::kBF16,
                        DType::kFP8_E4M3, DType::kFP8_E5M2, DType::kINT8};
  const int64_t shapes[][3] = {{1, 1, 1},   {3, 17, 63},   {17, 65, 127},
                               {63, 3, 65}, {65, 127, 17}, {128, 256, 96}};
  for (DType w : wdts) {
    const bool quantized = IsQuantized(w);
    for (const auto& s : shapes) {
      cases.push_back(LinearCase(w, true, false, DType::kF32, s[0], s[1], s[2], true));
      cases.push_back(LinearCase(w, true, true, DType::kFP8_E4M3, s[0], s[1], s[2], true));
      if (quantized)
        cases.push_back(LinearCase(w, false, true, DType::kINT8, s[0], s[1], s[2], false));
      if (w == DType::kFP8_E5M2)
        cases.push_back(LinearCase(w, true, true, DType::kFP8_E5M2, s[0], s[1], s[2], true));
    }
  }
  // FP8 weight x FP8 activations (the oneDNN backend's own AVX512_BF16 GEMM):
  // K not a multiple of 4 (padded pairs) and past one K block (384), N across
  // and short of whole 64-column panels, M past the 6-row tile and the
  // 192-row block; runs at M, M / 2 and 1 (the GEMV).
  const int64_t fp8_shapes[][3] = {
      {129, 97, 100}, {3, 768, 145}, {17, 255, 96}, {9, 1537, 49}, {200, 33, 70}};
  for (DType w : {DType::kFP8_E4M3, DType::kFP8_E5M2}) {
    for (const auto& s : fp8_shapes) {
      cases.push_back(LinearCase(w, true, true, w, s[0], s[1], s[2], true));
      cases.push_back(LinearCase(w, false, true, DType::kFP8_E4M3, s[0], s[1], s[2], false));
    }
  }
  for (DType w : {DType::kF32, DType::kFP8_E4M3, DType::kFP8_E5M2, DType::kINT8}) {
    cases.push_back(QuantProbeCase(w, DType::kFP8_E4M3));
    if (IsQuantized(w)) cases.push_back(QuantProbeCase(w, DType::kINT8));
    if (w == DType::kFP8_E5M2) cases.push_back(QuantProbeCase(w, DType::kFP8_E5M2));
  }
  for (bool q : {false, true}) {
    for (bool tb : {false, true}) {
      for (bool bc : {false, true}) {
        cases.push_back(BatchMatMulCase(q, tb, bc, 17, 3, 65));
        cases.push_back(BatchMatMulCase(q, tb, bc, 1, 63, 1));
        cases.push_back(BatchMatMulCase(q, tb, bc, 5, 32, 17));
        cases.push_back(BatchMatMulCase(q, tb, bc, 9, 20, 130));  // > 128 columns
      }
    }
  }
  // K past the CPU backend's packed tail of B (256 rows) with a partial
  // block of columns: that backend's row-by-row path.
  for (bool q : {false, true}) {
    for (bool tb : {false, true}) cases.push_back(BatchMatMulCase(q, tb, false, 3, 300, 70));
  }
  cases.push_back(BatchMatMulCase(false, false, false, 4, 0, 5));  // K = 0: zeros
  cases.push_back(BatchMatMulCase(true, true, false, 4, 0, 5));
  for (bool tb : {false, true}) {
    cases.push_back(BatchMatMulCase(true, tb, false, 17, 3, 65, DType::kINT8));
    cases.push_back(BatchMatMulCase(true, tb, false, 9, 20, 130, DType::kINT8));
  }
  // GELU/TANH element counts around the oneDNN backend's eltwise chunks
  // (65536 and 4096 elements: whole chunks, then one chunk overlapping the
  // last; under 4096, libm): 8190, 8255, 65536 and 80000 take each path.
  for (const std::vector<int64_t>& s :
       {std::vector<int64_t>{1}, {3, 17}, {127, 65}, {2, 63, 65}, {65536}, {2, 40000}}) {
    const std::string tag = std::to_string(Prod(s));
    NodeAttrs erf, tanh_gelu;
    tanh_gelu.gelu = GeluApprox::kTanh;
    cases.push_back(SimpleCase("gelu_erf_" + tag, OpType::kGELU, {s}, erf));
    cases.push_back(SimpleCase("gelu_tanh_" + tag, OpType::kGELU, {s}, tanh_gelu));
    cases.push_back(SimpleCase("tanh_" + tag, OpType::kTANH, {s}));
    cases.push_back(SimpleCase("add_" + tag, OpType::kADD, {s, s}));
    cases.push_back(SimpleCase("mul_" + tag, OpType::kMUL, {s, s}));
  }
  cases.push_back(SimpleCase("add_bcast_row", OpType::kADD, {{2, 3, 17}, {17}}));
  cases.push_back(SimpleCase("mul_bcast_mid", OpType::kMUL, {{2, 3, 17}, {2, 1, 17}}));
  cases.push_back(SimpleCase("add_bcast_scalar", OpType::kADD, {{3, 65}, {1}}));
  // Many rows of >= 16 elements (a workgroup per row on CPU-type Vulkan
  // devices), broadcast along the last dimension.
  cases.push_back(SimpleCase("add_bcast_last", OpType::kADD, {{300, 17}, {300, 1}}));
  cases.push_back(SimpleCase("mul_bcast_last_scalar", OpType::kMUL, {{2, 150, 33}, {1}}));
  for (bool beta : {false, true}) {
    cases.push_back(LayerNormCase({1, 1}, beta));
    cases.push_back(LayerNormCase({3, 17}, beta));
    cases.push_back(LayerNormCase({2, 5, 127}, beta));
    cases.push_back(LayerNormCase({4, 768}, beta));
    // Rows past 1024 values (the CUDA backend's block-per-row kernels) and
    // between 256 and 512 (its warp kernels' 16 values a lane).
    cases.push_back(LayerNormCase({2, 300}, beta));
    cases.push_back(LayerNormCase({2, 1500}, beta));
  }
  for (int64_t C : {128, 1500}) cases.push_back(LayerNormCase({3, C}, true, true));
  for (MaskMode m : {MaskMode::kNone, MaskMode::kKeyPadding, MaskMode::kAdditive}) {
    for (int64_t k : {1, 17, 64, 65, 300, 1100}) cases.push_back(SoftmaxCase(m, k));
  }
  for (DType dt : {DType::kINT32, DType::kUINT8, DType::kF32}) {
    for (int64_t k : {17, 65}) cases.push_back(SoftmaxCase(MaskMode::kKeyPadding, k, dt));
  }
  cases.push_back(GatherCase(false, 17, 63));
  cases.push_back(GatherCase(false, 1, 1));
  cases.push_back(GatherCase(true, 17, 63));
  NodeAttrs reshape, perm, heads, slice, slice0;
  reshape.shape = {51, 4};
  perm.perm = {2, 0, 1};
  heads.num_heads = 3;
  slice.axis = 1;
  slice.start = 2;
  slice.end = 7;
  slice0.axis = -1;
  slice0.start = 0;
  slice0.end = 1;
  for (DType dt : {DType::kF32, DType::kINT64}) {
    const std::string t = DTypeName(dt);
    cases.push_back(LayoutCase("reshape_" + t, OpType::kRESHAPE, dt, {3, 17, 4}, reshape));
    cases.push_back(LayoutCase("transpose_" + t, OpType::kTRANSPOSE, dt, {3, 17, 5}, perm));
    cases.push_back(LayoutCase("split_heads_" + t, OpType::kSPLIT_HEADS, dt, {2, 5, 12}, heads));
    cases.push_back(LayoutCase("merge_heads_" + t, OpType::kMERGE_HEADS, dt, {2, 3, 5, 4}, heads));
    cases.push_back(LayoutCase("slice_" + t, OpType::kSLICE, dt, {3, 17, 5}, slice));
    cases.push_back(LayoutCase("slice_last_" + t, OpType::kSLICE, dt, {3, 17, 5}, slice0));
  }
  cases.push_back(QuantizeCase(true));
  cases.push_back(QuantizeCase(false));
  return cases;
}

}  // namespace conformance
}  // namespace fp8sdk
