#include "backends/vulkan/vk_device.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>

namespace fp8sdk {
namespace vulkan {
namespace {

// SPIR-V of shaders/*.comp, compiled by glslc at build time (BUILD).
const uint32_t kGemmSpv[] =
#include "backends/vulkan/shaders/gemm.spv.inc"
    ;
const uint32_t kBinarySpv[] =
#include "backends/vulkan/shaders/binary.spv.inc"
    ;
const uint32_t kUnarySpv[] =
#include "backends/vulkan/shaders/unary.spv.inc"
    ;
const uint32_t kLayerNormSpv[] =
#include "backends/vulkan/shaders/layernorm.spv.inc"
    ;
const uint32_t kSoftmaxSpv[] =
#include "backends/vulkan/shaders/softmax.spv.inc"
    ;
const uint32_t kGatherSpv[] =
#include "backends/vulkan/shaders/gather.spv.inc"
    ;
const uint32_t kCopySpv[] =
#include "backends/vulkan/shaders/copy.spv.inc"
    ;
const uint32_t kQuantizeSpv[] =
#include "backends/vulkan/shaders/quantize.spv.inc"
    ;
const uint32_t kGemmDirectSpv[] =
#include "backends/vulkan/shaders/gemm_direct.spv.inc"
    ;
const uint32_t kPackRowsSpv[] =
#include "backends/vulkan/shaders/pack_rows.spv.inc"
    ;
const uint32_t kBmmDirectSpv[] =
#include "backends/vulkan/shaders/bmm_direct.spv.inc"
    ;
const uint32_t kLayerNormRowsSpv[] =
#include "backends/vulkan/shaders/layernorm_rows.spv.inc"
    ;
const uint32_t kSoftmaxRowsSpv[] =
#include "backends/vulkan/shaders/softmax_rows.spv.inc"
    ;
const uint32_t kGemmLargeSpv[] =
#include "backends/vulkan/shaders/gemm_large.spv.inc"
    ;
const uint32_t kGemmCoopSpv[] =
#include "backends/vulkan/shaders/gemm_coop.spv.inc"
    ;
const uint32_t kPackRows16Spv[] =
#include "backends/vulkan/shaders/pack_rows16.spv.inc"
    ;
const uint32_t kGemmLarge16Spv[] =
#include "backends/vulkan/shaders/gemm_large16.spv.inc"
    ;

// A pipeline: its module and the values of specialization constants 0, 1, 2
// (ignored by shaders without them).
struct ShaderBuild {
  const uint32_t* code;
  size_t bytes;
  uint32_t spec[3];
  const char* name;  // the pipeline's, in profiles
};
#define FP8SDK_SPV(name) name, sizeof(name)
// clang-format off
const ShaderBuild kBuilds[] = {  // in Shader order
    {FP8SDK_SPV(kGemmSpv), {}, "gemm"},
    {FP8SDK_SPV(kBinarySpv), {0, 256}, "binary"},                    // ROWS, local size
    {FP8SDK_SPV(kBinarySpv), {1, 64}, "binary_rows"},
    {FP8SDK_SPV(kUnarySpv), {0}, "unary_gelu"},                      // OP: GELU (erf)
    {FP8SDK_SPV(kUnarySpv), {1}, "unary_gelu_tanh"},                 // GELU (tanh)
    {FP8SDK_SPV(kUnarySpv), {2}, "unary_tanh"},                      // TANH
    {FP8SDK_SPV(kLayerNormSpv), {}, "layernorm"},
    {FP8SDK_SPV(kSoftmaxSpv), {}, "softmax"},
    {FP8SDK_SPV(kGatherSpv), {}, "gather"},
    {FP8SDK_SPV(kCopySpv), {0, 256, 1}, "copy"},                     // ROWS, local size, WORDS
    {FP8SDK_SPV(kCopySpv), {1, 64, 1}, "copy_rows"},
    {FP8SDK_SPV(kCopySpv), {0, 256, 2}, "copy64"},                   // int64
    {FP8SDK_SPV(kCopySpv), {1, 64, 2}, "copy_rows64"},
    {FP8SDK_SPV(kQuantizeSpv), {}, "quantize"},
    {FP8SDK_SPV(kGemmDirectSpv), {0}, "gemm_direct_e4m3"},           // FORMAT: E4M3
    {FP8SDK_SPV(kGemmDirectSpv), {1}, "gemm_direct_e5m2"},           // E5M2
    {FP8SDK_SPV(kGemmDirectSpv), {2}, "gemm_direct_int8"},           // INT8
    {FP8SDK_SPV(kGemmDirectSpv), {3}, "gemm_direct_f32"},            // f32 (F16, BF16 widened)
    {FP8SDK_SPV(kPackRowsSpv), {0, 0}, "pack_rows"},                 // MODE: copy, INPUT: operand 0
    {FP8SDK_SPV(kPackRowsSpv), {1, 0}, "pack_rows_fp8"},             // FP8
    {FP8SDK_SPV(kPackRowsSpv), {2, 0}, "pack_rows_int8"},            // INT8
    {FP8SDK_SPV(kPackRowsSpv), {0, 1}, "pack_rows_b"},               // operand 1
    {FP8SDK_SPV(kPackRowsSpv), {1, 1}, "pack_rows_b_fp8"},
    {FP8SDK_SPV(kPackRowsSpv), {2, 1}, "pack_rows_b_int8"},
    {FP8SDK_SPV(kBmmDirectSpv), {}, "bmm_direct"},
    {FP8SDK_SPV(kLayerNormRowsSpv), {}, "layernorm_rows"},
    {FP8SDK_SPV(kSoftmaxRowsSpv), {0, 0}, "softmax_rows"},           // mask mode: none
    {FP8SDK_SPV(kSoftmaxRowsSpv), {1, 0}, "softmax_rows_pad_f32"},   // key padding, f32 mask
    {FP8SDK_SPV(kSoftmaxRowsSpv), {1, 1}, "softmax_rows_pad_i32"},   // int32
    {FP8SDK_SPV(kSoftmaxRowsSpv), {1, 2}, "softmax_rows_pad_i64"},   // int64
    {FP8SDK_SPV(kSoftmaxRowsSpv), {1, 3}, "softmax_rows_pad_u8"},    // uint8
    {FP8SDK_SPV(kSoftmaxRowsSpv), {2, 0}, "softmax_rows_additive"},  // additive
    {FP8SDK_SPV(kGemmLargeSpv), {}, "gemm_large"},
    {FP8SDK_SPV(kGemmCoopSpv), {}, "gemm_coop"},
    {FP8SDK_SPV(kPackRowsSpv), {0, 0, 1}, "pack_rows_vec"},         // VEC: 4 values a lane
    {FP8SDK_SPV(kPackRowsSpv), {1, 0, 1}, "pack_rows_vec_fp8"},
    {FP8SDK_SPV(kPackRowsSpv), {2, 0, 1}, "pack_rows_vec_int8"},
    {FP8SDK_SPV(kPackRowsSpv), {0, 1, 1}, "pack_rows_vec_b"},
    {FP8SDK_SPV(kPackRowsSpv), {1, 1, 1}, "pack_rows_vec_b_fp8"},
    {FP8SDK_SPV(kPackRowsSpv), {2, 1, 1}, "pack_rows_vec_b_int8"},
    {FP8SDK_SPV(kPackRows16Spv), {1, 0}, "pack_rows16_fp8"},        // halves out
    {FP8SDK_SPV(kPackRows16Spv), {2, 0}, "pack_rows16_int8"},
    {FP8SDK_SPV(kPackRows16Spv), {1, 0, 1}, "pack_rows16_vec_fp8"},
    {FP8SDK_SPV(kPackRows16Spv), {2, 0, 1}, "pack_rows16_vec_int8"},
    {FP8SDK_SPV(kGemmLarge16Spv), {}, "gemm_large16"},                // halves in
};
// clang-format on
#undef FP8SDK_SPV
static_assert(std::size(kBuilds) == kShaderCount, "one build per Shader");

std::mutex g_messages_mutex;
std::vector<std::string>* g_messages = new std::vector<std::string>();

VKAPI_ATTR VkBool32 VKAPI_CALL OnValidationMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data,
                                                   void*) {
  if (severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT) {
    std::lock_guard<std::mutex> lock(g_messages_mutex);
    g_messages->push_back(data && data->pMessage ? data->pMessage : "(no message)");
  }
  return VK_FALSE;
}

bool HasLayer(const char* name) {
  uint32_t n = 0;
  if (vkEnumerateInstanceLayerProperties(&n, nullptr) != VK_SUCCESS) return false;
  std::vector<VkLayerProperties> layers(n);
  if (vkEnumerateInstanceLayerProperties(&n, layers.data()) != VK_SUCCESS) return false;
  for (const auto& l : layers) {
    if (std::strcmp(l.layerName, name) == 0) return true;
  }
  return false;
}

// Discrete GPUs first, CPU implementations (lavapipe) last.
int TypeRank(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:
      return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU:
      return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:
      return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:
      return 4;
    default:
      return 3;
  }
}

int ComputeFamily(VkPhysicalDevice d) {
  uint32_t n = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(d, &n, nullptr);
  std::vector<VkQueueFamilyProperties> f(n);
  vkGetPhysicalDeviceQueueFamilyProperties(d, &n, f.data());
  // A compute-only family first (dedicated compute engines), else any.
  for (uint32_t i = 0; i < n; ++i) {
    if ((f[i].queueFlags & VK_QUEUE_COMPUTE_BIT) && !(f[i].queueFlags & VK_QUEUE_GRAPHICS_BIT))
      return static_cast<int>(i);
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (f[i].queueFlags & VK_QUEUE_COMPUTE_BIT) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

const char* ShaderName(Shader s) { return s >= 0 && s < kShaderCount ? kBuilds[s].name : "?"; }

const char* VkResultName(VkResult r) {
  switch (r) {
#define FP8_VK_RESULT(x) \
  case x:                \
    return #x;
    FP8_VK_RESULT(VK_SUCCESS)
    FP8_VK_RESULT(VK_NOT_READY)
    FP8_VK_RESULT(VK_TIMEOUT)
    FP8_VK_RESULT(VK_INCOMPLETE)
    FP8_VK_RESULT(VK_ERROR_OUT_OF_HOST_MEMORY)
    FP8_VK_RESULT(VK_ERROR_OUT_OF_DEVICE_MEMORY)
    FP8_VK_RESULT(VK_ERROR_INITIALIZATION_FAILED)
    FP8_VK_RESULT(VK_ERROR_DEVICE_LOST)
    FP8_VK_RESULT(VK_ERROR_MEMORY_MAP_FAILED)
    FP8_VK_RESULT(VK_ERROR_LAYER_NOT_PRESENT)
    FP8_VK_RESULT(VK_ERROR_EXTENSION_NOT_PRESENT)
    FP8_VK_RESULT(VK_ERROR_FEATURE_NOT_PRESENT)
    FP8_VK_RESULT(VK_ERROR_INCOMPATIBLE_DRIVER)
    FP8_VK_RESULT(VK_ERROR_TOO_MANY_OBJECTS)
    FP8_VK_RESULT(VK_ERROR_FORMAT_NOT_SUPPORTED)
    FP8_VK_RESULT(VK_ERROR_FRAGMENTED_POOL)
    FP8_VK_RESULT(VK_ERROR_UNKNOWN)
    FP8_VK_RESULT(VK_ERROR_OUT_OF_POOL_MEMORY)
    FP8_VK_RESULT(VK_ERROR_INVALID_EXTERNAL_HANDLE)
    FP8_VK_RESULT(VK_ERROR_FRAGMENTATION)
    FP8_VK_RESULT(VK_ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS)
#undef FP8_VK_RESULT
    default:
      return "VkResult(unknown)";
  }
}

Device::~Device() {
  if (device_ == VK_NULL_HANDLE) return;
  vkDeviceWaitIdle(device_);
  for (VkPipeline p : pipelines_) {
    if (p != VK_NULL_HANDLE) vkDestroyPipeline(device_, p, nullptr);
  }
  if (pipeline_layout_ != VK_NULL_HANDLE)
    vkDestroyPipelineLayout(device_, pipeline_layout_, nullptr);
  if (set_layout_ != VK_NULL_HANDLE) vkDestroyDescriptorSetLayout(device_, set_layout_, nullptr);
  vkDestroyDevice(device_, nullptr);
}

namespace {

// The kernels for devices that run shaders on CPU cores (gemm_direct,
// softmax_rows) share values across a subgroup of at least 8 lanes
// (shuffle, max, add): a CPU device that has those takes them.
bool CpuKernelsUsable(VkPhysicalDevice physical, const VkPhysicalDeviceProperties& props) {
  if (props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU || props.apiVersion < VK_API_VERSION_1_1)
    return false;
  VkPhysicalDeviceSubgroupProperties sub{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  p2.pNext = &sub;
  vkGetPhysicalDeviceProperties2(physical, &p2);
  const VkSubgroupFeatureFlags need =
      VK_SUBGROUP_FEATURE_SHUFFLE_BIT | VK_SUBGROUP_FEATURE_ARITHMETIC_BIT;
  return (sub.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
         (sub.supportedOperations & need) == need && sub.subgroupSize >= 8;
}

bool CpuOnly(int shader) {
  return (shader >= kGemmDirect && shader <= kGemmDirectF32) || shader == kBmmDirect ||
         shader == kLayerNormRows || shader == kBinaryRows || shader == kCopyRows ||
         shader == kCopyRows64 || (shader >= kPackRowsIn1 && shader <= kPackRowsIn1Int8) ||
         (shader >= kPackRowsVecIn1 && shader <= kPackRowsVecIn1Int8) ||
         (shader >= kSoftmaxRows && shader <= kSoftmaxRowsAdditive);
}

bool Storage16Only(int shader) { return shader >= kPackRows16Fp8 && shader <= kGemmLarge16; }

// True when `physical` has every extension in `names`.
bool HasExtensions(VkPhysicalDevice physical, const char* const* names, size_t count) {
  uint32_t n = 0;
  if (vkEnumerateDeviceExtensionProperties(physical, nullptr, &n, nullptr) != VK_SUCCESS)
    return false;
  std::vector<VkExtensionProperties> ext(n);
  if (vkEnumerateDeviceExtensionProperties(physical, nullptr, &n, ext.data()) != VK_SUCCESS) {
    return false;
  }
  for (size_t i = 0; i < count; ++i) {
    bool found = false;
    for (const VkExtensionProperties& e : ext) found |= std::strcmp(e.extensionName, names[i]) == 0;
    if (!found) return false;
  }
  return true;
}

constexpr uint32_t kCoopSharedBytes = 27648;  // gemm_coop.comp's shared arrays

// The features gemm_coop.comp's SPIR-V needs (CooperativeMatrixNV, Float16,
// VulkanMemoryModel with its device scope: GLSL's cooperative matrices name a
// Vulkan scope, and NVIDIA's validation layer run found the module using the
// device scope), as one
// pNext chain; Chain(true) also asks for them (device creation).
struct CoopFeatures {
  VkPhysicalDeviceCooperativeMatrixFeaturesNV coop{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV};
  VkPhysicalDeviceShaderFloat16Int8FeaturesKHR f16{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES_KHR};
  VkPhysicalDeviceVulkanMemoryModelFeaturesKHR memory_model{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES_KHR};
  static constexpr const char* kExtensions[3] = {VK_NV_COOPERATIVE_MATRIX_EXTENSION_NAME,
                                                 VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME,
                                                 VK_KHR_VULKAN_MEMORY_MODEL_EXTENSION_NAME};
  void Chain(bool enable) {
    coop.pNext = &f16;
    f16.pNext = &memory_model;
    memory_model.pNext = nullptr;
    if (enable) {
      coop.cooperativeMatrix = VK_TRUE;
      f16.shaderFloat16 = VK_TRUE;
      memory_model.vulkanMemoryModel = VK_TRUE;
      memory_model.vulkanMemoryModelDeviceScope = VK_TRUE;
    }
  }
};

// gemm_coop.comp runs on `physical`: VK_NV_cooperative_matrix with a
// 16 x 16 x 16 or 16 x 8 x 16 (M x N x K) f16 x f16 + f32 subgroup shape,
// VK_KHR_shader_float16_int8's shaderFloat16, subgroups of 32, enough shared
// memory. Returns that N (16 preferred), or 0 where it does not run.
// FP8SDK_VULKAN_COOPMAT=0 turns it off.
uint32_t CoopMatrixUsable(VkInstance instance, VkPhysicalDevice physical,
                          const VkPhysicalDeviceProperties& props) {
  if (const char* env = std::getenv("FP8SDK_VULKAN_COOPMAT")) {
    if (std::strcmp(env, "0") == 0) return 0;
  }
  if (props.apiVersion < VK_API_VERSION_1_1 ||
      props.limits.maxComputeSharedMemorySize < kCoopSharedBytes ||
      !HasExtensions(physical, CoopFeatures::kExtensions, std::size(CoopFeatures::kExtensions))) {
    return 0;
  }
  CoopFeatures f;
  f.Chain(false);
  VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  f2.pNext = &f.coop;
  vkGetPhysicalDeviceFeatures2(physical, &f2);
  if (!f.coop.cooperativeMatrix || !f.f16.shaderFloat16 || !f.memory_model.vulkanMemoryModel ||
      !f.memory_model.vulkanMemoryModelDeviceScope) {
    return 0;
  }
  VkPhysicalDeviceSubgroupProperties sub{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceCooperativeMatrixPropertiesNV cm{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_PROPERTIES_NV};
  sub.pNext = &cm;
  VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  p2.pNext = &sub;
  vkGetPhysicalDeviceProperties2(physical, &p2);
  if (sub.subgroupSize != 32 || !(sub.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) ||
      !(sub.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT) ||
      !(cm.cooperativeMatrixSupportedStages & VK_SHADER_STAGE_COMPUTE_BIT)) {
    return 0;
  }
  auto shapes = reinterpret_cast<PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV>(
      vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV"));
  if (!shapes) return 0;
  uint32_t n = 0;
  if (shapes(physical, &n, nullptr) != VK_SUCCESS || n == 0) return 0;
  std::vector<VkCooperativeMatrixPropertiesNV> v(
      n, VkCooperativeMatrixPropertiesNV{VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV});
  if (shapes(physical, &n, v.data()) != VK_SUCCESS) return 0;
  uint32_t best = 0;
  for (const VkCooperativeMatrixPropertiesNV& m : v) {
    if (m.MSize == 16 && (m.NSize == 16 || m.NSize == 8) && m.KSize == 16 &&
        m.AType == VK_COMPONENT_TYPE_FLOAT16_NV && m.BType == VK_COMPONENT_TYPE_FLOAT16_NV &&
        m.CType == VK_COMPONENT_TYPE_FLOAT32_NV && m.DType == VK_COMPONENT_TYPE_FLOAT32_NV &&
        m.scope == VK_SCOPE_SUBGROUP_NV) {
      best = std::max(best, m.NSize);
    }
  }
  return best;
}

}  // namespace

std::unique_ptr<Device> Device::Create(VkInstance instance, VkPhysicalDevice physical,
                                       std::string* err) {
  std::unique_ptr<Device> d(new Device());
  d->physical_ = physical;
  vkGetPhysicalDeviceProperties(physical, &d->props_);
  d->cpu_kernels_ = CpuKernelsUsable(physical, d->props_);
  d->coop_n_ = CoopMatrixUsable(instance, physical, d->props_);
  d->coop_matrix_ = d->coop_n_ > 0;
  VkPhysicalDevice16BitStorageFeatures storage16{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  if (d->props_.apiVersion >= VK_API_VERSION_1_1) {
    VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
    f2.pNext = &storage16;
    vkGetPhysicalDeviceFeatures2(physical, &f2);  // Vulkan 1.1 core
    d->storage16_ = storage16.storageBuffer16BitAccess == VK_TRUE;
    storage16 = VkPhysicalDevice16BitStorageFeatures{
        VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
    storage16.storageBuffer16BitAccess = d->storage16_ ? VK_TRUE : VK_FALSE;
  }
  vkGetPhysicalDeviceMemoryProperties(physical, &d->mem_props_);
  VkPhysicalDeviceMaintenance3Properties m3{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES};
  VkPhysicalDeviceProperties2 p2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  p2.pNext = &m3;
  vkGetPhysicalDeviceProperties2(physical, &p2);  // Vulkan 1.1 core
  d->max_allocation_bytes_ = m3.maxMemoryAllocationSize;
  const int family = ComputeFamily(physical);
  if (family < 0) {
    *err = "no compute queue";
    return nullptr;
  }
  d->family_ = static_cast<uint32_t>(family);
  {
    uint32_t n = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &n, nullptr);
    std::vector<VkQueueFamilyProperties> f(n);
    vkGetPhysicalDeviceQueueFamilyProperties(physical, &n, f.data());
    d->timestamp_bits_ = f[d->family_].timestampValidBits;
  }
  const float priority = 1.0f;
  VkDeviceQueueCreateInfo q{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  q.queueFamilyIndex = d->family_;
  q.queueCount = 1;
  q.pQueuePriorities = &priority;
  VkDeviceCreateInfo ci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  ci.queueCreateInfoCount = 1;
  ci.pQueueCreateInfos = &q;
  // The features asked for: 16-bit storage (Vulkan 1.1 core) in front of
  // gemm_coop.comp's (extensions).
  const auto chain = [&](void* rest) {
    storage16.pNext = rest;
    ci.pNext = d->storage16_ ? static_cast<void*>(&storage16) : rest;
  };
  chain(nullptr);
  CoopFeatures coop;
  if (d->coop_matrix_) {
    coop.Chain(true);
    chain(&coop.coop);
    ci.enabledExtensionCount = static_cast<uint32_t>(std::size(CoopFeatures::kExtensions));
    ci.ppEnabledExtensionNames = CoopFeatures::kExtensions;
  }
  VkResult r = vkCreateDevice(physical, &ci, nullptr, &d->device_);
  if (r != VK_SUCCESS && d->coop_matrix_) {  // the device without them, then
    d->coop_matrix_ = false;
    chain(nullptr);
    ci.enabledExtensionCount = 0;
    ci.ppEnabledExtensionNames = nullptr;
    r = vkCreateDevice(physical, &ci, nullptr, &d->device_);
  }
  if (r != VK_SUCCESS) {
    *err = std::string("vkCreateDevice: ") + VkResultName(r);
    return nullptr;
  }
  vkGetDeviceQueue(d->device_, d->family_, 0, &d->queue_);

  VkDescriptorSetLayoutBinding b[kBindings + kTexelBindings];
  for (uint32_t i = 0; i < kBindings + kTexelBindings; ++i) {
    b[i] = VkDescriptorSetLayoutBinding{
        i,
        i < kBindings ? VK_DESCRIPTOR_TYPE_STORAGE_BUFFER : VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER,
        1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  }
  VkDescriptorSetLayoutCreateInfo sl{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  sl.bindingCount = kBindings + kTexelBindings;
  sl.pBindings = b;
  r = vkCreateDescriptorSetLayout(d->device_, &sl, nullptr, &d->set_layout_);
  if (r != VK_SUCCESS) {
    *err = std::string("vkCreateDescriptorSetLayout: ") + VkResultName(r);
    return nullptr;
  }
  const VkPushConstantRange pc{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantBytes};
  VkPipelineLayoutCreateInfo pl{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  pl.setLayoutCount = 1;
  pl.pSetLayouts = &d->set_layout_;
  pl.pushConstantRangeCount = 1;
  pl.pPushConstantRanges = &pc;
  r = vkCreatePipelineLayout(d->device_, &pl, nullptr, &d->pipeline_layout_);
  if (r != VK_SUCCESS) {
    *err = std::string("vkCreatePipelineLayout: ") + VkResultName(r);
    return nullptr;
  }
  for (int s = 0; s < kShaderCount; ++s) {
    if (CpuOnly(s) && !d->cpu_kernels_) continue;      // never used there
    if (s == kGemmCoop && !d->coop_matrix_) continue;  // needs the extension
    if (Storage16Only(s) && !d->storage16_) continue;  // and these the feature
    VkShaderModuleCreateInfo mi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    mi.codeSize = kBuilds[s].bytes;
    mi.pCode = kBuilds[s].code;
    VkShaderModule module = VK_NULL_HANDLE;
    r = vkCreateShaderModule(d->device_, &mi, nullptr, &module);
    if (r != VK_SUCCESS && s == kGemmCoop) {  // an optional kernel: run without it
      d->coop_matrix_ = false;
      continue;
    }
    if (r != VK_SUCCESS) {
      *err = std::string("vkCreateShaderModule: ") + VkResultName(r);
      return nullptr;
    }
    VkComputePipelineCreateInfo pi{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    pi.stage = VkPipelineShaderStageCreateInfo{VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
    pi.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    pi.stage.module = module;
    pi.stage.pName = "main";
    const VkSpecializationMapEntry entries[3] = {{0, 0, 4}, {1, 4, 4}, {2, 8, 4}};
    uint32_t values[3] = {kBuilds[s].spec[0], kBuilds[s].spec[1], kBuilds[s].spec[2]};
    if (s == kGemmCoop) values[0] = d->coop_n_;  // the device's matrix N
    const VkSpecializationInfo spec{3, entries, sizeof(values), values};
    pi.stage.pSpecializationInfo = &spec;
    pi.layout = d->pipeline_layout_;
    r = vkCreateComputePipelines(d->device_, VK_NULL_HANDLE, 1, &pi, nullptr, &d->pipelines_[s]);
    vkDestroyShaderModule(d->device_, module, nullptr);
    if (r != VK_SUCCESS && s == kGemmCoop) {
      d->pipelines_[s] = VK_NULL_HANDLE;
      d->coop_matrix_ = false;
      continue;
    }
    if (r != VK_SUCCESS) {
      *err = std::string("vkCreateComputePipelines: ") + VkResultName(r);
      return nullptr;
    }
  }
  return d;
}

int Device::FindMemoryType(uint32_t bits, VkMemoryPropertyFlags want) const {
  for (uint32_t i = 0; i < mem_props_.memoryTypeCount; ++i) {
    if ((bits & (1u << i)) && (mem_props_.memoryTypes[i].propertyFlags & want) == want)
      return static_cast<int>(i);
  }
  return -1;
}

VkResult Device::CreateBuffer(uint64_t size, bool host, Buffer* out) const {
  *out = Buffer{};
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = std::max<uint64_t>((size + 15) / 16 * 16, 16);  // whole texels
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
             VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  const bool texels = !host && texel_views() && TexelsFit(bi.size);
  if (texels) bi.usage |= VK_BUFFER_USAGE_UNIFORM_TEXEL_BUFFER_BIT;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkResult r = vkCreateBuffer(device_, &bi, nullptr, &out->buffer);
  if (r != VK_SUCCESS) return r;
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device_, out->buffer, &req);
  const VkMemoryPropertyFlags visible =
      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  int type = -1;
  if (host) {
    type = FindMemoryType(req.memoryTypeBits, visible | VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    if (type < 0) type = FindMemoryType(req.memoryTypeBits, visible);
  } else {
    // Unified memory (integrated GPUs, CPU devices): device-local and mapped,
    // so copies are plain memcpy. Discrete GPUs: device-local only.
    if (props_.deviceType != VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU)
      type = FindMemoryType(req.memoryTypeBits, visible | VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    if (type < 0) type = FindMemoryType(req.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
    if (type < 0) type = FindMemoryType(req.memoryTypeBits, 0);
  }
  if (type < 0) {
    DestroyBuffer(out);
    return VK_ERROR_OUT_OF_DEVICE_MEMORY;
  }
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.allocationSize = req.size;
  ai.memoryTypeIndex = static_cast<uint32_t>(type);
  r = vkAllocateMemory(device_, &ai, nullptr, &out->memory);
  if (r != VK_SUCCESS) {
    DestroyBuffer(out);
    return r;
  }
  r = vkBindBufferMemory(device_, out->buffer, out->memory, 0);
  const VkMemoryPropertyFlags flags = mem_props_.memoryTypes[type].propertyFlags;
  if (r == VK_SUCCESS && (flags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT)) {
    r = vkMapMemory(device_, out->memory, 0, VK_WHOLE_SIZE, 0, &out->mapped);
    out->coherent = (flags & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT) != 0;
  }
  if (r == VK_SUCCESS && texels) {
    VkBufferViewCreateInfo vi{VK_STRUCTURE_TYPE_BUFFER_VIEW_CREATE_INFO};
    vi.buffer = out->buffer;
    vi.format = VK_FORMAT_R32G32B32A32_UINT;  // uniform texel buffers must support it
    vi.offset = 0;
    vi.range = bi.size;
    r = vkCreateBufferView(device_, &vi, nullptr, &out->texels);
  }
  if (r != VK_SUCCESS) {
    DestroyBuffer(out);
    return r;
  }
  out->size = size;
  return VK_SUCCESS;
}

VkResult Device::CreateDescriptorPool(uint32_t sets, VkDescriptorPool* out) const {
  const VkDescriptorPoolSize sizes[] = {
      {VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, sets * kBindings},
      {VK_DESCRIPTOR_TYPE_UNIFORM_TEXEL_BUFFER, sets * kTexelBindings}};
  VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  pi.maxSets = sets;
  pi.poolSizeCount = 2;
  pi.pPoolSizes = sizes;
  return vkCreateDescriptorPool(device_, &pi, nullptr, out);
}

void Device::DestroyBuffer(Buffer* b) const {
  if (b->texels != VK_NULL_HANDLE) vkDestroyBufferView(device_, b->texels, nullptr);
  if (b->mapped) vkUnmapMemory(device_, b->memory);
  if (b->buffer != VK_NULL_HANDLE) vkDestroyBuffer(device_, b->buffer, nullptr);
  if (b->memory != VK_NULL_HANDLE) vkFreeMemory(device_, b->memory, nullptr);
  *b = Buffer{};
}

Context* Context::Get(std::string* err) {
  static std::mutex m;
  static Context* ctx = nullptr;
  static std::string failure;
  std::lock_guard<std::mutex> lock(m);
  if (ctx) return ctx;
  if (!failure.empty()) {
    *err = failure;
    return nullptr;
  }
  std::unique_ptr<Context> c(new Context());
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "fp8sdk";
  app.pEngineName = "fp8sdk";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pApplicationInfo = &app;
  const char* layer = "VK_LAYER_KHRONOS_validation";
  const char* ext = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
  const char* want = std::getenv("FP8SDK_VULKAN_VALIDATION");
  if (want && std::strcmp(want, "1") == 0 && HasLayer(layer)) {
    c->validation_ = true;
    ci.enabledLayerCount = 1;
    ci.ppEnabledLayerNames = &layer;
    ci.enabledExtensionCount = 1;
    ci.ppEnabledExtensionNames = &ext;
  }
  VkResult r = vkCreateInstance(&ci, nullptr, &c->instance_);
  if (r != VK_SUCCESS) {
    failure = std::string("no usable Vulkan driver: vkCreateInstance returned ") + VkResultName(r);
    *err = failure;
    return nullptr;
  }
  if (c->validation_) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(c->instance_, "vkCreateDebugUtilsMessengerEXT"));
    VkDebugUtilsMessengerCreateInfoEXT mi{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    mi.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                         VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    mi.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    mi.pfnUserCallback = OnValidationMessage;
    if (create) create(c->instance_, &mi, nullptr, &c->messenger_);
  }
  uint32_t n = 0;
  vkEnumeratePhysicalDevices(c->instance_, &n, nullptr);
  std::vector<VkPhysicalDevice> phys(n);
  if (n > 0) vkEnumeratePhysicalDevices(c->instance_, &n, phys.data());
  for (VkPhysicalDevice p : phys) {
    if (ComputeFamily(p) < 0) continue;
    PhysicalDevice d;
    d.handle = p;
    vkGetPhysicalDeviceProperties(p, &d.props);
    VkPhysicalDeviceMemoryProperties mp;
    vkGetPhysicalDeviceMemoryProperties(p, &mp);
    for (uint32_t h = 0; h < mp.memoryHeapCount; ++h) {
      if (mp.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
        d.device_local_bytes += mp.memoryHeaps[h].size;
    }
    c->devices_.push_back(d);
  }
  std::stable_sort(c->devices_.begin(), c->devices_.end(),
                   [](const PhysicalDevice& a, const PhysicalDevice& b) {
                     return TypeRank(a.props.deviceType) < TypeRank(b.props.deviceType);
                   });
  c->logical_.resize(c->devices_.size());
  ctx = c.release();  // lives for the process
  return ctx;
}

Device* Context::device(size_t i, std::string* err) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (i >= devices_.size()) {
    *err = "no such Vulkan device";
    return nullptr;
  }
  if (!logical_[i]) logical_[i] = Device::Create(instance_, devices_[i].handle, err);
  return logical_[i].get();
}

std::vector<std::string> Context::ValidationMessages() {
  std::lock_guard<std::mutex> lock(g_messages_mutex);
  return *g_messages;
}

}  // namespace vulkan
}  // namespace fp8sdk
