/* utf8.c - strict UTF-8 validation */
#include "utf8.h"

size_t wc_utf8_valid_prefix(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = wc_utf8_sequence(s + i, n - i);
        if (len == 0)
            return i;
        i += len;
    }
    return i;
}

bool wc_utf8_valid(const char *s, size_t n)
{
    return wc_utf8_valid_prefix(s, n) == n;
}
