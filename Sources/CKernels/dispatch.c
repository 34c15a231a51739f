// Runtime dispatch: the first call picks the best kernel set this CPU runs, and each public entry point of
// sid_kernels.h forwards to that set's copy of its kernel. No threads start here: callers split the work.
#include <string.h>
#include "kernel_table.h"

// The table in use; chosen on first use. Every thread that races to choose picks the same one.
static const sid_kernel_table *_Atomic chosen;

static int supports(const sid_kernel_table *table) {
#if defined(__x86_64__)
    if (table == &sid_kernels_avx512) {
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma");
    }
    if (table == &sid_kernels_avx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return table == &sid_kernels_portable;
}

static const sid_kernel_table *kernels(void) {
    const sid_kernel_table *table = chosen;
    if (table) return table;
#if defined(__x86_64__)
    __builtin_cpu_init();
    const sid_kernel_table *candidates[] = {&sid_kernels_avx512, &sid_kernels_avx2};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (supports(candidates[i])) { chosen = candidates[i]; return candidates[i]; }
    }
#endif
    chosen = &sid_kernels_portable;
    return &sid_kernels_portable;
}

const char *sid_kernels_instruction_set(void) { return kernels()->name; }

int sid_kernels_use(const char *instruction_set) {
    const sid_kernel_table *all[] = {
#if defined(__x86_64__)
        &sid_kernels_avx512, &sid_kernels_avx2,
#endif
        &sid_kernels_portable};
#if defined(__x86_64__)
    __builtin_cpu_init();
#endif
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (strcmp(all[i]->name, instruction_set) == 0 && supports(all[i])) {
            chosen = all[i];
            return 1;
        }
    }
    return 0;
}

size_t sid_winograd_f4x4_3x3_filter_floats(int in_channels, int out_channels) {
    return (size_t)36 * sid_padded(in_channels) * sid_panels(out_channels) * 32;
}

void sid_winograd_f4x4_3x3_filters(const float *weights, int in_channels, int out_channels, int first_in, int end_in,
                                   float *filters) {
    kernels()->winograd_f4x4_3x3_filters(weights, in_channels, out_channels, first_in, end_in, filters);
}

size_t sid_winograd_f4x4_3x3_scratch_floats(int in_channels, int out_channels, int tiles) {
    return (size_t)36 * tiles * (sid_padded(in_channels) + sid_padded(out_channels));
}

void sid_winograd_f4x4_3x3(const sid_conv3x3 *conv, int first_tile, int tile_count, int first_out, int out_count,
                           float *scratch) {
    kernels()->winograd_f4x4_3x3(conv, first_tile, tile_count, first_out, out_count, scratch);
}

size_t sid_winograd_f6x6_3x3_filter_floats(int in_channels, int out_channels) {
    return (size_t)64 * sid_padded(in_channels) * sid_panels(out_channels) * 32;
}

void sid_winograd_f6x6_3x3_filters(const float *weights, int in_channels, int out_channels, int first_in, int end_in,
                                   float *filters) {
    kernels()->winograd_f6x6_3x3_filters(weights, in_channels, out_channels, first_in, end_in, filters);
}

size_t sid_winograd_f6x6_3x3_scratch_floats(int in_channels, int out_channels, int tiles) {
    return (size_t)64 * tiles * (sid_padded(in_channels) + sid_padded(out_channels));
}

void sid_winograd_f6x6_3x3(const sid_conv3x3 *conv, int first_tile, int tile_count, int first_out, int out_count,
                           float *scratch) {
    kernels()->winograd_f6x6_3x3(conv, first_tile, tile_count, first_out, out_count, scratch);
}

size_t sid_direct_conv3x3_filter_floats(int in_channels, int out_channels) {
    return (size_t)9 * in_channels * sid_padded(out_channels);
}

void sid_direct_conv3x3_filters(const float *weights, int in_channels, int out_channels, float *filters) {
    kernels()->direct_conv3x3_filters(weights, in_channels, out_channels, filters);
}

void sid_direct_conv3x3(const sid_conv3x3 *conv, int row, int x0, int count) {
    kernels()->direct_conv3x3(conv, row, x0, count);
}

void sid_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc) {
    kernels()->gemm(m, n, k, a, lda, b, ldb, c, ldc);
}

void sid_transposed_conv2x2(const float *input, int input_stride, int in_channels, int x0, int count,
                            const float *weights, const float *bias, int out_channels,
                            float *top, float *bottom, int output_stride, int out_width, float *scratch) {
    kernels()->transposed_conv2x2(input, input_stride, in_channels, x0, count, weights, bias, out_channels,
                                  top, bottom, output_stride, out_width, scratch);
}

void sid_max_pool2x2(const float *top, const float *bottom, int input_stride, int in_width, int channels,
                     float *output, int output_stride, int x0, int count) {
    kernels()->max_pool2x2(top, bottom, input_stride, in_width, channels, output, output_stride, x0, count);
}
