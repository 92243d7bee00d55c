#include "converter/import/onnx_import.h"

#include <fcntl.h>
#include <google/protobuf/arena.h>
#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "converter/common/sha256.h"
#include "sdk/numerics/fp8_format.h"

namespace fp8sdk {
namespace convert {

namespace {

// Operators BERT exports contain (torch.onnx, opsets 11-17).
const std::set<std::string>& KnownOps() {
  static const std::set<std::string> ops = {"Add",
                                            "Cast",
                                            "Concat",
                                            "Constant",
                                            "ConstantOfShape",
                                            "Div",
                                            "Equal",
                                            "Erf",
                                            "Expand",
                                            "Gather",
                                            "Gemm",
                                            "Identity",
                                            "LayerNormalization",
                                            "MatMul",
                                            "Mul",
                                            "Neg",
                                            "Pow",
                                            "Range",
                                            "ReduceMean",
                                            "Reshape",
                                            "Shape",
                                            "Slice",
                                            "Softmax",
                                            "Sqrt",
                                            "Squeeze",
                                            "Sub",
                                            "Tanh",
                                            "Transpose",
                                            "Unsqueeze",
                                            "Where",
                                            "Not",
                                            "Less",
                                            "Greater"};
  return ops;
}

// Input i of a node, or "" when the node has fewer (files from
// strangers: protobuf does not check the index of a repeated field).
const std::string& In(const onnx::NodeProto& n, int i) {
  static const std::string kNone;
  return i < n.input_size() ? n.input(i) : kNone;
}

// A mapped external-data file.
struct Mapping {
  void* addr = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (addr) munmap(addr, size);
  }
};

class OnnxModel {
 public:
  Status Load(const std::string& path) {
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      const int e = errno;
      return Status(e == ENOENT ? StatusCode::kNOT_FOUND : StatusCode::kIO_ERROR,
                    StrFormat("cannot read ONNX file '%s': %s", path.c_str(),
                              e ? std::strerror(e) : "cannot open"));
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t slash = path.rfind('/');
    return Parse(bytes.data(), bytes.size(), path,
                 slash == std::string::npos ? "."
                 : slash == 0               ? "/"
                                            : path.substr(0, slash));
  }

  // `dir`: where external data files are ("": nowhere, in-memory models).
  Status Parse(const void* data, size_t size, const std::string& path, const std::string& dir) {
    path_ = path;
    dir_ = dir;
    if (size > static_cast<size_t>(INT32_MAX)) {
      return InvalidArgument(
          StrFormat("'%s' is larger than protobuf's 2 GiB limit for one message "
                    "(keep the weights as external data)",
                    path.c_str()));
    }
    google::protobuf::io::CodedInputStream cis(static_cast<const uint8_t*>(data),
                                               static_cast<int>(size));
    cis.SetTotalBytesLimit(INT32_MAX);
    if (!model_->ParseFromCodedStream(&cis) || !cis.ConsumedEntireMessage()) {
      return InvalidArgument(
          StrFormat("'%s' is not a valid ONNX model (protobuf parse failed)", path.c_str()));
    }
    bytes_ = size;
    for (const auto& op : model_->opset_import()) {
      if (op.domain().empty() || op.domain() == "ai.onnx") opset_ = static_cast<int>(op.version());
    }
    if (!model_->has_graph()) return InvalidArgument(StrFormat("'%s' has no graph", path.c_str()));
    const onnx::GraphProto& g = model_->graph();
    for (const auto& t : g.initializer()) {
      for (int64_t d : t.dims()) {
        if (d < 0) {
          return InvalidArgument(StrFormat("'%s': initializer '%s' has a negative dimension %lld",
                                           path.c_str(), t.name().c_str(),
                                           static_cast<long long>(d)));
        }
      }
      tensors_[t.name()] = &t;
    }
    for (int i = 0; i < g.node_size(); ++i) {
      const onnx::NodeProto& n = g.node(i);
      if (!n.domain().empty() && n.domain() != "ai.onnx") {
        return Unsupported(StrFormat(
            "'%s': node '%s' (op %s, domain %s, opset %d) is not "
            "supported",
            path.c_str(), n.name().c_str(), n.op_type().c_str(), n.domain().c_str(), opset_));
      }
      if (!KnownOps().count(n.op_type())) {
        return Unsupported(
            StrFormat("'%s': node '%s' (op %s, opset %d) is not supported by the "
                      "BERT importer",
                      path.c_str(), n.name().c_str(), n.op_type().c_str(), opset_));
      }
      for (const std::string& o : n.output()) producer_[o] = i;
      for (const std::string& x : n.input()) consumers_[x].push_back(i);
      if (n.op_type() == "Constant") {
        for (const auto& a : n.attribute()) {
          if (a.name() == "value" && a.has_t() && n.output_size() > 0) {
            tensors_[n.output(0)] = &a.t();
          }
        }
      }
    }
    if (opset_ < 11 || opset_ > 17) {
      return Unsupported(
          StrFormat("'%s': opset %d; this importer reads opsets 11-17", path.c_str(), opset_));
    }
    return Status::Ok();
  }

