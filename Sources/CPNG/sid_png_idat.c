#include "sid_png_idat.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

// PNG's image data is one zlib stream. It is cut into fixed stripes of rows, each deflated on its own
// (raw deflate, fresh dictionary) and ended with a sync flush, so the pieces concatenate into one valid
// stream, as pigz does. Stripe boundaries depend only on the image, never on the thread count, so the
// same image always gives the same bytes. No thread starts here: the caller runs the stripes on its own threads.

enum { SID_FILTER_NONE = 0, SID_FILTER_SUB = 1, SID_FILTER_UP = 2, SID_FILTER_AVERAGE = 3, SID_FILTER_PAETH = 4 };

struct sid_png_idat {
    const unsigned char *samples;
    size_t row_bytes;       // bytes of one row of samples, as stored in host order
    size_t bytes_per_pixel; // PNG's "bpp" for filtering: 3 or 6
    int swap_bytes;         // 16-bit samples are big-endian in PNG
    uint32_t height;
    int level;
    int filter_mask;
    uint32_t stripe_count;
    sid_png_stripe *stripes;
    atomic_int failed;
};

static unsigned char sid_paeth(int left, int above, int upper_left) {
    const int estimate = left + above - upper_left;
    const int to_left = abs(estimate - left), to_above = abs(estimate - above), to_corner = abs(estimate - upper_left);
    if (to_left <= to_above && to_left <= to_corner) return (unsigned char)left;
    return (unsigned char)(to_above <= to_corner ? above : upper_left);
}

/// Row `y` as PNG stores it (16-bit samples big-endian) into `out`; a row above the image is zeros.
static void sid_row_bytes(const sid_png_idat *job, int64_t y, unsigned char *out) {
    if (y < 0) {
        memset(out, 0, job->row_bytes);
        return;
    }
    const unsigned char *row = job->samples + (size_t)y * job->row_bytes;
    if (!job->swap_bytes) {
        memcpy(out, row, job->row_bytes);
        return;
    }
    for (size_t i = 0; i < job->row_bytes; i += 2) {
        out[i] = row[i + 1];
        out[i + 1] = row[i];
    }
}

/// Filter type byte followed by the filtered row.
static void sid_filter_row(int type, const unsigned char *row, const unsigned char *above, size_t length,
                           size_t bpp, unsigned char *out) {
    out[0] = (unsigned char)type;
    unsigned char *filtered = out + 1;
    for (size_t i = 0; i < length; i++) {
        const int left = i >= bpp ? row[i - bpp] : 0;
        const int corner = i >= bpp ? above[i - bpp] : 0;
        int predicted = 0;
        switch (type) {
        case SID_FILTER_SUB: predicted = left; break;
        case SID_FILTER_UP: predicted = above[i]; break;
        case SID_FILTER_AVERAGE: predicted = (left + above[i]) / 2; break;
        case SID_FILTER_PAETH: predicted = sid_paeth(left, above[i], corner); break;
        default: break;
        }
        filtered[i] = (unsigned char)(row[i] - predicted);
    }
}

/// libpng's heuristic for adaptive filtering: the filter whose output, read as signed bytes, sums smallest.
static uint64_t sid_filtered_cost(const unsigned char *filtered, size_t length) {
    uint64_t sum = 0;
    for (size_t i = 0; i < length; i++) sum += (uint64_t)abs((int)(signed char)filtered[i]);
    return sum;
}

