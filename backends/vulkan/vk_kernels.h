// The Vulkan backend's operators: one object per claimed node, built at
// prepare (constants converted and placed in the partition's constant
// buffer, decoding tables and FP8 encoding parameters with them) and asked at
// each execute for its dispatch: which shader, the push constants for this
// run's shapes, and the workgroup counts. Every tensor is addressed in 32-bit
// words: activations from where their descriptor starts (RunContext::bases:
// the buffer's start unless it is larger than a descriptor covers),
// constants from the start of their operator's range of the constant buffer.
#ifndef FP8SDK_BACKENDS_VULKAN_VK_KERNELS_H_
#define FP8SDK_BACKENDS_VULKAN_VK_KERNELS_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "backends/common/graph_access.h"
#include "backends/vulkan/vk_device.h"

namespace fp8sdk {
namespace vulkan {

// Bytes for the partition's constant buffer, each piece 16-byte aligned.
// Each operator's constants are one range of it (BeginKernel .. the next),
// which its descriptors bind as binding 4 (and for its constant operands):
// a device may not bind more than maxStorageBufferRange bytes at once
// (lavapipe: 128 MiB, less than a BERT-base's constants), so offsets are
// words from the start of the operator's range.
class ConstantPool {
 public:
  // Starts the next operator's range, at a multiple of `align` bytes (the
  // device's minStorageBufferOffsetAlignment, at least 16).
  void BeginKernel(uint64_t align);
  // The current range's first byte (a multiple of 16).
  uint64_t base() const { return base_; }
  // Appends `bytes` and returns their word offset in the current range.
  uint32_t Add(const void* data, size_t bytes);
  uint32_t AddWords(const std::vector<uint32_t>& words) {
    return Add(words.data(), words.size() * sizeof(uint32_t));
  }
  uint32_t AddFloats(const std::vector<float>& v) {
    return Add(v.data(), v.size() * sizeof(float));
  }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
  uint64_t base_ = 0;
};

// Where a node's operand lives: an activation (found in each execute's
// bindings) or a constant already in the pool.
struct Operand {
  int32_t tensor = -1;
  DType dtype = DType::kF32;
  bool constant = false;
  uint32_t const_word = 0;  // constants: word offset in the kernel's range of the pool
  Shape const_shape;        // constants: their shape
  bool present() const { return tensor >= 0; }
};

struct Dispatch {
  Shader shader = kGemm;
  std::array<uint32_t, kPushConstantBytes / 4> push{};
  uint32_t groups[3] = {0, 0, 0};  // all 0: nothing to run
};

// At most this many dispatches per operator (BATCH_MATMUL with bmm_direct:
// pack A's rows and B's columns, then the GEMM).
constexpr int kMaxDispatches = 3;

struct RunContext {
  const fp8_tensor_binding_t* bindings = nullptr;
  size_t binding_count = 0;
  fp8_error_t* err = nullptr;
  // Most workgroups of a grid-stride dispatch (DeviceTraits::max_groups).
  uint32_t max_groups = 65535;
  // The byte of its buffer where each activation's descriptor starts
  // (indexed like bindings; null: all at 0). Buffers larger than the device
  // lets a descriptor cover (maxStorageBufferRange) are bound from near the
  // tensor instead of whole, so word offsets count from there.
  const uint64_t* bases = nullptr;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // This run's dispatches (up to kMaxDispatches, into d[0..]; those left
  // with no groups do not run), from the bound shapes.
  virtual fp8_status_code_t Plan(const RunContext& c, Dispatch* d) const = 0;
  // Words of the partition's scratch buffer this operator needs at binding 3
  // (0: binding 3 is its third operand).
  uint64_t scratch_words() const { return scratch_words_; }

  // Binding 0 is the output; bindings 1..3 the operands below (absent ones
  // are bound to the constant buffer and never read).
  int32_t output() const { return output_; }
  DType output_dtype() const { return output_dtype_; }
  const std::array<Operand, 3>& operands() const { return ops_; }
  const std::string& label() const { return label_; }
  // Its range of the constant buffer: [const_base(), const_base() +
  // const_bytes()) (ConstantPool::BeginKernel).
  uint64_t const_base() const { return const_base_; }
  uint64_t const_bytes() const { return const_bytes_; }
  void set_const_bytes(uint64_t bytes) { const_bytes_ = bytes; }
  // GATHER: the status word its index errors go to (-1: none), and the
  // table dimension size for the message.
  int status_word() const { return status_word_; }

 protected:
  Kernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool);
  Shape ShapeOf(const RunContext& c, const Operand& o) const;
  Shape OutShape(const RunContext& c) const;
  // Word offset of an operand / the output in its buffer for this run.
  uint32_t WordOf(const RunContext& c, const Operand& o) const;
  uint32_t OutWord(const RunContext& c) const;
  fp8_status_code_t Fail(const RunContext& c, fp8_status_code_t code,
                         const std::string& what) const;

  std::string label_;
  int32_t output_ = -1;
  DType output_dtype_ = DType::kF32;
  std::array<Operand, 3> ops_;
  int status_word_ = -1;
  uint64_t scratch_words_ = 0;
  uint64_t const_base_ = 0, const_bytes_ = 0;
};

// What the kernels may assume of the device.
struct DeviceTraits {
  // Shaders run on CPU cores (lavapipe; Device::cpu_kernels): prefer the
  // kernels without shared memory and barriers.
  bool cpu = false;
  // With cpu: the GEMMs without shared memory (gemm_direct.comp,
  // bmm_direct.comp), which read the constants and scratch as texel buffers
  // (off where those would pass the device's texel buffer limit).
  bool texels = true;
  // GPU-type devices: LINEARs with at least this many rows take the
  // 128 x 128-tile GEMMs (gemm_coop.comp; gemm_large.comp when their output
  // has at least large_gemm_min_tiles such tiles, since a GPU needs many
  // workgroups to be busy: a few big tiles run slower than more small
  // ones), others the 64 x 64 one.
  int64_t large_gemm_min_rows = 128;
  int64_t large_gemm_min_tiles = 48;
  // Cooperative matrices (Device::coop_matrix): those LINEARs run
  // gemm_coop.comp instead when weights and activations are FP8 or INT8.
  bool coop_matrix = false;
  // 16-bit storage (Device::storage16): gemm_large.comp's packed rows are
  // halves where the activations' values are all exact in half precision.
  // FP8SDK_VULKAN_STORAGE16=0: never (the 32-bit path, on any device).
  bool storage16 = false;
  // Most workgroups of the dispatches whose shaders loop over their items
  // (grid-stride loops: elementwise, copies, rows of LayerNorm / Softmax,
  // pack_rows). 65535 on GPUs, which need many workgroups in flight. CPU
  // devices run each workgroup as a task of their thread pool, at a fixed
  // cost per workgroup (lavapipe: ~5 us, so 1536 empty workgroups of 256
  // took 4.7 ms): there a few per thread.
  uint32_t max_groups = 65535;
};

// Null if the backend runs `node`, else why not (claim).
const char* DeclineReason(const backend::GraphAccess& g, size_t node);

// Builds the kernel of a claimed node. `status_words` counts the status
// words handed out so far (GATHER takes one).
std::unique_ptr<Kernel> MakeKernel(const backend::GraphAccess& g, size_t node, ConstantPool* pool,
                                   int* status_words, const DeviceTraits& traits);

// Workgroups for a grid-stride loop over `n` items, 256 per group, at most
// `max_groups` (RunContext::max_groups).
uint32_t GroupsFor(uint64_t n, uint32_t max_groups);

}  // namespace vulkan
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_VULKAN_VK_KERNELS_H_