  const onnx::GraphProto& graph() const { return model_->graph(); }
  int opset() const { return opset_; }
  uint64_t bytes() const { return bytes_; }
  const onnx::TensorProto* Tensor(const std::string& name) const {
    auto it = tensors_.find(name);
    return it == tensors_.end() ? nullptr : it->second;
  }
  const onnx::NodeProto* Producer(const std::string& value) const {
    auto it = producer_.find(value);
    return it == producer_.end() ? nullptr : &model_->graph().node(it->second);
  }
  std::vector<const onnx::NodeProto*> Consumers(const std::string& value) const {
    std::vector<const onnx::NodeProto*> out;
    auto it = consumers_.find(value);
    if (it != consumers_.end()) {
      for (int i : it->second) out.push_back(&model_->graph().node(i));
    }
    return out;
  }
  bool HasOp(const std::string& op) const {
    for (const auto& n : model_->graph().node()) {
      if (n.op_type() == op) return true;
    }
    return false;
  }
  int CountOp(const std::string& op) const {
    int c = 0;
    for (const auto& n : model_->graph().node()) c += n.op_type() == op;
    return c;
  }

  std::vector<int64_t> Dims(const onnx::TensorProto& t) const {
    return std::vector<int64_t>(t.dims().begin(), t.dims().end());
  }

  // The tensor's values as float32 (FLOAT in place when possible; FLOAT16,
  // BFLOAT16 and DOUBLE converted). Errors name the tensor.
  Result<WeightData> Floats(const onnx::TensorProto& t) {
    int64_t n = 1;
    for (int64_t d : t.dims()) {
      if (d < 0 || (d && n > (int64_t{1} << 40) / d)) return Bad(t, "has a bad shape");
      n *= d;
    }
    const size_t count = static_cast<size_t>(n);
    WeightData w;
    const uint8_t* raw = nullptr;
    size_t raw_size = 0;
    if (t.data_location() == onnx::TensorProto::EXTERNAL) {
      FP8_RETURN_IF_ERROR(External(t, &raw, &raw_size));
    } else if (t.has_raw_data()) {
      raw = reinterpret_cast<const uint8_t*>(t.raw_data().data());
      raw_size = t.raw_data().size();
    }
    switch (t.data_type()) {
      case onnx::TensorProto::FLOAT:
        if (raw) {
          if (raw_size != count * 4)
            return Bad(t, StrFormat("has %zu bytes for %zu floats", raw_size, count));
          if (reinterpret_cast<uintptr_t>(raw) % 4 == 0) {
            w.external = reinterpret_cast<const float*>(raw);
          } else {
            w.owned.resize(count);
            std::memcpy(w.owned.data(), raw, raw_size);
          }
        } else {
          if (static_cast<size_t>(t.float_data_size()) != count)
            return Bad(t, "float_data has the wrong length");
          w.external = t.float_data().data();
        }
        return w;
      case onnx::TensorProto::FLOAT16:
      case onnx::TensorProto::BFLOAT16: {
        const bool f16 = t.data_type() == onnx::TensorProto::FLOAT16;
        w.owned.resize(count);
        if (raw) {
          if (raw_size != count * 2) return Bad(t, "has the wrong byte size");
          for (size_t i = 0; i < count; ++i) {
            uint16_t h;
            std::memcpy(&h, raw + 2 * i, 2);
            w.owned[i] = f16 ? F16ToFloat(h) : Bf16ToFloat(h);
          }
        } else {
          if (static_cast<size_t>(t.int32_data_size()) != count)
            return Bad(t, "int32_data has the wrong length");
          for (size_t i = 0; i < count; ++i) {
            const uint16_t h = static_cast<uint16_t>(t.int32_data(static_cast<int>(i)));
            w.owned[i] = f16 ? F16ToFloat(h) : Bf16ToFloat(h);
          }
        }
        return w;
      }
      case onnx::TensorProto::DOUBLE: {
        w.owned.resize(count);
        if (raw) {
          if (raw_size != count * 8) return Bad(t, "has the wrong byte size");
          for (size_t i = 0; i < count; ++i) {
            double d;
            std::memcpy(&d, raw + 8 * i, 8);
            w.owned[i] = static_cast<float>(d);
          }
        } else {
          if (static_cast<size_t>(t.double_data_size()) != count)
            return Bad(t, "double_data has the wrong length");
          for (size_t i = 0; i < count; ++i)
            w.owned[i] = static_cast<float>(t.double_data(static_cast<int>(i)));
        }
        return w;
      }
      default:
        return Bad(t, StrFormat("has data type %d; expected a float type", t.data_type()));
    }
  }

