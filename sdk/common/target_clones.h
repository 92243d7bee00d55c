// Functions compiled once per instruction set and picked when the library
// loads (GCC/clang target_clones, through an ifunc resolver). Under
// ThreadSanitizer the baseline alone: its runtime is not initialized yet when
// the dynamic loader runs ifunc resolvers, and an instrumented resolver
// crashes the process before main. On other architectures the baseline
// alone as well (ARM's NEON is in every aarch64 baseline).
#ifndef FP8SDK_SDK_COMMON_TARGET_CLONES_H_
#define FP8SDK_SDK_COMMON_TARGET_CLONES_H_

#if defined(__SANITIZE_THREAD__) || !defined(__x86_64__)
#define FP8SDK_CLONES_AVX512_AVX2
#else
#define FP8SDK_CLONES_AVX512_AVX2 __attribute__((target_clones("avx512f", "avx2", "default")))
#endif

#endif  // FP8SDK_SDK_COMMON_TARGET_CLONES_H_
