#include "sid_png_decode.h"
#include "sid_png_failure.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

// The test suite's PNG reader, for checking what the encoder wrote and for fuzzing; the service never decodes
// a PNG. libpng reports errors by longjmp, which must never cross a Swift frame: the setjmp is set here and a
// libpng error comes back as a status code plus a message.

/// Largest chunk other than IDAT the decoder reads, before or after decompression; no text, profile or metadata
/// chunk of a real PNG comes near it.
#define SID_PNG_MAX_CHUNK_BYTES (8 * 1024 * 1024)

static int sid_png_host_is_little_endian(void) {
    const uint16_t probe = 1;
    return *(const uint8_t *)&probe == 1;
}

typedef struct sid_png_input {
    const unsigned char *data;
    size_t size;
    size_t offset;
    png_bytepp rows;
    sid_png_failure failure;
} sid_png_input;

static void sid_png_read_from_memory(png_structp png, png_bytep bytes, size_t length) {
    sid_png_input *input = (sid_png_input *)png_get_io_ptr(png);
    if (length > input->size - input->offset) {
        input->failure.status = SID_PNG_TRUNCATED;
        png_error(png, "the PNG data ends before the image is complete");
    }
    memcpy(bytes, input->data + input->offset, length);
    input->offset += length;
}

void sid_png_image_free(sid_png_image *image) {
    if (image == NULL) return;
    free(image->samples);
    for (int index = 0; index < image->text_count; index++) {
        free(image->texts[index].key);
        free(image->texts[index].value);
    }
    free(image->texts);
    memset(image, 0, sizeof(*image));
}

static char *sid_png_copy_bytes(const char *bytes, size_t length) {
    char *copy = (char *)malloc(length + 1);
    if (copy == NULL) return NULL;
    if (length > 0) memcpy(copy, bytes, length);
    copy[length] = '\0';
    return copy;
}

/// Whether a chunk other than IDAT claims more than SID_PNG_MAX_CHUNK_BYTES. libpng allocates what a chunk's
/// length field claims before reading its data, and above its own limit it only warns, so without this a few
/// hostile bytes could make it allocate 2 GB for a text chunk (found by fuzzing). IDAT is read in pieces.
static int sid_png_has_oversized_chunk(const unsigned char *data, size_t size) {
    size_t offset = 8;
    while (size - offset >= 8) {
        const uint32_t length = ((uint32_t)data[offset] << 24) | ((uint32_t)data[offset + 1] << 16) |
                                ((uint32_t)data[offset + 2] << 8) | (uint32_t)data[offset + 3];
        if (length > SID_PNG_MAX_CHUNK_BYTES && memcmp(data + offset + 4, "IDAT", 4) != 0) return 1;
        if ((uint64_t)length + 12 > (uint64_t)(size - offset)) return 0; // truncated: libpng says so
        offset += (size_t)length + 12;
    }
    return 0;
}