  // A small constant as double (scalars: attention scale, epsilon, GELU constants).
  bool Scalar(const std::string& name, double* out) {
    const onnx::TensorProto* t = Tensor(name);
    if (!t) return false;
    int64_t n = 1;
    for (int64_t d : t->dims()) n *= d;
    if (n != 1) return false;
    auto v = Floats(*t);
    if (!v.ok()) return false;
    *out = v.value().data()[0];
    return true;
  }

  // The external data files read so far.
  std::vector<std::string> ExternalFiles() const {
    std::vector<std::string> out;
    for (const auto& [file, m] : files_) out.push_back(file);
    return out;
  }

  std::vector<std::shared_ptr<void>> TakeMappings() {
    std::vector<std::shared_ptr<void>> out(mappings_.begin(), mappings_.end());
    return out;
  }

 private:
  Status Bad(const onnx::TensorProto& t, const std::string& what) const {
    return InvalidArgument(
        StrFormat("'%s': tensor '%s' %s", path_.c_str(), t.name().c_str(), what.c_str()));
  }

  Status External(const onnx::TensorProto& t, const uint8_t** data, size_t* size) {
    std::string location;
    uint64_t offset = 0, length = 0;
    bool has_length = false;
    for (const auto& kv : t.external_data()) {
      if (kv.key() == "location") location = kv.value();
      if (kv.key() == "offset") offset = std::strtoull(kv.value().c_str(), nullptr, 10);
      if (kv.key() == "length") {
        length = std::strtoull(kv.value().c_str(), nullptr, 10);
        has_length = true;
      }
    }
    if (location.empty() || location.find("..") != std::string::npos || location[0] == '/') {
      return Bad(t, "has external data without a relative location inside the model's directory");
    }
    if (dir_.empty())
      return Bad(t, "has external data, which needs the model's file and directory");
    const std::string file = dir_ + "/" + location;
    auto it = files_.find(file);
    if (it == files_.end()) {
      const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        return NotFound(StrFormat("'%s': external data file '%s' of tensor '%s': %s", path_.c_str(),
                                  file.c_str(), t.name().c_str(), std::strerror(errno)));
      struct stat st;
      fstat(fd, &st);
      auto m = std::make_shared<Mapping>();
      m->size = static_cast<size_t>(st.st_size);
      if (m->size) {
        m->addr = mmap(nullptr, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m->addr == MAP_FAILED) m->addr = nullptr;
      }
      close(fd);
      if (m->size && !m->addr) return IoError(StrFormat("cannot map '%s'", file.c_str()));
      mappings_.push_back(m);
      it = files_.emplace(file, m.get()).first;
    }
    const Mapping* m = it->second;
    if (!has_length) length = m->size >= offset ? m->size - offset : 0;
    if (offset > m->size || length > m->size - offset) {
      return Bad(t, StrFormat("external data [%llu, +%llu) is outside '%s' (%zu bytes)",
                              static_cast<unsigned long long>(offset),
                              static_cast<unsigned long long>(length), file.c_str(), m->size));
    }
    *data = static_cast<const uint8_t*>(m->addr) + offset;
    *size = static_cast<size_t>(length);
    return Status::Ok();
  }

