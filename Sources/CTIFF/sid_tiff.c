#include "sid_tiff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

// The file as libtiff writes it: a buffer it may seek back into (it patches offsets after the image data).
typedef struct sid_tiff_memory {
    unsigned char *data;
    size_t size;
    size_t capacity;
    size_t position;
    int out_of_memory;
    char *message;
    int failed;
} sid_tiff_memory;

static void sid_tiff_set_message(char *message, const char *text) {
    if (message == NULL) return;
    strncpy(message, text != NULL ? text : "unknown libtiff error", SID_TIFF_MESSAGE_CAPACITY - 1);
    message[SID_TIFF_MESSAGE_CAPACITY - 1] = '\0';
}

static int sid_tiff_on_error(TIFF *tif, void *user_data, const char *module, const char *format, va_list args) {
    (void)tif;
    (void)module;
    sid_tiff_memory *memory = (sid_tiff_memory *)user_data;
    // The first error is the cause; what follows is libtiff unwinding.
    if (memory != NULL && !memory->failed) {
        char text[SID_TIFF_MESSAGE_CAPACITY];
        vsnprintf(text, sizeof(text), format, args);
        sid_tiff_set_message(memory->message, text);
        memory->failed = 1;
    }
    return 1;
}

static int sid_tiff_on_warning(TIFF *tif, void *user_data, const char *module, const char *format, va_list args) {
    // Warnings do not stop encoding; returning 1 keeps libtiff from printing them to stderr.
    (void)tif;
    (void)user_data;
    (void)module;
    (void)format;
    (void)args;
    return 1;
}

static tmsize_t sid_tiff_read(thandle_t handle, void *buffer, tmsize_t size) {
    sid_tiff_memory *memory = (sid_tiff_memory *)handle;
    if (size < 0 || memory->position >= memory->size) return 0;
    size_t count = memory->size - memory->position;
    if ((size_t)size < count) count = (size_t)size;
    memcpy(buffer, memory->data + memory->position, count);
    memory->position += count;
    return (tmsize_t)count;
}

static tmsize_t sid_tiff_write(thandle_t handle, void *buffer, tmsize_t size) {
    sid_tiff_memory *memory = (sid_tiff_memory *)handle;
    if (size < 0 || (size_t)size > SIZE_MAX - memory->position) return -1;
    const size_t end = memory->position + (size_t)size;
    if (end > memory->capacity) {
        size_t capacity = memory->capacity > 0 ? memory->capacity : 1 << 16;
        while (capacity < end) capacity = capacity > SIZE_MAX / 2 ? end : capacity * 2;
        unsigned char *grown = (unsigned char *)realloc(memory->data, capacity);
        if (grown == NULL) {
            memory->out_of_memory = 1;
            return -1;
        }
        memory->data = grown;
        memory->capacity = capacity;
    }
    // A seek past the end leaves a gap libtiff expects to read back as zeros.
    if (memory->position > memory->size) memset(memory->data + memory->size, 0, memory->position - memory->size);
    memcpy(memory->data + memory->position, buffer, (size_t)size);
    memory->position = end;
    if (end > memory->size) memory->size = end;
    return size;
}

static toff_t sid_tiff_seek(thandle_t handle, toff_t offset, int whence) {
    sid_tiff_memory *memory = (sid_tiff_memory *)handle;
    uint64_t base = whence == SEEK_CUR ? memory->position : whence == SEEK_END ? memory->size : 0;
    const uint64_t target = base + offset;
    if (target > (uint64_t)SIZE_MAX) return (toff_t)-1;
    memory->position = (size_t)target;
    return target;
}

static int sid_tiff_close(thandle_t handle) {
    (void)handle;
    return 0;
}

static toff_t sid_tiff_size(thandle_t handle) {
    return ((sid_tiff_memory *)handle)->size;
}

static int sid_tiff_map(thandle_t handle, void **base, toff_t *size) {
    (void)handle;
    (void)base;
    (void)size;
    return 0;
}

static void sid_tiff_unmap(thandle_t handle, void *base, toff_t size) {
    (void)handle;
    (void)base;
    (void)size;
}

