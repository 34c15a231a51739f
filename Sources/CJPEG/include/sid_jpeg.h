#ifndef SID_JPEG_H
#define SID_JPEG_H

// Every libjpeg call of the service lives behind this function because libjpeg reports errors by calling
// error_exit, which must not return; here it longjmps back to the function's own setjmp, and a longjmp must never
// cross a Swift frame. Errors come back as a status code plus a message. All I/O is in memory.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sid_jpeg_status {
    SID_JPEG_OK = 0,
    SID_JPEG_LIBJPEG_ERROR = 1,
    SID_JPEG_OUT_OF_MEMORY = 2,
    SID_JPEG_INVALID_ARGUMENT = 3,
} sid_jpeg_status;

/// Size of the message buffer the function fills on failure.
#define SID_JPEG_MESSAGE_CAPACITY 256

/// Encodes interleaved 8-bit RGB samples as a baseline JFIF file at `quality` (1-100), 4:2:0 below quality 90 and
/// 4:4:4 from 90 up. When exif_size > 0, the TIFF-structured EXIF block is written as an APP1 "Exif" segment
/// (at most 65527 bytes). On success *out_data is a malloc'd buffer the caller frees with sid_jpeg_free.
sid_jpeg_status sid_jpeg_encode_rgb8(const uint8_t *samples, uint32_t width, uint32_t height, int quality,
                                     const uint8_t *exif, size_t exif_size,
                                     unsigned char **out_data, size_t *out_size,
                                     char message[SID_JPEG_MESSAGE_CAPACITY]);

/// Releases a buffer returned by sid_jpeg_encode_rgb8.
void sid_jpeg_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
