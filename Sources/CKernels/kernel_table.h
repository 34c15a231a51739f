#ifndef SID_KERNEL_TABLE_H
#define SID_KERNEL_TABLE_H

#include "sid_kernels.h"

// One compiled kernel set (kernel_set.h built for one instruction set); dispatch.c picks one per process.
typedef struct {
    const char *name;
    void (*winograd_f4x4_3x3_filters)(const float *weights, int in_channels, int out_channels, int first_in,
                                      int end_in, float *filters);
    void (*winograd_f4x4_3x3)(const sid_conv3x3 *conv, int first_tile, int tile_count, int first_out, int out_count,
                              float *scratch);
    void (*winograd_f6x6_3x3_filters)(const float *weights, int in_channels, int out_channels, int first_in,
                                      int end_in, float *filters);
    void (*winograd_f6x6_3x3)(const sid_conv3x3 *conv, int first_tile, int tile_count, int first_out, int out_count,
                              float *scratch);
    void (*direct_conv3x3_filters)(const float *weights, int in_channels, int out_channels, float *filters);
    void (*direct_conv3x3)(const sid_conv3x3 *conv, int row, int x0, int count);
    void (*gemm)(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc);
    void (*transposed_conv2x2)(const float *input, int input_stride, int in_channels, int x0, int count,
                               const float *weights, const float *bias, int out_channels,
                               float *top, float *bottom, int output_stride, int out_width, float *scratch);
    void (*max_pool2x2)(const float *top, const float *bottom, int input_stride, int in_width, int channels,
                        float *output, int output_stride, int x0, int count);
} sid_kernel_table;

extern const sid_kernel_table sid_kernels_avx512;
extern const sid_kernel_table sid_kernels_avx2;
extern const sid_kernel_table sid_kernels_portable;

static inline int sid_padded(int channels) { return (channels + 15) / 16 * 16; }

/// 32-column panels of Winograd filters for this many output channels.
static inline int sid_panels(int channels) { return (channels + 31) / 32; }

#endif
