/* gzip_member.c - records as gzip members (RFC 1952), on zlib */
#include "gzip_member.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

/* windowBits 15 + 16: zlib writes and reads the gzip wrapper (header, CRC-32, length). */
#define GZIP_WINDOW_BITS (15 + 16)
#define GZIP_MEM_LEVEL 8

struct gzip_writer {
    z_stream z;
};

struct gzip_reader {
    z_stream z;
    bool complete; /* the input so far ends where a member ends */
    bool broken;   /* a corrupt stream was seen: nothing more is read */
};

struct gzip_writer *gzip_writer_new(int level)
{
    struct gzip_writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    if (deflateInit2(&w->z, level, Z_DEFLATED, GZIP_WINDOW_BITS, GZIP_MEM_LEVEL,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        free(w);
        return NULL;
    }
    return w;
}

/* Deflate in[0..len) with flush into out's spare room, growing out as needed. */
static int writer_feed(struct gzip_writer *w, struct wc_buf *out, const char *in, size_t len,
                       int flush, size_t bound)
{
    w->z.next_in = (Bytef *)(uintptr_t)in;
    w->z.avail_in = (uInt)len;
    for (;;) {
        if (wc_buf_reserve(out, bound) != 0)
            return WC_ENOMEM;
        size_t room = out->cap - out->len - 1; /* keep the NUL wc_buf promises */
        if (room > UINT_MAX)
            room = UINT_MAX;
        w->z.next_out = (Bytef *)out->data + out->len;
        w->z.avail_out = (uInt)room;
        int zrc = deflate(&w->z, flush);
        out->len += room - w->z.avail_out;
        out->data[out->len] = '\0';
        if (zrc == Z_STREAM_END || (flush == Z_NO_FLUSH && w->z.avail_in == 0))
            return 0;
        if (zrc != Z_OK && zrc != Z_BUF_ERROR)
            return WC_EINVAL;
        bound = 64 * 1024; /* the bound was not enough: not expected, but never loop stuck */
    }
}

int gzip_writer_member(struct gzip_writer *w, struct wc_buf *out, const char *data, size_t len,
                       const char *tail, size_t tail_len, struct wc_error *err)
{
    size_t start = out->len;
    if (len > UINT_MAX || tail_len > UINT_MAX)
        return wc_error_set(err, WC_EINVAL, "record too large to compress");
    if (deflateReset(&w->z) != Z_OK)
        return wc_error_set(err, WC_EINVAL, "deflateReset failed");
    size_t bound = deflateBound(&w->z, (uLong)(len + tail_len));
    int rc = writer_feed(w, out, data, len, Z_NO_FLUSH, bound);
    if (rc == 0)
        rc = writer_feed(w, out, tail ? tail : "", tail_len, Z_FINISH, bound);
    if (rc != 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return wc_error_set(err, rc, rc == WC_ENOMEM ? "out of memory" : "deflate failed");
    }
    return 0;
}

void gzip_writer_free(struct gzip_writer *w)
{
    if (w == NULL)
        return;
    deflateEnd(&w->z);
    free(w);
}

bool gzip_is_member(const char *data, size_t len)
{
    return len >= 2 && (unsigned char)data[0] == 0x1f && (unsigned char)data[1] == 0x8b;
}

struct gzip_reader *gzip_reader_new(void)
{
    struct gzip_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    if (inflateInit2(&r->z, GZIP_WINDOW_BITS) != Z_OK) {
        free(r);
        return NULL;
    }
    return r;
}

int gzip_reader_run(struct gzip_reader *r, const void *in, size_t in_len, size_t *used, void *out,
                    size_t out_cap, size_t *produced, struct wc_error *err)
{
    *used = 0;
    *produced = 0;
    if (r->broken)
        return wc_error_set(err, WC_EPARSE, "not a valid gzip stream");
    /* zlib counts in uInt: take what fits, the caller comes back for the rest. */
    r->z.next_in = (Bytef *)(uintptr_t)in;
    r->z.avail_in = (uInt)(in_len > UINT_MAX ? UINT_MAX : in_len);
    r->z.next_out = out;
    r->z.avail_out = (uInt)(out_cap > UINT_MAX ? UINT_MAX : out_cap);
    uInt in_start = r->z.avail_in, out_start = r->z.avail_out;
    int rc = 0;
    for (;;) {
        if (r->complete && r->z.avail_in > 0) {
            /* The next member of the stream. */
            if (inflateReset(&r->z) != Z_OK) {
                rc = wc_error_set(err, WC_EPARSE, "inflateReset failed");
                break;
            }
            r->complete = false;
        }
        if (r->complete || r->z.avail_out == 0)
            break;
        int zrc = inflate(&r->z, Z_NO_FLUSH);
        if (zrc == Z_STREAM_END) {
            r->complete = true;
            continue;
        }
        if (zrc == Z_MEM_ERROR) {
            rc = wc_error_set(err, WC_ENOMEM, "out of memory");
            break;
        }
        if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            rc = wc_error_set(err, WC_EPARSE, "not a valid gzip stream: %s",
                              r->z.msg ? r->z.msg : "inflate failed");
            break;
        }
        /* Z_OK with room left, or no progress possible: inflate wants more input. */
        if (zrc == Z_BUF_ERROR || r->z.avail_in == 0)
            break;
    }
    if (rc != 0)
        r->broken = true;
    *used = in_start - r->z.avail_in;
    *produced = out_start - r->z.avail_out;
    return rc;
}

bool gzip_reader_complete(const struct gzip_reader *r)
{
    return r->complete && !r->broken;
}

void gzip_reader_reset(struct gzip_reader *r)
{
    inflateReset(&r->z);
    r->complete = false;
    r->broken = false;
}

void gzip_reader_free(struct gzip_reader *r)
{
    if (r == NULL)
        return;
    inflateEnd(&r->z);
    free(r);
}

int gzip_inflate_append(const char *in, size_t len, struct wc_buf *out, struct wc_error *err)
{
    struct gzip_reader *r = gzip_reader_new();
    if (r == NULL)
        return wc_error_set(err, WC_ENOMEM, "out of memory");
    int rc = 0;
    while (rc == 0) {
        /* Members carry their length (mod 2^32): a good first guess at the room needed. */
        size_t room = len * 4 + 64;
        if (wc_buf_reserve(out, room) != 0) {
            rc = wc_error_set(err, WC_ENOMEM, "out of memory");
            break;
        }
        size_t used, produced;
        rc = gzip_reader_run(r, in, len, &used, out->data + out->len, out->cap - out->len - 1,
                             &produced, err);
        out->len += produced;
        out->data[out->len] = '\0';
        in += used;
        len -= used;
        if (rc == 0 && len == 0 && produced == 0)
            break;
    }
    if (rc == 0 && !gzip_reader_complete(r))
        rc = wc_error_set(err, WC_EPARSE, "truncated gzip stream");
    gzip_reader_free(r);
    return rc;
}
