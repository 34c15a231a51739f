#ifndef SID_PNG_IDAT_H
#define SID_PNG_IDAT_H

#include "sid_png.h"

/// Rows per independently deflated piece of the image data: 128 rows of a 4256-pixel RGB image are 1.6 MB,
/// so restarting the 32 KB dictionary at each boundary costs nothing measurable in file size.
#define SID_PNG_STRIPE_ROWS 128

/// One stripe's raw deflate output and the Adler-32 of the filtered bytes it holds.
typedef struct sid_png_stripe {
    unsigned char *data;
    size_t size;
    uint32_t adler;
    size_t filtered_size;
} sid_png_stripe;

/// Filters and deflates the image in stripes, through `parallel_for` on up to `threads` threads (NULL: one after
/// the other here); the concatenated stripes are the body of one zlib stream (no header, no checksum). Returns 0
/// when out of memory or zlib fails.
int sid_png_deflate_stripes(const void *samples, uint32_t width, uint32_t height, int bit_depth, int level,
                            int filter_mask, int threads, sid_png_parallel_for parallel_for,
                            sid_png_stripe **out_stripes, uint32_t *out_count);

void sid_png_free_stripes(sid_png_stripe *stripes, uint32_t count);

/// Adler-32 of two pieces of data from the Adler-32 of each.
uint32_t sid_png_adler32_combine(uint32_t first, uint32_t second, size_t second_length);

#endif
