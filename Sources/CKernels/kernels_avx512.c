// The kernels for CPUs with AVX-512: 16-float vectors are single zmm registers.
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,fma"))), apply_to = function)
#define SID_ISA avx512
// 12 rows x 2 vectors of accumulators: 24 of the 32 zmm registers.
#define SID_GEMM_ROWS 12
#include "kernel_set.h"
#pragma clang attribute pop
#endif