  std::string path_, dir_;
  // Parsed on an arena: one model's thousands of messages and strings are
  // a few large blocks, allocated and freed at once.
  google::protobuf::Arena arena_;
  onnx::ModelProto* model_ = google::protobuf::Arena::CreateMessage<onnx::ModelProto>(&arena_);
  int opset_ = 0;
  uint64_t bytes_ = 0;
  // Keys view names inside *model_ (which lives as long as these maps).
  std::unordered_map<std::string_view, const onnx::TensorProto*> tensors_;
  std::unordered_map<std::string_view, int> producer_;
  std::unordered_map<std::string_view, std::vector<int>> consumers_;
  std::map<std::string, Mapping*> files_;
  std::vector<std::shared_ptr<Mapping>> mappings_;
};

// Parameter names as exported: "bert.<name>" or "<name>", LayerNorm weight
// or gamma.
const onnx::TensorProto* FindParam(OnnxModel& m, const std::string& name) {
  std::vector<std::string> names = {"bert." + name, name};
  const std::string ln = "LayerNorm.";
  const size_t p = name.rfind(ln);
  if (p != std::string::npos) {
    const std::string stem = name.substr(0, p + ln.size());
    const std::string alt = name.substr(p + ln.size()) == "weight" ? "gamma" : "beta";
    names.push_back("bert." + stem + alt);
    names.push_back(stem + alt);
  }
  for (const std::string& n : names) {
    if (const onnx::TensorProto* t = m.Tensor(n)) return t;
  }
  return nullptr;
}

int64_t AttrInt(const onnx::NodeProto& n, const std::string& name, int64_t def) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return a.i();
  }
  return def;
}

float AttrFloat(const onnx::NodeProto& n, const std::string& name, float def) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return a.f();
  }
  return def;
}

// The linear weight [out, in] for `prefix` (e.g. "encoder.layer.0.attention.self.query").
Result<WeightData> LinearWeight(OnnxModel& m, const std::string& prefix, int64_t out, int64_t in) {
  // 1. The parameter itself ([out, in]), as exports without constant folding keep it.
  if (const onnx::TensorProto* t = FindParam(m, prefix + ".weight")) {
    if (m.Dims(*t) == std::vector<int64_t>{out, in}) return m.Floats(*t);
  }
  // 2. Follow the bias to the MatMul (weight [in, out]) or Gemm that feeds it.
  const onnx::TensorProto* bias = FindParam(m, prefix + ".bias");
  if (!bias) {
    return NotFound(
        StrFormat("ONNX model has no parameter '%s.bias' (nor bert.%s.bias); this "
                  "importer reads BERT exported from PyTorch / Hugging Face",
                  prefix.c_str(), prefix.c_str()));
  }
  for (const onnx::NodeProto* n : m.Consumers(bias->name())) {
    if (n->op_type() == "Gemm" && n->input_size() >= 3) {
      const onnx::TensorProto* w = m.Tensor(In(*n, 1));
      if (!w) continue;
      const bool tb = AttrInt(*n, "transB", 0) != 0;
      FP8_ASSIGN_OR_RETURN(WeightData d, m.Floats(*w));
      if (tb && m.Dims(*w) == std::vector<int64_t>{out, in}) return d;
      if (!tb && m.Dims(*w) == std::vector<int64_t>{in, out}) {
        WeightData t;
        t.owned.resize(static_cast<size_t>(out * in));
        for (int64_t i = 0; i < in; ++i) {
          for (int64_t o = 0; o < out; ++o)
            t.owned[static_cast<size_t>(o * in + i)] = d.data()[i * out + o];
        }
        return t;
      }
    }
    if (n->op_type() != "Add") continue;
    for (const std::string& x : n->input()) {
      const onnx::NodeProto* mm = m.Producer(x);
      if (!mm || mm->op_type() != "MatMul") continue;
      const onnx::TensorProto* w = m.Tensor(In(*mm, 1));
      if (!w) {
        // MatMul(x, Transpose(W)): the parameter appears under another name.
        const onnx::NodeProto* tr = m.Producer(In(*mm, 1));
        if (tr && tr->op_type() == "Transpose") w = m.Tensor(In(*tr, 0));
        if (w && m.Dims(*w) == std::vector<int64_t>{out, in}) return m.Floats(*w);
        continue;
      }
      if (m.Dims(*w) != std::vector<int64_t>{in, out}) continue;
      FP8_ASSIGN_OR_RETURN(WeightData d, m.Floats(*w));
      WeightData t;
      t.owned.resize(static_cast<size_t>(out * in));
      for (int64_t i = 0; i < in; ++i) {
        for (int64_t o = 0; o < out; ++o)
          t.owned[static_cast<size_t>(o * in + i)] = d.data()[i * out + o];
      }
      return t;
    }
  }
  return NotFound(
      StrFormat("cannot find the weight of '%s': no [%lld, %lld] MatMul or Gemm "
                "weight feeds the Add of its bias",
                prefix.c_str(), static_cast<long long>(in), static_cast<long long>(out)));
}

