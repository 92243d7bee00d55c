// vk_alu_peak: what a Vulkan device's shader ALUs reach on f32 multiply-adds
// alone (shaders/alu_peak.comp, no memory traffic): as gemm_direct.comp's
// register tile (8 rows x 4 columns per invocation, its inner loop without
// loads and decode) written as an outer product of scalars and as vec4 dot
// products, and as eight independent vec4 chains y = y * a + b. What the
// Vulkan GEMM rates of vk_gemm_benchmark and gemm_benchmark are read against.
// (llvmpipe has no fused multiply-add: it runs fma() as a multiply and an
// add, 8 lanes each on AVX2 and AVX-512 CPUs alike.)
//
//   bazel run //backends/vulkan:vk_alu_peak [-- DEVICE-NAME-PART]
//
// The first device whose name contains DEVICE-NAME-PART (default: the first
// GPU, else the first device) runs dispatches of 64-invocation workgroups,
// each long enough to take >= 0.1 s; the best of five is printed in GFLOP/s
// (2 per multiply-add). FP8SDK_VULKAN_VALIDATION=1 runs it under the Khronos
// validation layer, as the backend does, and fails on any message.
#include <vulkan/vulkan.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "backends/vulkan/vk_device.h"

namespace fp8sdk {
namespace vulkan {
namespace {

const uint32_t kTile[] =
#include "backends/vulkan/shaders/alu_peak.spv.inc"
    ;
const uint32_t kDot[] =
#include "backends/vulkan/shaders/alu_peak_dot.spv.inc"
    ;
const uint32_t kChains[] =
#include "backends/vulkan/shaders/alu_peak_chains.spv.inc"
    ;

constexpr uint32_t kLocal = 64;  // invocations per workgroup

struct Push {
  uint32_t iterations;
  float a, b;
};

// What a timed dispatch needs (the tool's own objects are destroyed at the
// end of Run; on an error the process ends with the message).
struct Gpu {
  VkDevice dev = VK_NULL_HANDLE;
  VkQueue queue = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkDescriptorSet set = VK_NULL_HANDLE;
  VkCommandBuffer cb = VK_NULL_HANDLE;
};

bool Check(VkResult r, const char* what) {
  if (r == VK_SUCCESS) return true;
  std::fprintf(stderr, "vk_alu_peak error: %s failed (VkResult %d)\n", what, static_cast<int>(r));
  return false;
}

// Seconds one dispatch of `groups` workgroups takes with `iterations` steps.
bool Time(Gpu& g, VkPipeline pipe, uint32_t groups, uint32_t iterations, double* seconds) {
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  if (!Check(vkBeginCommandBuffer(g.cb, &begin), "vkBeginCommandBuffer")) return false;
  vkCmdBindPipeline(g.cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipe);
  vkCmdBindDescriptorSets(g.cb, VK_PIPELINE_BIND_POINT_COMPUTE, g.layout, 0, 1, &g.set, 0, nullptr);
  const Push push{iterations, 0.999f, 0.001f};
  vkCmdPushConstants(g.cb, g.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(push), &push);
  vkCmdDispatch(g.cb, groups, 1, 1);
  if (!Check(vkEndCommandBuffer(g.cb), "vkEndCommandBuffer")) return false;
  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &g.cb;
  const auto t0 = std::chrono::steady_clock::now();
  if (!Check(vkQueueSubmit(g.queue, 1, &submit, VK_NULL_HANDLE), "vkQueueSubmit")) return false;
  if (!Check(vkQueueWaitIdle(g.queue), "vkQueueWaitIdle")) return false;
  *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return true;
}

// Best GFLOP/s of five dispatches, each grown to >= 0.1 s; `flops` per
// invocation and step.
bool Measure(Gpu& g, VkPipeline pipe, uint32_t groups, double flops, double* gflops) {
  uint32_t iterations = 64;
  double s = 0;
  while (true) {
    if (!Time(g, pipe, groups, iterations, &s)) return false;
    if (s >= 0.1 || iterations >= (1u << 24)) break;
    iterations *= 2;
  }
  double best = s;
  for (int i = 0; i < 4; ++i) {
    if (!Time(g, pipe, groups, iterations, &s)) return false;
    best = std::min(best, s);
  }
  *gflops = flops * iterations * groups * kLocal / best / 1e9;
  return true;
}

int Run(const char* want) {
  // The backend's own instance and logical device: the device and features a
  // session would get.
  std::string err;
  Context* ctx = Context::Get(&err);
  if (!ctx) {
    std::fprintf(stderr, "vk_alu_peak error: %s\n", err.c_str());
    return 1;
  }
  // Named: the first match. Otherwise GPUs (discrete, integrated, virtual)
  // before CPU implementations.
  const std::vector<PhysicalDevice>& devices = ctx->devices();
  size_t pick = devices.size();
  for (int pass = 0; pass < 2 && pick == devices.size(); ++pass) {
    for (size_t i = 0; i < devices.size() && pick == devices.size(); ++i) {
      const VkPhysicalDeviceProperties& p = devices[i].props;
      const bool gpu = p.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU &&
                       p.deviceType != VK_PHYSICAL_DEVICE_TYPE_OTHER;
      if (want ? std::strstr(p.deviceName, want) != nullptr : (gpu || pass == 1)) pick = i;
    }
  }
  if (pick == devices.size()) {
    std::fprintf(stderr, "vk_alu_peak error: no Vulkan device%s%s\n", want ? " named like " : "",
                 want ? want : "");
    return 1;
  }
  Device* dev = ctx->device(pick, &err);
  if (!dev) {
    std::fprintf(stderr, "vk_alu_peak error: %s\n", err.c_str());
    return 1;
  }
  const VkPhysicalDeviceProperties& props = dev->properties();
  Gpu g;
  g.dev = dev->device();
  g.queue = dev->queue();
  g.layout = dev->pipeline_layout();  // binding 0 and 12 bytes of push constants used

  // GPUs: 16384 workgroups (a million invocations, more than any GPU runs
  // at once); CPU implementations: 256 (a few per core).
  const bool cpu = props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
  const uint32_t groups = cpu ? 256 : 16384;
  Buffer out;
  if (!Check(dev->CreateBuffer(uint64_t{groups} * kLocal * sizeof(float), false, &out),
             "vkCreateBuffer")) {
    return 1;
  }
  VkDescriptorPool pool = VK_NULL_HANDLE;
  if (!Check(dev->CreateDescriptorPool(1, &pool), "vkCreateDescriptorPool")) return 1;
  const VkDescriptorSetLayout set_layout = dev->set_layout();
  VkDescriptorSetAllocateInfo dsai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  dsai.descriptorPool = pool;
  dsai.descriptorSetCount = 1;
  dsai.pSetLayouts = &set_layout;
  if (!Check(vkAllocateDescriptorSets(g.dev, &dsai, &g.set), "vkAllocateDescriptorSets")) return 1;
  // Every binding of the backend's layout names the buffer; the shaders use 0.
  VkDescriptorBufferInfo dbi[kBindings];
  VkWriteDescriptorSet writes[kBindings];
  for (uint32_t b = 0; b < kBindings; ++b) {
    dbi[b] = VkDescriptorBufferInfo{out.buffer, 0, VK_WHOLE_SIZE};
    writes[b] = VkWriteDescriptorSet{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    writes[b].dstSet = g.set;
    writes[b].dstBinding = b;
    writes[b].descriptorCount = 1;
    writes[b].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[b].pBufferInfo = &dbi[b];
  }
  vkUpdateDescriptorSets(g.dev, kBindings, writes, 0, nullptr);
  VkCommandPoolCreateInfo cpci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  cpci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  cpci.queueFamilyIndex = dev->queue_family();
  VkCommandPool cpool = VK_NULL_HANDLE;
  if (!Check(vkCreateCommandPool(g.dev, &cpci, nullptr, &cpool), "vkCreateCommandPool")) return 1;
  VkCommandBufferAllocateInfo cbai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  cbai.commandPool = cpool;
  cbai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  cbai.commandBufferCount = 1;
  if (!Check(vkAllocateCommandBuffers(g.dev, &cbai, &g.cb), "vkAllocateCommandBuffers")) return 1;

  std::printf("device: %s (%u workgroups of %u)\n", props.deviceName, groups, kLocal);
  // What the backend's GEMMs can use there (a GPU session reads it first).
  if (dev->coop_matrix()) {
    std::printf("cooperative matrices: 16 x %u x 16 f16 -> f32 (gemm_coop.comp runs)\n",
                dev->coop_n());
  } else {
    std::printf("cooperative matrices: none usable (gemm_large.comp for large LINEARs)\n");
  }
  const struct {
    const char* name;
    const uint32_t* code;
    size_t bytes;
    double flops;  // per invocation and step
  } variants[] = {{"GEMM tile", kTile, sizeof(kTile), 8 * 4 * 4 * 2},
                  {"tile as dots", kDot, sizeof(kDot), 8 * 4 * 4 * 2},
                  {"chains", kChains, sizeof(kChains), 8 * 4 * 2}};
  int rc = 0;
  for (const auto& v : variants) {
    VkShaderModuleCreateInfo smci{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    smci.codeSize = v.bytes;
    smci.pCode = v.code;
    VkShaderModule module = VK_NULL_HANDLE;
    if (!Check(vkCreateShaderModule(g.dev, &smci, nullptr, &module), "vkCreateShaderModule"))
      return 1;
    VkComputePipelineCreateInfo pci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    pci.stage = VkPipelineShaderStageCreateInfo{VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                                                nullptr,
                                                0,
                                                VK_SHADER_STAGE_COMPUTE_BIT,
                                                module,
                                                "main",
                                                nullptr};
    pci.layout = g.layout;
    VkPipeline pipe = VK_NULL_HANDLE;
    const bool made =
        Check(vkCreateComputePipelines(g.dev, VK_NULL_HANDLE, 1, &pci, nullptr, &pipe),
              "vkCreateComputePipelines");
    vkDestroyShaderModule(g.dev, module, nullptr);
    double gflops = 0;
    if (!made || !Measure(g, pipe, groups, v.flops, &gflops)) {
      rc = 1;
    } else {
      std::printf("  %-13s %10.1f GFLOP/s\n", v.name, gflops);
    }
    if (pipe != VK_NULL_HANDLE) vkDestroyPipeline(g.dev, pipe, nullptr);
  }
  vkDestroyCommandPool(g.dev, cpool, nullptr);
  vkDestroyDescriptorPool(g.dev, pool, nullptr);
  dev->DestroyBuffer(&out);
  // Under FP8SDK_VULKAN_VALIDATION=1, any message of the Khronos layer fails.
  for (const std::string& m : Context::ValidationMessages()) {
    std::fprintf(stderr, "vk_alu_peak error: validation: %s\n", m.c_str());
    rc = 1;
  }
  return rc;  // the device and instance belong to the process-wide context
}

}  // namespace
}  // namespace vulkan
}  // namespace fp8sdk

int main(int argc, char** argv) { return fp8sdk::vulkan::Run(argc > 1 ? argv[1] : nullptr); }