static int sid_tiff_known_text_tag(uint32_t tag) {
    return tag == TIFFTAG_IMAGEDESCRIPTION || tag == TIFFTAG_MAKE || tag == TIFFTAG_MODEL ||
           tag == TIFFTAG_SOFTWARE || tag == TIFFTAG_DATETIME || tag == TIFFTAG_ARTIST || tag == TIFFTAG_COPYRIGHT;
}

static int sid_tiff_has_text(const char *text) {
    return text != NULL && text[0] != '\0';
}

/// Writes the Exif IFD after the image's IFD, then points IFD0's ExifIFD at it (libtiff's custom-directory
/// sequence: the offset is only known once the custom directory is written). libtiff keeps rationals as floats, so
/// 1/30 s is read back as 0.0333333351: a display rounds it to 1/30, a reader comparing to 1e-6 finds it.
static int sid_tiff_write_exif(TIFF *tif, const sid_tiff_exif *exif) {
    // Unlike the rest of libtiff, TIFFCreateEXIFDirectory returns 0 on success.
    if (TIFFCreateEXIFDirectory(tif) != 0) return 0;
    int ok = TIFFSetField(tif, EXIFTAG_EXIFVERSION, "0231");
    if (ok && exif->exposure_time > 0) ok = TIFFSetField(tif, EXIFTAG_EXPOSURETIME, exif->exposure_time);
    if (ok && exif->f_number > 0) ok = TIFFSetField(tif, EXIFTAG_FNUMBER, exif->f_number);
    if (ok && exif->iso > 0) {
        const uint16_t iso = exif->iso > 65535 ? 65535 : (uint16_t)exif->iso;
        ok = TIFFSetField(tif, EXIFTAG_ISOSPEEDRATINGS, 1, &iso);
    }
    if (ok && sid_tiff_has_text(exif->date_time_original)) {
        ok = TIFFSetField(tif, EXIFTAG_DATETIMEORIGINAL, exif->date_time_original);
    }
    if (ok && exif->focal_length > 0) ok = TIFFSetField(tif, EXIFTAG_FOCALLENGTH, exif->focal_length);
    if (ok && sid_tiff_has_text(exif->lens_model)) ok = TIFFSetField(tif, EXIFTAG_LENSMODEL, exif->lens_model);
    uint64_t offset = 0;
    if (ok) ok = TIFFWriteCustomDirectory(tif, &offset);
    if (ok) ok = TIFFSetDirectory(tif, 0);
    if (ok) ok = TIFFSetField(tif, TIFFTAG_EXIFIFD, offset);
    if (ok) ok = TIFFRewriteDirectory(tif);
    return ok;
}

