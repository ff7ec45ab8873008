/* num.c - whole numbers from text */
#include "num.h"
#include "wc_error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int num_parse_ll(const char *text, long long min, long long max, long long *out)
{
    /* strtoll skips leading blanks and accepts '+': a setting or parameter must not. */
    if (text == NULL || !(text[0] == '-' || (text[0] >= '0' && text[0] <= '9')))
        return WC_EINVAL;
    char *end;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || n < min || n > max)
        return WC_EINVAL;
    *out = n;
    return 0;
}

int num_parse_long(const char *text, long min, long max, long *out)
{
    long long n;
    int rc = num_parse_ll(text, min, max, &n);
    if (rc == 0)
        *out = (long)n;
    return rc;
}

int num_parse_long_n(const char *text, size_t len, long min, long max, long *out)
{
    char copy[32]; /* more digits than any long has: refused without reading past len */
    if (len == 0 || len >= sizeof copy)
        return WC_EINVAL;
    memcpy(copy, text, len);
    copy[len] = '\0';
    return num_parse_long(copy, min, max, out);
}
