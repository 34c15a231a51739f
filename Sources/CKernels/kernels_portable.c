// The kernels for any CPU the compiler targets by default (baseline x86-64: SSE2).
#define SID_ISA portable
#define SID_GEMM_ROWS 1
#include "kernel_set.h"
