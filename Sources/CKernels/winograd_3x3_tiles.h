// The parts of Winograd F(m x m, 3x3) that depend on m only through sizes: the filter transform G g G^T, the
// input transform B^T d B of each (m + 2) x (m + 2) patch, the output transform A^T m A to its m x m tile (with
// bias and LeakyReLU 0.2), and the (m + 2)^2 point-wise products between them on the GEMM micro-kernel.
// Included once per tile size by winograd_f4x4_3x3.h and winograd_f6x6_3x3.h, which first define
//   SID_WINOGRAD_M                 m, the output tile's side (4 or 6)
//   SID_WINOGRAD_G                 the (m + 2) x 3 matrix G, in double
//   SID_WINOGRAD_INPUT_TRANSFORM   B^T applied to m + 2 vectors (always inline)
//   SID_WINOGRAD_OUTPUT_TRANSFORM  A^T applied to m + 2 vectors, giving m (always inline)
// and get SID_KERNEL(sid_winograd_fMxM_3x3) and SID_KERNEL(sid_winograd_fMxM_3x3_filters). Every size is a
// constant here, so each copy compiles as if written out for its m.

#ifndef SID_WINOGRAD_3X3_SHARED
#define SID_WINOGRAD_3X3_SHARED

/// How many tiles ahead the input transform asks for its pixels (see prefetch_input_tile).
#ifndef SID_PREFETCH_TILES
#define SID_PREFETCH_TILES 2
#endif

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

#endif

#define SID_WG_M SID_WINOGRAD_M
#define SID_WG_A (SID_WINOGRAD_M + 2)
#define SID_WG_POINTS (SID_WG_A * SID_WG_A)
#define SID_WG_NAME_(m, part) sid_winograd_f##m##x##m##_3x3##part
#define SID_WG_NAME(m, part) SID_WG_NAME_(m, part)
#define SID_WG_LOCAL_(name, m) name##_f##m
#define SID_WG_LOCAL(name, m) SID_WG_LOCAL_(name, m)

/// U = G g G^T, in double precision, for input channels [first_in, end_in) of every output channel, into the
/// layout the kernel reads: [points][out panels of 32][in_channels rounded up to 16][32]. Scalar: it runs once
/// per model load, not per image.
static void SID_KERNEL(SID_WG_NAME(SID_WINOGRAD_M, _filters))(const float *weights, int in_channels,
                                                              int out_channels, int first_in, int end_in,
                                                              float *filters) {
    // No fused multiply-adds: every kernel set must give the filters bit for bit what the scalar code did.
#pragma clang fp contract(off)
    const double (*g)[3] = SID_WINOGRAD_G;
    const int cin_p = sid_padded(in_channels), cout_p = sid_panels(out_channels) * 32;
    // Output channels innermost: each of the transformed planes is then written 32 floats at a time.
    for (int c = first_in; c < end_in; c++) {
        for (int o = 0; o < out_channels; o++) {
            const float *f = weights + ((size_t)o * in_channels + c) * 9;
            // G g first, then (G g) G^T: a quarter of the multiplications of G (g G^T) done point by point.
            double rows[SID_WG_A][3];
            for (int i = 0; i < SID_WG_A; i++) {
                for (int b = 0; b < 3; b++) rows[i][b] = g[i][0] * f[b] + g[i][1] * f[3 + b] + g[i][2] * f[6 + b];
            }
            for (int i = 0; i < SID_WG_A; i++) {
                for (int j = 0; j < SID_WG_A; j++) {
                    const double sum = rows[i][0] * g[j][0] + rows[i][1] * g[j][1] + rows[i][2] * g[j][2];
                    const size_t plane = (size_t)(i * SID_WG_A + j) * cin_p * cout_p;
                    filters[plane + ((size_t)(o / 32) * cin_p + c) * 32 + o % 32] = (float)sum;
                }
            }
        }
    }
}

