/* num.h - whole numbers from text: the one parser behind every flag, setting and query parameter */
#ifndef WC_NUM_H
#define WC_NUM_H

#include <stddef.h>

/* Prototypes */

/* Parse text as a whole decimal number in [min, max] into *out. The whole string must be the
 * number: no blanks, no sign other than a leading '-', nothing after the digits. Returns 0, or
 * WC_EINVAL (and *out unchanged) for anything else, including a number out of range. */
int num_parse_long(const char *text, long min, long max, long *out);

/* The same for the len bytes at text (not NUL-terminated, as a JSON scanner hands them over). */
int num_parse_long_n(const char *text, size_t len, long min, long max, long *out);

/* The same for long long, for counters and stream cursors. */
int num_parse_ll(const char *text, long long min, long long max, long long *out);

/* A size in bytes as Redis writes one: digits, then nothing or one of Redis's units (k, m, g:
 * powers of 1000; kb, mb, gb: powers of 1024; any case), so that a memory setting is spelled the
 * same for wikicrawl and for redis-server ("512mb"). Within [min, max] once multiplied. 0, or
 * WC_EINVAL (*out unchanged) for anything else, a product that overflows included. */
int num_parse_bytes(const char *text, long long min, long long max, long long *out);

#endif
