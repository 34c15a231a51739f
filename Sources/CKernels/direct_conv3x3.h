// Direct 3x3 convolution (padding 1, bias, LeakyReLU 0.2) for inputs of at most 16 channels (conv1_1 on the
// packed 4 or 9 planes), with the GEMM micro-kernel's register tile: SID_GEMM_ROWS pixels x 32 channels.
// Part of one kernel set (kernel_set.h).

/// The filters as the direct convolution reads them: [9 taps][in_channels][out_channels rounded up to 16].
static void SID_KERNEL(sid_direct_conv3x3_filters)(const float *weights, int in_channels, int out_channels,
                                                   float *filters) {
    const int cout_p = sid_padded(out_channels);
    for (int o = 0; o < out_channels; o++) {
        for (int c = 0; c < in_channels; c++) {
            for (int tap = 0; tap < 9; tap++)
                filters[((size_t)tap * in_channels + c) * cout_p + o] = weights[((size_t)o * in_channels + c) * 9 + tap];
        }
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

static void SID_KERNEL(sid_direct_conv3x3)(const sid_conv3x3 *conv, int row, int x0, int count) {
    float *out = conv->output_rows[row];
    if (!out) return;
    const float *const in[3] = {conv->input_rows[row], conv->input_rows[row + 1], conv->input_rows[row + 2]};
    for (int o = 0; o < conv->out_channels; o += 32) direct_row(conv, in, o, x0, count, out);
}

