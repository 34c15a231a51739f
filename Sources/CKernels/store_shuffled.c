#include <stdint.h>
#include "sid_kernels.h"

// Kept apart from the per-instruction-set kernels: the stores scatter over three output rows, so there is
// nothing for wide vectors to gain, and one plain copy gives the same rounding everywhere.

// NaN clips to 0, so a cast never sees it.
static inline float sid_clip01(float value) { return !(value > 0) ? 0 : (value > 1 ? 1 : value); }

/// roundf (halves away from zero) for 0 <= x < 2^23, without a libm call: x minus its integer part is exact.
static inline unsigned sid_round(float x) {
    const unsigned whole = (unsigned)x;
    return whole + (x - (float)whole >= 0.5f);
}

void sid_store_shuffled(const float *products, int count, int stride, const float *bias, int scale,
                        sid_output_kind kind, void *output, size_t row_samples, size_t first_sample) {
    for (int n = 0; n < count; n++) {
        const float *values = products + (size_t)n * stride;
        for (int i = 0; i < scale; i++) {
            const size_t row = first_sample + (size_t)i * row_samples + (size_t)n * scale * 3;
            for (int j = 0; j < scale; j++) {
                for (int c = 0; c < 3; c++) {
                    const int channel = (c * scale + i) * scale + j;
                    const float value = values[channel] + bias[channel];
                    const size_t at = row + (size_t)j * 3 + c;
                    switch (kind) {
                    case SID_OUTPUT_FLOAT: ((float *)output)[at] = value; break;
                    case SID_OUTPUT_RGB8: ((uint8_t *)output)[at] = (uint8_t)sid_round(sid_clip01(value) * 255); break;
                    case SID_OUTPUT_RGB16: ((uint16_t *)output)[at] = (uint16_t)sid_round(sid_clip01(value) * 65535); break;
                    }
                }
            }
        }
    }
}
