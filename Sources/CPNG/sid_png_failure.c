#include "sid_png_failure.h"

#include <png.h>
#include <string.h>

void sid_png_set_message(char *message, const char *text) {
    if (message == NULL) return;
    strncpy(message, text != NULL ? text : "unknown libpng error", SID_PNG_MESSAGE_CAPACITY - 1);
    message[SID_PNG_MESSAGE_CAPACITY - 1] = '\0';
}

void sid_png_on_error(png_structp png, png_const_charp text) {
    sid_png_failure *failure = (sid_png_failure *)png_get_error_ptr(png);
    if (failure != NULL) {
        if (failure->status == SID_PNG_OK) failure->status = SID_PNG_LIBPNG_ERROR;
        sid_png_set_message(failure->message, text);
    }
    png_longjmp(png, 1);
}

void sid_png_on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}
