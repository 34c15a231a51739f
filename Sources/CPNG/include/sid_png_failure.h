#ifndef SID_PNG_FAILURE_H
#define SID_PNG_FAILURE_H

// How a libpng error gets back to the C function that called libpng: libpng calls sid_png_on_error, which records
// why in the sid_png_failure given to png_create_*_struct as its error pointer and longjmps to that function's
// setjmp. Shared by the encoder and the test suite's decoder (Tests/CPNGTestDecoder).

#include "sid_png.h"

#ifdef __cplusplus
extern "C" {
#endif

struct png_struct_def;

typedef struct sid_png_failure {
    sid_png_status status;
    char *message;
} sid_png_failure;

/// Copies text (a generic sentence for NULL) into a message buffer of SID_PNG_MESSAGE_CAPACITY; nothing for NULL.
void sid_png_set_message(char *message, const char *text);

/// libpng's error callback: SID_PNG_LIBPNG_ERROR (unless a status was set already) and libpng's text, then longjmp.
void sid_png_on_error(struct png_struct_def *png, const char *text);

/// libpng's warning callback: warnings (an ancillary chunk's CRC, say) stop nothing and are not reported.
void sid_png_on_warning(struct png_struct_def *png, const char *text);

#ifdef __cplusplus
}
#endif

#endif