/// Asks for the pixels of tile (tile_row, tile_column) that its left neighbour did not read. The input
/// transform otherwise waits on memory for them: the skip rows were written long before and have left the
/// caches, and the hardware prefetcher restarts at every 4 KB page of the row streams.
static inline __attribute__((always_inline)) void SID_WG_LOCAL(prefetch_input_tile, SID_WINOGRAD_M)(
    const sid_conv3x3 *conv, int tile_row, int tile_column) {
    const int first = tile_column * SID_WG_M + 1;
    const int end = first + SID_WG_M < conv->width ? first + SID_WG_M : conv->width;
    for (int r = 0; r < SID_WG_A && first < end; r++) {
        const int y = tile_row * SID_WG_M + r;
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

/// V = B^T d B for the input patch of one tile, every channel; point p of the tile goes to
/// v[p * point_stride + c].
static void SID_WG_LOCAL(transform_input_tile, SID_WINOGRAD_M)(const sid_conv3x3 *conv, int tile_row,
                                                               int tile_column, float *v, size_t point_stride) {
    const int first = conv->in_channels, cin = first + conv->second_channels, width = conv->width;
    const int x0 = tile_column * SID_WG_M - 1, y0 = tile_row * SID_WG_M;
    const int inside = x0 >= 0 && x0 + SID_WG_A <= width;
    const v16 zero = {0};
    for (int c = 0; c < cin; c += 16) {
        // Most groups lie whole in one input and most tiles away from the sides: those load their patch
        // straight from the row pointers, without a test per pixel.
        const float *const *rows = NULL;
        int offset = 0, stride = 0;
        if (c + 16 <= first) {
            rows = conv->input_rows, offset = c, stride = conv->input_stride;
        } else if (c >= first && c - first + 16 <= conv->second_channels) {
            rows = conv->second_rows, offset = c - first, stride = conv->second_stride;
        }
        v16 t[SID_WG_A][SID_WG_A];
        for (int r = 0; r < SID_WG_A; r++) {
            v16 d[SID_WG_A];
            if (rows && inside) {
                const float *row = rows[y0 + r];
                if (!row) {
                    for (int j = 0; j < SID_WG_A; j++) t[r][j] = zero;
                    continue;
                }
                row += (size_t)x0 * stride + offset;
                for (int s = 0; s < SID_WG_A; s++) d[s] = load(row + (size_t)s * stride);
            } else {
                const int present = conv->input_rows[y0 + r] != NULL;
                for (int s = 0; s < SID_WG_A; s++) {
                    const int x = x0 + s;
                    d[s] = present && x >= 0 && x < width ? load_input(conv, y0 + r, x, c) : zero;
                }
            }
            SID_WINOGRAD_INPUT_TRANSFORM(d, t[r]);
        }
        for (int j = 0; j < SID_WG_A; j++) {
            v16 column[SID_WG_A], out[SID_WG_A];
            for (int r = 0; r < SID_WG_A; r++) column[r] = t[r][j];
            SID_WINOGRAD_INPUT_TRANSFORM(column, out);
            for (int i = 0; i < SID_WG_A; i++) store(v + (size_t)(i * SID_WG_A + j) * point_stride + c, out[i]);
        }
    }
}

/// Y = A^T m A for output channels [first_out, last_out) of one tile (m holds them from its start), plus
/// bias and LeakyReLU, written to the pixels inside the image.
static void SID_WG_LOCAL(transform_output_tile, SID_WINOGRAD_M)(const sid_conv3x3 *conv, int tile_row,
                                                                int tile_column, int first_out, int last_out,
                                                                const float *m, size_t point_stride) {
    const int stride = conv->output_stride, width = conv->width;
    const int x0 = tile_column * SID_WG_M;
    float *const *rows = conv->output_rows + tile_row * SID_WG_M;
    int whole = x0 + SID_WG_M <= width;
    for (int i = 0; i < SID_WG_M; i++) whole = whole && rows[i];
    for (int o = first_out; o < last_out; o += 16) {
        const int n = last_out - o;
        const v16 bias = load_part(conv->bias + o, n);
        v16 t[SID_WG_A][SID_WG_M];
        for (int r = 0; r < SID_WG_A; r++) {
            v16 row[SID_WG_A];
            for (int s = 0; s < SID_WG_A; s++) {
                row[s] = load(m + (size_t)(r * SID_WG_A + s) * point_stride + (o - first_out));
            }
            SID_WINOGRAD_OUTPUT_TRANSFORM(row, t[r]);
        }
        if (whole && n >= 16) {
            // The common tile: every pixel inside the image, sixteen channels, stored without a test.
            for (int j = 0; j < SID_WG_M; j++) {
                v16 column[SID_WG_A], y[SID_WG_M];
                for (int r = 0; r < SID_WG_A; r++) column[r] = t[r][j];
                SID_WINOGRAD_OUTPUT_TRANSFORM(column, y);
                for (int i = 0; i < SID_WG_M; i++) {
                    store(rows[i] + (size_t)(x0 + j) * stride + o, leaky_relu(y[i] + bias));
                }
            }
            continue;
        }
        for (int j = 0; j < SID_WG_M && x0 + j < width; j++) {
            v16 column[SID_WG_A], y[SID_WG_M];
            for (int r = 0; r < SID_WG_A; r++) column[r] = t[r][j];
            SID_WINOGRAD_OUTPUT_TRANSFORM(column, y);
            for (int i = 0; i < SID_WG_M; i++) {
                if (rows[i]) store_part(rows[i] + (size_t)(x0 + j) * stride + o, leaky_relu(y[i] + bias), n);
            }
        }
    }
}

static void SID_KERNEL(SID_WG_NAME(SID_WINOGRAD_M, ))(const sid_conv3x3 *conv, int first_tile, int tile_count,
                                                      int first_out, int out_count, float *scratch) {
    const int cin_p = sid_padded(conv->in_channels + conv->second_channels);
    const int cout_p = sid_panels(conv->out_channels) * 32, count_p = sid_padded(out_count);
    const int tiles_per_row = (conv->width + SID_WG_M - 1) / SID_WG_M;
    // Point-major: the products are [tile_count][cin_p] x [cin_p][count_p] each.
    float *v = scratch;
    float *m = scratch + (size_t)SID_WG_POINTS * tile_count * cin_p;
    const size_t v_stride = (size_t)tile_count * cin_p, m_stride = (size_t)tile_count * count_p;
    const int all_tiles = conv->tile_rows * tiles_per_row;
    for (int t = 0; t < tile_count; t++) {
        const int tile = first_tile + t, ahead = tile + SID_PREFETCH_TILES;
        if (ahead < all_tiles) {
            SID_WG_LOCAL(prefetch_input_tile, SID_WINOGRAD_M)(conv, ahead / tiles_per_row, ahead % tiles_per_row);
        }
        SID_WG_LOCAL(transform_input_tile, SID_WINOGRAD_M)(conv, tile / tiles_per_row, tile % tiles_per_row,
                                                           v + (size_t)t * cin_p, v_stride);
    }
    for (int p = 0; p < SID_WG_POINTS; p++) {
        const float *filters = conv->filters + (size_t)p * cin_p * cout_p + (size_t)first_out * cin_p;
        gemm_panels(tile_count, count_p, cin_p, v + p * v_stride, cin_p, filters, 32, (size_t)cin_p * 32,
                    m + p * m_stride, count_p);
    }
    for (int t = 0; t < tile_count; t++) {
        const int tile = first_tile + t;
        SID_WG_LOCAL(transform_output_tile, SID_WINOGRAD_M)(conv, tile / tiles_per_row, tile % tiles_per_row,
                                                            first_out, first_out + out_count,
                                                            m + (size_t)t * count_p, m_stride);
    }
}

#undef SID_WG_M
#undef SID_WG_A
#undef SID_WG_POINTS
#undef SID_WG_NAME_
#undef SID_WG_NAME
#undef SID_WG_LOCAL_
#undef SID_WG_LOCAL
#undef SID_WINOGRAD_M
#undef SID_WINOGRAD_G
#undef SID_WINOGRAD_INPUT_TRANSFORM
#undef SID_WINOGRAD_OUTPUT_TRANSFORM
