// The kernels, written once over 16-float vectors (clang vector extensions) and compiled once per
// instruction set: the including file defines SID_TABLE, SID_TABLE_NAME and SID_GEMM_ROWS (how many
// rows of A the GEMM micro-kernel keeps in registers, at most 16) and sets the target.
//
// Activations are rows of pixels with contiguous channels, so every transform below works on 16
// channels at once with plain vertical vector arithmetic; channel counts that are not a multiple of 16
// (the input's 4 or 9, the narrow test networks) go through zero-filled partial vectors.

#include <string.h>
#include "kernel_table.h"

// Vectors only pass between static always-inlined functions of one file: no ABI is at stake.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float v16 __attribute__((vector_size(64)));

/// How many tiles ahead the input transform asks for its pixels (see prefetch_input_tile).
#ifndef SID_PREFETCH_TILES
#define SID_PREFETCH_TILES 2
#endif

static inline __attribute__((always_inline)) v16 load(const float *p) {
    v16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline __attribute__((always_inline)) void store(float *p, v16 v) { memcpy(p, &v, sizeof v); }

/// The first n (<= 16) floats at p, zero beyond.
static inline __attribute__((always_inline)) v16 load_part(const float *p, int n) {
    if (n >= 16) return load(p);
    float lanes[16] = {0};
    for (int i = 0; i < n; i++) lanes[i] = p[i];
    return load(lanes);
}

static inline __attribute__((always_inline)) void store_part(float *p, v16 v, int n) {
    if (n >= 16) {
        store(p, v);
        return;
    }
    float lanes[16];
    store(lanes, v);
    for (int i = 0; i < n; i++) p[i] = lanes[i];
}

static inline __attribute__((always_inline)) v16 leaky_relu(v16 v) { return __builtin_elementwise_max(v, v * 0.2f); }

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

/// Channels [c, c + 16) of pixel x of row y of the (possibly two-part) input, zero beyond the last one.
static inline __attribute__((always_inline)) v16 load_input(const sid_conv3x3 *conv, int y, int x, int c) {
    const int first = conv->in_channels, total = first + conv->second_channels;
    const float *row = conv->input_rows[y];
    if (c + 16 <= first) return load(row + (size_t)x * conv->input_stride + c);
    const float *second = conv->second_channels ? conv->second_rows[y] + (size_t)x * conv->second_stride : NULL;
    if (c >= first && c - first + 16 <= conv->second_channels) return load(second + (c - first));
    // A group that straddles the two inputs or ends past the last channel (narrow networks only).
    float lanes[16] = {0};
    for (int i = 0; i < 16 && c + i < total; i++) {
        const int channel = c + i;
        lanes[i] = channel < first ? row[(size_t)x * conv->input_stride + channel] : second[channel - first];
    }
    return load(lanes);
}

/// Asks for the pixels of tile (tile_row, tile_column) that its left neighbour did not read. The input
/// transform otherwise waits on memory for them: the skip rows were written long before and have left the
/// caches, and the hardware prefetcher restarts at every 4 KB page of the six row streams.
static inline __attribute__((always_inline)) void prefetch_input_tile(const sid_conv3x3 *conv, int tile_row,
                                                                      int tile_column) {
    const int first = tile_column * 4 + 1, end = first + 4 < conv->width ? first + 4 : conv->width;
    for (int r = 0; r < 6 && first < end; r++) {
        const int y = tile_row * 4 + r;
        if (!conv->input_rows[y]) continue;
        const char *line = (const char *)(conv->input_rows[y] + (size_t)first * conv->input_stride);
        const char *stop = (const char *)(conv->input_rows[y] + (size_t)end * conv->input_stride);
        for (; line < stop; line += 64) __builtin_prefetch(line);
        if (!conv->second_channels) continue;
        line = (const char *)(conv->second_rows[y] + (size_t)first * conv->second_stride);
        stop = (const char *)(conv->second_rows[y] + (size_t)end * conv->second_stride);
        for (; line < stop; line += 64) __builtin_prefetch(line);
    }
}

/// V = B^T d B for the 6x6 input patch of one tile, every channel; point p of the tile goes to
/// v[p * point_stride + c].
static void transform_input_tile(const sid_conv3x3 *conv, int tile_row, int tile_column,
                                 float *v, size_t point_stride) {
    const int first = conv->in_channels, cin = first + conv->second_channels, width = conv->width;
    const int x0 = tile_column * 4 - 1, y0 = tile_row * 4;
    const int inside = x0 >= 0 && x0 + 6 <= width;
    const v16 zero = {0};
    for (int c = 0; c < cin; c += 16) {
        // Most groups lie whole in one input and most tiles away from the sides: those load their 6x6
        // patch straight from six row pointers, without a test per pixel.
        const float *const *rows = NULL;
        int offset = 0, stride = 0;
        if (c + 16 <= first) {
            rows = conv->input_rows, offset = c, stride = conv->input_stride;
        } else if (c >= first && c - first + 16 <= conv->second_channels) {
            rows = conv->second_rows, offset = c - first, stride = conv->second_stride;
        }
        v16 t[6][6];
        for (int r = 0; r < 6; r++) {
            v16 d[6];
            if (rows && inside) {
                const float *row = rows[y0 + r];
                if (!row) {
                    for (int j = 0; j < 6; j++) t[r][j] = zero;
                    continue;
                }
                row += (size_t)x0 * stride + offset;
                for (int s = 0; s < 6; s++) d[s] = load(row + (size_t)s * stride);
            } else {
                const int present = conv->input_rows[y0 + r] != NULL;
                for (int s = 0; s < 6; s++) {
                    const int x = x0 + s;
                    d[s] = present && x >= 0 && x < width ? load_input(conv, y0 + r, x, c) : zero;
                }
            }
            input_transform6(d, t[r]);
        }
        for (int j = 0; j < 6; j++) {
            v16 column[6], out[6];
            for (int r = 0; r < 6; r++) column[r] = t[r][j];
            input_transform6(column, out);
            for (int i = 0; i < 6; i++) store(v + (size_t)(i * 6 + j) * point_stride + c, out[i]);
        }
    }
}

/// Y = A^T m A for output channels [first_out, last_out) of one tile (m holds them from its start), plus
/// bias and LeakyReLU, written to the pixels inside the image.
static void transform_output_tile(const sid_conv3x3 *conv, int tile_row, int tile_column, int first_out,
                                  int last_out, const float *m, size_t point_stride) {
    const int stride = conv->output_stride, width = conv->width;
    const int x0 = tile_column * 4;
    float *const *rows = conv->output_rows + tile_row * 4;
    const int whole = x0 + 4 <= width && rows[0] && rows[1] && rows[2] && rows[3];
    for (int o = first_out; o < last_out; o += 16) {
        const int n = last_out - o;
        const v16 bias = load_part(conv->bias + o, n);
        v16 t[6][4];
        for (int r = 0; r < 6; r++) {
            v16 row[6];
            for (int s = 0; s < 6; s++) row[s] = load(m + (size_t)(r * 6 + s) * point_stride + (o - first_out));
            output_transform6(row, t[r]);
        }
        if (whole && n >= 16) {
            // The common tile: four pixels of four rows, sixteen channels, stored without a test.
            for (int j = 0; j < 4; j++) {
                v16 column[6], y[4];
                for (int r = 0; r < 6; r++) column[r] = t[r][j];
                output_transform6(column, y);
                for (int i = 0; i < 4; i++) store(rows[i] + (size_t)(x0 + j) * stride + o, leaky_relu(y[i] + bias));
            }
            continue;
        }
        for (int j = 0; j < 4 && x0 + j < width; j++) {
            v16 column[6], y[4];
            for (int r = 0; r < 6; r++) column[r] = t[r][j];
            output_transform6(column, y);
            for (int i = 0; i < 4; i++) {
                if (rows[i]) store_part(rows[i] + (size_t)(x0 + j) * stride + o, leaky_relu(y[i] + bias), n);
            }
        }
    }
}

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
static void gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, size_t panel_stride,
                 float *c, int ldc) {
    for (int column = 0; column < n; column += 32) {
        const float *panel = b + (size_t)(column / 32) * panel_stride;
        if (n - column >= 32) gemm_panel(2, m, k, a, lda, panel, ldb, c + column, ldc);
        else gemm_panel(1, m, k, a, lda, panel, ldb, c + column, ldc);
    }
}

