#ifndef SID_KERNELS_H
#define SID_KERNELS_H

// The arithmetic of the SID U-Net forward pass: Winograd 3x3 convolution, the transposed conv,
// max pool and a small GEMM, on rows of pixels whose channels are contiguous (row[x * stride + c]).
//
// Every kernel but the output store exists three times, compiled from one source (kernel_set.h) for AVX-512,
// for AVX2 and for baseline x86-64 / any other CPU; the first call picks the best set this CPU runs, so the
// same binary works on every host. No kernel starts a thread: each works on a range its caller gives it.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One unit of a 3x3 convolution (padding 1, bias, LeakyReLU 0.2): `tile_rows` rows of tiles, by Winograd
/// F(4x4, 3x3), Winograd F(6x6, 3x3) or, for a few input channels, directly. A tile's height depends on the
/// algorithm: 4 rows for F(4x4) and the direct conv, 6 for F(6x6). With that height h, the unit makes
/// tile_rows * h output rows from tile_rows * h + 2 input rows.
typedef struct {
    /// tile_rows * h + 2 rows, starting one row above the first output row; NULL rows are zero padding.
    const float *const *input_rows;
    int input_stride;   // floats from one pixel to the next
    int in_channels;
    /// Optional second input whose channels follow the first's (the decoder's [up, skip] concat), or NULL.
    const float *const *second_rows;
    int second_stride;
    int second_channels;
    /// tile_rows * h rows; NULL rows lie below the image and are not written.
    float *const *output_rows;
    int output_stride;
    int out_channels;
    int width;
    /// Rows of tiles: 4-row tiles for F(4x4) and direct, 6-row tiles for F(6x6).
    int tile_rows;
    /// Winograd: [points][out_channels / 32, rounded up][in_channels rounded up to 16][32], from
    /// sid_winograd_f4x4_3x3_filters (36 points) or sid_winograd_f6x6_3x3_filters (64 points): each point's
    /// matrix in panels of 32 output channels, so the GEMM streams a panel front to back.
    /// Direct: [9][in_channels][out_channels rounded up to 16], from sid_direct_conv3x3_filters.
    const float *filters;
    const float *bias;
} sid_conv3x3;

/// Floats sid_winograd_f4x4_3x3_filters writes for a [cout][cin][3][3] filter bank.
size_t sid_winograd_f4x4_3x3_filter_floats(int in_channels, int out_channels);

/// U = G g G^T, in double precision, for input channels [first_in, end_in) of every filter, into the padded layout
/// `sid_conv3x3.filters` wants; `filters` must start zeroed (the padding is never written). Calls on disjoint
/// input channels may run at once: loading a model spreads them over the threads.
void sid_winograd_f4x4_3x3_filters(const float *weights, int in_channels, int out_channels, int first_in, int end_in,
                                   float *filters);

/// Scratch floats one call of sid_winograd_f4x4_3x3 over `tiles` tiles and `out_channels` outputs needs
/// (in_channels counts both inputs).
size_t sid_winograd_f4x4_3x3_scratch_floats(int in_channels, int out_channels, int tiles);

/// Winograd F(4x4, 3x3): computes output channels [first_out, first_out + out_count) of tiles
/// [first_tile, first_tile + tile_count) of the unit; tile t is 4x4 output pixels at tile row t / ceil(width / 4),
/// tile column t % ceil(width / 4). first_out is a multiple of 32. Calls on disjoint tiles or channels may run at once.
void sid_winograd_f4x4_3x3(const sid_conv3x3 *conv, int first_tile, int tile_count, int first_out, int out_count,
                           float *scratch);

/// Floats sid_winograd_f6x6_3x3_filters writes for a [cout][cin][3][3] filter bank: 64/36 of F(4x4)'s.
size_t sid_winograd_f6x6_3x3_filter_floats(int in_channels, int out_channels);

/// F(6x6, 3x3)'s U = G g G^T (8x8 per filter, points 0, ±1, ±2, ±1/2, infinity), in double precision so that
/// the only rounding is the final one to float: the transform's entries reach 32/45 * 16/45 and 1/90, and
/// float arithmetic here would add error F(6x6) has no margin for. Same layout, zeroing and chunking rules as
/// sid_winograd_f4x4_3x3_filters, with 64 points.
void sid_winograd_f6x6_3x3_filters(const float *weights, int in_channels, int out_channels, int first_in, int end_in,
                                   float *filters);

