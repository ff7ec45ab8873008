/* json_write.h - writing JSON strings byte-compatible with Python's json.dumps(ensure_ascii=False)
 */
#ifndef WC_JSON_WRITE_H
#define WC_JSON_WRITE_H

#include <stddef.h>

#include "buf.h"

/* The reference records are written by Python's json.dumps(..., ensure_ascii=False,
 * separators=(",", ":")), so we escape exactly as it does: \" \\ \n \r \t \b \f, other bytes below
 * 0x20 as \u00XX (lower-case hex), everything else raw. Bytes that are not well-formed UTF-8 are
 * written as U+FFFD so that the output is always valid UTF-8. */

/* Prototypes */

/* Append s[0..len) as a quoted JSON string. 0 or WC_ENOMEM. */
int json_write_string(struct wc_buf *out, const char *s, size_t len);

/* The same for a NUL-terminated string; NULL is written as null. */
int json_write_cstring(struct wc_buf *out, const char *s);

/* Append a JSON array of strings. 0 or WC_ENOMEM. */
int json_write_string_array(struct wc_buf *out, const char *const *items, size_t n);

#endif
