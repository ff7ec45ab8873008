/* test_chunk.c - unit tests for lib/chunk: wire form round trips, strict decoding, references */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chunk.h"

struct title {
    const char *text;
    size_t len;
};

#define T(lit)                                                                                     \
    {                                                                                              \
        lit, sizeof lit - 1                                                                        \
    }

/* Encode the titles, check the exact body when given, decode, and compare every title. */
static void round_trip(const struct title *titles, size_t n, const char *expected_body)
{
    struct chunk_builder b;
    chunk_builder_init(&b);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(chunk_builder_add(&b, titles[i].text, titles[i].len), 0);
    assert_int_equal(b.n_titles, n);
    size_t len;
    const char *body = chunk_builder_data(&b, &len);
    if (expected_body != NULL) {
        assert_int_equal(len, strlen(expected_body));
        assert_memory_equal(body, expected_body, len);
    }
    struct chunk *c = NULL;
    struct wc_error err = {0};
    assert_int_equal(chunk_decode(body, len, &c, &err), 0);
    assert_non_null(c);
    assert_int_equal(c->n_titles, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(c->lens[i], titles[i].len);
        assert_memory_equal(c->titles[i], titles[i].text, titles[i].len);
        assert_int_equal(c->titles[i][c->lens[i]], '\0');
    }
    chunk_free(c);
    chunk_builder_free(&b);
}

static void test_round_trip_hostile(void **state)
{
    (void)state;
    static const struct title titles[] = {
        T("Hello"),
        T("Hello world"),
        T("\"quoted\""),
        T("back\\slash\\"),
        T("semi;colon; "),
        T("12:34"),
        T("a,b,,c,"),
        T("5:Hello,"),
        T("0"),
        T("007"),
        T("wc1:"),
        T("\xC3\xA9t\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"),
        T("with\0nul"),
        T("\n\r\t"),
        T(":"),
        T(","),
    };
    round_trip(titles, sizeof titles / sizeof titles[0], NULL);
    static const struct title two[] = {T("Hello"), T("Hello world")};
    round_trip(two, 2, "wc1:5:Hello,11:Hello world,");
    round_trip(NULL, 0, "wc1:");
}

static void test_round_trip_long_titles(void **state)
{
    (void)state;
    /* 255-byte titles (MediaWiki's maximum), made of multi-byte characters and digits. */
    char a[255], d[255];
    for (size_t i = 0; i < 255; i += 3)
        memcpy(a + i, "\xE2\x82\xAC", 3);
    for (size_t i = 0; i < 255; i++)
        d[i] = (char)('0' + i % 10);
    struct title titles[CHUNK_MAX_SIZE];
    for (size_t i = 0; i < CHUNK_MAX_SIZE; i++) {
        titles[i].text = i % 2 ? a : d;
        titles[i].len = 255 - i % 7;
    }
    round_trip(titles, CHUNK_MAX_SIZE, NULL);
    struct title one = {a, 255};
    struct chunk_builder b;
    chunk_builder_init(&b);
    assert_int_equal(chunk_builder_add(&b, one.text, one.len), 0);
    size_t len;
    const char *body = chunk_builder_data(&b, &len);
    assert_int_equal(len, 4 + 4 + 255 + 1);
    assert_memory_equal(body, "wc1:255:", 8);
    assert_int_equal(body[len - 1], ',');
    chunk_builder_free(&b);
}

static void test_builder_reset_and_empty(void **state)
{
    (void)state;
    struct chunk_builder b;
    chunk_builder_init(&b);
    size_t len;
    assert_string_equal(chunk_builder_data(&b, &len), "wc1:");
    assert_int_equal(len, 4);
    assert_int_equal(chunk_builder_add(&b, "", 0), WC_EINVAL);
    assert_int_equal(b.n_titles, 0);
    assert_int_equal(chunk_builder_add(&b, "A", 1), 0);
    assert_int_equal(chunk_builder_add(&b, "", 0), WC_EINVAL);
    const char *body = chunk_builder_data(&b, &len);
    assert_int_equal(len, 8);
    assert_memory_equal(body, "wc1:1:A,", 8);
    chunk_builder_reset(&b);
    assert_int_equal(b.n_titles, 0);
    assert_string_equal(chunk_builder_data(&b, &len), "wc1:");
    assert_int_equal(chunk_builder_add(&b, "BC", 2), 0);
    body = chunk_builder_data(&b, &len);
    assert_int_equal(len, 9);
    assert_memory_equal(body, "wc1:2:BC,", 9);
    chunk_builder_free(&b);
    chunk_builder_free(&b); /* freeing twice is harmless */
}

struct refusal {
    const char *body;
    size_t len;
    const char *message;
};

#define R(lit, msg)                                                                                \
    {                                                                                              \
        lit, sizeof lit - 1, msg                                                                   \
    }