/// Scratch floats one call of sid_winograd_f6x6_3x3 over `tiles` tiles and `out_channels` outputs needs.
size_t sid_winograd_f6x6_3x3_scratch_floats(int in_channels, int out_channels, int tiles);

/// Winograd F(6x6, 3x3): as sid_winograd_f4x4_3x3, with 6x6 tiles (tile t at tile row t / ceil(width / 6),
/// tile column t % ceil(width / 6)) and 6-row tiles in `tile_rows`. 64 products per 36 outputs instead of
/// 36 per 16 cut the multiplications by a fifth, at a larger rounding error (about 10x F(4x4)'s), so the
/// caller picks it per layer from measured accuracy.
void sid_winograd_f6x6_3x3(const sid_conv3x3 *conv, int first_tile, int tile_count, int first_out, int out_count,
                           float *scratch);

/// Floats sid_direct_conv3x3_filters writes for a [cout][cin][3][3] filter bank.
size_t sid_direct_conv3x3_filter_floats(int in_channels, int out_channels);

/// The filters as the direct convolution reads them: tap-major, then input channel, then output channel;
/// `filters` must start zeroed (the padding is never written).
void sid_direct_conv3x3_filters(const float *weights, int in_channels, int out_channels, float *filters);

/// Computes pixels [x0, x0 + count) of output row `row` (0 ..< tile_rows * 4: 4-row tiles) of the unit by direct
/// convolution, with `filters` from sid_direct_conv3x3_filters; for inputs of at most 16 channels (the packed
/// image), where Winograd would spend most of its 16-channel vectors on zeros. Calls on disjoint pixels may run
/// at once.
void sid_direct_conv3x3(const sid_conv3x3 *conv, int row, int x0, int count);

/// C[m][n] = sum_k A[m][k] B[k][n], with `n` a multiple of 16, on the set's micro-kernel (gemm_12x32 on
/// AVX-512, gemm_3x32 on AVX2, gemm_1x32 portable: rows of A x columns of B held in registers).
void sid_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c, int ldc);

/// 2x2 stride-2 transposed convolution of input pixels [x0, x0 + count) of one row: pixel x feeds
/// output pixels 2x, 2x+1 of `top` and `bottom` (NULL: below the image), cropped to `out_width`.
/// `weights` is [in_channels][4][out_channels rounded up to 16], sub-pixel k = 2i + j; adds the bias.
/// `scratch` holds count * 4 * padded out_channels floats.
void sid_transposed_conv2x2(const float *input, int input_stride, int in_channels, int x0, int count,
                            const float *weights, const float *bias, int out_channels,
                            float *top, float *bottom, int output_stride, int out_width, float *scratch);

/// 2x2 stride-2 max pool of two input rows (`bottom` may equal `top` for a ragged last row) into
/// output pixels [x0, x0 + count); a ragged last column pools what it has.
void sid_max_pool2x2(const float *top, const float *bottom, int input_stride, int in_width, int channels,
                     float *output, int output_stride, int x0, int count);

typedef enum { SID_OUTPUT_FLOAT = 0, SID_OUTPUT_RGB8 = 1, SID_OUTPUT_RGB16 = 2 } sid_output_kind;

/// conv10's last steps for `count` pixels of one row: adds the bias, pixel-shuffles (channel (c * scale + i)
/// * scale + j goes to sub-pixel (i, j), colour c) and stores as float, or clipped to [0, 1] and rounded to
/// 8 or 16 bits. `products` holds each pixel's channels `stride` floats apart; the first pixel's top-left
/// sample is output[first_sample], and output rows are `row_samples` samples apart. One plain copy serves
/// every instruction set (store_shuffled.c).
void sid_store_shuffled(const float *products, int count, int stride, const float *bias, int scale,
                        sid_output_kind kind, void *output, size_t row_samples, size_t first_sample);

/// The instruction set the kernels use on this CPU: "avx512", "avx2" or "portable".
const char *sid_kernels_instruction_set(void);

/// Forces an instruction set ("avx512", "avx2", "portable"), for testing; returns 0 if this CPU cannot run it.
int sid_kernels_use(const char *instruction_set);

#ifdef __cplusplus
}
#endif

#endif
