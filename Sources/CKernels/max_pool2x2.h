// 2x2 stride-2 max pool; a ragged last row or column pools what it has. Part of one kernel set (kernel_set.h).

static void SID_KERNEL(sid_max_pool2x2)(const float *top, const float *bottom, int input_stride, int in_width, int channels,
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

