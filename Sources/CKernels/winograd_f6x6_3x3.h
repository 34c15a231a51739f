// Winograd F(6x6, 3x3) convolution (3x3, padding 1, bias, LeakyReLU 0.2): the filter transform G g G^T (at
// load), the input transform B^T d B of each 8x8 patch and the output transform A^T m A to its 6x6 tile, with
// the 64 point-wise products between them on the same GEMM micro-kernel as F(4x4). 64 products make 36
// outputs (1.78 per output, against 2.25 for F(4x4)); the price is a larger rounding error, since the
// transforms span values from 1/32 to 32, so the network uses it only on the layers where it measured
// fp32-class (UNet.swift). Part of one kernel set (kernel_set.h), after winograd_f4x4_3x3.h, whose
// load_input it shares.

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

/// U = G g G^T, in double precision, for input channels [first_in, end_in) of every output channel, into
/// [64][out panels of 32][in_channels rounded up to 16][32], F(4x4)'s layout with 64 points. Scalar: it runs
/// once per model load, not per image.
static void SID_KERNEL(sid_winograd_f6x6_3x3_filters)(const float *weights, int in_channels, int out_channels,
                                                      int first_in, int end_in, float *filters) {
    // No fused multiply-adds: every kernel set must give the filters bit for bit what the scalar code did.
#pragma clang fp contract(off)
    const double (*g)[3] = winograd6_g;
    const int cin_p = sid_padded(in_channels), cout_p = sid_panels(out_channels) * 32;
    for (int c = first_in; c < end_in; c++) {
        for (int o = 0; o < out_channels; o++) {
            const float *f = weights + ((size_t)o * in_channels + c) * 9;
            double rows[8][3];
            for (int i = 0; i < 8; i++) {
                for (int b = 0; b < 3; b++) rows[i][b] = g[i][0] * f[b] + g[i][1] * f[3 + b] + g[i][2] * f[6 + b];
            }
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    const double sum = rows[i][0] * g[j][0] + rows[i][1] * g[j][1] + rows[i][2] * g[j][2];
                    const size_t plane = (size_t)(i * 8 + j) * cin_p * cout_p;
                    filters[plane + ((size_t)(o / 32) * cin_p + c) * 32 + o % 32] = (float)sum;
                }
            }
        }
    }
}

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

