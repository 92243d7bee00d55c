// The Vulkan side of the backend: one process-wide instance (optionally with
// the Khronos validation layer), the physical devices that have a compute
// queue, and per device a logical device with its queue, the shared
// descriptor set layout and pipeline layout, and every compute pipeline
// (created once, on first use of the device, and shared by all sessions).
// Buffers are VkBuffers with their memory, mapped when host-visible.
#ifndef FP8SDK_BACKENDS_VULKAN_VK_DEVICE_H_
#define FP8SDK_BACKENDS_VULKAN_VK_DEVICE_H_

#include <vulkan/vulkan.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace fp8sdk {
namespace vulkan {

// "VK_ERROR_OUT_OF_DEVICE_MEMORY" etc.
const char* VkResultName(VkResult r);

// The pipelines: a shader each (shaders/*.comp), or one of a shader's
// variants (specialization constants: vk_device.cc, kBuilds).
enum Shader : int {
  kGemm = 0,
  kBinary,  // an invocation per element; + 1: a workgroup per row (CPU devices)
  kBinaryRows,
  kUnary,  // GELU (erf); + 1: GELU (tanh), + 2: TANH
  kUnaryGeluTanh,
  kUnaryTanh,
  kLayerNorm,
  kSoftmax,
  kGather,
  kCopy,  // an invocation per element; + 1: a workgroup per row (CPU devices); + 2: int64
  kCopyRows,
  kCopy64,
  kCopyRows64,
  kQuantize,
  kGemmDirect,  // E4M3 weights; + 1: E5M2, + 2: INT8, + 3: f32 (one build per format)
  kGemmDirectE5M2,
  kGemmDirectInt8,
  kGemmDirectF32,
  kPackRows,  // copies operand 0; + 1: quantizes to FP8, + 2: to INT8; + 3: operand 1
  kPackRowsFp8,
  kPackRowsInt8,
  kPackRowsIn1,
  kPackRowsIn1Fp8,
  kPackRowsIn1Int8,
  kBmmDirect,
  kLayerNormRows,
  kSoftmaxRows,  // no mask; + 1..4: key padding of f32, int32, int64, uint8; + 5: additive
  kSoftmaxRowsPadF32,
  kSoftmaxRowsPadI32,
  kSoftmaxRowsPadI64,
  kSoftmaxRowsPadU8,
  kSoftmaxRowsAdditive,
  kGemmLarge,
  kGemmCoop,
  kPackRowsVec,  // kPackRows's six variants, four values an invocation (uvec4)
  kPackRowsVecFp8,
  kPackRowsVecInt8,
  kPackRowsVecIn1,
  kPackRowsVecIn1Fp8,
  kPackRowsVecIn1Int8,
  // With 16-bit storage (Device::storage16): kPackRowsFp8, kPackRowsInt8 and
  // their VEC forms writing the rows as halves; gemm_large.comp reading them.
  kPackRows16Fp8,
  kPackRows16Int8,
  kPackRowsVec16Fp8,
  kPackRowsVec16Int8,
  kGemmLarge16,
  kShaderCount
};

// Descriptor bindings of every pipeline (shaders/layout.glsl): kBindings
// storage buffers, then kTexelBindings uniform texel buffers (CPU devices).
// The pipeline's name ("gemm_direct_e4m3", "pack_rows_fp8", ...), in profiles.
const char* ShaderName(Shader s);

constexpr uint32_t kBindings = 6;
constexpr uint32_t kTexelBindings = 2;        // 6: the constants, 7: scratch, as uvec4 texels
constexpr uint32_t kPushConstantBytes = 128;  // the minimum every device supports

struct Buffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  uint64_t size = 0;
  void* mapped = nullptr;  // host-visible memory, mapped for the buffer's life
  bool coherent = false;
  // The buffer as R32G32B32A32_UINT texels, for uniform texel buffer
  // bindings (Device::texel_views; null elsewhere and for host buffers).
  VkBufferView texels = VK_NULL_HANDLE;
};

class Device {
 public:
  ~Device();
  // Creates the logical device, layouts and pipelines. `err` gets the reason.
  static std::unique_ptr<Device> Create(VkInstance instance, VkPhysicalDevice physical,
                                        std::string* err);

