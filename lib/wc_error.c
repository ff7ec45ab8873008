/* wc_error.c - filling struct wc_error */
#include "wc_error.h"

#include <stdarg.h>
#include <stdio.h>

int wc_error_set(struct wc_error *err, int code, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

const char *wc_strerror(int code)
{
    switch (code) {
    case WC_OK:
        return "ok";
    case WC_ENOMEM:
        return "out of memory";
    case WC_EINVAL:
        return "invalid value";
    case WC_EPARSE:
        return "parse error";
    case WC_ELIMIT:
        return "limit exceeded";
    case WC_EIO:
        return "i/o error";
    case WC_ESTOP:
        return "stopped";
    case WC_EREMOTE:
        return "remote error";
    case WC_EDENIED:
        return "not allowed";
    case WC_EFULL:
        return "store full";
    default:
        return "unknown error";
    }
}
