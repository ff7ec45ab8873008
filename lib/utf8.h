/* utf8.h - strict UTF-8 validation */
#ifndef WC_UTF8_H
#define WC_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (2 to 4) of the well-formed multi-byte UTF-8 sequence at p, of which avail bytes are
 * readable, or 0 (an ASCII byte, a bad lead or continuation byte, an overlong form, a surrogate,
 * above U+10FFFF, or cut short). Inline: the JSON scanner calls it for every non-ASCII character.
 */
static inline size_t wc_utf8_sequence(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    size_t need;
    uint32_t cp, min;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (avail <= need)
        return 0;
    for (size_t k = 1; k <= need; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need + 1;
}

/* Prototypes */

/* True when s[0..n) is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF). NUL bytes are well-formed; callers that refuse them check separately. */
bool wc_utf8_valid(const char *s, size_t n);

/* Length of the longest prefix of s[0..n) that is well-formed UTF-8. */
size_t wc_utf8_valid_prefix(const char *s, size_t n);

#endif
