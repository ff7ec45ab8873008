/* json_write.c - JSON string escaping compatible with Python's json.dumps(ensure_ascii=False) */
#include "json_write.h"
#include "utf8.h"
#include "wc_error.h"

#include <string.h>

/* 1 for the bytes that need an escape or a UTF-8 check; 0 for plain ASCII written as is. */
static const unsigned char needs_care[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static int write_escape(struct wc_buf *out, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    switch (c) {
    case '"':
        return wc_buf_append(out, "\\\"", 2);
    case '\\':
        return wc_buf_append(out, "\\\\", 2);
    case '\n':
        return wc_buf_append(out, "\\n", 2);
    case '\r':
        return wc_buf_append(out, "\\r", 2);
    case '\t':
        return wc_buf_append(out, "\\t", 2);
    case '\b':
        return wc_buf_append(out, "\\b", 2);
    case '\f':
        return wc_buf_append(out, "\\f", 2);
    default: {
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        return wc_buf_append(out, esc, sizeof esc);
    }
    }
}

int json_write_string(struct wc_buf *out, const char *s, size_t len)
{
    /* Reserve for the common case (no escapes) so the loop below rarely reallocates. */
    if (wc_buf_reserve(out, len + 2) != 0)
        return WC_ENOMEM;
    out->data[out->len++] = '"';
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        while (run < len && !needs_care[(unsigned char)s[run]])
            run++;
        if (run > i && wc_buf_append(out, s + i, run - i) != 0)
            return WC_ENOMEM;
        i = run;
        if (i == len)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (write_escape(out, c) != 0)
                return WC_ENOMEM;
            i++;
            continue;
        }
        /* A run of non-ASCII bytes: copy its well-formed prefix, replace one bad byte. */
        size_t end = i;
        while (end < len && (unsigned char)s[end] >= 0x80)
            end++;
        size_t good = wc_utf8_valid_prefix(s + i, end - i);
        if (good > 0) {
            if (wc_buf_append(out, s + i, good) != 0)
                return WC_ENOMEM;
            i += good;
        } else {
            if (wc_buf_append(out, "\xEF\xBF\xBD", 3) != 0)
                return WC_ENOMEM;
            i++;
        }
    }
    return wc_buf_putc(out, '"');
}

int json_write_cstring(struct wc_buf *out, const char *s)
{
    if (s == NULL)
        return wc_buf_append(out, "null", 4);
    return json_write_string(out, s, strlen(s));
}

int json_write_string_array(struct wc_buf *out, const char *const *items, size_t n)
{
    if (wc_buf_putc(out, '[') != 0)
        return WC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && wc_buf_putc(out, ',') != 0)
            return WC_ENOMEM;
        if (json_write_cstring(out, items[i]) != 0)
            return WC_ENOMEM;
    }
    return wc_buf_putc(out, ']');
}