static void test_decode_refusals(void **state)
{
    (void)state;
    static const struct refusal cases[] = {
        R("", "byte 0: not a chunk (no \"wc1:\" prefix)"),
        R("wc1", "byte 0: not a chunk (no \"wc1:\" prefix)"),
        R("wc2:1:A,", "byte 0: not a chunk (no \"wc1:\" prefix)"),
        R("WC1:1:A,", "byte 0: not a chunk (no \"wc1:\" prefix)"),
        R("wc1:1:A", "byte 4: length 1 runs past the end (1 bytes left)"),
        R("wc1:1:AB", "byte 7: expected ',' after the title"),
        R("wc1:1:A,x", "byte 8: expected a decimal length"),
        R("wc1:1:A,,", "byte 8: expected a decimal length"),
        R("wc1:1:A,2:B", "byte 8: length 2 runs past the end (1 bytes left)"),
        R("wc1:0:,", "byte 4: empty title (length 0)"),
        R("wc1:01:A,", "byte 4: length with a leading zero"),
        R("wc1:1A,", "byte 5: expected ':' after the length"),
        R("wc1:1", "byte 5: expected ':' after the length"),
        R("wc1::A,", "byte 4: expected a decimal length"),
        R("wc1:-1:A,", "byte 4: expected a decimal length"),
        R("wc1:+1:A,", "byte 4: expected a decimal length"),
        R("wc1: 1:A,", "byte 4: expected a decimal length"),
        R("wc1:99999999999999999999999999:A,", "byte 4: length runs past the end"),
        R("wc1:18446744073709551617:A,", "byte 4: length runs past the end"),
        R("wc1:5:Hello,\n", "byte 12: expected a decimal length"),
        R("wc1:5:Hello;", "byte 11: expected ',' after the title"),
        R("wc1:\0", "byte 4: expected a decimal length"),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct chunk *c = (struct chunk *)&c; /* must be reset to NULL */
        struct wc_error err = {0};
        int rc = chunk_decode(cases[i].body, cases[i].len, &c, &err);
        if (rc != WC_EPARSE || strcmp(err.message, cases[i].message) != 0)
            print_error("case %zu: rc %d: %s\n", i, rc, err.message);
        assert_int_equal(rc, WC_EPARSE);
        assert_int_equal(err.code, WC_EPARSE);
        assert_null(c);
        assert_string_equal(err.message, cases[i].message);
        /* A NULL err is fine. */
        assert_int_equal(chunk_decode(cases[i].body, cases[i].len, &c, NULL), WC_EPARSE);
    }
}

static void test_decode_every_truncation_refused(void **state)
{
    (void)state;
    static const struct title titles[] = {T("Alpha"), T("B"), T("\xC3\xA9, \"x\":1")};
    struct chunk_builder b;
    chunk_builder_init(&b);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(chunk_builder_add(&b, titles[i].text, titles[i].len), 0);
    size_t len;
    const char *body = chunk_builder_data(&b, &len);
    /* Only the cuts that fall right after a ',' (or right after the magic) are whole bodies. */
    size_t n_ok = 0;
    for (size_t cut = 0; cut < len; cut++) {
        struct chunk *c = NULL;
        int rc = chunk_decode(body, cut, &c, NULL);
        if (rc == 0) {
            assert_true(cut == 4 || body[cut - 1] == ',');
            n_ok++;
            chunk_free(c);
        } else {
            assert_int_equal(rc, WC_EPARSE);
        }
    }
    assert_int_equal(n_ok, 3);
    chunk_builder_free(&b);
    chunk_free(NULL);
}

static void test_decode_at_most_max_size_titles(void **state)
{
    (void)state;
    struct chunk_builder b;
    chunk_builder_init(&b);
    for (int i = 0; i < CHUNK_MAX_SIZE; i++)
        assert_int_equal(chunk_builder_add(&b, "T", 1), 0);
    size_t len;
    const char *body = chunk_builder_data(&b, &len);
    struct chunk *c = NULL;
    assert_int_equal(chunk_decode(body, len, &c, NULL), 0);
    assert_int_equal(c->n_titles, CHUNK_MAX_SIZE);
    chunk_free(c);

    assert_int_equal(chunk_builder_add(&b, "U", 1), 0);
    body = chunk_builder_data(&b, &len);
    struct wc_error err = {0};
    assert_int_equal(chunk_decode(body, len, &c, &err), WC_EPARSE);
    assert_null(c);
    char expected[64];
    snprintf(expected, sizeof expected, "byte %zu: more than %d titles", len - 4, CHUNK_MAX_SIZE);
    assert_string_equal(err.message, expected);
    chunk_builder_free(&b);
}

/* A job's chunk size is what it asked for up to one turn of titles: a worker never holds one
 * job's thousand titles while another key waits (docs/redis.md, Fair turns). */
static void test_titles_for_is_at_most_one_turn(void **state)
{
    (void)state;
    assert_int_equal(chunk_titles_for(1), 1);
    assert_int_equal(chunk_titles_for(CHUNK_TURN_TITLES - 1), CHUNK_TURN_TITLES - 1);
    assert_int_equal(chunk_titles_for(CHUNK_TURN_TITLES), CHUNK_TURN_TITLES);
    assert_int_equal(chunk_titles_for(CHUNK_TURN_TITLES + 1), CHUNK_TURN_TITLES);
    assert_int_equal(chunk_titles_for(CHUNK_MAX_SIZE), CHUNK_TURN_TITLES);
    assert_true(CHUNK_DEFAULT_SIZE <= CHUNK_TURN_TITLES);
}

