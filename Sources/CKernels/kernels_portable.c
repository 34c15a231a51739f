// The kernels for any CPU the compiler targets by default (baseline x86-64: SSE2).
#define SID_TABLE sid_kernels_portable
#define SID_TABLE_NAME "portable"
#define SID_GEMM_ROWS 1
#include "kernels_body.h"
