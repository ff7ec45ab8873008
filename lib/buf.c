/* buf.c - a growable byte buffer that is always NUL-terminated */
#include "buf.h"
#include "wc_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wc_buf_reserve(struct wc_buf *b, size_t extra)
{
    if (extra > (size_t)-1 - b->len - 1)
        return WC_ENOMEM;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > (size_t)-1 / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (p == NULL)
        return WC_ENOMEM;
    b->data = p;
    b->cap = cap;
    b->data[b->len] = '\0';
    return 0;
}

int wc_buf_append(struct wc_buf *b, const void *p, size_t n)
{
    if (wc_buf_reserve(b, n) != 0)
        return WC_ENOMEM;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int wc_buf_puts(struct wc_buf *b, const char *s)
{
    return wc_buf_append(b, s, strlen(s));
}

int wc_buf_putc(struct wc_buf *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return wc_buf_append(b, &c, 1);
}

int wc_buf_printf(struct wc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || wc_buf_reserve(b, (size_t)n) != 0)
        return WC_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

void wc_buf_reset(struct wc_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void wc_buf_free(struct wc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *wc_buf_detach(struct wc_buf *b, size_t *len)
{
    if (b->data == NULL && wc_buf_reserve(b, 0) != 0)
        return NULL;
    b->data[b->len] = '\0';
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