static void row_major_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
    gemm(m, n, k, a, lda, b, ldb, 32, c, ldc);
}

static void winograd_conv3x3(const sid_conv3x3 *conv, int first_tile, int tile_count, int first_out, int out_count,
                             float *scratch) {
    const int cin_p = sid_padded(conv->in_channels + conv->second_channels);
    const int cout_p = sid_panels(conv->out_channels) * 32, count_p = sid_padded(out_count);
    const int tiles_per_row = (conv->width + 3) / 4;
    // Point-major: the 36 products are [tile_count][cin_p] x [cin_p][count_p] each.
    float *v = scratch;
    float *m = scratch + (size_t)36 * tile_count * cin_p;
    const size_t v_stride = (size_t)tile_count * cin_p, m_stride = (size_t)tile_count * count_p;
    const int all_tiles = conv->tile_rows * tiles_per_row;
    for (int t = 0; t < tile_count; t++) {
        const int tile = first_tile + t, ahead = tile + SID_PREFETCH_TILES;
        if (ahead < all_tiles) prefetch_input_tile(conv, ahead / tiles_per_row, ahead % tiles_per_row);
        transform_input_tile(conv, tile / tiles_per_row, tile % tiles_per_row, v + (size_t)t * cin_p, v_stride);
    }
    for (int p = 0; p < 36; p++) {
        const float *filters = conv->filters + (size_t)p * cin_p * cout_p + (size_t)first_out * cin_p;
        gemm(tile_count, count_p, cin_p, v + p * v_stride, cin_p, filters, 32, (size_t)cin_p * 32,
             m + p * m_stride, count_p);
    }
    for (int t = 0; t < tile_count; t++) {
        const int tile = first_tile + t;
        transform_output_tile(conv, tile / tiles_per_row, tile % tiles_per_row, first_out, first_out + out_count,
                              m + (size_t)t * count_p, m_stride);
    }
}

