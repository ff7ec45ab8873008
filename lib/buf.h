/* buf.h - a growable byte buffer that is always NUL-terminated */
#ifndef WC_BUF_H
#define WC_BUF_H

#include <stddef.h>

/* data is NULL until the first append; after any successful append data[len] == '\0'.
 * The buffer owns data; wc_buf_free() releases it, wc_buf_detach() hands it to the caller. */
struct wc_buf {
    char *data;
    size_t len;
    size_t cap;
};

#define WC_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Prototypes */

/* Make room for `extra` more bytes (plus the NUL). 0 or WC_ENOMEM. */
int wc_buf_reserve(struct wc_buf *b, size_t extra);

/* Append n bytes / a C string / one byte. 0 or WC_ENOMEM; on failure the buffer is unchanged. */
int wc_buf_append(struct wc_buf *b, const void *p, size_t n);
int wc_buf_puts(struct wc_buf *b, const char *s);
int wc_buf_putc(struct wc_buf *b, char c);

/* Append printf-style text. 0 or WC_ENOMEM. */
int wc_buf_printf(struct wc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Forget the contents, keep the memory. */
void wc_buf_reset(struct wc_buf *b);

/* Release the memory; the buffer is empty and reusable afterwards. */
void wc_buf_free(struct wc_buf *b);

/* Take the contents (NUL-terminated, never NULL unless out of memory): the caller frees them with
 * free(); the buffer is left empty. */
char *wc_buf_detach(struct wc_buf *b, size_t *len);

#endif