// The importer rebuilds BERT from the parameters and a few recognized
// patterns; these checks refuse files whose graph computes something else in
// the ways a BERT export can be edited: a value nothing produces, no
// outputs, inputs of the wrong type or rank, Softmax / LayerNormalization
// over another axis, a scaled or transposed Gemm, a bias subtracted, a
// weight on the left of its MatMul, the attention mask or the tokens not
// reaching the attention, a GELU that is neither form.
Status CheckStructure(OnnxModel& m, const std::string& path) {
  const onnx::GraphProto& g = m.graph();
  std::set<std::string> known;
  for (const auto& i : g.input()) known.insert(i.name());
  for (const auto& t : g.initializer()) known.insert(t.name());
  for (const auto& n : g.node()) known.insert(n.output().begin(), n.output().end());
  auto where = [&](const onnx::NodeProto& n) {
    return StrFormat("'%s': node '%s' (op %s)", path.c_str(), n.name().c_str(),
                     n.op_type().c_str());
  };
  for (const auto& n : g.node()) {
    for (const std::string& x : n.input()) {
      if (!x.empty() && !known.count(x)) {
        return InvalidArgument(
            StrFormat("%s reads '%s', which no input, initializer or node "
                      "produces",
                      where(n).c_str(), x.c_str()));
      }
    }
  }
  if (g.output_size() == 0) return InvalidArgument(StrFormat("'%s' has no outputs", path.c_str()));
  for (const auto& o : g.output()) {
    if (!known.count(o.name())) {
      return InvalidArgument(
          StrFormat("'%s': output '%s' is produced by no node", path.c_str(), o.name().c_str()));
    }
  }
  for (const auto& i : g.input()) {
    const bool ids = i.name() == "input_ids" || i.name() == "token_type_ids";
    if (!ids && i.name() != "attention_mask") continue;
    const auto& tt = i.type().tensor_type();
    const int et = tt.elem_type();
    const bool int_type = et == onnx::TensorProto::INT64 || et == onnx::TensorProto::INT32;
    const bool mask_type = int_type || et == onnx::TensorProto::FLOAT ||
                           et == onnx::TensorProto::UINT8 || et == onnx::TensorProto::BOOL;
    if (ids ? !int_type : !mask_type) {
      return Unsupported(StrFormat("'%s': input '%s' has element type %d (%s)", path.c_str(),
                                   i.name().c_str(), et,
                                   ids ? "int64 or int32" : "int64, int32, float, uint8 or bool"));
    }
    if (tt.has_shape() && tt.shape().dim_size() != 2) {
      return Unsupported(StrFormat("'%s': input '%s' has rank %d (batch, sequence: 2)",
                                   path.c_str(), i.name().c_str(), tt.shape().dim_size()));
    }
  }
  // What each graph input's values reach (not through Shape).
  auto reach = [&](const std::string& from) {
    std::set<std::string> seen = {from};
    std::vector<std::string> todo = {from};
    while (!todo.empty()) {
      const std::string v = todo.back();
      todo.pop_back();
      for (const onnx::NodeProto* n : m.Consumers(v)) {
        if (n->op_type() == "Shape") continue;  // a shape carries none of the values
        for (const std::string& o : n->output()) {
          if (seen.insert(o).second) todo.push_back(o);
        }
      }
    }
    return seen;
  };
  const std::set<std::string> from_ids = reach("input_ids"), from_mask = reach("attention_mask");
  for (const auto& o : g.output()) {
    if (!from_ids.count(o.name())) {
      return Unsupported(StrFormat("'%s': output '%s' does not depend on input_ids", path.c_str(),
                                   o.name().c_str()));
    }
  }
  bool tanh_gelu_constant = false;
  for (const auto& n : g.node()) {
    const std::string& op = n.op_type();
    if (op == "Softmax") {
      const int64_t axis = AttrInt(n, "axis", m.opset() >= 13 ? -1 : 1);
      if (axis != -1 && axis != 3) {
        return Unsupported(StrFormat("%s: Softmax over axis %lld (BERT's is the last, -1 or 3)",
                                     where(n).c_str(), static_cast<long long>(axis)));
      }
      if (n.output_size() > 0 && (!from_ids.count(n.output(0)) || !from_mask.count(n.output(0)))) {
        return Unsupported(StrFormat("%s: the attention scores do not depend on %s",
                                     where(n).c_str(),
                                     from_ids.count(n.output(0)) ? "attention_mask" : "input_ids"));
      }
    } else if (op == "Gemm") {
      if (AttrFloat(n, "alpha", 1.0f) != 1.0f || AttrFloat(n, "beta", 1.0f) != 1.0f ||
          AttrInt(n, "transA", 0) != 0) {
        return Unsupported(
            StrFormat("%s: alpha, beta other than 1 or transA (a linear layer "
                      "has none)",
                      where(n).c_str()));
      }
    } else if (op == "LayerNormalization") {
      const int64_t axis = AttrInt(n, "axis", -1);
      if (axis != -1 && axis != 2) {
        return Unsupported(StrFormat("%s: LayerNormalization over axis %lld (BERT's is the last)",
                                     where(n).c_str(), static_cast<long long>(axis)));
      }
    } else if (op == "MatMul") {
      if (m.Tensor(In(n, 0)) && !m.Tensor(In(n, 1))) {
        return Unsupported(
            StrFormat("%s: a parameter on the left of a MatMul (a linear layer "
                      "multiplies its input by the weight)",
                      where(n).c_str()));
      }
    } else if (op == "Mul") {
      double v;
      for (const std::string& x : n.input()) {
        // (2e-3 relative: the constant as an F16 or BF16 export stores it)
        if (m.Scalar(x, &v) && std::fabs(v - 0.044715) < 2e-3 * 0.044715) {
          tanh_gelu_constant = true;
        }
      }
    }
    if (op != "Add" && op != "Gemm" && op != "LayerNormalization") {
      for (const std::string& x : n.input()) {
        const onnx::TensorProto* t = m.Tensor(x);
        if (t && x.size() > 5 && x.compare(x.size() - 5, 5, ".bias") == 0) {
          return Unsupported(
              StrFormat("%s uses the bias '%s' (biases are added)", where(n).c_str(), x.c_str()));
        }
      }
    }
  }
  if (!m.HasOp("Erf") && !tanh_gelu_constant) {
    return Unsupported(
        StrFormat("'%s': the GELU is neither the erf form (Erf) nor the tanh "
                  "form (x + 0.044715 x^3)",
                  path.c_str()));
  }
  return Status::Ok();
}

