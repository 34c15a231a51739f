// One kernel set: every kernel, written once over 16-float vectors and compiled once per instruction set.
// The including file (kernels_avx512.c, kernels_avx2.c, kernels_portable.c) sets the target and defines
//   SID_ISA        the set's suffix: avx512, avx2 or portable; each kernel is named <kernel>_<SID_ISA>
//   SID_GEMM_ROWS  rows of A the GEMM micro-kernel keeps in registers (at most 16): the 12 of gemm_12x32
// and gets the table `sid_kernels_<SID_ISA>` that dispatch.c chooses from.

#include <string.h>
#include "kernel_table.h"

#define SID_JOIN_(a, b) a##_##b
#define SID_JOIN(a, b) SID_JOIN_(a, b)
/// A kernel's name in this set: SID_KERNEL(sid_max_pool2x2) is sid_max_pool2x2_avx512 in the AVX-512 set.
#define SID_KERNEL(name) SID_JOIN(name, SID_ISA)
#define SID_GEMM_NAME_(rows, isa) sid_gemm_##rows##x32_##isa
#define SID_GEMM_NAME_EXPANDED(rows, isa) SID_GEMM_NAME_(rows, isa)
/// The GEMM micro-kernel's name says its register tile: sid_gemm_12x32_avx512.
#define SID_GEMM_NAME SID_GEMM_NAME_EXPANDED(SID_GEMM_ROWS, SID_ISA)
#define SID_STRING_(x) #x
#define SID_STRING(x) SID_STRING_(x)

#include "vector16.h"
#include "gemm_x32.h"
#include "winograd_f4x4_3x3.h"
#include "winograd_f6x6_3x3.h"
#include "direct_conv3x3.h"
#include "transposed_conv2x2.h"
#include "max_pool2x2.h"

const sid_kernel_table SID_JOIN(sid_kernels, SID_ISA) = {
    .name = SID_STRING(SID_ISA),
    .winograd_f4x4_3x3_filters = SID_KERNEL(sid_winograd_f4x4_3x3_filters),
    .winograd_f4x4_3x3 = SID_KERNEL(sid_winograd_f4x4_3x3),
    .winograd_f6x6_3x3_filters = SID_KERNEL(sid_winograd_f6x6_3x3_filters),
    .winograd_f6x6_3x3 = SID_KERNEL(sid_winograd_f6x6_3x3),
    .direct_conv3x3_filters = SID_KERNEL(sid_direct_conv3x3_filters),
    .direct_conv3x3 = SID_KERNEL(sid_direct_conv3x3),
    .gemm = SID_GEMM_NAME,
    .transposed_conv2x2 = SID_KERNEL(sid_transposed_conv2x2),
    .max_pool2x2 = SID_KERNEL(sid_max_pool2x2),
};
