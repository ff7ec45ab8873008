/* percent.h - RFC 3986 percent-encoding, as curl_easy_escape() does it, without a curl handle */
#ifndef WC_PERCENT_H
#define WC_PERCENT_H

#include "buf.h"

/* Prototypes */

/* Append s, NUL-terminated, with every byte but the unreserved characters (RFC 3986 section 2.3:
 * A-Z a-z 0-9 - . _ ~) and those of keep ("" for none, "/" for an object key's separators)
 * written as %XX, upper-case hex. 0 or WC_ENOMEM. */
int percent_encode(struct wc_buf *out, const char *s, const char *keep);

#endif
