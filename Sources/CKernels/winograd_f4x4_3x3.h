// Winograd F(4x4, 3x3) convolution (3x3, padding 1, bias, LeakyReLU 0.2): the filter transform G g G^T (at
// load), the input transform B^T d B and the output transform A^T m A of each 4x4 tile, and the 36 point-wise
// products between them on the GEMM micro-kernel. Part of one kernel set (kernel_set.h).

/// How many tiles ahead the input transform asks for its pixels (see prefetch_input_tile).
#ifndef SID_PREFETCH_TILES
#define SID_PREFETCH_TILES 2
#endif

// G, the 6x3 filter transform of F(4x4, 3x3) (Lavin & Gray, 2016).
static const double winograd_g[6][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1},
};

/// U = G g G^T, in double precision, for input channels [first_in, end_in) of every output channel, into the
/// layout the kernel reads: [36][out panels of 32][in_channels rounded up to 16][32]. Scalar: it runs once per
/// model load, not per image.
static void SID_KERNEL(sid_winograd_f4x4_3x3_filters)(const float *weights, int in_channels, int out_channels,
                                                      int first_in, int end_in, float *filters) {
    // No fused multiply-adds: every kernel set must give the filters bit for bit what the scalar code did.
#pragma clang fp contract(off)
    const double (*g)[3] = winograd_g;
    const int cin_p = sid_padded(in_channels), cout_p = sid_panels(out_channels) * 32;
    // Output channels innermost: each of the 36 transformed planes is then written 32 floats at a time.
    for (int c = first_in; c < end_in; c++) {
        for (int o = 0; o < out_channels; o++) {
            const float *f = weights + ((size_t)o * in_channels + c) * 9;
            // G g first, then (G g) G^T: 162 multiplications instead of 648.
            double rows[6][3];
            for (int i = 0; i < 6; i++) {
                for (int b = 0; b < 3; b++) rows[i][b] = g[i][0] * f[b] + g[i][1] * f[3 + b] + g[i][2] * f[6 + b];
            }
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 6; j++) {
                    const double sum = rows[i][0] * g[j][0] + rows[i][1] * g[j][1] + rows[i][2] * g[j][2];
                    const size_t plane = (size_t)(i * 6 + j) * cin_p * cout_p;
                    filters[plane + ((size_t)(o / 32) * cin_p + c) * 32 + o % 32] = (float)sum;
                }
            }
        }
    }
}

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

static void SID_KERNEL(sid_winograd_f4x4_3x3)(const sid_conv3x3 *conv, int first_tile, int tile_count, int first_out, int out_count,
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
        gemm_panels(tile_count, count_p, cin_p, v + p * v_stride, cin_p, filters, 32, (size_t)cin_p * 32,
             m + p * m_stride, count_p);
    }
    for (int t = 0; t < tile_count; t++) {
        const int tile = first_tile + t;
        transform_output_tile(conv, tile / tiles_per_row, tile % tiles_per_row, first_out, first_out + out_count,
                              m + (size_t)t * count_p, m_stride);
    }
}