// `dir`: the model's directory with a trailing '/' ("": none, no config.json).
Result<BertConfig> RecoverConfig(OnnxModel& m, const std::string& path, const std::string& dir) {
  BertConfig c;
  const onnx::TensorProto* word = FindParam(m, "embeddings.word_embeddings.weight");
  const onnx::TensorProto* pos = FindParam(m, "embeddings.position_embeddings.weight");
  const onnx::TensorProto* type = FindParam(m, "embeddings.token_type_embeddings.weight");
  if (!word || !pos || !type || word->dims_size() != 2 || pos->dims_size() != 2 ||
      type->dims_size() != 2) {
    return Unsupported(
        StrFormat("'%s': no BERT embeddings (bert.embeddings.word_embeddings.weight "
                  "and friends) among the initializers",
                  path.c_str()));
  }
  c.vocab_size = static_cast<int>(word->dims(0));
  c.hidden_size = static_cast<int>(word->dims(1));
  c.max_position = static_cast<int>(pos->dims(0));
  c.type_vocab_size = static_cast<int>(type->dims(0));
  while (FindParam(
      m, "encoder.layer." + std::to_string(c.num_layers) + ".attention.self.query.bias")) {
    ++c.num_layers;
  }
  const onnx::TensorProto* up = FindParam(m, "encoder.layer.0.intermediate.dense.bias");
  if (c.num_layers == 0 || !up || up->dims_size() != 1) {
    return Unsupported(
        StrFormat("'%s': no BERT encoder layers (encoder.layer.0...) found", path.c_str()));
  }
  c.intermediate_size = static_cast<int>(up->dims(0));
  const onnx::TensorProto* cls = m.Tensor("classifier.bias");
  c.classifier = cls != nullptr;
  if (cls) c.num_labels = static_cast<int>(cls->dims_size() ? cls->dims(0) : 1);
  // Heads: the attention scale. Scores = MatMul(q, k^T) divided by sqrt(D)
  // (or multiplied by 1/sqrt(D)).
  int head_dim = 0;
  for (const auto& n : m.graph().node()) {
    if ((n.op_type() != "Div" && n.op_type() != "Mul") || n.input_size() != 2) continue;
    const onnx::NodeProto* p = m.Producer(n.input(0));
    double v;
    if (!p || p->op_type() != "MatMul" || !m.Scalar(n.input(1), &v) || v <= 0) continue;
    const double d = n.op_type() == "Div" ? v * v : 1.0 / (v * v);
    const int dim = static_cast<int>(std::lround(d));
    if (dim > 0 && std::fabs(d - dim) < 1e-3 * dim && c.hidden_size % dim == 0) {
      head_dim = dim;
      break;
    }
  }
  if (head_dim == 0) {
    return Unsupported(
        StrFormat("'%s': cannot find the attention scale (Div or Mul of the "
                  "QK^T MatMul by a constant) to recover the number of heads",
                  path.c_str()));
  }
  c.num_heads = c.hidden_size / head_dim;
  // GELU: erf form has Erf; tanh form has Tanh in the FFN besides the pooler's.
  c.gelu = m.HasOp("Erf") ? GeluApprox::kErf : GeluApprox::kTanh;
  if (!m.HasOp("Erf") && m.CountOp("Tanh") <= 1) {
    return Unsupported(
        StrFormat("'%s': cannot recognize the GELU (no Erf, no tanh form)", path.c_str()));
  }
  // One GELU per layer, all of one form; the pooler's Tanh at most besides.
  const int erfs = m.CountOp("Erf"), tanhs = m.CountOp("Tanh");
  const bool one_form = c.gelu == GeluApprox::kErf
                            ? erfs == c.num_layers && tanhs <= 1
                            : tanhs == c.num_layers || tanhs == c.num_layers + 1;
  if (!one_form) {
    return Unsupported(
        StrFormat("'%s': %d Erf and %d Tanh nodes for %d layers: expected one GELU per layer, "
                  "all erf or all tanh, and the pooler's Tanh (other heads, e.g. masked-LM, "
                  "are not supported)",
                  path.c_str(), erfs, tanhs, c.num_layers));
  }
  // LayerNorm epsilon: the LayerNormalization attribute, or the constant
  // added to the variance before Sqrt.
  bool eps_found = false;
  for (const auto& n : m.graph().node()) {
    if (n.op_type() == "LayerNormalization") {
      c.layer_norm_eps = AttrFloat(n, "epsilon", 1e-5f);
      eps_found = true;
      break;
    }
    if (n.op_type() == "Sqrt") {
      const onnx::NodeProto* add = m.Producer(In(n, 0));
      double v;
      if (add && add->op_type() == "Add" && add->input_size() == 2 &&
          (m.Scalar(add->input(1), &v) || m.Scalar(add->input(0), &v))) {
        c.layer_norm_eps = static_cast<float>(v);
        eps_found = true;
        break;
      }
    }
  }
  if (!eps_found) {
    return Unsupported(
        StrFormat("'%s': cannot recognize LayerNorm (no LayerNormalization and no "
                  "ReduceMean/Sub/Pow/Sqrt/Div pattern)",
                  path.c_str()));
  }
  // Labels from a config.json beside the model, when there is one.
  std::ifstream cfg;
  if (!dir.empty()) cfg.open(dir + "config.json");
  if (cfg.is_open() && cfg) {
    std::string text((std::istreambuf_iterator<char>(cfg)), std::istreambuf_iterator<char>());
    auto hf = ParseBertConfigJson(text, "config.json beside the ONNX model");
    if (hf.ok() && hf->num_labels == c.num_labels) c.labels = hf->labels;
  }
  return c;
}