/// `rows` consecutive output pixels of a direct 3x3 convolution, for output channels [0, vectors * 16) of
/// `weights`: in[dy] is the left neighbour of the first pixel in input row dy (NULL: a padding row), whose
/// taps are pixels `stride` floats apart. The accumulators start at the bias and end in LeakyReLU, so each
/// output is written once; `valid` is how many of the 32 channels exist.
static inline __attribute__((always_inline)) void direct_block(
    const int rows, const int vectors, const float *const in[3], int stride, int cin,
    const float *weights, int ldw, const float *bias, float *out, int out_stride, int valid) {
    const v16 bias0 = load_part(bias, valid), bias1 = vectors > 1 ? load_part(bias + 16, valid - 16) : bias0;
    v16 acc[SID_GEMM_ROWS][2];
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++) {
        acc[r][0] = bias0;
        acc[r][1] = bias1;
    }
    for (int dy = 0; dy < 3; dy++) {
        if (!in[dy]) continue;
        for (int dx = 0; dx < 3; dx++) {
            const float *a = in[dy] + (size_t)dx * stride;
            const float *w = weights + (size_t)(dy * 3 + dx) * cin * ldw;
            for (int c = 0; c < cin; c++) {
                const v16 b0 = load(w + (size_t)c * ldw);
                const v16 b1 = vectors > 1 ? load(w + (size_t)c * ldw + 16) : b0;
#pragma clang loop unroll(full)
                for (int r = 0; r < rows; r++) {
                    const float x = a[(size_t)r * stride + c];
                    acc[r][0] += x * b0;
                    if (vectors > 1) acc[r][1] += x * b1;
                }
            }
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++) {
        store_part(out + (size_t)r * out_stride, leaky_relu(acc[r][0]), valid);
        if (vectors > 1) store_part(out + (size_t)r * out_stride + 16, leaky_relu(acc[r][1]), valid - 16);
    }
}

