/* chunk.c - a batch of titles of one job, its compact wire form, and queue references to it */
#include "chunk.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MAGIC "wc1:"
#define CHUNK_MAGIC_LEN 4

int chunk_titles_for(long asked)
{
    return asked > CHUNK_TURN_TITLES ? CHUNK_TURN_TITLES : (int)asked;
}

void chunk_builder_init(struct chunk_builder *b)
{
    struct wc_buf empty = WC_BUF_INIT;
    b->body = empty;
    b->n_titles = 0;
}

int chunk_builder_add(struct chunk_builder *b, const char *title, size_t len)
{
    if (len == 0)
        return WC_EINVAL;
    size_t old_len = b->body.len;
    char prefix[32];
    int n = snprintf(prefix, sizeof prefix, "%s%zu:", old_len == 0 ? CHUNK_MAGIC : "", len);
    if (n < 0 || (size_t)n >= sizeof prefix)
        return WC_EINVAL;
    /* Reserve everything first so that a failure leaves the body as it was. */
    if ((size_t)n > (size_t)-1 - len - 1 || wc_buf_reserve(&b->body, (size_t)n + len + 1) != 0)
        return WC_ENOMEM;
    if (wc_buf_append(&b->body, prefix, (size_t)n) != 0 ||
        wc_buf_append(&b->body, title, len) != 0 || wc_buf_putc(&b->body, ',') != 0) {
        b->body.len = old_len;
        b->body.data[old_len] = '\0';
        return WC_ENOMEM;
    }
    b->n_titles++;
    return 0;
}

const char *chunk_builder_data(const struct chunk_builder *b, size_t *len)
{
    if (b->body.len == 0) {
        *len = CHUNK_MAGIC_LEN;
        return CHUNK_MAGIC;
    }
    *len = b->body.len;
    return b->body.data;
}

void chunk_builder_reset(struct chunk_builder *b)
{
    wc_buf_reset(&b->body);
    b->n_titles = 0;
}

void chunk_builder_free(struct chunk_builder *b)
{
    wc_buf_free(&b->body);
    b->n_titles = 0;
}

/* One netstring at data[*pos]: sets *title_at and *title_len and moves *pos past the ','.
 * Decoding is strict so that a corrupted or foreign body is refused rather than misread. */
static int read_netstring(const char *data, size_t len, size_t *pos, size_t *title_at,
                          size_t *title_len, struct wc_error *err)
{
    size_t start = *pos;
    size_t i = start;
    size_t value = 0;
    if (i >= len || data[i] < '0' || data[i] > '9')
        return wc_error_set(err, WC_EPARSE, "byte %zu: expected a decimal length", i);
    if (data[i] == '0') {
        if (i + 1 < len && data[i + 1] >= '0' && data[i + 1] <= '9')
            return wc_error_set(err, WC_EPARSE, "byte %zu: length with a leading zero", i);
        return wc_error_set(err, WC_EPARSE, "byte %zu: empty title (length 0)", i);
    }
    while (i < len && data[i] >= '0' && data[i] <= '9') {
        /* Anything longer than what is left cannot fit: stop before it can overflow. */
        if (value > len)
            return wc_error_set(err, WC_EPARSE, "byte %zu: length runs past the end", start);
        value = value * 10 + (size_t)(data[i] - '0');
        i++;
    }
    if (i >= len || data[i] != ':')
        return wc_error_set(err, WC_EPARSE, "byte %zu: expected ':' after the length", i);
    i++;
    if (value > len - i || len - i - value < 1)
        return wc_error_set(err, WC_EPARSE,
                            "byte %zu: length %zu runs past the end (%zu bytes left)", start, value,
                            len - i);
    if (data[i + value] != ',')
        return wc_error_set(err, WC_EPARSE, "byte %zu: expected ',' after the title", i + value);
    *title_at = i;
    *title_len = value;
    *pos = i + value + 1;
    return 0;
}