static void test_ref_format(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(chunk_ref_format(out, sizeof out, "3f2ac1", 17), 9);
    assert_string_equal(out, "3f2ac1/17");
    assert_int_equal(chunk_ref_format(out, sizeof out, "j", 0), 3);
    assert_string_equal(out, "j/0");
    assert_int_equal(chunk_ref_format(out, sizeof out, "j", UINT64_MAX), 22);
    assert_string_equal(out, "j/18446744073709551615");
    /* Exactly enough room, one byte short, none. */
    char small[10];
    assert_int_equal(chunk_ref_format(small, 10, "3f2ac1", 17), 9);
    assert_int_equal(chunk_ref_format(small, 9, "3f2ac1", 17), WC_ELIMIT);
    assert_string_equal(small, "");
    assert_int_equal(chunk_ref_format(small, 0, "3f2ac1", 17), WC_ELIMIT);
}

static void test_ref_parse(void **state)
{
    (void)state;
    char id[16];
    uint64_t seq = 99;
    assert_int_equal(chunk_ref_parse("3f2ac1/17", 9, id, sizeof id, &seq), 0);
    assert_string_equal(id, "3f2ac1");
    assert_int_equal(seq, 17);
    assert_int_equal(chunk_ref_parse("a/0", 3, id, sizeof id, &seq), 0);
    assert_int_equal(seq, 0);
    assert_int_equal(chunk_ref_parse("a/18446744073709551615", 22, id, sizeof id, &seq), 0);
    assert_int_equal(seq, UINT64_MAX);
    /* The length given is what counts, not a NUL. */
    assert_int_equal(chunk_ref_parse("abc/12345", 6, id, sizeof id, &seq), 0);
    assert_int_equal(seq, 12);
    /* The sequence follows the last '/'. */
    assert_int_equal(chunk_ref_parse("a/b/7", 5, id, sizeof id, &seq), 0);
    assert_string_equal(id, "a/b");
    assert_int_equal(seq, 7);

    /* The id buffer: exactly enough, one byte short. */
    char id4[4];
    assert_int_equal(chunk_ref_parse("abc/1", 5, id4, sizeof id4, &seq), 0);
    assert_string_equal(id4, "abc");
    assert_int_equal(chunk_ref_parse("abcd/1", 6, id4, sizeof id4, &seq), WC_EPARSE);
    assert_int_equal(chunk_ref_parse("a/1", 3, id4, 0, &seq), WC_EPARSE);

    static const char *garbage[] = {"",
                                    "/",
                                    "abc",
                                    "abc/",
                                    "/17",
                                    "abc/1x",
                                    "abc/x1",
                                    "a/-1",
                                    "a/+1",
                                    "a/ 1",
                                    "a/1 ",
                                    "a/01",
                                    "a/00",
                                    "a/1.0",
                                    "a//",
                                    "a/1/",
                                    "a/0x10",
                                    "a/18446744073709551616",
                                    "a/99999999999999999999999"};
    for (size_t i = 0; i < sizeof garbage / sizeof garbage[0]; i++) {
        seq = 42;
        if (chunk_ref_parse(garbage[i], strlen(garbage[i]), id, sizeof id, &seq) != WC_EPARSE)
            print_error("accepted \"%s\"\n", garbage[i]);
        assert_int_equal(chunk_ref_parse(garbage[i], strlen(garbage[i]), id, sizeof id, &seq),
                         WC_EPARSE);
        assert_int_equal(seq, 42);
    }
    assert_int_equal(chunk_ref_parse("a\0b/1", 5, id, sizeof id, &seq), WC_EPARSE);
}

static void test_ref_round_trip(void **state)
{
    (void)state;
    static const uint64_t seqs[] = {0, 1, 9, 10, 99, 100, 4294967296ull, UINT64_MAX};
    const char *job = "0123456789abcdef0123456789abcdef";
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        char ref[64];
        int n = chunk_ref_format(ref, sizeof ref, job, seqs[i]);
        assert_true(n > 0);
        char id[33];
        uint64_t seq;
        assert_int_equal(chunk_ref_parse(ref, (size_t)n, id, sizeof id, &seq), 0);
        assert_string_equal(id, job);
        assert_int_equal(seq, seqs[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_hostile),
        cmocka_unit_test(test_round_trip_long_titles),
        cmocka_unit_test(test_builder_reset_and_empty),
        cmocka_unit_test(test_decode_refusals),
        cmocka_unit_test(test_decode_every_truncation_refused),
        cmocka_unit_test(test_decode_at_most_max_size_titles),
        cmocka_unit_test(test_titles_for_is_at_most_one_turn),
        cmocka_unit_test(test_ref_format),
        cmocka_unit_test(test_ref_parse),
        cmocka_unit_test(test_ref_round_trip),
    };
    return cmocka_run_group_tests_name("chunk", tests, NULL, NULL);
}