/// Output channels [o, o + 32) (or what is left of them) of pixels [x0, x0 + count) of one row. Every
/// pixel but the first and last of the image has both neighbours, so the taps are read where they lie;
/// those two go through a zero-padded copy of their 3x3 neighbourhood.
static void direct_row(const sid_conv3x3 *conv, const float *const in[3], int o, int x0, int count, float *out) {
    const int cin = conv->in_channels, stride = conv->input_stride, width = conv->width;
    const int cout_p = sid_padded(conv->out_channels), valid = conv->out_channels - o;
    const float *weights = conv->filters + o, *bias = conv->bias + o;
    const int wide = valid > 16;
#define SID_DIRECT(rows, vectors, taps, tap_stride, x)                                                       \
    direct_block(rows, vectors, taps, tap_stride, cin, weights, cout_p, bias,                                \
                 out + (size_t)(x) * conv->output_stride + o, conv->output_stride, valid)
    for (int x = x0; x < x0 + count;) {
        if (x == 0 || x == width - 1) {
            // The image's edge: copy the neighbourhood with zeros outside, tap stride cin.
            float patch[3][3 * 16] = {{0}};
            const float *taps[3];
            for (int dy = 0; dy < 3; dy++) {
                taps[dy] = in[dy] ? patch[dy] : NULL;
                for (int dx = 0; in[dy] && dx < 3; dx++) {
                    const int source = x - 1 + dx;
                    if (source < 0 || source >= width) continue;
                    memcpy(patch[dy] + dx * cin, in[dy] + (size_t)source * stride, (size_t)cin * sizeof(float));
                }
            }
            if (wide) SID_DIRECT(1, 2, taps, cin, x);
            else SID_DIRECT(1, 1, taps, cin, x);
            x++;
            continue;
        }
        // Interior pixels: whole blocks, then the rest in one block of its own size (see gemm_panel).
        const int interior_end = x0 + count < width - 1 ? x0 + count : width - 1;
        const int rows = interior_end - x < SID_GEMM_ROWS ? interior_end - x : SID_GEMM_ROWS;
        const float *taps[3];
        for (int dy = 0; dy < 3; dy++) taps[dy] = in[dy] ? in[dy] + (size_t)(x - 1) * stride : NULL;
#define SID_DIRECT_ROWS(n) \
        case n: if (n <= SID_GEMM_ROWS) { if (wide) SID_DIRECT(n <= SID_GEMM_ROWS ? n : 1, 2, taps, stride, x); \
                                         else SID_DIRECT(n <= SID_GEMM_ROWS ? n : 1, 1, taps, stride, x); } break;
        switch (rows) {
            SID_DIRECT_ROWS(1) SID_DIRECT_ROWS(2) SID_DIRECT_ROWS(3) SID_DIRECT_ROWS(4) SID_DIRECT_ROWS(5)
            SID_DIRECT_ROWS(6) SID_DIRECT_ROWS(7) SID_DIRECT_ROWS(8) SID_DIRECT_ROWS(9) SID_DIRECT_ROWS(10)
            SID_DIRECT_ROWS(11) SID_DIRECT_ROWS(12) SID_DIRECT_ROWS(13) SID_DIRECT_ROWS(14) SID_DIRECT_ROWS(15)
            SID_DIRECT_ROWS(16)
            default: break;
        }
#undef SID_DIRECT_ROWS
        x += rows;
    }
#undef SID_DIRECT
}

static void direct_conv3x3(const sid_conv3x3 *conv, int row, int x0, int count) {
    float *out = conv->output_rows[row];
    if (!out) return;
    const float *const in[3] = {conv->input_rows[row], conv->input_rows[row + 1], conv->input_rows[row + 2]};
    for (int o = 0; o < conv->out_channels; o += 32) direct_row(conv, in, o, x0, count, out);
}

static void transposed_conv2x2(const float *input, int input_stride, int in_channels, int x0, int count,
                               const float *weights, const float *bias, int out_channels,
                               float *top, float *bottom, int output_stride, int out_width, float *scratch) {
    const int cout_p = sid_padded(out_channels);
    row_major_gemm(count, 4 * cout_p, in_channels, input + (size_t)x0 * input_stride, input_stride,
                   weights, 4 * cout_p, scratch, 4 * cout_p);
    for (int i = 0; i < count; i++) {
        const float *products = scratch + (size_t)i * 4 * cout_p;
        for (int sub = 0; sub < 4; sub++) {
            float *row = sub < 2 ? top : bottom;
            const int x = 2 * (x0 + i) + (sub & 1);
            if (!row || x >= out_width) continue;
            float *target = row + (size_t)x * output_stride;
            const float *source = products + sub * cout_p;
            for (int o = 0; o < out_channels; o++) target[o] = source[o] + bias[o];
        }
    }
}

static void max_pool(const float *top, const float *bottom, int input_stride, int in_width, int channels,
                     float *output, int output_stride, int x0, int count) {
    for (int x = x0; x < x0 + count; x++) {
        const int left = 2 * x, right = 2 * x + 1 < in_width ? 2 * x + 1 : 2 * x;
        const float *a = top + (size_t)left * input_stride, *b = top + (size_t)right * input_stride;
        const float *c = bottom + (size_t)left * input_stride, *d = bottom + (size_t)right * input_stride;
        float *target = output + (size_t)x * output_stride;
        for (int i = 0; i < channels; i++) {
            const float ab = a[i] > b[i] ? a[i] : b[i], cd = c[i] > d[i] ? c[i] : d[i];
            target[i] = ab > cd ? ab : cd;
        }
    }
}

const sid_kernel_table SID_TABLE = {
    .name = SID_TABLE_NAME,
    .winograd_conv3x3 = winograd_conv3x3,
    .direct_conv3x3 = direct_conv3x3,
    .gemm = row_major_gemm,
    .transposed_conv2x2 = transposed_conv2x2,
    .max_pool = max_pool,
};
