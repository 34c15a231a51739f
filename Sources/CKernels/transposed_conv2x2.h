// 2x2 stride-2 transposed convolution: one GEMM gives all four sub-pixels of each input pixel, then bias and
// the scatter to two output rows. Part of one kernel set (kernel_set.h).

static void SID_KERNEL(sid_transposed_conv2x2)(const float *input, int input_stride, int in_channels, int x0, int count,
                               const float *weights, const float *bias, int out_channels,
                               float *top, float *bottom, int output_stride, int out_width, float *scratch) {
    const int cout_p = sid_padded(out_channels);
    SID_GEMM_NAME(count, 4 * cout_p, in_channels, input + (size_t)x0 * input_stride, input_stride,
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

