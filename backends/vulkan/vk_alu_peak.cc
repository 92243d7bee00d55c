// vk_alu_peak: what a Vulkan device's shader ALUs reach on f32 multiply-adds
// alone (shaders/alu_peak.comp, no memory traffic): as a GEMM register tile
// (8 x 4 dot products of vec4 operands per invocation, gemm_direct.comp's
// inner loop without its loads and decode) and as eight independent vec4
// chains y = y * a + b. What the Vulkan GEMM rates of vk_gemm_benchmark and
// gemm_benchmark are read against.
//
//   bazel run //backends/vulkan:vk_alu_peak [-- DEVICE-NAME-PART]
//
// The first device whose name contains DEVICE-NAME-PART (default: the first
// GPU, else the first device) runs dispatches of 64-invocation workgroups,
// each long enough to take >= 0.1 s; the best of five is printed in GFLOP/s
// (2 per multiply-add).
#include <vulkan/vulkan.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

const uint32_t kTile[] =
#include "backends/vulkan/shaders/alu_peak.spv.inc"
    ;
const uint32_t kChains[] =
#include "backends/vulkan/shaders/alu_peak_chains.spv.inc"
    ;

constexpr uint32_t kLocal = 64;  // invocations per workgroup

struct Push {
  uint32_t iterations;
  float a, b;
};

