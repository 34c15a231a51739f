// The kernels for CPUs with AVX2 and FMA but no AVX-512: each 16-float vector is two ymm registers.
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define SID_ISA avx2
// 3 rows x 2 vectors x 2 halves: 12 of the 16 ymm registers.
#define SID_GEMM_ROWS 3
#include "kernel_set.h"
#pragma clang attribute pop
#endif
