#include "sid_png.h"
#include "sid_png_failure.h"
#include "sid_png_idat.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct sid_png_output {
    unsigned char *data;
    size_t size;
    size_t capacity;
    sid_png_failure failure;
} sid_png_output;

static void sid_png_write_to_memory(png_structp png, png_bytep bytes, size_t length) {
    sid_png_output *output = (sid_png_output *)png_get_io_ptr(png);
    if (length > SIZE_MAX - output->size) {
        output->failure.status = SID_PNG_OUT_OF_MEMORY;
        png_error(png, "the encoded PNG does not fit in memory");
    }
    size_t needed = output->size + length;
    if (needed > output->capacity) {
        size_t capacity = output->capacity > 0 ? output->capacity : 4096;
        while (capacity < needed) {
            capacity = capacity > SIZE_MAX / 2 ? needed : capacity * 2;
        }
        unsigned char *grown = (unsigned char *)realloc(output->data, capacity);
        if (grown == NULL) {
            output->failure.status = SID_PNG_OUT_OF_MEMORY;
            png_error(png, "out of memory while growing the PNG output buffer");
        }
        output->data = grown;
        output->capacity = capacity;
    }
    memcpy(output->data + output->size, bytes, length);
    output->size = needed;
}

static void sid_png_flush_memory(png_structp png) {
    (void)png;
}

/// Streams the image data pieces (zlib header, stripes, Adler-32) as IDAT chunks of at most 1 GiB each.
typedef struct sid_idat_writer {
    png_structp png;
    size_t left_in_chunk;
    size_t left_in_total;
} sid_idat_writer;

static void sid_idat_write(sid_idat_writer *writer, const unsigned char *bytes, size_t length) {
    while (length > 0) {
        if (writer->left_in_chunk == 0) {
            const size_t chunk = writer->left_in_total < ((size_t)1 << 30) ? writer->left_in_total : ((size_t)1 << 30);
            png_write_chunk_start(writer->png, (png_const_bytep)"IDAT", (png_uint_32)chunk);
            writer->left_in_chunk = chunk;
        }
        const size_t piece = length < writer->left_in_chunk ? length : writer->left_in_chunk;
        png_write_chunk_data(writer->png, bytes, piece);
        bytes += piece;
        length -= piece;
        writer->left_in_chunk -= piece;
        writer->left_in_total -= piece;
        if (writer->left_in_chunk == 0) png_write_chunk_end(writer->png);
    }
}

/// libpng writes the signature and the chunks before the image data; the image data, deflated in parallel
/// stripes, and IEND are written here as raw chunks.
static void sid_png_write_image_data(png_structp png, sid_png_stripe *stripes, uint32_t count,
                                     int compression_level) {
    size_t total = 2 + 4;
    uint32_t adler = 1;
    for (uint32_t i = 0; i < count; i++) {
        total += stripes[i].size;
        adler = sid_png_adler32_combine(adler, stripes[i].adler, stripes[i].filtered_size);
    }
    // CMF: deflate with a 32 KB window; FLG: the compression level class, and a check making CMF.FLG % 31 == 0.
    const unsigned level_class = compression_level <= 1 ? 0 : compression_level <= 5 ? 1 : compression_level == 6 ? 2 : 3;
    unsigned header = (0x78u << 8) | (level_class << 6);
    if (header % 31 != 0) header += 31 - header % 31;
    const unsigned char zlib_header[2] = {(unsigned char)(header >> 8), (unsigned char)header};
    const unsigned char checksum[4] = {(unsigned char)(adler >> 24), (unsigned char)(adler >> 16),
                                       (unsigned char)(adler >> 8), (unsigned char)adler};
    sid_idat_writer writer = {.png = png, .left_in_chunk = 0, .left_in_total = total};
    sid_idat_write(&writer, zlib_header, 2);
    // Each stripe goes once written, so the compressed image is not held twice (stripes and file) at the end.
    for (uint32_t i = 0; i < count; i++) {
        sid_idat_write(&writer, stripes[i].data, stripes[i].size);
        free(stripes[i].data);
        stripes[i].data = NULL;
    }
    sid_idat_write(&writer, checksum, 4);
    png_write_chunk(png, (png_const_bytep)"IEND", NULL, 0);
}

sid_png_status sid_png_encode_rgb(const void *samples, uint32_t width, uint32_t height, int bit_depth,
                                  int compression_level, int filter_mask, int threads,
                                  sid_png_parallel_for parallel_for, const char *const *text_keys,
                                  const char *const *text_values, int text_count,
                                  const unsigned char *exif, uint32_t exif_size,
                                  unsigned char **out_data, size_t *out_size,
                                  char message[SID_PNG_MESSAGE_CAPACITY]) {
    if (out_data == NULL || out_size == NULL || samples == NULL || width == 0 || height == 0 ||
        (bit_depth != 8 && bit_depth != 16) || compression_level < 0 || compression_level > 9 ||
        text_count < 0 || (text_count > 0 && (text_keys == NULL || text_values == NULL)) ||
        (exif_size > 0 && exif == NULL)) {
        sid_png_set_message(message, "invalid arguments to sid_png_encode_rgb");
        return SID_PNG_INVALID_ARGUMENT;
    }
    *out_data = NULL;
    *out_size = 0;

    // Deflating is the expensive part and runs before libpng is involved, so nothing here crosses a longjmp.
    sid_png_idat *idat = sid_png_idat_create(samples, width, height, bit_depth, compression_level, filter_mask);
    if (idat == NULL || !sid_png_deflate_all(idat, threads, parallel_for)) {
        sid_png_idat_free(idat);
        sid_png_set_message(message, "out of memory while compressing the PNG image data");
        return SID_PNG_OUT_OF_MEMORY;
    }
    const sid_png_status status = sid_png_idat_write(idat, width, height, bit_depth, compression_level, text_keys,
                                                     text_values, text_count, exif, exif_size, out_data, out_size,
                                                     message);
    sid_png_idat_free(idat);
    return status;
}

