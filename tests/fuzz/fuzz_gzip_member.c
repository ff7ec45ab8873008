/* fuzz_gzip_member.c - libFuzzer target: a learning gzip writer on any input, learned or not */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gzip_member.h"
#include "wc_error.h"

/* Input layout: byte 0 the number of pieces (1 to 16), then the rest cut into that many pieces at
 * even offsets. A fresh learning writer (gzip_writer_new_learning()) first writes
 * GZIP_LEARN_FIRST members made of the input (so that it builds codes from it), then each piece:
 * as it is (short: level 1) and tiled past GZIP_LEARN_MIN_BYTES with a counter byte mixed in
 * (written with the learned codes, which were built from other bytes). Checked: every member is
 * one gzip member that zlib inflates to exactly its input and the newline after it, and the
 * members written back to back are one stream. */

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* Fill out with src tiled to at least min bytes; every 97th byte is replaced by a counter, so no
 * two tiles are alike and bytes outside the input appear. */
static void tile(struct wc_buf *out, const uint8_t *src, size_t len, size_t min)
{
    wc_buf_reset(out);
    static const uint8_t nothing = 0;
    if (len == 0) {
        src = &nothing;
        len = 1;
    }
    while (out->len < min)
        CHECK(wc_buf_append(out, (const char *)src, len) == 0);
    for (size_t i = 0; i < out->len; i += 97)
        out->data[i] = (char)(i / 97);
}

/* Write data as one member onto stream and check it alone. */
static void write_member(struct gzip_writer *w, struct wc_buf *stream, struct wc_buf *want,
                         const char *data, size_t len)
{
    struct wc_buf member = WC_BUF_INIT, plain = WC_BUF_INIT;
    struct wc_error err = {0};
    CHECK(gzip_writer_member(w, &member, data, len, "\n", 1, &err) == 0);
    CHECK(gzip_is_member(member.data, member.len));
    CHECK(gzip_inflate_append(member.data, member.len, &plain, &err) == 0);
    CHECK(plain.len == len + 1);
    CHECK(len == 0 || memcmp(plain.data, data, len) == 0);
    CHECK(plain.data[len] == '\n');
    CHECK(wc_buf_append(stream, member.data, member.len) == 0);
    CHECK(wc_buf_append(want, data, len) == 0 && wc_buf_append(want, "\n", 1) == 0);
    wc_buf_free(&member);
    wc_buf_free(&plain);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t pieces = (size_t)(data[0] % 16) + 1;
    const uint8_t *body = data + 1;
    size_t body_len = size - 1;
    struct gzip_writer *w = gzip_writer_new_learning();
    CHECK(w != NULL);
    struct wc_buf stream = WC_BUF_INIT, want = WC_BUF_INIT, big = WC_BUF_INIT;
    struct wc_buf all = WC_BUF_INIT;
    struct wc_error err = {0};

    tile(&big, body, body_len, GZIP_LEARN_MIN_BYTES);
    for (int i = 0; i < GZIP_LEARN_FIRST; i++)
        write_member(w, &stream, &want, big.data, big.len);
    for (size_t i = 0; i < pieces; i++) {
        size_t from = body_len * i / pieces, to = body_len * (i + 1) / pieces;
        write_member(w, &stream, &want, (const char *)body + from, to - from);
        tile(&big, body + from, to - from, GZIP_LEARN_MIN_BYTES + i * 1000);
        write_member(w, &stream, &want, big.data, big.len);
    }
    CHECK(gzip_inflate_append(stream.data, stream.len, &all, &err) == 0);
    CHECK(all.len == want.len && memcmp(all.data, want.data, want.len) == 0);

    wc_buf_free(&stream);
    wc_buf_free(&want);
    wc_buf_free(&big);
    wc_buf_free(&all);
    gzip_writer_free(w);
    return 0;
}
