/* num.c - whole numbers from text */
#include "num.h"
#include "wc_error.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Redis's memory units (redis.conf): k, m, g are powers of 1000, kb, mb, gb of 1024. */
static const struct {
    const char *suffix;
    long long factor;
} byte_units[] = {
    {"k", 1000LL},
    {"kb", 1024LL},
    {"m", 1000LL * 1000},
    {"mb", 1024LL * 1024},
    {"g", 1000LL * 1000 * 1000},
    {"gb", 1024LL * 1024 * 1024},
};

int num_parse_bytes(const char *text, long long min, long long max, long long *out)
{
    if (text == NULL)
        return WC_EINVAL;
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits >= 24)
        return WC_EINVAL;
    long long factor = 1;
    if (text[digits] != '\0') {
        factor = 0;
        for (size_t i = 0; i < sizeof byte_units / sizeof byte_units[0]; i++)
            if (strcasecmp(text + digits, byte_units[i].suffix) == 0)
                factor = byte_units[i].factor;
        if (factor == 0)
            return WC_EINVAL;
    }
    char number[24];
    memcpy(number, text, digits);
    number[digits] = '\0';
    long long n;
    if (num_parse_ll(number, 0, LLONG_MAX, &n) != 0 || n > LLONG_MAX / factor || n * factor < min ||
        n * factor > max)
        return WC_EINVAL;
    *out = n * factor;
    return 0;
}
