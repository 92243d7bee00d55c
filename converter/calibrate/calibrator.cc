#include "converter/calibrate/calibrator.h"

#include <cmath>
#include <limits>
#include <memory>

#include "sdk/runtime/session.h"

namespace fp8sdk {
namespace convert {

Graph ShareGraph(const Graph& g) {
  Graph c;
  c.nodes = g.nodes;
  c.inputs = g.inputs;
  c.outputs = g.outputs;
  c.metadata = g.metadata;
  c.tensors.reserve(g.tensors.size());
  for (const TensorDesc& t : g.tensors) {
    TensorDesc d;
    d.name = t.name;
    d.dtype = t.dtype;
    d.shape = t.shape;
    d.quant = t.quant;
    d.constant = t.constant;
    d.data_size = t.data_size;
    if (t.constant) d.external = t.data();
    c.tensors.push_back(std::move(d));
  }
  return c;
}

namespace {

// A session over a shared copy of `g` whose outputs are `tensors` (model
// outputs first, so that the first output stays the model's).
class Probe {
 public:
  Status Init(const Graph& g, const std::vector<int>& tensors, const std::vector<CalibBatch>& data,
              const RunOptions& o) {
    graph_ = ShareGraph(g);
    for (int t : tensors) {
      bool present = false;
      for (int x : graph_.outputs) present |= x == t;
      if (!present) graph_.outputs.push_back(t);
    }
    SessionOptions so;
    so.num_threads = o.threads;
    so.device = o.device;
    for (const CalibBatch& b : data) {
      so.max_batch = std::max<int64_t>(so.max_batch, b.batch);
      so.max_sequence = std::max<int64_t>(so.max_sequence, b.sequence);
    }
    FP8_ASSIGN_OR_RETURN(session_, Session::Create(graph_, so));
    return Status::Ok();
  }

  Status Run(const CalibBatch& b) {
    const int64_t dims[2] = {b.batch, b.sequence};
    const size_t bytes = b.input_ids.size() * sizeof(int64_t);
    FP8_RETURN_IF_ERROR(
        session_->SetInput("input_ids", DType::kINT64, dims, 2, b.input_ids.data(), bytes));
    FP8_RETURN_IF_ERROR(session_->SetInput("token_type_ids", DType::kINT64, dims, 2,
                                           b.token_type_ids.data(), bytes));
    FP8_RETURN_IF_ERROR(session_->SetInput("attention_mask", DType::kINT64, dims, 2,
                                           b.attention_mask.data(), bytes));
    return session_->Run();
  }

  Status Get(int tensor, TensorView* v) const {
    return session_->GetOutput(graph_.tensors[static_cast<size_t>(tensor)].name, v);
  }
  const Graph& graph() const { return graph_; }