// The model from a parsed file; `dir` ends in '/' ("": an in-memory model).
Result<std::unique_ptr<ImportedModel>> Import(std::shared_ptr<OnnxModel> onnx_model,
                                              const std::string& path, const std::string& dir) {
  OnnxModel& m = *onnx_model;
  std::set<std::string> inputs;
  for (const auto& i : m.graph().input()) inputs.insert(i.name());
  for (const char* need : {"input_ids", "attention_mask"}) {
    if (!inputs.count(need)) {
      return Unsupported(
          StrFormat("'%s': the model has no input '%s' (BERT inputs are input_ids, "
                    "attention_mask, token_type_ids)",
                    path.c_str(), need));
    }
  }
  FP8_RETURN_IF_ERROR(CheckStructure(m, path));
  auto model = std::make_unique<ImportedModel>();
  FP8_ASSIGN_OR_RETURN(model->config, RecoverConfig(m, path, dir));
  const WeightFn weights = [&](const std::string& name,
                               const std::vector<int64_t>& shape) -> Result<WeightData> {
    const bool linear = shape.size() == 2 && name.find("embeddings") == std::string::npos;
    if (linear) return LinearWeight(m, name.substr(0, name.size() - 7), shape[0], shape[1]);
    const onnx::TensorProto* t = FindParam(m, name);
    if (!t) return NotFound(StrFormat("'%s': no parameter '%s'", path.c_str(), name.c_str()));
    if (m.Dims(*t) != shape) {
      return InvalidArgument(
          StrFormat("'%s': parameter '%s' has an unexpected shape", path.c_str(), name.c_str()));
    }
    return m.Floats(*t);
  };
  FP8_ASSIGN_OR_RETURN(model->graph, BuildBertGraph(model->config, weights));
  model->source = path;
  model->source_bytes = m.bytes();
  model->input_files = m.ExternalFiles();
  if (!dir.empty()) {
    model->input_files.push_back(path);
    model->input_files.push_back(dir + "config.json");
  }
  for (auto& keep : onnx_model->TakeMappings()) model->keep_alive.push_back(keep);
  model->keep_alive.push_back(onnx_model);
  model->graph.metadata.source_model = path;
  return model;
}

}  // namespace

Result<std::unique_ptr<ImportedModel>> ImportOnnxFile(const std::string& path) {
  auto onnx_model = std::make_shared<OnnxModel>();
  FP8_RETURN_IF_ERROR(onnx_model->Load(path));
  const std::string dir = path.substr(0, path.rfind('/') + 1);
  FP8_ASSIGN_OR_RETURN(auto model, Import(onnx_model, path, dir.empty() ? "./" : dir));
  FP8_ASSIGN_OR_RETURN(model->source_sha256, Sha256File(path));
  model->graph.metadata.source_model_sha256 = model->source_sha256;
  struct stat st;
  if (stat((dir + "vocab.txt").c_str(), &st) == 0) model->vocab_path = dir + "vocab.txt";
  return model;
}

Result<std::unique_ptr<ImportedModel>> ImportOnnxBytes(const void* data, size_t size,
                                                       const std::string& name) {
  auto onnx_model = std::make_shared<OnnxModel>();
  FP8_RETURN_IF_ERROR(onnx_model->Parse(data, size, name, ""));
  return Import(onnx_model, name, "");
}

}  // namespace convert
}  // namespace fp8sdk
