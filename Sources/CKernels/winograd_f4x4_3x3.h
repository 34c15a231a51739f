// Winograd F(4x4, 3x3) convolution (3x3, padding 1, bias, LeakyReLU 0.2): G, B^T and A^T of 4x4 output tiles
// from 6x6 input patches, 36 point-wise products per tile. The loops that apply them, and the products on the
// GEMM micro-kernel, are winograd_3x3_tiles.h's. Part of one kernel set (kernel_set.h).

// G, the 6x3 filter transform of F(4x4, 3x3) (Lavin & Gray, 2016).
static const double winograd_g[6][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1},
};

/// B^T d for F(4x4, 3x3), applied to six vectors.
static inline __attribute__((always_inline)) void input_transform6(const v16 d[6], v16 t[6]) {
    t[0] = 4 * d[0] - 5 * d[2] + d[4];
    t[1] = -4 * d[1] - 4 * d[2] + d[3] + d[4];
    t[2] = 4 * d[1] - 4 * d[2] - d[3] + d[4];
    t[3] = -2 * d[1] - d[2] + 2 * d[3] + d[4];
    t[4] = 2 * d[1] - d[2] - 2 * d[3] + d[4];
    t[5] = 4 * d[1] - 5 * d[3] + d[5];
}

/// A^T m for F(4x4, 3x3): six transform-domain vectors to four outputs.
static inline __attribute__((always_inline)) void output_transform6(const v16 m[6], v16 y[4]) {
    y[0] = m[0] + m[1] + m[2] + m[3] + m[4];
    y[1] = m[1] - m[2] + 2 * (m[3] - m[4]);
    y[2] = m[1] + m[2] + 4 * (m[3] + m[4]);
    y[3] = m[1] - m[2] + 8 * (m[3] - m[4]) + m[5];
}

#define SID_WINOGRAD_M 4
#define SID_WINOGRAD_G winograd_g
#define SID_WINOGRAD_INPUT_TRANSFORM input_transform6
#define SID_WINOGRAD_OUTPUT_TRANSFORM output_transform6
#include "winograd_3x3_tiles.h"
