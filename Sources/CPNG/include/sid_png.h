#ifndef SID_PNG_H
#define SID_PNG_H

// Every libpng call of the service lives behind these functions because libpng reports errors with longjmp,
// which must never cross a Swift frame. Each function sets up its own setjmp and turns a libpng
// error into a status code plus a message. All I/O is in memory.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sid_png_status {
    SID_PNG_OK = 0,
    SID_PNG_NOT_PNG = 1,
    SID_PNG_TRUNCATED = 2,
    SID_PNG_LIBPNG_ERROR = 3,
    SID_PNG_OUT_OF_MEMORY = 4,
    SID_PNG_TOO_LARGE = 5,
    SID_PNG_INVALID_ARGUMENT = 6,
} sid_png_status;

/// Filter masks accepted by sid_png_encode (same bits as libpng's PNG_FILTER_*).
enum {
    SID_PNG_FILTER_NONE = 0x08,
    SID_PNG_FILTER_SUB = 0x10,
    SID_PNG_FILTER_UP = 0x20,
    SID_PNG_FILTER_AVG = 0x40,
    SID_PNG_FILTER_PAETH = 0x80,
    SID_PNG_FILTER_ALL = 0xF8,
};

/// Size of the message buffer the functions fill on failure.
#define SID_PNG_MESSAGE_CAPACITY 256

/// Runs item(context, index) for every index in [0, count), on up to `threads` threads at once, and returns when
/// all have run. The caller supplies it, so that the encoder runs on the process's one pool of threads and
/// starts none of its own; items may run in any order.
typedef void (*sid_png_parallel_for)(uint32_t count, int threads, void *context,
                                     void (*item)(void *context, uint32_t index));

/// Encodes interleaved RGB samples (uint8_t for bit_depth 8, host-order uint16_t for 16) as a PNG
/// with an sRGB chunk (perceptual), one tEXt chunk per key/value pair (Latin-1, NUL-terminated) and, when
/// exif_size > 0, an eXIf chunk holding `exif` (a TIFF-structured EXIF block, "II*\0" or "MM\0*" first).
/// The image data is filtered and deflated in stripes of rows, through `parallel_for` on up to `threads` threads
/// (NULL: one after the other); the bytes do not depend on the thread count. On success *out_data is a malloc'd
/// buffer the caller frees with sid_png_free.
sid_png_status sid_png_encode_rgb(const void *samples, uint32_t width, uint32_t height, int bit_depth,
                                  int compression_level, int filter_mask, int threads,
                                  sid_png_parallel_for parallel_for, const char *const *text_keys,
                                  const char *const *text_values, int text_count,
                                  const unsigned char *exif, uint32_t exif_size,
                                  unsigned char **out_data, size_t *out_size,
                                  char message[SID_PNG_MESSAGE_CAPACITY]);

/// Rows per independently deflated piece of the image data (a stripe): 128 rows of a 4256-pixel RGB image are
/// 1.6 MB, so restarting the 32 KB dictionary at each boundary costs nothing measurable in file size.
#define SID_PNG_STRIPE_ROWS 128

/// The image data of one PNG being deflated stripe by stripe, for a caller whose rows arrive over time: stripe i
/// covers rows [128 i, 128 (i + 1)) and reads row 128 i - 1 too (the filters look one row up), so it may be
/// deflated as soon as those rows are final. sid_png_encode_rgb is create, every stripe, write, free; the bytes
/// are the same whatever order or threads the stripes are deflated in.
typedef struct sid_png_idat sid_png_idat;

/// NULL when out of memory. `samples` (as for sid_png_encode_rgb) must outlive the object; arguments are
/// trusted (sid_png_encode_rgb's checks are the caller's).
sid_png_idat *sid_png_idat_create(const void *samples, uint32_t width, uint32_t height, int bit_depth,
                                  int compression_level, int filter_mask);

uint32_t sid_png_idat_stripe_count(const sid_png_idat *idat);

/// Deflates one stripe; distinct stripes may be deflated on different threads at once, each exactly once.
/// Returns 0 when out of memory, zlib fails or the stripe was already deflated (the object is then failed).
int sid_png_idat_deflate(sid_png_idat *idat, uint32_t index);

/// The whole file around image data whose every stripe has been deflated, as sid_png_encode_rgb writes it. Each
/// stripe is freed once copied into the file, so an object is written once.
sid_png_status sid_png_idat_write(sid_png_idat *idat, uint32_t width, uint32_t height, int bit_depth,
                                  int compression_level, const char *const *text_keys,
                                  const char *const *text_values, int text_count,
                                  const unsigned char *exif, uint32_t exif_size,
                                  unsigned char **out_data, size_t *out_size,
                                  char message[SID_PNG_MESSAGE_CAPACITY]);

void sid_png_idat_free(sid_png_idat *idat);

/// Releases a buffer returned by sid_png_encode_rgb or sid_png_idat_write.
void sid_png_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