// What a timed dispatch needs (destroyed at the end of Run; on an error the
// process ends with the message).
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
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "vk_alu_peak";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo ici{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ici.pApplicationInfo = &app;
  VkInstance instance = VK_NULL_HANDLE;
  if (!Check(vkCreateInstance(&ici, nullptr, &instance), "vkCreateInstance")) return 1;
  uint32_t count = 0;
  vkEnumeratePhysicalDevices(instance, &count, nullptr);
  std::vector<VkPhysicalDevice> devices(count);
  vkEnumeratePhysicalDevices(instance, &count, devices.data());
  VkPhysicalDevice physical = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties props{};
  // Named: the first match. Otherwise GPUs (discrete, integrated, virtual)
  // before CPU implementations.
  for (int pass = 0; pass < 2 && physical == VK_NULL_HANDLE; ++pass) {
    for (VkPhysicalDevice d : devices) {
      vkGetPhysicalDeviceProperties(d, &props);
      const bool gpu = props.deviceType != VK_PHYSICAL_DEVICE_TYPE_CPU &&
                       props.deviceType != VK_PHYSICAL_DEVICE_TYPE_OTHER;
      if (want ? std::strstr(props.deviceName, want) != nullptr : (gpu || pass == 1)) {
        physical = d;
        break;
      }
    }
  }
  if (physical == VK_NULL_HANDLE) {
    std::fprintf(stderr, "vk_alu_peak error: no Vulkan device%s%s\n", want ? " named like " : "",
                 want ? want : "");
    return 1;
  }
  uint32_t families = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &families, nullptr);
  std::vector<VkQueueFamilyProperties> fam(families);
  vkGetPhysicalDeviceQueueFamilyProperties(physical, &families, fam.data());
  uint32_t family = families;
  for (uint32_t i = 0; i < families && family == families; ++i) {
    if (fam[i].queueFlags & VK_QUEUE_COMPUTE_BIT) family = i;
  }
  if (family == families) {
    std::fprintf(stderr, "vk_alu_peak error: %s has no compute queue\n", props.deviceName);
    return 1;
  }
  const float priority = 1.0f;
  VkDeviceQueueCreateInfo qci{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qci.queueFamilyIndex = family;
  qci.queueCount = 1;
  qci.pQueuePriorities = &priority;
  VkDeviceCreateInfo dci{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  Gpu g;
  if (!Check(vkCreateDevice(physical, &dci, nullptr, &g.dev), "vkCreateDevice")) return 1;
  vkGetDeviceQueue(g.dev, family, 0, &g.queue);

  // GPUs: 16384 workgroups (a million invocations, more than any GPU runs
  // at once); CPU implementations: 256 (a few per core).
  const bool cpu = props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU;
  const uint32_t groups = cpu ? 256 : 16384;
  VkBufferCreateInfo bci{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bci.size = static_cast<VkDeviceSize>(groups) * kLocal * sizeof(float);
  bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  VkBuffer buffer = VK_NULL_HANDLE;
  if (!Check(vkCreateBuffer(g.dev, &bci, nullptr, &buffer), "vkCreateBuffer")) return 1;
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(g.dev, buffer, &req);
  VkPhysicalDeviceMemoryProperties mem;
  vkGetPhysicalDeviceMemoryProperties(physical, &mem);
  uint32_t type = mem.memoryTypeCount;
  for (uint32_t i = 0; i < mem.memoryTypeCount && type == mem.memoryTypeCount; ++i) {
    if (req.memoryTypeBits & (1u << i)) type = i;
  }
  VkMemoryAllocateInfo mai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  mai.allocationSize = req.size;
  mai.memoryTypeIndex = type;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  if (type == mem.memoryTypeCount ||
      !Check(vkAllocateMemory(g.dev, &mai, nullptr, &memory), "vkAllocateMemory") ||
      !Check(vkBindBufferMemory(g.dev, buffer, memory, 0), "vkBindBufferMemory")) {
    return 1;
  }

  const VkDescriptorSetLayoutBinding binding{0, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1,
                                             VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  VkDescriptorSetLayoutCreateInfo dsl{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  dsl.bindingCount = 1;
  dsl.pBindings = &binding;
  VkDescriptorSetLayout set_layout = VK_NULL_HANDLE;
  if (!Check(vkCreateDescriptorSetLayout(g.dev, &dsl, nullptr, &set_layout),
             "vkCreateDescriptorSetLayout")) {
    return 1;
  }
  const VkPushConstantRange range{VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof(Push)};
  VkPipelineLayoutCreateInfo plci{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  plci.setLayoutCount = 1;
  plci.pSetLayouts = &set_layout;
  plci.pushConstantRangeCount = 1;
  plci.pPushConstantRanges = &range;
  if (!Check(vkCreatePipelineLayout(g.dev, &plci, nullptr, &g.layout), "vkCreatePipelineLayout"))
    return 1;
  const VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1};
  VkDescriptorPoolCreateInfo dpci{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
  dpci.maxSets = 1;
  dpci.poolSizeCount = 1;
  dpci.pPoolSizes = &size;
  VkDescriptorPool pool = VK_NULL_HANDLE;
  if (!Check(vkCreateDescriptorPool(g.dev, &dpci, nullptr, &pool), "vkCreateDescriptorPool"))
    return 1;
  VkDescriptorSetAllocateInfo dsai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
  dsai.descriptorPool = pool;
  dsai.descriptorSetCount = 1;
  dsai.pSetLayouts = &set_layout;
  if (!Check(vkAllocateDescriptorSets(g.dev, &dsai, &g.set), "vkAllocateDescriptorSets")) return 1;
  const VkDescriptorBufferInfo dbi{buffer, 0, VK_WHOLE_SIZE};
  VkWriteDescriptorSet write{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
  write.dstSet = g.set;
  write.descriptorCount = 1;
  write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
  write.pBufferInfo = &dbi;
  vkUpdateDescriptorSets(g.dev, 1, &write, 0, nullptr);
  VkCommandPoolCreateInfo cpci{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  cpci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  cpci.queueFamilyIndex = family;
  VkCommandPool cpool = VK_NULL_HANDLE;
  if (!Check(vkCreateCommandPool(g.dev, &cpci, nullptr, &cpool), "vkCreateCommandPool")) return 1;
  VkCommandBufferAllocateInfo cbai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  cbai.commandPool = cpool;
  cbai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  cbai.commandBufferCount = 1;
  if (!Check(vkAllocateCommandBuffers(g.dev, &cbai, &g.cb), "vkAllocateCommandBuffers")) return 1;

  std::printf("device: %s (%u workgroups of %u)\n", props.deviceName, groups, kLocal);
  const struct {
    const char* name;
    const uint32_t* code;
    size_t bytes;
    double flops;  // per invocation and step
  } variants[] = {{"GEMM tile", kTile, sizeof(kTile), 8 * 4 * 4 * 2},
                  {"chains", kChains, sizeof(kChains), 8 * 4 * 2}};
  int rc = 0;
  for (const auto& v : variants) {
    VkShaderModuleCreateInfo smci{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    smci.codeSize = v.bytes;
    smci.pCode = v.code;
    VkShaderModule module = VK_NULL_HANDLE;
    if (!Check(vkCreateShaderModule(g.dev, &smci, nullptr, &module), "vkCreateShaderModule"))
      return 1;
    VkComputePipelineCreateInfo cpci2{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    cpci2.stage =
        VkPipelineShaderStageCreateInfo{VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                                        nullptr,
                                        0,
                                        VK_SHADER_STAGE_COMPUTE_BIT,
                                        module,
                                        "main",
                                        nullptr};
    cpci2.layout = g.layout;
    VkPipeline pipe = VK_NULL_HANDLE;
    const bool made =
        Check(vkCreateComputePipelines(g.dev, VK_NULL_HANDLE, 1, &cpci2, nullptr, &pipe),
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
  vkDestroyPipelineLayout(g.dev, g.layout, nullptr);
  vkDestroyDescriptorSetLayout(g.dev, set_layout, nullptr);
  vkDestroyBuffer(g.dev, buffer, nullptr);
  vkFreeMemory(g.dev, memory, nullptr);
  vkDestroyDevice(g.dev, nullptr);
  vkDestroyInstance(instance, nullptr);
  return rc;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc > 1 ? argv[1] : nullptr); }
