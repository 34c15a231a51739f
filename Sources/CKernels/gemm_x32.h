// The GEMM micro-kernel: SID_GEMM_ROWS rows of A (pixels) times a 32-column panel of B (output channels),
// all accumulators in registers: gemm_12x32 on AVX-512 (24 of the 32 zmm registers), gemm_3x32 on AVX2
// (12 of the 16 ymm registers, each 16-float vector being two), gemm_1x32 portable. The Winograd products,
// the transposed conv and conv10 all run on it. Part of one kernel set (kernel_set.h).

/// C[rows][vectors * 16] = A[rows][k] B[k][vectors * 16]: the accumulators stay in registers, B's
/// row is loaded once per k and each A value is broadcast against it.
static inline __attribute__((always_inline)) void gemm_block(
    const int rows, const int vectors, int k,
    const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
    v16 acc[SID_GEMM_ROWS][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++) {
        acc[r][0] = (v16){0};
        acc[r][1] = (v16){0};
    }
    for (int i = 0; i < k; i++) {
        const v16 b0 = load(b + (size_t)i * ldb);
        const v16 b1 = vectors > 1 ? load(b + (size_t)i * ldb + 16) : b0;
#pragma clang loop unroll(full)
        for (int r = 0; r < rows; r++) {
            const float x = a[(size_t)r * lda + i];
            acc[r][0] += x * b0;
            if (vectors > 1) acc[r][1] += x * b1;
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++) {
        store(c + (size_t)r * ldc, acc[r][0]);
        if (vectors > 1) store(c + (size_t)r * ldc + 16, acc[r][1]);
    }
}

/// C = A B for `rows` (< 16) rows of one 16- or 32-column panel, in one block of that size, unrolled like
/// the full ones; the cases at or above SID_GEMM_ROWS are dead code.
static inline __attribute__((always_inline)) void gemm_rows(
    const int vectors, int rows, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
#define SID_ROWS(n) \
    case n: if (n < SID_GEMM_ROWS) gemm_block(n < SID_GEMM_ROWS ? n : 1, vectors, k, a, lda, b, ldb, c, ldc); break;
    switch (rows) {
        SID_ROWS(1) SID_ROWS(2) SID_ROWS(3) SID_ROWS(4) SID_ROWS(5) SID_ROWS(6) SID_ROWS(7) SID_ROWS(8)
        SID_ROWS(9) SID_ROWS(10) SID_ROWS(11) SID_ROWS(12) SID_ROWS(13) SID_ROWS(14) SID_ROWS(15)
        default: break;
    }
#undef SID_ROWS
}

/// C = A B for m rows of one 16- or 32-column panel: blocks of SID_GEMM_ROWS, then what is left. No block
/// may be short: a block of r rows has 2r independent accumulators, and below about 6 rows they no longer
/// cover the FMA latency, so each row costs several times a full block's. The rest must not go row by row
/// (at the deep levels, 34 or 67 tiles a unit, it is up to a third of the rows), and a rest of fewer than
/// half a block joins the last full block, the two split into halves (133 rows: 10 x 12, then 7 and 6).
static inline __attribute__((always_inline)) void gemm_panel(
    const int vectors, int m, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
    int blocks = m / SID_GEMM_ROWS, rest = m % SID_GEMM_ROWS;
    if (rest > 0 && rest < SID_GEMM_ROWS / 2 && blocks > 0) {
        blocks--;
        rest += SID_GEMM_ROWS;
    }
    for (int block = 0; block < blocks; block++) {
        const size_t row = (size_t)block * SID_GEMM_ROWS;
        gemm_block(SID_GEMM_ROWS, vectors, k, a + row * lda, lda, b, ldb, c + row * ldc, ldc);
    }
    a += (size_t)blocks * SID_GEMM_ROWS * lda;
    c += (size_t)blocks * SID_GEMM_ROWS * ldc;
    if (rest >= SID_GEMM_ROWS) {
        const int first = rest - rest / 2;
        gemm_rows(vectors, first, k, a, lda, b, ldb, c, ldc);
        a += (size_t)first * lda;
        c += (size_t)first * ldc;
        rest -= first;
    }
    gemm_rows(vectors, rest, k, a, lda, b, ldb, c, ldc);
}

/// C[m][n] = A[m][k] B[k][n], B taken in panels of 32 columns (the last may be 16): panel j starts at
/// b + j * panel_stride and its rows are ldb floats apart, so B can be row-major (panel_stride 32) or stored
/// panel by panel (panel_stride k * 32, ldb 32), which the micro-kernel then reads front to back.
static void gemm_panels(int m, int n, int k, const float *a, int lda, const float *b, int ldb, size_t panel_stride,
                 float *c, int ldc) {
    for (int column = 0; column < n; column += 32) {
        const float *panel = b + (size_t)(column / 32) * panel_stride;
        if (n - column >= 32) gemm_panel(2, m, k, a, lda, panel, ldb, c + column, ldc);
        else gemm_panel(1, m, k, a, lda, panel, ldb, c + column, ldc);
    }
}

/// C[m][n] = A[m][k] B[k][n] with B row-major: the entry point of the table.
static void SID_GEMM_NAME(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
    gemm_panels(m, n, k, a, lda, b, ldb, 32, c, ldc);
}