sid_png_status sid_png_idat_write(sid_png_idat *idat, uint32_t width, uint32_t height, int bit_depth,
                                  int compression_level, const char *const *text_keys,
                                  const char *const *text_values, int text_count,
                                  const unsigned char *exif, uint32_t exif_size,
                                  unsigned char **out_data, size_t *out_size,
                                  char message[SID_PNG_MESSAGE_CAPACITY]) {
    if (idat == NULL || out_data == NULL || out_size == NULL || text_count < 0 ||
        (text_count > 0 && (text_keys == NULL || text_values == NULL)) || (exif_size > 0 && exif == NULL)) {
        sid_png_set_message(message, "invalid arguments to sid_png_idat_write");
        return SID_PNG_INVALID_ARGUMENT;
    }
    *out_data = NULL;
    *out_size = 0;
    const uint32_t stripe_count = sid_png_idat_stripe_count(idat);
    sid_png_stripe *stripes = sid_png_idat_stripes(idat);
    int complete = !sid_png_idat_failed(idat);
    for (uint32_t i = 0; i < stripe_count && complete; i++) complete = stripes[i].data != NULL;
    if (!complete) {
        sid_png_set_message(message, "the PNG image data was not deflated completely");
        return SID_PNG_OUT_OF_MEMORY;
    }

    // Everything written between setjmp and a longjmp lives on the heap, so no local needs to be volatile.
    sid_png_output *output = (sid_png_output *)calloc(1, sizeof(sid_png_output));
    png_textp texts = text_count > 0 ? (png_textp)calloc((size_t)text_count, sizeof(png_text)) : NULL;
    if (output == NULL || (text_count > 0 && texts == NULL)) {
        free(output);
        free(texts);
        sid_png_set_message(message, "out of memory while preparing the PNG encoder");
        return SID_PNG_OUT_OF_MEMORY;
    }
    output->failure.status = SID_PNG_OK;
    output->failure.message = message;
    // The file's size is known but for the small chunks: one allocation of about that size, rather than doubling
    // up to twice the file while the old buffer is copied into the new.
    size_t expected = 64 * 1024 + exif_size;
    for (uint32_t i = 0; i < stripe_count; i++) expected += stripes[i].size + 12;
    for (int index = 0; index < text_count; index++) expected += strlen(text_keys[index]) + strlen(text_values[index]) + 13;
    output->data = (unsigned char *)malloc(expected);
    output->capacity = output->data != NULL ? expected : 0;

    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &output->failure, sid_png_on_error,
                                              sid_png_on_warning);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (info == NULL) {
        if (png != NULL) png_destroy_write_struct(&png, NULL);
        free(output->data);
        free(output);
        free(texts);
        sid_png_set_message(message, "out of memory while creating the libpng writer");
        return SID_PNG_OUT_OF_MEMORY;
    }

    if (setjmp(png_jmpbuf(png))) {
        const sid_png_status status = output->failure.status;
        png_destroy_write_struct(&png, &info);
        free(output->data);
        free(output);
        free(texts);
        return status == SID_PNG_OK ? SID_PNG_LIBPNG_ERROR : status;
    }

    png_set_write_fn(png, output, sid_png_write_to_memory, sid_png_flush_memory);
    png_set_IHDR(png, info, width, height, bit_depth, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    // png_set_sRGB_gAMA_and_cHRM would also write gAMA/cHRM; sRGB alone is what viewers honour.
    png_set_sRGB(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
    for (int index = 0; index < text_count; index++) {
        texts[index].compression = PNG_TEXT_COMPRESSION_NONE;
        texts[index].key = (png_charp)text_keys[index];
        texts[index].text = (png_charp)text_values[index];
        texts[index].text_length = strlen(text_values[index]);
    }
    if (text_count > 0) png_set_text(png, info, texts, text_count);
    // libpng copies the block; it writes eXIf before the image data, where PNG 3 readers look for it.
    if (exif_size > 0) png_set_eXIf_1(png, info, exif_size, (png_bytep)exif);

    png_write_info(png, info);
    sid_png_write_image_data(png, stripes, stripe_count, compression_level);

    png_destroy_write_struct(&png, &info);
    free(texts);
    *out_data = output->data;
    *out_size = output->size;
    free(output);
    return SID_PNG_OK;
}

void sid_png_free(void *pointer) {
    free(pointer);
}
