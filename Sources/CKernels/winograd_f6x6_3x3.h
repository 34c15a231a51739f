// Winograd F(6x6, 3x3) convolution (3x3, padding 1, bias, LeakyReLU 0.2): G, B^T and A^T of 6x6 output tiles
// from 8x8 input patches; the loops that apply them and the 64 point-wise products on the GEMM micro-kernel
// are winograd_3x3_tiles.h's, as for F(4x4). 64 products make 36 outputs (1.78 per output, against 2.25 for
// F(4x4)); the price is a larger rounding error, since the transforms span values from 1/32 to 32, so the
// network uses it only on the layers where it measured fp32-class (WinogradPlan.swift). Part of one kernel
// set (kernel_set.h).

// G, the 8x3 filter transform of F(6x6, 3x3) at the points 0, 1, -1, 2, -2, 1/2, -1/2 and infinity (Lavin &
// Gray, 2016): the smallest-magnitude rational points, which keep the transforms' condition number lowest.
static const double winograd6_g[8][3] = {
    {1, 0, 0},
    {-2.0 / 9, -2.0 / 9, -2.0 / 9},
    {-2.0 / 9, 2.0 / 9, -2.0 / 9},
    {1.0 / 90, 1.0 / 45, 2.0 / 45},
    {1.0 / 90, -1.0 / 45, 2.0 / 45},
    {32.0 / 45, 16.0 / 45, 8.0 / 45},
    {32.0 / 45, -16.0 / 45, 8.0 / 45},
    {0, 0, 1},
};

/// B^T d for F(6x6, 3x3), applied to eight vectors. B^T's rows pair up as (x + y, x - y) around the
/// symmetric points ±1, ±2, ±1/2, so each pair is one sum and one difference of shared even and odd halves.
static inline __attribute__((always_inline)) void input_transform8(const v16 d[8], v16 t[8]) {
    t[0] = d[0] - d[6] + 5.25f * (d[4] - d[2]);
    t[7] = d[7] - d[1] + 5.25f * (d[3] - d[5]);
    const v16 even1 = d[2] + d[6] - 4.25f * d[4], odd1 = d[1] + d[5] - 4.25f * d[3];
    t[1] = even1 + odd1;
    t[2] = even1 - odd1;
    const v16 even2 = d[6] + 0.25f * d[2] - 1.25f * d[4], odd2 = 0.5f * d[1] - 2.5f * d[3] + 2 * d[5];
    t[3] = even2 + odd2;
    t[4] = even2 - odd2;
    const v16 even3 = d[6] + 4 * d[2] - 5 * d[4], odd3 = 2 * d[1] - 2.5f * d[3] + 0.5f * d[5];
    t[5] = even3 + odd3;
    t[6] = even3 - odd3;
}

/// A^T m for F(6x6, 3x3): eight transform-domain vectors to six outputs, sharing the sums and differences of
/// the symmetric points' pairs.
static inline __attribute__((always_inline)) void output_transform8(const v16 m[8], v16 y[6]) {
    const v16 sum1 = m[1] + m[2], diff1 = m[1] - m[2];
    const v16 sum2 = m[3] + m[4], diff2 = m[3] - m[4];
    const v16 sum3 = m[5] + m[6], diff3 = m[5] - m[6];
    y[0] = m[0] + sum1 + sum2 + sum3;
    y[1] = diff1 + 2 * diff2 + 0.5f * diff3;
    y[2] = sum1 + 4 * sum2 + 0.25f * sum3;
    y[3] = diff1 + 8 * diff2 + 0.125f * diff3;
    y[4] = sum1 + 16 * sum2 + 0.0625f * sum3;
    y[5] = diff1 + 32 * diff2 + 0.03125f * diff3 + m[7];
}

#define SID_WINOGRAD_M 6
#define SID_WINOGRAD_G winograd6_g
#define SID_WINOGRAD_INPUT_TRANSFORM input_transform8
#define SID_WINOGRAD_OUTPUT_TRANSFORM output_transform8
#include "winograd_3x3_tiles.h"
