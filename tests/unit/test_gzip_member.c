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

/* A record of wiki-like text: n words of a small vocabulary picked by a seeded generator. */
static void wiki_record(struct wc_buf *out, uint32_t seed, size_t words)
{
    static const char *vocabulary[] = {
        "the", "city",   "of",         "river", "was",    "founded", "in", "century", "and",
        "its", "bridge", "population", "north", "church", "museum",  "a",  "railway"};
    size_t n = sizeof vocabulary / sizeof vocabulary[0];
    wc_buf_reset(out);
    assert_int_equal(wc_buf_append(out, "{\"page_text\":\"", 14), 0);
    for (size_t i = 0; i < words; i++) {
        seed = seed * 1103515245u + 12345u;
        const char *word = vocabulary[(seed >> 16) % n];
        assert_int_equal(wc_buf_append(out, " ", 1), 0);
        assert_int_equal(wc_buf_append(out, word, strlen(word)), 0);
    }
    assert_int_equal(wc_buf_append(out, "\"}", 2), 0);
}

/* Write data as one member with w and check that it inflates to data and a newline. */
static size_t member_round_trips(struct gzip_writer *w, const char *data, size_t len)
{
    struct wc_buf z = WC_BUF_INIT, plain = WC_BUF_INIT;
    struct wc_error err = {0};
    assert_int_equal(gzip_writer_member(w, &z, data, len, "\n", 1, &err), 0);
    assert_int_equal(gzip_inflate_append(z.data, z.len, &plain, &err), 0);
    assert_int_equal(plain.len, len + 1);
    if (len > 0)
        assert_memory_equal(plain.data, data, len);
    assert_int_equal(plain.data[len], '\n');
    size_t size = z.len;
    wc_buf_free(&z);
    wc_buf_free(&plain);
    return size;
}

/* Noise: bytes no code fits, which deflate stores. */
static void noise(char *out, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        out[i] = (char)(seed >> 24);
    }
}

/* A learning writer's members inflate exactly before, while and after it learns, and so do inputs
 * unlike anything it learned from: every byte value in wiki text, noise, a record larger than a
 * sample. Its codes follow what it writes: once it has sampled noise, its member of the same wiki
 * record grows. */
static void a_learning_writer_writes_any_input_once_it_has_learned(void **state)
{
    (void)state;
    struct gzip_writer *w = gzip_writer_new_learning();
    assert_non_null(w);
    struct wc_buf rec = WC_BUF_INIT, odd = WC_BUF_INIT;
    for (uint32_t i = 0; i < GZIP_LEARN_FIRST; i++) {
        wiki_record(&rec, i, 1800 + i % 50);
        assert_true(rec.len >= GZIP_LEARN_MIN_BYTES); /* learned from */
        member_round_trips(w, rec.data, rec.len);
    }
    /* Written with the codes learned from text alone: the 256 byte values spread through text. */
    wiki_record(&odd, 77, 1800);
    for (size_t b = 0; b < 256; b++)
        odd.data[b * (odd.len / 256)] = (char)b;
    assert_true(member_round_trips(w, odd.data, odd.len) < odd.len / 2);
    wiki_record(&rec, 78, 1800);
    size_t text_before = member_round_trips(w, rec.data, rec.len);

    /* Noise and odd text sampled until the codes are built again from them, and used. */
    char small_noise[GZIP_LEARN_MIN_BYTES + 100];
    for (uint32_t i = 0; i < GZIP_LEARN_FIRST * GZIP_LEARN_EVERY; i++) {
        if (i % 2 == 0) {
            noise(small_noise, sizeof small_noise, i);
            member_round_trips(w, small_noise, sizeof small_noise);
        } else {
            member_round_trips(w, odd.data, odd.len);
        }
    }
    size_t text_after = member_round_trips(w, rec.data, rec.len);
    assert_true(text_after > text_before);

    size_t big = GZIP_LEARN_SAMPLE_MAX * 3 + 17;
    char *big_noise = malloc(big);
    assert_non_null(big_noise);
    noise(big_noise, big, 99);
    member_round_trips(w, big_noise, big);
    member_round_trips(w, "", 0);
    member_round_trips(w, rec.data, rec.len);
    free(big_noise);
    wc_buf_free(&rec);
    wc_buf_free(&odd);
    gzip_writer_free(w);
}

/* The codes are learned and used: once it has learned, a learning writer's member of a record like
 * those before is smaller than level 0 makes it with ISA-L's generic codes, and close to what
 * level 1 makes with codes built for that member alone; a record unlike them (digits only) comes
 * out larger than level 1 makes it, as codes that were not built for it do. A short line is not
 * written with them. */
static void learned_codes_fit_the_records_learned_from(void **state)
{
    (void)state;
    struct gzip_writer *learning = gzip_writer_new_learning();
    struct gzip_writer *generic = gzip_writer_new(0);
    struct gzip_writer *level1 = gzip_writer_new(1);
    assert_true(learning && generic && level1);
    struct wc_buf rec = WC_BUF_INIT;
    for (uint32_t i = 0; i < GZIP_LEARN_FIRST; i++) {
        wiki_record(&rec, 1000 + i, 2000);
        member_round_trips(learning, rec.data, rec.len);
    }
    wiki_record(&rec, 5000, 2000);
    size_t learned = member_round_trips(learning, rec.data, rec.len);
    size_t generic_size = member_round_trips(generic, rec.data, rec.len);
    size_t level1_size = member_round_trips(level1, rec.data, rec.len);
    assert_true(learned < generic_size);
    assert_true(learned * 100 <= level1_size * 110);
    char digits[GZIP_LEARN_MIN_BYTES + 2000];
    uint32_t x = 5;
    for (size_t i = 0; i < sizeof digits; i++) {
        x = x * 1103515245u + 12345u;
        digits[i] = (char)('0' + (x >> 16) % 10);
    }
    assert_true(member_round_trips(learning, digits, sizeof digits) >
                member_round_trips(level1, digits, sizeof digits));
    /* A short line is written at level 1, byte for byte as a level 1 writer writes it. */
    wiki_record(&rec, 6000, 100);
    assert_true(rec.len < GZIP_LEARN_MIN_BYTES);
    struct wc_buf a = WC_BUF_INIT, b = WC_BUF_INIT;
    struct wc_error err = {0};
    assert_int_equal(gzip_writer_member(learning, &a, rec.data, rec.len, "\n", 1, &err), 0);
    assert_int_equal(gzip_writer_member(level1, &b, rec.data, rec.len, "\n", 1, &err), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    wc_buf_free(&a);
    wc_buf_free(&b);
    wc_buf_free(&rec);
    gzip_writer_free(learning);
    gzip_writer_free(generic);
    gzip_writer_free(level1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(member_inflates_to_record_and_tail),
        cmocka_unit_test(concatenated_members_are_one_stream),
        cmocka_unit_test(refuses_what_is_not_a_whole_stream),
        cmocka_unit_test(output_is_bounded_by_the_room_given),
        cmocka_unit_test(every_level_writes_a_member_and_others_are_refused),
        cmocka_unit_test(a_learning_writer_writes_any_input_once_it_has_learned),
        cmocka_unit_test(learned_codes_fit_the_records_learned_from),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