static int sid_deflate_stripe(sid_png_idat *job, uint32_t index) {
    sid_png_stripe *stripe = &job->stripes[index];
    const uint32_t first = index * SID_PNG_STRIPE_ROWS;
    const uint32_t end = first + SID_PNG_STRIPE_ROWS < job->height ? first + SID_PNG_STRIPE_ROWS : job->height;
    const size_t length = job->row_bytes;
    const int last = index + 1 == job->stripe_count;

    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (deflateInit2(&stream, job->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    const size_t filtered_bytes = (size_t)(end - first) * (length + 1);
    const size_t capacity = deflateBound(&stream, (uLong)filtered_bytes) + 64;
    // zlib counts in 32-bit units; stripes of 128 rows of any width a PNG allows stay far below.
    if (capacity > UINT32_MAX || filtered_bytes > UINT32_MAX) {
        deflateEnd(&stream);
        return 0;
    }
    unsigned char *rows = (unsigned char *)malloc(2 * length);
    unsigned char *candidates = (unsigned char *)malloc(5 * (length + 1));
    stripe->data = (unsigned char *)malloc(capacity);
    if (rows == NULL || candidates == NULL || stripe->data == NULL) {
        deflateEnd(&stream);
        free(rows);
        free(candidates);
        return 0;
    }
    unsigned char *above = rows, *current = rows + length;
    sid_row_bytes(job, (int64_t)first - 1, above);
    stream.next_out = stripe->data;
    stream.avail_out = (uInt)capacity;
    uLong adler = adler32(0, NULL, 0);
    int ok = 1;
    for (uint32_t y = first; y < end && ok; y++) {
        sid_row_bytes(job, y, current);
        unsigned char *chosen = candidates;
        uint64_t best = UINT64_MAX;
        for (int type = SID_FILTER_NONE; type <= SID_FILTER_PAETH; type++) {
            if (!(job->filter_mask & (SID_PNG_FILTER_NONE << type))) continue;
            unsigned char *out = candidates + (size_t)type * (length + 1);
            sid_filter_row(type, current, above, length, job->bytes_per_pixel, out);
            const uint64_t cost = (job->filter_mask & (job->filter_mask - 1)) ? sid_filtered_cost(out + 1, length) : 0;
            if (cost < best) {
                best = cost;
                chosen = out;
            }
        }
        adler = adler32(adler, chosen, (uInt)(length + 1));
        stream.next_in = chosen;
        stream.avail_in = (uInt)(length + 1);
        const int flush = y + 1 < end ? Z_NO_FLUSH : (last ? Z_FINISH : Z_SYNC_FLUSH);
        const int status = deflate(&stream, flush);
        ok = (status == Z_OK || status == Z_STREAM_END) && stream.avail_in == 0;
        unsigned char *swap = above;
        above = current;
        current = swap;
    }
    stripe->size = capacity - stream.avail_out;
    stripe->adler = adler;
    stripe->filtered_size = filtered_bytes;
    deflateEnd(&stream);
    free(rows);
    free(candidates);
    return ok;
}

/// One stripe: the unit of work the caller's threads share (see sid_png_parallel_for).
static void sid_idat_stripe(void *context, uint32_t index) {
    sid_png_idat *job = (sid_png_idat *)context;
    if (atomic_load(&job->failed)) return;
    if (!sid_deflate_stripe(job, index)) atomic_store(&job->failed, 1);
}

sid_png_idat *sid_png_idat_create(const void *samples, uint32_t width, uint32_t height, int bit_depth, int level,
                                  int filter_mask) {
    sid_png_idat *job = (sid_png_idat *)calloc(1, sizeof(sid_png_idat));
    if (job == NULL) return NULL;
    const uint32_t count = (height + SID_PNG_STRIPE_ROWS - 1) / SID_PNG_STRIPE_ROWS;
    job->stripes = (sid_png_stripe *)calloc(count, sizeof(sid_png_stripe));
    if (job->stripes == NULL) {
        free(job);
        return NULL;
    }
    const uint16_t probe = 1;
    job->samples = (const unsigned char *)samples;
    job->row_bytes = (size_t)width * 3 * (size_t)(bit_depth / 8);
    job->bytes_per_pixel = (size_t)3 * (size_t)(bit_depth / 8);
    job->swap_bytes = bit_depth == 16 && *(const uint8_t *)&probe == 1;
    job->height = height;
    job->level = level;
    job->filter_mask = filter_mask & SID_PNG_FILTER_ALL ? filter_mask & SID_PNG_FILTER_ALL : SID_PNG_FILTER_NONE;
    job->stripe_count = count;
    atomic_init(&job->failed, 0);
    return job;
}

uint32_t sid_png_idat_stripe_count(const sid_png_idat *job) {
    return job->stripe_count;
}

int sid_png_idat_deflate(sid_png_idat *job, uint32_t index) {
    if (index >= job->stripe_count || job->stripes[index].data != NULL) {
        atomic_store(&job->failed, 1);
        return 0;
    }
    sid_idat_stripe(job, index);
    return !atomic_load(&job->failed);
}

int sid_png_idat_failed(const sid_png_idat *job) {
    return atomic_load(&((sid_png_idat *)job)->failed);
}

sid_png_stripe *sid_png_idat_stripes(sid_png_idat *job) {
    return job->stripes;
}

void sid_png_idat_free(sid_png_idat *job) {
    if (job == NULL) return;
    sid_png_free_stripes(job->stripes, job->stripe_count);
    free(job);
}

int sid_png_deflate_all(sid_png_idat *job, int threads, sid_png_parallel_for parallel_for) {
    const uint32_t count = job->stripe_count;
    if (parallel_for != NULL && threads > 1 && count > 1) {
        parallel_for(count, threads, job, sid_idat_stripe);
    } else {
        for (uint32_t index = 0; index < count; index++) sid_idat_stripe(job, index);
    }
    return !atomic_load(&job->failed);
}

void sid_png_free_stripes(sid_png_stripe *stripes, uint32_t count) {
    if (stripes == NULL) return;
    for (uint32_t i = 0; i < count; i++) free(stripes[i].data);
    free(stripes);
}

uint32_t sid_png_adler32_combine(uint32_t first, uint32_t second, size_t second_length) {
    return (uint32_t)adler32_combine(first, second, (z_off_t)second_length);
}
