#ifndef SID_PNG_DECODE_H
#define SID_PNG_DECODE_H

// The test suite's PNG decoder (libpng behind a setjmp). Status codes and the message capacity are CPNG's.

#include "sid_png.h"

#ifdef __cplusplus
extern "C" {
#endif

/// One text chunk found while decoding; utf8 is 1 for iTXt (UTF-8) and 0 for tEXt/zTXt (Latin-1).
typedef struct sid_png_text {
    char *key;
    char *value;
    size_t value_length;
    int utf8;
} sid_png_text;

/// A decoded image: palette and low-bit-depth images are expanded to 8 bits, 16-bit samples are in host order.
typedef struct sid_png_image {
    uint32_t width;
    uint32_t height;
    int bit_depth;
    int channels;
    int has_srgb;
    unsigned char *samples;
    size_t samples_size;
    sid_png_text *texts;
    int text_count;
} sid_png_image;

/// Decodes a PNG held in memory, refusing images with more than max_pixels pixels.
/// On success the caller releases the image with sid_png_image_free.
sid_png_status sid_png_decode(const unsigned char *data, size_t size, uint64_t max_pixels,
                              sid_png_image *out_image, char message[SID_PNG_MESSAGE_CAPACITY]);

/// Releases the buffers of an image filled by sid_png_decode (safe on a zeroed image).
void sid_png_image_free(sid_png_image *image);

#ifdef __cplusplus
}
#endif

#endif