/// Asks for the pixels of tile (tile_row, tile_column) that its left neighbour did not read, for the reason
/// prefetch_input_tile gives for F(4x4).
static inline __attribute__((always_inline)) void prefetch_input_tile6(const sid_conv3x3 *conv, int tile_row,
                                                                       int tile_column) {
    const int first = tile_column * 6 + 1, end = first + 6 < conv->width ? first + 6 : conv->width;
    for (int r = 0; r < 8 && first < end; r++) {
        const int y = tile_row * 6 + r;
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

/// V = B^T d B for the 8x8 input patch of one tile, every channel; point p of the tile goes to
/// v[p * point_stride + c].
static void transform_input_tile6(const sid_conv3x3 *conv, int tile_row, int tile_column, float *v,
                                  size_t point_stride) {
    const int first = conv->in_channels, cin = first + conv->second_channels, width = conv->width;
    const int x0 = tile_column * 6 - 1, y0 = tile_row * 6;
    const int inside = x0 >= 0 && x0 + 8 <= width;
    const v16 zero = {0};
    for (int c = 0; c < cin; c += 16) {
        // As in F(4x4): whole groups of tiles away from the sides load straight from the row pointers.
        const float *const *rows = NULL;
        int offset = 0, stride = 0;
        if (c + 16 <= first) {
            rows = conv->input_rows, offset = c, stride = conv->input_stride;
        } else if (c >= first && c - first + 16 <= conv->second_channels) {
            rows = conv->second_rows, offset = c - first, stride = conv->second_stride;
        }
        v16 t[8][8];
        for (int r = 0; r < 8; r++) {
            v16 d[8];
            if (rows && inside) {
                const float *row = rows[y0 + r];
                if (!row) {
                    for (int j = 0; j < 8; j++) t[r][j] = zero;
                    continue;
                }
                row += (size_t)x0 * stride + offset;
                for (int s = 0; s < 8; s++) d[s] = load(row + (size_t)s * stride);
            } else {
                const int present = conv->input_rows[y0 + r] != NULL;
                for (int s = 0; s < 8; s++) {
                    const int x = x0 + s;
                    d[s] = present && x >= 0 && x < width ? load_input(conv, y0 + r, x, c) : zero;
                }
            }
            input_transform8(d, t[r]);
        }
        for (int j = 0; j < 8; j++) {
            v16 column[8], out[8];
            for (int r = 0; r < 8; r++) column[r] = t[r][j];
            input_transform8(column, out);
            for (int i = 0; i < 8; i++) store(v + (size_t)(i * 8 + j) * point_stride + c, out[i]);
        }
    }
}

/// Y = A^T m A for output channels [first_out, last_out) of one tile (m holds them from its start), plus
/// bias and LeakyReLU, written to the pixels inside the image.
static void transform_output_tile6(const sid_conv3x3 *conv, int tile_row, int tile_column, int first_out,
                                   int last_out, const float *m, size_t point_stride) {
    const int stride = conv->output_stride, width = conv->width;
    const int x0 = tile_column * 6;
    float *const *rows = conv->output_rows + tile_row * 6;
    int whole = x0 + 6 <= width;
    for (int i = 0; i < 6; i++) whole = whole && rows[i];
    for (int o = first_out; o < last_out; o += 16) {
        const int n = last_out - o;
        const v16 bias = load_part(conv->bias + o, n);
        v16 t[8][6];
        for (int r = 0; r < 8; r++) {
            v16 row[8];
            for (int s = 0; s < 8; s++) row[s] = load(m + (size_t)(r * 8 + s) * point_stride + (o - first_out));
            output_transform8(row, t[r]);
        }
        if (whole && n >= 16) {
            for (int j = 0; j < 6; j++) {
                v16 column[8], y[6];
                for (int r = 0; r < 8; r++) column[r] = t[r][j];
                output_transform8(column, y);
                for (int i = 0; i < 6; i++) store(rows[i] + (size_t)(x0 + j) * stride + o, leaky_relu(y[i] + bias));
            }
            continue;
        }
        for (int j = 0; j < 6 && x0 + j < width; j++) {
            v16 column[8], y[6];
            for (int r = 0; r < 8; r++) column[r] = t[r][j];
            output_transform8(column, y);
            for (int i = 0; i < 6; i++) {
                if (rows[i]) store_part(rows[i] + (size_t)(x0 + j) * stride + o, leaky_relu(y[i] + bias), n);
            }
        }
    }
}

static void SID_KERNEL(sid_winograd_f6x6_3x3)(const sid_conv3x3 *conv, int first_tile, int tile_count,
                                              int first_out, int out_count, float *scratch) {
    const int cin_p = sid_padded(conv->in_channels + conv->second_channels);
    const int cout_p = sid_panels(conv->out_channels) * 32, count_p = sid_padded(out_count);
    const int tiles_per_row = (conv->width + 5) / 6;
    // Point-major: the 64 products are [tile_count][cin_p] x [cin_p][count_p] each.
    float *v = scratch;
    float *m = scratch + (size_t)64 * tile_count * cin_p;
    const size_t v_stride = (size_t)tile_count * cin_p, m_stride = (size_t)tile_count * count_p;
    const int all_tiles = conv->tile_rows * tiles_per_row;
    for (int t = 0; t < tile_count; t++) {
        const int tile = first_tile + t, ahead = tile + SID_PREFETCH_TILES;
        if (ahead < all_tiles) prefetch_input_tile6(conv, ahead / tiles_per_row, ahead % tiles_per_row);
        transform_input_tile6(conv, tile / tiles_per_row, tile % tiles_per_row, v + (size_t)t * cin_p, v_stride);
    }
    for (int p = 0; p < 64; p++) {
        const float *filters = conv->filters + (size_t)p * cin_p * cout_p + (size_t)first_out * cin_p;
        gemm_panels(tile_count, count_p, cin_p, v + p * v_stride, cin_p, filters, 32, (size_t)cin_p * 32,
                    m + p * m_stride, count_p);
    }
    for (int t = 0; t < tile_count; t++) {
        const int tile = first_tile + t;
        transform_output_tile6(conv, tile / tiles_per_row, tile % tiles_per_row, first_out, first_out + out_count,
                               m + (size_t)t * count_p, m_stride);
    }
}
