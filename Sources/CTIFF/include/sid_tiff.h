#ifndef SID_TIFF_H
#define SID_TIFF_H

// Every libtiff call of the service lives behind this function: libtiff's I/O is a set of callbacks, here over a
// growing memory buffer, and its errors go to a per-file handler that records the message instead of libtiff's
// process-wide handler that prints to stderr.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sid_tiff_status {
    SID_TIFF_OK = 0,
    SID_TIFF_LIBTIFF_ERROR = 1,
    SID_TIFF_OUT_OF_MEMORY = 2,
    SID_TIFF_INVALID_ARGUMENT = 3,
} sid_tiff_status;

/// Compression schemes sid_tiff_encode_rgb writes (values are the TIFF Compression tag's).
enum {
    SID_TIFF_COMPRESSION_NONE = 1,
    SID_TIFF_COMPRESSION_LZW = 5,
    SID_TIFF_COMPRESSION_DEFLATE = 8,
};

/// Size of the message buffer the function fills on failure.
#define SID_TIFF_MESSAGE_CAPACITY 256

/// An ASCII tag of the first IFD (ImageDescription 270, Make 271, Model 272, Software 305, DateTime 306,
/// Artist 315, Copyright 33432); other tags are refused as an invalid argument.
typedef struct sid_tiff_text {
    uint32_t tag;
    const char *value;
} sid_tiff_text;

/// The camera's exposure, for an Exif IFD that the first IFD points to (ExifIFD, 34665). Numbers <= 0 and NULL or
/// empty strings are left out, as the camera did not record them; ExifVersion is always written.
typedef struct sid_tiff_exif {
    double exposure_time;  // seconds
    double f_number;
    double focal_length;   // millimetres
    int iso;
    const char *date_time_original;  // "YYYY:MM:DD HH:MM:SS"
    const char *lens_model;
} sid_tiff_exif;

/// Encodes interleaved RGB samples (uint8_t for bit_depth 8, host-order uint16_t for 16) as a baseline
/// little-endian TIFF: one IFD, chunky RGB, strips, the given Orientation (1-8; 1: the samples are upright) and
/// ASCII tags, and an Exif IFD when `exif` is not NULL.
/// LZW and Deflate use the horizontal-differencing predictor; deflate_level (1-9) applies to Deflate.
/// On success *out_data is a malloc'd buffer the caller frees with sid_tiff_free.
sid_tiff_status sid_tiff_encode_rgb(const void *samples, uint32_t width, uint32_t height, int bit_depth,
                                    int compression, int deflate_level, int orientation,
                                    const sid_tiff_text *texts, int text_count, const sid_tiff_exif *exif,
                                    unsigned char **out_data, size_t *out_size,
                                    char message[SID_TIFF_MESSAGE_CAPACITY]);

/// Releases a buffer returned by sid_tiff_encode_rgb.
void sid_tiff_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