  VkDevice device() const { return device_; }
  VkQueue queue() const { return queue_; }
  uint32_t queue_family() const { return family_; }
  const VkPhysicalDeviceProperties& properties() const { return props_; }
  // A CPU implementation with subgroups of >= 8 lanes that broadcast and
  // reduce: the kernels built for CPU cores run here (and only here).
  bool cpu_kernels() const { return cpu_kernels_; }
  // VK_NV_cooperative_matrix with 16 x 16 x 16 (or 16 x 8 x 16) half-precision
  // products into fp32, half-precision arithmetic, the Vulkan memory model, subgroups of 32
  // and the shared memory gemm_coop.comp needs: it runs here (all enabled at
  // device creation). FP8SDK_VULKAN_COOPMAT=0: never.
  bool coop_matrix() const { return coop_matrix_; }
  // Its matrices' N: 16, or 8 on devices that list 16 x 8 x 16 only.
  uint32_t coop_n() const { return coop_n_; }
  // storageBuffer16BitAccess (enabled at device creation where the device
  // reports it): the large GEMM's packed rows may be halves
  // (kPackRows16Fp8.., kGemmLarge16).
  bool storage16() const { return storage16_; }
  // Device buffers get texel views (Buffer::texels): on CPU devices, where
  // shaders run SSBO loads lane by lane with a branch each (lavapipe) but
  // texel fetches as vector gathers, twice as fast in gemm_direct.comp's
  // loop. Only buffers of at most TexelsFit bytes get one.
  bool texel_views() const { return cpu_kernels_; }
  bool TexelsFit(uint64_t bytes) const {
    return (bytes + 15) / 16 <= props_.limits.maxTexelBufferElements;  // whole texels
  }
  // Timestamps on the compute queue: valid bits (0: none) and nanoseconds a
  // tick.
  uint32_t timestamp_bits() const { return timestamp_bits_; }
  // The largest single allocation the device promises
  // (maxMemoryAllocationSize; 0 where it reports none).
  uint64_t max_allocation_bytes() const { return max_allocation_bytes_; }
  double timestamp_period_ns() const { return props_.limits.timestampPeriod; }
  VkPipeline pipeline(Shader s) const { return pipelines_[s]; }
  VkPipelineLayout pipeline_layout() const { return pipeline_layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }
  // Queue submission is externally synchronized in Vulkan: sessions share it.
  std::mutex& queue_mutex() { return queue_mutex_; }

  // A storage buffer of `size` bytes: device-local memory (also host-visible
  // where the device has such memory and is not a discrete GPU), or
  // host-visible memory (`host` = true, for staging and status words).
  VkResult CreateBuffer(uint64_t size, bool host, Buffer* out) const;
  // A descriptor pool for `sets` sets of set_layout().
  VkResult CreateDescriptorPool(uint32_t sets, VkDescriptorPool* out) const;
  void DestroyBuffer(Buffer* b) const;

 private:
  Device() = default;
  int FindMemoryType(uint32_t type_bits, VkMemoryPropertyFlags want) const;

  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties props_{};
  VkPhysicalDeviceMemoryProperties mem_props_{};
  bool cpu_kernels_ = false;
  bool coop_matrix_ = false;
  uint32_t coop_n_ = 0;  // gemm_coop.comp's matrix N (16 or 8)
  bool storage16_ = false;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t family_ = 0;
  uint32_t timestamp_bits_ = 0;
  uint64_t max_allocation_bytes_ = 0;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout pipeline_layout_ = VK_NULL_HANDLE;
  std::array<VkPipeline, kShaderCount> pipelines_{};
  std::mutex queue_mutex_;
};

struct PhysicalDevice {
  VkPhysicalDevice handle = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties props{};
  uint64_t device_local_bytes = 0;
};

// The process-wide Vulkan state, created on first use and kept for the
// process's life (drivers dislike instances created and destroyed often).
class Context {
 public:
  // The context, or null with `err` set (no loader, no driver, ...).
  static Context* Get(std::string* err);

  const std::vector<PhysicalDevice>& devices() const { return devices_; }
  // The logical device of devices()[i], created on first use.
  Device* device(size_t i, std::string* err);

  bool validation() const { return validation_; }
  // Validation messages (warnings and errors) seen so far; the validation
  // test fails on any.
  static std::vector<std::string> ValidationMessages();

 private:
  Context() = default;
  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  bool validation_ = false;
  std::vector<PhysicalDevice> devices_;
  std::vector<std::unique_ptr<Device>> logical_;
  std::mutex mutex_;
};

}  // namespace vulkan
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_VULKAN_VK_DEVICE_H_
