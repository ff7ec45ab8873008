/* gzip_member.c - records as gzip members (RFC 1952): written on ISA-L, read on zlib */
#include "gzip_member.h"

#include <isa-l/igzip_lib.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

/* windowBits 15 + 16: zlib reads the gzip wrapper (header, CRC-32, length). */
#define GZIP_WINDOW_BITS (15 + 16)

/* Compressed with ISA-L's one-shot (stateless) deflate: a record is one whole buffer, and on
 * 15 KB records of wiki text its level 1 takes about half the CPU of libdeflate's level 1 (which
 * took 40-50% less than zlib's), for members 2-8% larger. It has no streaming input, so a record
 * and its tail are joined in a scratch buffer first (the copy costs far less than compressing).
 * Levels above 1 need a work buffer of ISA-L's default size for the level.
 *
 * A learning writer writes lines of GZIP_LEARN_MIN_BYTES or more at level 0 with its own Huffman
 * codes once it has them. Level 1 spends about a third of its time building codes for each member;
 * level 0 with codes learned from earlier records of the same stream takes 25-40% less CPU than
 * level 1 per record, for members 1-6% larger (ISA-L's generic level 0 codes: 15-20% larger).
 * Shorter lines stay at level 1: learned codes give every symbol a length, which each member's
 * header carries (see gzip_member.h). */
struct gzip_writer {
    struct isal_zstream z;
    int level;
    unsigned char *level_buf; /* NULL at levels 0 and 1 */
    uint32_t level_buf_size;
    struct wc_buf joined;           /* data then tail, when there is a tail */
    struct gzip_learning *learning; /* NULL but for gzip_writer_new_learning() */
};

/* What a learning writer knows: symbol counts of its sampled members, and the codes last built
 * from them (ISA-L's histogram carries a 16 KB scratch hash table, hence on the heap). */
struct gzip_learning {
    struct isal_huff_histogram counts;
    struct isal_hufftables codes;
    uint64_t members, samples;
    bool have_codes;
};

struct gzip_reader {
    z_stream z;
    bool complete; /* the input so far ends where a member ends */
    bool broken;   /* a corrupt stream was seen: nothing more is read */
};

struct gzip_writer *gzip_writer_new(int level)
{
    static const uint32_t level_buf_size[] = {0, 0, ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT};
    if (level < 0 || level > GZIP_MEMBER_LEVEL_MAX)
        return NULL;
    struct gzip_writer *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->level = level;
    w->level_buf_size = level_buf_size[level];
    if (w->level_buf_size > 0) {
        w->level_buf = malloc(w->level_buf_size);
        if (w->level_buf == NULL) {
            free(w);
            return NULL;
        }
    }
    return w;
}

struct gzip_writer *gzip_writer_new_learning(void)
{
    struct gzip_writer *w = gzip_writer_new(1);
    if (w == NULL)
        return NULL;
    w->learning = calloc(1, sizeof *w->learning);
    if (w->learning == NULL) {
        gzip_writer_free(w);
        return NULL;
    }
    return w;
}

/* Count the symbols of a sampled member; at every GZIP_LEARN_FIRST-th sample build the codes
 * again, then halve the counts so that recent members weigh most. A build that fails (not
 * expected: every symbol gets a code) keeps the codes there were. */
static void learn(struct gzip_learning *l, const char *in, size_t in_len)
{
    bool sample = l->members < GZIP_LEARN_FIRST || l->members % GZIP_LEARN_EVERY == 0;
    l->members++;
    if (!sample)
        return;
    size_t n = in_len < GZIP_LEARN_SAMPLE_MAX ? in_len : GZIP_LEARN_SAMPLE_MAX;
    isal_update_histogram((uint8_t *)(uintptr_t)in, (int)n, &l->counts);
    l->samples++;
    if (l->samples % GZIP_LEARN_FIRST != 0)
        return;
    struct isal_hufftables codes;
    if (isal_create_hufftables(&codes, &l->counts) == 0) {
        l->codes = codes;
        l->have_codes = true;
    }
    for (size_t i = 0; i < ISAL_DEF_LIT_LEN_SYMBOLS; i++)
        l->counts.lit_len_histogram[i] /= 2;
    for (size_t i = 0; i < ISAL_DEF_DIST_SYMBOLS; i++)
        l->counts.dist_histogram[i] /= 2;
}

/* What a member of n input bytes may take: deflate falls back to stored blocks (5 bytes of header
 * per 65,535 bytes) when compressing would grow the data, plus the gzip header and trailer; the
 * rest is margin. */
static size_t member_bound(size_t n)
{
    return n + 5 * (n / 65535 + 1) + 18 + 256;
}

int gzip_writer_member(struct gzip_writer *w, struct wc_buf *out, const char *data, size_t len,
                       const char *tail, size_t tail_len, struct wc_error *err)
{
    const char *in = data;
    size_t in_len = len;
    if (tail_len > 0) {
        if (len > SIZE_MAX - tail_len)
            return wc_error_set(err, WC_EINVAL, "record too large to compress");
        wc_buf_reset(&w->joined);
        if (wc_buf_append(&w->joined, data, len) != 0 ||
            wc_buf_append(&w->joined, tail, tail_len) != 0)
            return wc_error_set(err, WC_ENOMEM, "out of memory");
        in = w->joined.data;
        in_len = w->joined.len;
    }
    /* ISA-L counts in uint32_t, its stored-block fallback size included. */
    if (in_len > UINT32_MAX || member_bound(in_len) > UINT32_MAX)
        return wc_error_set(err, WC_EINVAL, "record too large to compress");
    size_t bound = member_bound(in_len);
    if (wc_buf_reserve(out, bound) != 0)
        return wc_error_set(err, WC_ENOMEM, "out of memory");
    struct isal_zstream *z = &w->z;
    isal_deflate_stateless_init(z);
    z->level = (uint32_t)w->level;
    z->level_buf = w->level_buf;
    z->level_buf_size = w->level_buf_size;
    if (w->learning != NULL && in_len >= GZIP_LEARN_MIN_BYTES) {
        learn(w->learning, in, in_len);
        if (w->learning->have_codes &&
            isal_deflate_set_hufftables(z, &w->learning->codes, IGZIP_HUFFTABLE_CUSTOM) == COMP_OK)
            z->level = 0;
    }
    z->gzip_flag = IGZIP_GZIP;
    z->end_of_stream = 1;
    z->flush = NO_FLUSH;
    z->next_in = (uint8_t *)(uintptr_t)in;
    z->avail_in = (uint32_t)in_len;
    z->next_out = (uint8_t *)out->data + out->len;
    /* The room left keeps the NUL wc_buf promises. */
    size_t room = out->cap - out->len - 1;
    z->avail_out = (uint32_t)(room > UINT32_MAX ? UINT32_MAX : room);
    if (isal_deflate_stateless(z) != COMP_OK) {
        out->data[out->len] = '\0';
        return wc_error_set(err, WC_EINVAL, "deflate failed"); /* not expected with the bound */
    }
    out->len += z->total_out;
    out->data[out->len] = '\0';
    return 0;
}

void gzip_writer_free(struct gzip_writer *w)
{
    if (w == NULL)
        return;
    free(w->level_buf);
    free(w->learning);
    wc_buf_free(&w->joined);
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