sid_tiff_status sid_tiff_encode_rgb(const void *samples, uint32_t width, uint32_t height, int bit_depth,
                                    int compression, int deflate_level, int orientation,
                                    const sid_tiff_text *texts, int text_count, const sid_tiff_exif *exif,
                                    unsigned char **out_data, size_t *out_size,
                                    char message[SID_TIFF_MESSAGE_CAPACITY]) {
    int valid = out_data != NULL && out_size != NULL && samples != NULL && width > 0 && height > 0 &&
                (bit_depth == 8 || bit_depth == 16) && deflate_level >= 1 && deflate_level <= 9 &&
                orientation >= 1 && orientation <= 8 &&
                (compression == SID_TIFF_COMPRESSION_NONE || compression == SID_TIFF_COMPRESSION_LZW ||
                 compression == SID_TIFF_COMPRESSION_DEFLATE) &&
                text_count >= 0 && (text_count == 0 || texts != NULL);
    for (int index = 0; valid && index < text_count; index++) {
        valid = texts[index].value != NULL && sid_tiff_known_text_tag(texts[index].tag);
    }
    if (!valid) {
        sid_tiff_set_message(message, "invalid arguments to sid_tiff_encode_rgb");
        return SID_TIFF_INVALID_ARGUMENT;
    }
    *out_data = NULL;
    *out_size = 0;

    sid_tiff_memory memory = {.message = message};
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) {
        sid_tiff_set_message(message, "out of memory while preparing the TIFF encoder");
        return SID_TIFF_OUT_OF_MEMORY;
    }
    TIFFOpenOptionsSetErrorHandlerExtR(options, sid_tiff_on_error, &memory);
    TIFFOpenOptionsSetWarningHandlerExtR(options, sid_tiff_on_warning, &memory);
    // "l": little-endian, as most writers; classic TIFF, so files over 4 GiB fail with libtiff's message.
    TIFF *tif = TIFFClientOpenExt("sid.tiff", "wl", (thandle_t)&memory, sid_tiff_read, sid_tiff_write,
                                  sid_tiff_seek, sid_tiff_close, sid_tiff_size, sid_tiff_map, sid_tiff_unmap,
                                  options);
    TIFFOpenOptionsFree(options);
    if (tif == NULL) {
        if (!memory.failed) sid_tiff_set_message(message, "libtiff could not start the file");
        free(memory.data);
        return memory.out_of_memory ? SID_TIFF_OUT_OF_MEMORY : SID_TIFF_LIBTIFF_ERROR;
    }

    const size_t row_bytes = (size_t)width * 3 * (size_t)(bit_depth / 8);
    // About 256 KiB per strip: big enough for the compressors, small enough for readers that load a strip at once.
    uint32_t rows_per_strip = (uint32_t)((256u * 1024u) / row_bytes);
    if (rows_per_strip == 0) rows_per_strip = 1;
    if (rows_per_strip > height) rows_per_strip = height;

    int ok = TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, width) && TIFFSetField(tif, TIFFTAG_IMAGELENGTH, height) &&
             TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3) && TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, bit_depth) &&
             TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_UINT) &&
             TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB) &&
             TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
             TIFFSetField(tif, TIFFTAG_ORIENTATION, orientation) &&
             TIFFSetField(tif, TIFFTAG_COMPRESSION, compression) &&
             TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip);
    if (ok && compression != SID_TIFF_COMPRESSION_NONE) {
        ok = TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
    }
    if (ok && compression == SID_TIFF_COMPRESSION_DEFLATE) ok = TIFFSetField(tif, TIFFTAG_ZIPQUALITY, deflate_level);
    for (int index = 0; ok && index < text_count; index++) {
        ok = TIFFSetField(tif, texts[index].tag, texts[index].value);
    }
    // The pointer is written now and patched once the Exif IFD has an offset, so IFD0 keeps its size and is
    // rewritten in place rather than copied to the end of the file.
    if (ok && exif != NULL) ok = TIFFSetField(tif, TIFFTAG_EXIFIFD, (uint64_t)0);
    // libtiff's predictor works in place on the strip it is given, so each strip goes through a scratch copy.
    unsigned char *scratch = ok ? (unsigned char *)malloc(row_bytes * rows_per_strip) : NULL;
    if (ok && scratch == NULL) {
        memory.out_of_memory = 1;
        ok = 0;
    }
    const unsigned char *bytes = (const unsigned char *)samples;
    for (uint32_t row = 0, strip = 0; ok && row < height; row += rows_per_strip, strip++) {
        const uint32_t rows = height - row < rows_per_strip ? height - row : rows_per_strip;
        const size_t length = row_bytes * rows;
        memcpy(scratch, bytes + row_bytes * row, length);
        ok = TIFFWriteEncodedStrip(tif, strip, scratch, (tmsize_t)length) >= 0;
    }
    free(scratch);
    if (ok) ok = TIFFWriteDirectory(tif);
    if (ok && exif != NULL) ok = sid_tiff_write_exif(tif, exif);
    TIFFClose(tif);
    if (!ok || memory.failed || memory.out_of_memory) {
        if (memory.out_of_memory) {
            sid_tiff_set_message(message, "out of memory while writing the TIFF file");
        } else if (!memory.failed) {
            sid_tiff_set_message(message, "libtiff could not write the TIFF file");
        }
        free(memory.data);
        return memory.out_of_memory ? SID_TIFF_OUT_OF_MEMORY : SID_TIFF_LIBTIFF_ERROR;
    }
    *out_data = memory.data;
    *out_size = memory.size;
    return SID_TIFF_OK;
}

void sid_tiff_free(void *pointer) {
    free(pointer);
}
