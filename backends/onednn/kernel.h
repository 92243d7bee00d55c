// The oneDNN backend's kernels: one object per claimed node, built at prepare
// (weights decoded and reordered, oneDNN primitives created, working memory
// sized for the planning shapes) and run with each execute's bindings.
// Run() must not create primitives and must not allocate working memory of
// its own. Known gap: oneDNN 2.6's dnnl_primitive_execute allocates its
// argument map (about 4 operator new calls per execute);
// tests/run_allocation_test.cc bounds and reports that count.
#ifndef FP8SDK_BACKENDS_ONEDNN_KERNEL_H_
#define FP8SDK_BACKENDS_ONEDNN_KERNEL_H_

#include <memory>
#include <string>
#include <vector>

#include "backends/common/graph_access.h"
#include "backends/common/host_node.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace fp8sdk {
namespace onednn {

struct ExecContext {
  const fp8_tensor_binding_t* bindings = nullptr;
  size_t binding_count = 0;
  dnnl::engine* engine = nullptr;
  dnnl::stream* stream = nullptr;
  int threads = 1;
  fp8_error_t* err = nullptr;
  // The partition's working memory: 64-byte aligned, Kernel::workspace_bytes()
  // of its largest kernel. Kernels run one after another, so they share it;
  // its contents are undefined when a kernel's Run starts.
  uint8_t* workspace = nullptr;
};

using backend::Operand;

class Kernel : public backend::HostNode {
 public:
  virtual fp8_status_code_t Run(const ExecContext& ctx) = 0;
  size_t workspace_bytes() const { return workspace_bytes_; }

 protected:
  Kernel(const backend::GraphAccess& g, size_t node) : HostNode(g, node) {}

  // At prepare: `count` elements of T in the workspace; returns their offset.
  template <class T>
  size_t Reserve(size_t count) {
    const size_t offset = (workspace_bytes_ + 63) / 64 * 64;
    workspace_bytes_ = offset + count * sizeof(T);
    return offset;
  }
  // At run: the elements reserved at `offset`.
  template <class T>
  static T* At(const ExecContext& c, size_t offset) {
    return reinterpret_cast<T*>(c.workspace + offset);
  }

 private:
  size_t workspace_bytes_ = 0;
};

// Which nodes this backend runs. Returns null if it runs `node`, else the
// reason it declines (a static string).
const char* DeclineReason(const backend::GraphAccess& g, size_t node);

// Builds the kernel of a claimed node (throws dnnl::error / std::bad_alloc,
// translated by the caller). Returns null with `err` set for a node it
// cannot build.
std::unique_ptr<Kernel> MakeKernel(const backend::GraphAccess& g, size_t node, dnnl::engine& eng,
                                   fp8_error_t* err);

// Per-family factories (kernels_*.cc).
std::unique_ptr<Kernel> MakeLinearKernel(const backend::GraphAccess& g, size_t node,
                                         dnnl::engine& eng);
// LINEAR with FP8 weight and activations on fp8_gemm.h, or null where that
// does not apply (other dtypes, no AVX512_BF16, FP8SDK_ONEDNN_FP8_GEMM=0).
std::unique_ptr<Kernel> MakeFp8LinearKernel(const backend::GraphAccess& g, size_t node);
std::unique_ptr<Kernel> MakeBatchMatMulKernel(const backend::GraphAccess& g, size_t node,
                                              dnnl::engine& eng);
std::unique_ptr<Kernel> MakeElementwiseKernel(const backend::GraphAccess& g, size_t node,
                                              dnnl::engine& eng);
std::unique_ptr<Kernel> MakeNormKernel(const backend::GraphAccess& g, size_t node);
std::unique_ptr<Kernel> MakeLayoutKernel(const backend::GraphAccess& g, size_t node);

}  // namespace onednn
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_ONEDNN_KERNEL_H_