int chunk_decode(const char *data, size_t len, struct chunk **out, struct wc_error *err)
{
    *out = NULL;
    if (len < CHUNK_MAGIC_LEN || memcmp(data, CHUNK_MAGIC, CHUNK_MAGIC_LEN) != 0)
        return wc_error_set(err, WC_EPARSE, "byte 0: not a chunk (no \"wc1:\" prefix)");

    /* First pass: validate and size everything, so that one allocation holds it all. */
    size_t n = 0;
    size_t text_bytes = 0;
    size_t pos = CHUNK_MAGIC_LEN;
    while (pos < len) {
        /* No writer makes bigger chunks: a body that has more is not ours, and the worker's
         * memory for a chunk is sized by the limit. */
        if (n == CHUNK_MAX_SIZE)
            return wc_error_set(err, WC_EPARSE, "byte %zu: more than %d titles", pos,
                                CHUNK_MAX_SIZE);
        size_t at = 0;
        size_t title_len = 0;
        int rc = read_netstring(data, len, &pos, &at, &title_len, err);
        if (rc != 0)
            return rc;
        n++;
        text_bytes += title_len + 1;
    }

    struct chunk *c = calloc(1, sizeof *c);
    if (c == NULL)
        goto nomem;
    c->titles = calloc(n ? n : 1, sizeof *c->titles);
    c->lens = calloc(n ? n : 1, sizeof *c->lens);
    c->storage = malloc(text_bytes ? text_bytes : 1);
    if (c->titles == NULL || c->lens == NULL || c->storage == NULL)
        goto nomem;

    /* Second pass: copy. The body was validated above, so reading it again cannot fail. */
    char *dst = c->storage;
    pos = CHUNK_MAGIC_LEN;
    for (size_t k = 0; k < n; k++) {
        size_t at = 0;
        size_t title_len = 0;
        read_netstring(data, len, &pos, &at, &title_len, NULL);
        memcpy(dst, data + at, title_len);
        dst[title_len] = '\0';
        c->titles[k] = dst;
        c->lens[k] = title_len;
        dst += title_len + 1;
    }
    c->n_titles = n;
    *out = c;
    return 0;

nomem:
    chunk_free(c);
    return wc_error_set(err, WC_ENOMEM, "out of memory");
}

void chunk_free(struct chunk *c)
{
    if (c == NULL)
        return;
    free(c->storage);
    free(c->lens);
    free(c->titles);
    free(c);
}

int chunk_ref_format(char *out, size_t out_size, const char *job_id, uint64_t seq)
{
    if (out_size == 0)
        return WC_ELIMIT;
    int n = snprintf(out, out_size, "%s/%" PRIu64, job_id, seq);
    if (n < 0 || (size_t)n >= out_size) {
        out[0] = '\0';
        return WC_ELIMIT;
    }
    return n;
}

int chunk_ref_parse(const char *ref, size_t len, char *job_id, size_t job_id_size, uint64_t *seq)
{
    /* The sequence follows the last '/', so an id holding a '/' still round-trips. */
    size_t slash = len;
    for (size_t i = len; i > 0; i--) {
        if (ref[i - 1] == '/') {
            slash = i - 1;
            break;
        }
    }
    if (slash == len || slash == 0 || slash + 1 == len)
        return WC_EPARSE;
    if (memchr(ref, '\0', slash) != NULL || slash >= job_id_size)
        return WC_EPARSE;
    const char *digits = ref + slash + 1;
    size_t n_digits = len - slash - 1;
    if (digits[0] == '0' && n_digits > 1)
        return WC_EPARSE;
    uint64_t value = 0;
    for (size_t i = 0; i < n_digits; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return WC_EPARSE;
        uint64_t d = (uint64_t)(digits[i] - '0');
        if (value > (UINT64_MAX - d) / 10)
            return WC_EPARSE;
        value = value * 10 + d;
    }
    memcpy(job_id, ref, slash);
    job_id[slash] = '\0';
    *seq = value;
    return 0;
}
