/* test_gzip_member.c - records as gzip members: written one at a time, read back as one stream */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "gzip_member.h"
#include "wc_error.h"

static void member_inflates_to_record_and_tail(void **state)
{
    (void)state;
    struct gzip_writer *w = gzip_writer_new(GZIP_MEMBER_LEVEL);
    assert_non_null(w);
    struct wc_buf z = WC_BUF_INIT, plain = WC_BUF_INIT;
    struct wc_error err = {0};
    const char *rec = "{\"title\":\"Zürich\",\"text\":\"a city\"}";
    assert_int_equal(gzip_writer_member(w, &z, rec, strlen(rec), "\n", 1, &err), 0);
    assert_true(gzip_is_member(z.data, z.len));
    assert_int_equal(gzip_inflate_append(z.data, z.len, &plain, &err), 0);
    assert_int_equal(plain.len, strlen(rec) + 1);
    assert_memory_equal(plain.data, rec, strlen(rec));
    assert_int_equal(plain.data[plain.len - 1], '\n');
    wc_buf_free(&z);
    wc_buf_free(&plain);
    gzip_writer_free(w);
}

/* Members written back to back (by a writer reused between them) are one stream: what a client
 * that accepts gzip is sent. Large, incompressible and empty records included. */
static void concatenated_members_are_one_stream(void **state)
{
    (void)state;
    struct gzip_writer *w = gzip_writer_new(GZIP_MEMBER_LEVEL);
    struct wc_buf z = WC_BUF_INIT, want = WC_BUF_INIT, got = WC_BUF_INIT;
    struct wc_error err = {0};
    size_t big = 300 * 1024;
    char *noise = malloc(big);
    assert_non_null(noise);
    uint32_t x = 12345;
    for (size_t i = 0; i < big; i++) {
        x = x * 1103515245u + 12345u;
        noise[i] = (char)(x >> 24);
    }
    const char *recs[] = {"{\"a\":1}", "", noise, "{\"b\":\"bb\"}"};
    size_t lens[] = {7, 0, big, 10};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(gzip_writer_member(w, &z, recs[i], lens[i], "\n", 1, &err), 0);
        assert_int_equal(wc_buf_append(&want, recs[i], lens[i]), 0);
        assert_int_equal(wc_buf_append(&want, "\n", 1), 0);
    }
    assert_int_equal(gzip_inflate_append(z.data, z.len, &got, &err), 0);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);

    /* Fed a byte at a time into a 7-byte window: a stream read as it arrives. */
    struct gzip_reader *r = gzip_reader_new();
    assert_non_null(r);
    wc_buf_reset(&got);
    for (size_t i = 0; i < z.len; i++) {
        size_t off = 0;
        for (;;) {
            char out[7];
            size_t used, produced;
            assert_int_equal(gzip_reader_run(r, z.data + i + off, 1 - off, &used, out, sizeof out,
                                             &produced, &err),
                             0);
            off += used;
            assert_int_equal(wc_buf_append(&got, out, produced), 0);
            if (off == 1 && produced < sizeof out)
                break;
        }
    }
    assert_true(gzip_reader_complete(r));
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    gzip_reader_free(r);
    free(noise);
    wc_buf_free(&z);
    wc_buf_free(&want);
    wc_buf_free(&got);
    gzip_writer_free(w);
}

static void refuses_what_is_not_a_whole_stream(void **state)
{
    (void)state;
    struct gzip_writer *w = gzip_writer_new(GZIP_MEMBER_LEVEL);
    struct wc_buf z = WC_BUF_INIT, out = WC_BUF_INIT;
    struct wc_error err = {0};
    assert_int_equal(gzip_writer_member(w, &z, "hello", 5, NULL, 0, &err), 0);
    /* Truncated, empty, not gzip, a bad checksum. */
    assert_int_equal(gzip_inflate_append(z.data, z.len - 1, &out, &err), WC_EPARSE);
    assert_int_equal(gzip_inflate_append(z.data, 0, &out, &err), WC_EPARSE);
    assert_int_equal(gzip_inflate_append("{\"a\":1}", 7, &out, &err), WC_EPARSE);
    z.data[z.len - 6] ^= 1;
    assert_int_equal(gzip_inflate_append(z.data, z.len, &out, &err), WC_EPARSE);
    assert_false(gzip_is_member("{}", 2));
    assert_false(gzip_is_member("\x1f", 1));
    wc_buf_free(&z);
    wc_buf_free(&out);
    gzip_writer_free(w);
}

/* A caller bounds what a small input may inflate to (a gzip bomb) by the room it offers. */
static void output_is_bounded_by_the_room_given(void **state)
{
    (void)state;
    size_t n = 4 * 1024 * 1024;
    char *zeros = calloc(1, n);
    assert_non_null(zeros);
    struct gzip_writer *w = gzip_writer_new(GZIP_MEMBER_LEVEL_MAX);
    struct wc_buf z = WC_BUF_INIT;
    struct wc_error err = {0};
    assert_int_equal(gzip_writer_member(w, &z, zeros, n, NULL, 0, &err), 0);
    assert_true(z.len < 8 * 1024);
    struct gzip_reader *r = gzip_reader_new();
    char out[1000];
    size_t used, produced;
    assert_int_equal(gzip_reader_run(r, z.data, z.len, &used, out, sizeof out, &produced, &err), 0);
    assert_int_equal(produced, sizeof out);
    assert_false(gzip_reader_complete(r));
    gzip_reader_free(r);
    free(zeros);
    wc_buf_free(&z);
    gzip_writer_free(w);
}

/* Every level of the scale writes members zlib reads; a level outside it is refused. */
static void every_level_writes_a_member_and_others_are_refused(void **state)
{
    (void)state;
    const char *rec = "{\"page_text\":\" a a a a a a a a a a a a a a a a a a a a a a a a a\"}";
    for (int level = 0; level <= GZIP_MEMBER_LEVEL_MAX; level++) {
        struct gzip_writer *w = gzip_writer_new(level);
        assert_non_null(w);
        struct wc_buf z = WC_BUF_INIT, plain = WC_BUF_INIT;
        struct wc_error err = {0};
        assert_int_equal(gzip_writer_member(w, &z, rec, strlen(rec), "\n", 1, &err), 0);
        assert_int_equal(gzip_inflate_append(z.data, z.len, &plain, &err), 0);
        assert_int_equal(plain.len, strlen(rec) + 1);
        assert_memory_equal(plain.data, rec, strlen(rec));
        wc_buf_free(&z);
        wc_buf_free(&plain);
        gzip_writer_free(w);
    }
    assert_null(gzip_writer_new(-1));
    assert_null(gzip_writer_new(GZIP_MEMBER_LEVEL_MAX + 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(member_inflates_to_record_and_tail),
        cmocka_unit_test(concatenated_members_are_one_stream),
        cmocka_unit_test(refuses_what_is_not_a_whole_stream),
        cmocka_unit_test(output_is_bounded_by_the_room_given),
        cmocka_unit_test(every_level_writes_a_member_and_others_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
