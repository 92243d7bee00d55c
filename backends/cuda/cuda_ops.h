// The CUDA backend's operators (host side): one object per claimed node,
// built at prepare (constants converted and placed in the partition's
// constant buffer) and launched on the device's stream at each execute. The
// device code is in kernels_*.cu (cuda_kernels.h); the plugin around these
// (devices, memory, partitions, CUDA graphs) is cuda_backend.cc.
#ifndef FP8SDK_BACKENDS_CUDA_CUDA_OPS_H_
#define FP8SDK_BACKENDS_CUDA_CUDA_OPS_H_

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "backends/common/device_ops.h"
#include "backends/common/graph_access.h"
#include "backends/cuda/cuda_kernels.h"
#include "fp8sdk/backend.h"

namespace fp8sdk {
namespace cuda {

struct DeviceState {
  int ordinal = 0;
  bool open = false;
  cudaDeviceProp props{};
  cudaStream_t stream = nullptr;
  cublasLtHandle_t lt = nullptr;
  void* workspace = nullptr;
  // Bytes of arenas and partitions held, and each allocation's size (for
  // the session's device memory limit).
  uint64_t held = 0;
  std::unordered_map<void*, uint64_t> sizes;
};

// ---- constants: one device buffer per partition ----
class ConstantPool {
 public:
  // Appends bytes (256-byte aligned, cuBLASLt's preference) and returns their offset.
  size_t Add(const void* data, size_t bytes) {
    const size_t off = (bytes_.size() + 255) / 256 * 256;
    bytes_.resize(off + bytes, 0);
    if (bytes) std::memcpy(bytes_.data() + off, data, bytes);
    return off;
  }
  size_t AddFloats(const std::vector<float>& v) { return Add(v.data(), v.size() * 4); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// What a kernel needs at run time.
struct RunContext {
  const fp8_tensor_binding_t* bindings = nullptr;
  const uint8_t* consts = nullptr;       // the partition's constant buffer
  uint8_t* scratch = nullptr;            // the partition's scratch buffer
  unsigned long long* status = nullptr;  // one word per GATHER (device)
  DeviceState* dev = nullptr;
  fp8_error_t* err = nullptr;
};

struct Operand {
  int32_t tensor = -1;
  DType dtype = DType::kF32;
  bool constant = false;
  size_t const_off = 0;
  Shape const_shape;
  bool present() const { return tensor >= 0; }
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual fp8_status_code_t Launch(const RunContext& c) = 0;
  // At prepare, once the kernels are built: what can be known before a run
  // to fail (LINEAR: cuBLASLt has an algorithm for its GEMM at the largest
  // shape). `lt` is the device's handle.
  virtual fp8_status_code_t Check(cublasLtHandle_t lt, fp8_error_t* err) {
    (void)lt;
    (void)err;
    return FP8_STATUS_OK;
  }
  size_t scratch_bytes() const { return scratch_bytes_; }
  int status_word() const { return status_word_; }
  const std::string& label() const { return label_; }
  const Operand& in(size_t i) const { return ops_[i]; }
  int32_t output() const { return output_; }
  // Fusion: a LAYER_NORM that also computes the ADD before it makes that
  // ADD's launch unnecessary (returns false where the kernel cannot fuse).
  virtual bool FuseResidual(Kernel* add) {
    (void)add;
    return false;
  }
  bool skipped = false;
  // GATHER: the size of the gathered axis in the last run (error messages).
  virtual int64_t gather_dim() const { return 0; }

 protected:
  Kernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool)
      : label_(g.NodeLabel(node)), output_(g.Output(node)) {
    for (size_t i = 0; i < g.InputCount(node) && i < ops_.size(); ++i) {
      Operand& o = ops_[i];
      o.tensor = g.Input(node, i);
      if (o.tensor < 0) continue;
      o.dtype = g.TensorDType(o.tensor);
      size_t bytes = 0;
      const void* data = g.ConstData(o.tensor, &bytes);
      if (!data) continue;
      o.constant = true;
      o.const_shape = g.PlanShape(o.tensor);
      if (g.Op(node) == OpType::kLINEAR && i == 1) continue;  // LinearKernel's own form
      if (o.dtype == DType::kF16 || o.dtype == DType::kBF16) {
        o.const_off = pool->AddFloats(backend::DecodeHalf(data, o.dtype, bytes / 2));
        o.dtype = DType::kF32;
      } else {
        o.const_off = pool->Add(data, bytes);
      }
    }
  }
  const void* Ptr(const RunContext& c, const Operand& o) const {
    if (!o.present()) return nullptr;
    if (o.constant) return c.consts + o.const_off;
    const fp8_tensor_binding_t& b = c.bindings[o.tensor];
    return static_cast<const uint8_t*>(b.buffer) + b.offset;
  }
  const float* F(const RunContext& c, size_t i) const {
    return static_cast<const float*>(Ptr(c, ops_[i]));
  }
  void* Out(const RunContext& c) const {
    const fp8_tensor_binding_t& b = c.bindings[output_];
    return static_cast<uint8_t*>(b.buffer) + b.offset;
  }
  Shape ShapeOf(const RunContext& c, const Operand& o) const {
    return o.constant ? o.const_shape : backend::BindingShape(c.bindings[o.tensor]);
  }
  Shape OutShape(const RunContext& c) const { return backend::BindingShape(c.bindings[output_]); }
  fp8_status_code_t Failed(const RunContext& c, fp8_status_code_t code,
                           const std::string& w) const {
    return backend::Fail(c.err, code, "%s: %s", label_.c_str(), w.c_str());
  }
  fp8_status_code_t LaunchStatus(const RunContext& c) const {
    const cudaError_t e = cudaGetLastError();
    if (e == cudaSuccess) return FP8_STATUS_OK;
    return backend::Fail(c.err, FP8_STATUS_BACKEND_ERROR, "%s: kernel launch: %s (%s)",
                         label_.c_str(), cudaGetErrorName(e), cudaGetErrorString(e));
  }

  std::string label_;
  int32_t output_;
  std::array<Operand, 3> ops_;
  size_t scratch_bytes_ = 0;
  int status_word_ = -1;
};

// Null if the backend runs `node`, else why not (claim).
const char* DeclineReason(const backend::GraphAccess& g, size_t node);

// Builds the kernel of a claimed node for a GPU of compute capability `sm`
// (89 = 8.9); GATHER takes one of the partition's status words.
std::unique_ptr<Kernel> MakeKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool,
                                   int* status_words, int sm);

}  // namespace cuda
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_CUDA_CUDA_OPS_H_
