#include "sid_jpeg.h"

// jpeglib.h names FILE without including stdio.h.
#include <stdio.h>

#include <jerror.h>
#include <jpeglib.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

// libjpeg's error manager extended with the jump target and where the message goes.
typedef struct sid_jpeg_error {
    struct jpeg_error_mgr manager;
    jmp_buf jump;
    char *message;
    sid_jpeg_status status;
} sid_jpeg_error;

static void sid_jpeg_set_message(char *message, const char *text) {
    if (message == NULL) return;
    strncpy(message, text != NULL ? text : "unknown libjpeg error", SID_JPEG_MESSAGE_CAPACITY - 1);
    message[SID_JPEG_MESSAGE_CAPACITY - 1] = '\0';
}

static void sid_jpeg_on_error(j_common_ptr cinfo) {
    sid_jpeg_error *error = (sid_jpeg_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    sid_jpeg_set_message(error->message, text);
    error->status = cinfo->err->msg_code == JERR_OUT_OF_MEMORY ? SID_JPEG_OUT_OF_MEMORY : SID_JPEG_LIBJPEG_ERROR;
    longjmp(error->jump, 1);
}

static void sid_jpeg_on_message(j_common_ptr cinfo) {
    // Warnings and traces do not stop encoding; libjpeg's default would print them to stderr.
    (void)cinfo;
}

sid_jpeg_status sid_jpeg_encode_rgb8(const uint8_t *samples, uint32_t width, uint32_t height, int quality,
                                     const uint8_t *exif, size_t exif_size,
                                     unsigned char **out_data, size_t *out_size,
                                     char message[SID_JPEG_MESSAGE_CAPACITY]) {
    // JPEG's dimensions are 16-bit; an APP1 segment holds 65533 bytes after its length, 6 of them "Exif\0\0".
    if (out_data == NULL || out_size == NULL || samples == NULL || width == 0 || height == 0 ||
        width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION || quality < 1 || quality > 100 ||
        exif_size > 65527 || (exif_size > 0 && exif == NULL)) {
        sid_jpeg_set_message(message, "invalid arguments to sid_jpeg_encode_rgb8");
        return SID_JPEG_INVALID_ARGUMENT;
    }
    *out_data = NULL;
    *out_size = 0;

    // What a longjmp must find intact lives on the heap (or is not written after setjmp), so nothing needs volatile.
    struct jpeg_compress_struct *cinfo = (struct jpeg_compress_struct *)calloc(1, sizeof(*cinfo));
    sid_jpeg_error *error = (sid_jpeg_error *)calloc(1, sizeof(*error));
    unsigned char **buffer = (unsigned char **)calloc(1, sizeof(unsigned char *));
    unsigned long *size = (unsigned long *)calloc(1, sizeof(unsigned long));
    unsigned char *segment = exif_size > 0 ? (unsigned char *)malloc(exif_size + 6) : NULL;
    if (cinfo == NULL || error == NULL || buffer == NULL || size == NULL || (exif_size > 0 && segment == NULL)) {
        free(cinfo);
        free(error);
        free(buffer);
        free(size);
        free(segment);
        sid_jpeg_set_message(message, "out of memory while preparing the JPEG encoder");
        return SID_JPEG_OUT_OF_MEMORY;
    }
    cinfo->err = jpeg_std_error(&error->manager);
    error->manager.error_exit = sid_jpeg_on_error;
    error->manager.output_message = sid_jpeg_on_message;
    error->message = message;
    error->status = SID_JPEG_OK;

    if (setjmp(error->jump)) {
        const sid_jpeg_status status = error->status == SID_JPEG_OK ? SID_JPEG_LIBJPEG_ERROR : error->status;
        jpeg_destroy_compress(cinfo);
        free(*buffer);
        free(cinfo);
        free(error);
        free(buffer);
        free(size);
        free(segment);
        return status;
    }

    jpeg_create_compress(cinfo);
    jpeg_mem_dest(cinfo, buffer, size);
    cinfo->image_width = width;
    cinfo->image_height = height;
    cinfo->input_components = 3;
    cinfo->in_color_space = JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    // Chroma subsampling halves the colour detail; at the qualities people pick for finals, keep it all.
    if (quality >= 90) {
        for (int component = 0; component < cinfo->num_components; component++) {
            cinfo->comp_info[component].h_samp_factor = 1;
            cinfo->comp_info[component].v_samp_factor = 1;
        }
    }
    cinfo->optimize_coding = FALSE;
    cinfo->dct_method = JDCT_ISLOW;
    jpeg_start_compress(cinfo, TRUE);
    if (exif_size > 0) {
        memcpy(segment, "Exif\0\0", 6);
        memcpy(segment + 6, exif, exif_size);
        jpeg_write_marker(cinfo, JPEG_APP0 + 1, segment, (unsigned int)(exif_size + 6));
    }
    const size_t stride = (size_t)width * 3;
    while (cinfo->next_scanline < cinfo->image_height) {
        JSAMPROW row = (JSAMPROW)(samples + (size_t)cinfo->next_scanline * stride);
        jpeg_write_scanlines(cinfo, &row, 1);
    }
    jpeg_finish_compress(cinfo);
    jpeg_destroy_compress(cinfo);

    *out_data = *buffer;
    *out_size = (size_t)*size;
    free(cinfo);
    free(error);
    free(buffer);
    free(size);
    free(segment);
    return SID_JPEG_OK;
}

void sid_jpeg_free(void *pointer) {
    free(pointer);
}