sid_png_status sid_png_decode(const unsigned char *data, size_t size, uint64_t max_pixels,
                              sid_png_image *out_image, char message[SID_PNG_MESSAGE_CAPACITY]) {
    if (out_image == NULL || (data == NULL && size > 0)) {
        sid_png_set_message(message, "invalid arguments to sid_png_decode");
        return SID_PNG_INVALID_ARGUMENT;
    }
    memset(out_image, 0, sizeof(*out_image));
    if (size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        sid_png_set_message(message, "the data does not start with the PNG signature");
        return SID_PNG_NOT_PNG;
    }
    if (sid_png_has_oversized_chunk(data, size)) {
        sid_png_set_message(message, "a chunk other than image data is larger than 8 MiB");
        return SID_PNG_TOO_LARGE;
    }

    // Everything written between setjmp and a longjmp lives on the heap, so no local needs to be volatile.
    sid_png_input *input = (sid_png_input *)calloc(1, sizeof(sid_png_input));
    if (input == NULL) {
        sid_png_set_message(message, "out of memory while preparing the PNG decoder");
        return SID_PNG_OUT_OF_MEMORY;
    }
    input->data = data;
    input->size = size;
    input->failure.status = SID_PNG_OK;
    input->failure.message = message;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &input->failure, sid_png_on_error,
                                             sid_png_on_warning);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (info == NULL) {
        if (png != NULL) png_destroy_read_struct(&png, NULL, NULL);
        free(input);
        sid_png_set_message(message, "out of memory while creating the libpng reader");
        return SID_PNG_OUT_OF_MEMORY;
    }

    if (setjmp(png_jmpbuf(png))) {
        const sid_png_status status = input->failure.status;
        png_destroy_read_struct(&png, &info, NULL);
        free(input->rows);
        free(input);
        sid_png_image_free(out_image);
        return status == SID_PNG_OK ? SID_PNG_LIBPNG_ERROR : status;
    }

    png_set_read_fn(png, input, sid_png_read_from_memory);
    // Bounds what compressed text and profile chunks may inflate to (sid_png_has_oversized_chunk bounds the rest).
    png_set_chunk_malloc_max(png, SID_PNG_MAX_CHUNK_BYTES);
    png_read_info(png, info);

    const uint32_t width = png_get_image_width(png, info);
    const uint32_t height = png_get_image_height(png, info);
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        input->failure.status = SID_PNG_TOO_LARGE;
        png_error(png, "the PNG has more pixels than the decoder accepts");
    }

    // Palette, low-bit gray and tRNS become plain 8-bit channels, so callers see gray/gray+alpha/RGB/RGBA only.
    png_set_expand(png);
    const int source_depth = png_get_bit_depth(png, info);
    if (source_depth == 16 && sid_png_host_is_little_endian()) png_set_swap(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    const int bit_depth = png_get_bit_depth(png, info);
    const int channels = png_get_channels(png, info);
    const size_t row_bytes = png_get_rowbytes(png, info);
    if (height > 0 && row_bytes > SIZE_MAX / height) {
        input->failure.status = SID_PNG_TOO_LARGE;
        png_error(png, "the PNG is too large to hold in memory");
    }
    out_image->width = width;
    out_image->height = height;
    out_image->bit_depth = bit_depth;
    out_image->channels = channels;
    out_image->samples_size = row_bytes * height;
    out_image->samples = (unsigned char *)malloc(out_image->samples_size > 0 ? out_image->samples_size : 1);
    input->rows = (png_bytepp)malloc(sizeof(png_bytep) * (height > 0 ? height : 1));
    if (out_image->samples == NULL || input->rows == NULL) {
        input->failure.status = SID_PNG_OUT_OF_MEMORY;
        png_error(png, "out of memory while allocating the decoded image");
    }
    for (uint32_t y = 0; y < height; y++) input->rows[y] = out_image->samples + (size_t)y * row_bytes;
    png_read_image(png, input->rows);
    png_read_end(png, info);

    out_image->has_srgb = png_get_valid(png, info, PNG_INFO_sRGB) ? 1 : 0;
    png_textp texts = NULL;
    int text_count = 0;
    png_get_text(png, info, &texts, &text_count);
    if (text_count > 0) {
        out_image->texts = (sid_png_text *)calloc((size_t)text_count, sizeof(sid_png_text));
        if (out_image->texts == NULL) {
            input->failure.status = SID_PNG_OUT_OF_MEMORY;
            png_error(png, "out of memory while copying the PNG text chunks");
        }
        for (int index = 0; index < text_count; index++) {
            const int utf8 = texts[index].compression >= PNG_ITXT_COMPRESSION_NONE;
            const size_t length = utf8 ? texts[index].itxt_length : texts[index].text_length;
            sid_png_text *copy = &out_image->texts[index];
            out_image->text_count = index + 1;
            copy->key = sid_png_copy_bytes(texts[index].key, strlen(texts[index].key));
            copy->value = sid_png_copy_bytes(texts[index].text != NULL ? texts[index].text : "",
                                             texts[index].text != NULL ? length : 0);
            copy->value_length = texts[index].text != NULL ? length : 0;
            copy->utf8 = utf8;
            if (copy->key == NULL || copy->value == NULL) {
                input->failure.status = SID_PNG_OUT_OF_MEMORY;
                png_error(png, "out of memory while copying the PNG text chunks");
            }
        }
    }

    png_destroy_read_struct(&png, &info, NULL);
    free(input->rows);
    free(input);
    return SID_PNG_OK;
}
