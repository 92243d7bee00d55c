// The reference backend's kernels: one object per graph node, built at
// prepare (weights decoded, scratch sized for the planning shapes) and run
// with the bindings of each execute. Plain C++ with fp32 accumulation in a
// fixed order: the numerical definition the other backends are tested
// against.
#ifndef FP8SDK_BACKENDS_REFERENCE_KERNEL_H_
#define FP8SDK_BACKENDS_REFERENCE_KERNEL_H_

#include <memory>
#include <vector>

#include "backends/common/graph_access.h"
#include "backends/common/host_node.h"
#include "sdk/common/thread_pool.h"

namespace fp8sdk {
namespace reference {

// Working memory shared by the kernels of a partition (they run one after
// another), sized at prepare for the largest need.
struct Scratch {
  std::vector<float> operand[2];           // fake-quantized matmul operands
  std::vector<uint8_t> codes;              // their FP8 / INT8 codes
  std::vector<std::vector<float>> blocks;  // one decoded weight block per thread

  // Grows to cover a kernel's needs.
  void Reserve(size_t operand0, size_t operand1, size_t code_bytes, size_t block_floats,
               int threads);
};

struct ExecContext {
  const fp8_tensor_binding_t* bindings = nullptr;
  size_t binding_count = 0;
  ThreadPool* pool = nullptr;
  Scratch* scratch = nullptr;
  fp8_error_t* err = nullptr;
};

using backend::Operand;

class Kernel : public backend::HostNode {
 public:
  virtual fp8_status_code_t Run(const ExecContext& ctx) = 0;
  // Adds this kernel's working memory needs (planning shapes) to `s`.
  virtual void ReserveScratch(Scratch* s, int threads) const {
    (void)s;
    (void)threads;
  }

 protected:
  Kernel(const backend::GraphAccess& g, size_t node) : HostNode(g, node) {}
};

// Builds the kernel of `node`; on failure returns null with `err` set.
// `threads`: the pool size, for per-thread scratch.
std::unique_ptr<Kernel> MakeKernel(const backend::GraphAccess& g, size_t node, int threads,
                                   fp8_error_t* err);

// Per-family factories (kernels_*.cc).
std::unique_ptr<Kernel> MakeElementwiseKernel(const backend::GraphAccess& g, size_t node);
std::unique_ptr<Kernel> MakeMatMulKernel(const backend::GraphAccess& g, size_t node, int threads,
                                         fp8_error_t* err);
std::unique_ptr<Kernel> MakeNormKernel(const backend::GraphAccess& g, size_t node);
std::unique_ptr<Kernel> MakeLayoutKernel(const backend::GraphAccess& g, size_t node);

// Decodes any float-like constant (f32/f16/bf16/FP8/INT8) to float32 values.
// With `apply_scales`, quantized values are multiplied by their scales
// (per tensor or along the quantization axis); without, the raw code values
// are returned.
std::vector<float> DecodeConstant(const backend::GraphAccess& g, int32_t tensor, bool apply_scales);

}  // namespace reference
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_REFERENCE_KERNEL_H_
