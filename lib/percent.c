/* percent.c - RFC 3986 percent-encoding */
#include "percent.h"

#include <string.h>

#include "wc_error.h"

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int percent_encode(struct wc_buf *out, const char *s, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int rc;
        if (is_unreserved(*p) || strchr(keep, *p) != NULL) {
            rc = wc_buf_putc(out, (char)*p);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = wc_buf_append(out, esc, sizeof esc);
        }
        if (rc != 0)
            return WC_ENOMEM;
    }
    return 0;
}