 private:
  Graph graph_;
  std::unique_ptr<Session> session_;
};

// Calls fn(row_data, row_length) for every row of a [batch, sequence, ...]
// tensor at a real (unmasked) position; tensors of other shapes are passed
// whole as one row.
template <typename Fn>
void ForRealRows(const TensorView& v, const CalibBatch& b, Fn fn) {
  const float* x = static_cast<const float*>(v.data);
  const int64_t n = v.shape.NumElements();
  if (v.shape.rank >= 2 && v.shape[0] == b.batch && v.shape[1] == b.sequence && n > 0) {
    const int64_t row = n / (static_cast<int64_t>(b.batch) * b.sequence);
    for (int64_t r = 0; r < static_cast<int64_t>(b.batch) * b.sequence; ++r) {
      if (b.attention_mask[static_cast<size_t>(r)] != 0) fn(x + r * row, row, r * row);
    }
  } else {
    fn(x, n, int64_t{0});
  }
}

}  // namespace

Status ObserveTensors(const Graph& g, const std::vector<int>& tensors,
                      const std::vector<CalibBatch>& data, const RunOptions& o,
                      std::vector<RangeObserver>* observers) {
  observers->assign(tensors.size(), RangeObserver());
  if (data.empty()) return InvalidArgument("no calibration data");
  Probe probe;
  FP8_RETURN_IF_ERROR(probe.Init(g, tensors, data, o));
  for (size_t bi = 0; bi < data.size(); ++bi) {
    FP8_RETURN_IF_ERROR(probe.Run(data[bi]).WithContext(StrFormat("calibration batch %zu", bi)));
    for (size_t i = 0; i < tensors.size(); ++i) {
      TensorView v;
      FP8_RETURN_IF_ERROR(probe.Get(tensors[i], &v));
      RangeObserver& obs = (*observers)[i];
      ForRealRows(v, data[bi], [&](const float* p, int64_t n, int64_t) {
        obs.Observe(p, static_cast<size_t>(n));
      });
    }
    if (o.progress) o.progress(bi + 1, data.size());
  }
  return Status::Ok();
}

double Comparison::SqnrDb(size_t i) const {
  if (noise[i] == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal[i] / noise[i]);
}

Status CompareGraphs(const Graph& ref, const Graph& test, const std::vector<std::string>& names,
                     const std::vector<CalibBatch>& data, const RunOptions& o, Comparison* out) {
  std::vector<int> ref_ids, test_ids;
  for (const std::string& n : names) {
    const int a = ref.FindTensor(n), b = test.FindTensor(n);
    if (a < 0 || b < 0) return NotFound("tensor '" + n + "' is not in both graphs");
    ref_ids.push_back(a);
    test_ids.push_back(b);
  }
  Probe pr, pt;
  FP8_RETURN_IF_ERROR(pr.Init(ref, ref_ids, data, o));
  FP8_RETURN_IF_ERROR(pt.Init(test, test_ids, data, o));
  out->names = names;
  out->signal.assign(names.size(), 0.0);
  out->noise.assign(names.size(), 0.0);
  out->rows = out->argmax_agree = 0;
  for (size_t bi = 0; bi < data.size(); ++bi) {
    FP8_RETURN_IF_ERROR(pr.Run(data[bi]));
    FP8_RETURN_IF_ERROR(pt.Run(data[bi]));
    for (size_t i = 0; i < names.size(); ++i) {
      TensorView a, b;
      FP8_RETURN_IF_ERROR(pr.Get(ref_ids[i], &a));
      FP8_RETURN_IF_ERROR(pt.Get(test_ids[i], &b));
      const float* y = static_cast<const float*>(b.data);
      ForRealRows(a, data[bi], [&](const float* x, int64_t n, int64_t offset) {
        for (int64_t k = 0; k < n; ++k) {
          const double r = x[k], d = r - static_cast<double>(y[offset + k]);
          out->signal[i] += r * r;
          out->noise[i] += d * d;
        }
      });
    }
    // Argmax agreement on the first model output, row by row.
    TensorView a, b;
    FP8_RETURN_IF_ERROR(pr.Get(ref.outputs[0], &a));
    FP8_RETURN_IF_ERROR(pt.Get(test.outputs[0], &b));
    const int64_t width = a.shape.rank ? a.shape[a.shape.rank - 1] : 1;
    const int64_t rows = width ? a.shape.NumElements() / width : 0;
    const float* x = static_cast<const float*>(a.data);
    const float* y = static_cast<const float*>(b.data);
    for (int64_t r = 0; r < rows; ++r) {
      int64_t ia = 0, ib = 0;
      for (int64_t k = 1; k < width; ++k) {
        if (x[r * width + k] > x[r * width + ia]) ia = k;
        if (y[r * width + k] > y[r * width + ib]) ib = k;
      }
      out->rows += 1;
      out->argmax_agree += ia == ib;
    }
    if (o.progress) o.progress(bi + 1, data.size());
  }
  return Status::Ok();
}

}  // namespace convert
}  // namespace fp8sdk
