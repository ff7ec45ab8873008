/* utf8.h - strict UTF-8 validation */
#ifndef WC_UTF8_H
#define WC_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Prototypes */

/* True when s[0..n) is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF). NUL bytes are well-formed; callers that refuse them check separately. */
bool wc_utf8_valid(const char *s, size_t n);

/* Length of the longest prefix of s[0..n) that is well-formed UTF-8. */
size_t wc_utf8_valid_prefix(const char *s, size_t n);

#endif
