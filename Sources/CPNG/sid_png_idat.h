#ifndef SID_PNG_IDAT_H
#define SID_PNG_IDAT_H

#include "sid_png.h"

/// One stripe's raw deflate output and the Adler-32 of the filtered bytes it holds.
typedef struct sid_png_stripe {
    unsigned char *data;
    size_t size;
    uint32_t adler;
    size_t filtered_size;
} sid_png_stripe;

/// Deflates every stripe, through `parallel_for` on up to `threads` threads (NULL: one after the other here);
/// the concatenated stripes are the body of one zlib stream (no header, no checksum). Returns 0 when out of
/// memory or zlib fails.
int sid_png_deflate_all(sid_png_idat *job, int threads, sid_png_parallel_for parallel_for);

int sid_png_idat_failed(const sid_png_idat *job);

sid_png_stripe *sid_png_idat_stripes(sid_png_idat *job);

void sid_png_free_stripes(sid_png_stripe *stripes, uint32_t count);

/// Adler-32 of two pieces of data from the Adler-32 of each.
uint32_t sid_png_adler32_combine(uint32_t first, uint32_t second, size_t second_length);

#endif
