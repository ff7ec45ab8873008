/* test_titles.c - unit tests for lib/titles: every format, split feeding, every invalid reason */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "titles.h"

/* Every callback is written to one log line, bytes outside printable ASCII as \xHH, so that a whole
 * run compares as one string:  T<pos>:<title>  I<pos>:<reason>:<raw>  O<key>=<value> */
struct recorder {
    struct wc_buf log;
    int n_events;
    int stop_at;   /* stop when this event (1-based) is reached; 0 never */
    int stop_code; /* the value returned then */
    int set_err;   /* also fill err with a message of the callback */
    struct wc_error *err;
    size_t longest_raw;
};

static void put_bytes(struct wc_buf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '\\')
            assert_int_equal(wc_buf_putc(b, (char)c), 0);
        else
            assert_int_equal(wc_buf_printf(b, "\\x%02X", c), 0);
    }
}

static int event_end(struct recorder *rec)
{
    assert_int_equal(wc_buf_putc(&rec->log, '\n'), 0);
    rec->n_events++;
    if (rec->stop_at != 0 && rec->n_events == rec->stop_at) {
        if (rec->set_err)
            wc_error_set(rec->err, rec->stop_code, "callback says stop at %d", rec->n_events);
        return rec->stop_code;
    }
    return 0;
}

static int on_title(void *ctx, const char *title, size_t len, uint64_t position)
{
    struct recorder *rec = ctx;
    assert_int_equal(title[len], '\0');
    assert_int_equal(titles_check(title, len, 0), 0);
    assert_int_equal(wc_buf_printf(&rec->log, "T%llu:", (unsigned long long)position), 0);
    put_bytes(&rec->log, title, len);
    return event_end(rec);
}

static int on_invalid(void *ctx, const char *raw, size_t raw_len, uint64_t position,
                      enum titles_invalid_reason reason)
{
    struct recorder *rec = ctx;
    if (raw_len > rec->longest_raw)
        rec->longest_raw = raw_len;
    assert_int_equal(wc_buf_printf(&rec->log, "I%llu:%s:", (unsigned long long)position,
                                   titles_invalid_reason_name(reason)),
                     0);
    put_bytes(&rec->log, raw, raw_len);
    return event_end(rec);
}

static int on_option(void *ctx, const char *key, const char *value, size_t value_len)
{
    struct recorder *rec = ctx;
    assert_int_equal(value[value_len], '\0');
    assert_int_equal(wc_buf_printf(&rec->log, "O%s=", key), 0);
    put_bytes(&rec->log, value, value_len);
    return event_end(rec);
}

struct run {
    int rc;
    struct wc_error err;
    char *log; /* freed by run_free() */
    uint64_t count;
    size_t longest_raw;
};

static void run_free(struct run *run)
{
    free(run->log);
    run->log = NULL;
}

/* Read input fed in pieces of `piece` bytes (0: all at once), or cut at the offsets in cuts[]. */
static struct run read_cuts(enum titles_format format, size_t max, const char *input, size_t len,
                            const size_t *cuts, size_t n_cuts, int stop_at)
{
    struct recorder rec = {WC_BUF_INIT, 0, stop_at, WC_ESTOP, 0, NULL, 0};
    struct run run = {0};
    rec.err = &run.err;
    struct titles_options opts = {format, max};
    struct titles_callbacks cb = {on_title, on_invalid, on_option, &rec};
    struct titles_reader *r = titles_reader_new(&opts, &cb);
    assert_non_null(r);
    size_t at = 0;
    int rc = 0;
    for (size_t k = 0; k <= n_cuts && rc == 0; k++) {
        size_t end = k < n_cuts ? cuts[k] : len;
        rc = titles_reader_feed(r, input + at, end - at, &run.err);
        at = end;
    }
    if (rc == 0)
        rc = titles_reader_finish(r, &run.err);
    run.rc = rc;
    run.count = titles_reader_count(r);
    run.longest_raw = rec.longest_raw;
    run.log = wc_buf_detach(&rec.log, NULL);
    assert_non_null(run.log);
    titles_reader_free(r);
    return run;
}

static struct run read_all(enum titles_format format, size_t max, const char *input, size_t len)
{
    return read_cuts(format, max, input, len, NULL, 0, 0);
}

/* The same events and result whether the input comes at once, cut in two anywhere, cut in three
 * anywhere (small inputs), or one byte at a time. */
static void expect_splits(enum titles_format format, const char *input, size_t len,
                          const char *expected_log, int expected_rc)
{
    struct run whole = read_all(format, 0, input, len);
    assert_string_equal(whole.log, expected_log);
    assert_int_equal(whole.rc, expected_rc);
    for (size_t a = 0; a <= len; a++) {
        size_t cuts[2] = {a, a};
        struct run two = read_cuts(format, 0, input, len, cuts, 1, 0);
        assert_string_equal(two.log, whole.log);
        assert_int_equal(two.rc, whole.rc);
        assert_string_equal(two.err.message, whole.err.message);
        run_free(&two);
        for (size_t b = a; len <= 48 && b <= len; b++) {
            cuts[1] = b;
            struct run three = read_cuts(format, 0, input, len, cuts, 2, 0);
            assert_string_equal(three.log, whole.log);
            assert_int_equal(three.rc, whole.rc);
            run_free(&three);
        }
    }
    size_t *every = malloc((len + 1) * sizeof *every);
    assert_non_null(every);
    for (size_t i = 0; i < len; i++)
        every[i] = i + 1;
    struct run bytes = read_cuts(format, 0, input, len, every, len, 0);
    assert_string_equal(bytes.log, whole.log);
    assert_string_equal(bytes.err.message, whole.err.message);
    run_free(&bytes);
    free(every);
    run_free(&whole);
}

#define S(lit) lit, sizeof lit - 1

static void expect_log(enum titles_format format, size_t max, const char *input, size_t len,
                       const char *expected_log)
{
    struct run run = read_all(format, max, input, len);
    assert_string_equal(run.log, expected_log);
    assert_int_equal(run.rc, 0);
    run_free(&run);
}

/* ---- TEXT */

static void test_text_basic(void **state)
{
    (void)state;
    struct run run = read_all(TITLES_FORMAT_TEXT, 0, S("Foo\nBar baz\n\n   \nQux"));
    assert_string_equal(run.log, "T1:Foo\nT2:Bar baz\nT5:Qux\n");
    assert_int_equal(run.rc, 0);
    assert_int_equal(run.count, 3);
    run_free(&run);
    expect_log(TITLES_FORMAT_TEXT, 0, S(""), "");
    expect_log(TITLES_FORMAT_TEXT, 0, S("\n\n\n"), "");
    expect_log(TITLES_FORMAT_TEXT, 0, S("Only line\n"), "T1:Only line\n");
}

static void test_text_bom_crlf_trailing(void **state)
{
    (void)state;
    expect_splits(TITLES_FORMAT_TEXT,
                  S("\xEF\xBB\xBF"
                    "Foo \r\n\tBar\t\r\n\r\n  Baz qux  \r\nLast\r"),
                  "T1:Foo\nT2:Bar\nT4:Baz qux\nT5:Last\n", 0);
    /* Only a leading BOM is skipped; a partial one is input. */
    expect_log(TITLES_FORMAT_TEXT, 0,
               S("A\n\xEF\xBB\xBF"
                 "B\n"),
               "T1:A\nT2:\\xEF\\xBB\\xBFB\n");
    expect_log(TITLES_FORMAT_TEXT, 0, S("\xEF\xBB"), "I1:bad_utf8:\\xEF\\xBB\n");
    expect_log(TITLES_FORMAT_TEXT, 0,
               S("\xEF\xBB"
                 "A\n"),
               "I1:bad_utf8:\\xEF\\xBBA\n");
    expect_log(TITLES_FORMAT_TEXT, 0, S("\xEF\xBB\xBF"), "");
}

static void test_text_unicode_space(void **state)
{
    (void)state;
    /* NBSP, ideographic space, em space, NEL around; inner ones are kept. */
    expect_splits(TITLES_FORMAT_TEXT,
                  S("\xC2\xA0"
                    "Foo\xC2\xA0"
                    "Bar\xE3\x80\x80\n\xE2\x80\x83\xC2\x85\xC3\xA9t\xC3\xA9\xE2\x80\xA8"),
                  "T1:Foo\\xC2\\xA0Bar\nT2:\\xC3\\xA9t\\xC3\\xA9\n", 0);
    /* A line of white space alone is blank. */
    expect_log(TITLES_FORMAT_TEXT, 0, S("\xE3\x80\x80\xC2\xA0\t\n"), "");
    /* Truncated white space is not white space. */
    expect_log(TITLES_FORMAT_TEXT, 0, S("Foo\xE3\x80\n"), "I1:bad_utf8:Foo\\xE3\\x80\n");
}

static void test_text_invalid_reasons(void **state)
{
    (void)state;
    char long_line[300];
    memset(long_line, 'x', 256);
    long_line[256] = '\n';
    struct wc_buf in = WC_BUF_INIT;
    assert_int_equal(wc_buf_puts(&in, "A#B\nA\x01"
                                      "B\n\xFF\nA|B\nA\x7F"
                                      "B\nC{}\n[[x]]\nok\nA\tB\n"),
                     0);
    assert_int_equal(wc_buf_append(&in, long_line, 257), 0);
    assert_int_equal(wc_buf_puts(&in, "tail"), 0);
    struct run run = read_all(TITLES_FORMAT_TEXT, 0, in.data, in.len);
    struct wc_buf expected = WC_BUF_INIT;
    assert_int_equal(wc_buf_puts(&expected, "I1:forbidden_char:A#B\n"
                                            "I2:control_char:A\\x01B\n"
                                            "I3:bad_utf8:\\xFF\n"
                                            "I4:forbidden_char:A|B\n"
                                            "I5:control_char:A\\x7FB\n"
                                            "I6:forbidden_char:C{}\n"
                                            "I7:forbidden_char:[[x]]\n"
                                            "T8:ok\n"
                                            "I9:control_char:A\\x09B\n"
                                            "I10:too_long:"),
                     0);
    assert_int_equal(wc_buf_append(&expected, long_line, 256), 0); /* all of it: 256 < 255 + 4 */
    assert_int_equal(wc_buf_puts(&expected, "\nT11:tail\n"), 0);
    assert_string_equal(run.log, expected.data);
    wc_buf_free(&expected);
    assert_int_equal(run.count, 11);
    run_free(&run);
    wc_buf_free(&in);
    /* NUL bytes are control characters, not the end of the line. */
    expect_log(TITLES_FORMAT_TEXT, 0, S("A\0B\n"), "I1:control_char:A\\x00B\n");
}

static void test_text_max_title_bytes(void **state)
{
    (void)state;
    expect_log(TITLES_FORMAT_TEXT, 5, S("abcde\nabcdef\nabcdefghijklmnop\n  abcde      \t  \n"),
               "T1:abcde\nI2:too_long:abcdef\nI3:too_long:abcdefghi\nT4:abcde\n");
    /* Exactly 255 bytes pass by default, 256 do not. */
    char line[256];
    memset(line, 'y', sizeof line);
    struct run run = read_all(TITLES_FORMAT_TEXT, 0, line, 255);
    assert_memory_equal(run.log, "T1:yyy", 6);
    run_free(&run);
    run = read_all(TITLES_FORMAT_TEXT, 0, line, 256);
    assert_memory_equal(run.log, "I1:too_long:yyy", 15);
    assert_int_equal(run.longest_raw, 256);
    run_free(&run);
    /* Multi-byte characters count in bytes. */
    expect_log(TITLES_FORMAT_TEXT, 4, S("\xC3\xA9\xC3\xA9\n\xC3\xA9\xC3\xA9x\n"),
               "T1:\\xC3\\xA9\\xC3\\xA9\nI2:too_long:\\xC3\\xA9\\xC3\\xA9x\n");
}

/* A line of many megabytes is reported without being kept: the raw text is cut at max + 4, and a
 * valid title followed by megabytes of white space is still valid. The reader allocates only in
 * titles_reader_new(), so its memory is what that call took whatever the input size. */
static void test_long_lines_not_buffered(void **state)
{
    (void)state;
    static char piece[65536];
    struct recorder rec = {WC_BUF_INIT, 0, 0, 0, 0, NULL, 0};
    struct titles_options opts = {TITLES_FORMAT_TEXT, 0};
    struct titles_callbacks cb = {on_title, on_invalid, on_option, &rec};
    struct titles_reader *r = titles_reader_new(&opts, &cb);
    assert_non_null(r);
    struct wc_error err = {0};
    memset(piece, 'z', sizeof piece);
    for (int i = 0; i < 160; i++) /* 10 MiB */
        assert_int_equal(titles_reader_feed(r, piece, sizeof piece, &err), 0);
    assert_int_equal(titles_reader_feed(r, "\nGood", 5, &err), 0);
    memset(piece, ' ', sizeof piece);
    for (int i = 0; i < 160; i++)
        assert_int_equal(titles_reader_feed(r, piece, sizeof piece, &err), 0);
    assert_int_equal(titles_reader_feed(r, "\n", 1, &err), 0);
    assert_int_equal(titles_reader_finish(r, &err), 0);
    assert_int_equal(rec.longest_raw, 259);
    assert_int_equal(rec.n_events, 2);
    assert_non_null(strstr(rec.log.data, "\nT2:Good\n"));
    titles_reader_free(r);
    wc_buf_free(&rec.log);
}

/* ---- IDTITLE */

static void test_idtitle(void **state)
{
    (void)state;
    expect_splits(TITLES_FORMAT_IDTITLE,
                  S("1; Foo\r\n2; Bar; Baz\n3;Qux\n4 ;  \n\n  \n5; \n;  X\n1;; Y\na;b; c \n12"),
                  "T1:Foo\nT2:Bar; Baz\nI3:bad_idtitle:3;Qux\nI4:empty:\nI7:empty:\nT8:X\n"
                  "T9:Y\nT10:c\nI11:bad_idtitle:12\n",
                  0);
    /* The title part is checked like any title; BOM and CRLF as for TEXT. */
    expect_log(TITLES_FORMAT_IDTITLE, 0,
               S("\xEF\xBB\xBF"
                 "7; A<B>\r\n8; \xC3\x28\r\n"),
               "I1:forbidden_char:A<B>\nI2:bad_utf8:\\xC3(\n");
    /* A line without "; " is reported whole (trimmed, cut at max + 4). */
    expect_log(TITLES_FORMAT_IDTITLE, 3, S("  1234567890  \n"), "I1:bad_idtitle:1234567\n");
    expect_log(TITLES_FORMAT_IDTITLE, 3, S("1; abcdefgh\n"), "I1:too_long:abcdefg\n");
}

/* ---- JSON */

static void test_json_array(void **state)
{
    (void)state;
    expect_splits(TITLES_FORMAT_JSON,
                  S("[\"Foo\", \" Bar \",\"\" ,\"A#B\",42,null,true,{\"a\":[1,2]},[[\"x\"]],"
                    "-1.5e+3,\"Baz\"]"),
                  "T0:Foo\nT1:Bar\nI2:empty:\nI3:forbidden_char:A#B\nI4:not_string:42\n"
                  "I5:not_string:null\nI6:not_string:true\nI7:not_string:{\"a\":[1,2]}\n"
                  "I8:not_string:[[\"x\"]]\nI9:not_string:-1.5e+3\nT10:Baz\n",
                  0);
    expect_splits(TITLES_FORMAT_JSON, S("\xEF\xBB\xBF  [ ]  \r\n"), "", 0);
    expect_log(TITLES_FORMAT_JSON, 0, S("[\n\"A\",\n\"B\"\n]\n"), "T0:A\nT1:B\n");
}

static void test_json_escapes(void **state)
{
    (void)state;
    expect_splits(TITLES_FORMAT_JSON,
                  S("[\"\\u00e9t\\u00E9\",\"a\\/b\",\"\\ud83d\\ude00!\",\"tab\\tin\",\"\\\"q\\\"\","
                    "\"back\\\\slash\",\"\\u0041\",\"\\n x \\r\"]"),
                  "T0:\\xC3\\xA9t\\xC3\\xA9\nT1:a/b\nT2:\\xF0\\x9F\\x98\\x80!\n"
                  "I3:control_char:tab\\x09in\nT4:\"q\"\nT5:back\\x5Cslash\nT6:A\nT7:x\n",
                  0);
    /* Raw UTF-8 passes through; escaped white space is trimmed like raw white space. */
    expect_log(TITLES_FORMAT_JSON, 0, S("[\"\\u00a0\xC3\xA9\\u3000\", \"\\b\"]"),
               "T0:\\xC3\\xA9\nI1:control_char:\\x08\n");
    expect_log(TITLES_FORMAT_JSON, 0, S("[\"a\\u0000b\"]"), "I0:control_char:a\\x00b\n");
}

static void test_json_lone_surrogates(void **state)
{
    (void)state;
    expect_splits(TITLES_FORMAT_JSON,
                  S("[\"\\ud800\",\"x\\udc00y\",\"\\ud800\\u0041\",\"\\uDBFF\\n\","
                    "\"\\ud800\\ud800\\udc00\",\"\\ud800\\t\\udfff\",\"\\udbff\\udfff\"]"),
                  "I0:bad_utf8:\\xED\\xA0\\x80\n"
                  "I1:bad_utf8:x\\xED\\xB0\\x80y\n"
                  "I2:bad_utf8:\\xED\\xA0\\x80A\n"
                  "I3:bad_utf8:\\xED\\xAF\\xBF\n"
                  "I4:bad_utf8:\\xED\\xA0\\x80\\xF0\\x90\\x80\\x80\n"
                  "I5:bad_utf8:\\xED\\xA0\\x80\\x09\\xED\\xBF\\xBF\n"
                  "T6:\\xF4\\x8F\\xBF\\xBF\n",
                  0);
}

static void test_json_object(void **state)
{
    (void)state;
    expect_splits(TITLES_FORMAT_JSON,
                  S("{\"chunk_size\": 50, \"name\": \"x\\\"y\", \"flag\": true, \"n\": null,"
                    " \"nested\": {\"titles\": [1]}, \"list\": [1, \"2\"], \"f\": -0.5E-2,"
                    " \"titles\": [\"A\", 1, {\"titles\": \"B\"}], \"after\": false}"),
                  "Ochunk_size=50\nOname=\"x\\x5C\"y\"\nOflag=true\nOn=null\n"
                  "Onested={\"titles\": [1]}\nOlist=[1, \"2\"]\nOf=-0.5E-2\n"
                  "T0:A\nI1:not_string:1\nI2:not_string:{\"titles\": \"B\"}\nOafter=false\n",
                  0);
    /* Escaped member names are decoded, so "titl\u0065s" is the titles member. */
    expect_log(TITLES_FORMAT_JSON, 0, S("{\"titl\\u0065s\":[\"A\"],\"\\u00e9\":1}"),
               "T0:A\nO\xC3\xA9=1\n");
    expect_log(TITLES_FORMAT_JSON, 0, S("{\"titles\":[]}"), "");

    /* on_option may be NULL. */
    struct recorder rec = {WC_BUF_INIT, 0, 0, 0, 0, NULL, 0};
    struct titles_options opts = {TITLES_FORMAT_JSON, 0};
    struct titles_callbacks cb = {on_title, on_invalid, NULL, &rec};
    struct titles_reader *r = titles_reader_new(&opts, &cb);
    assert_non_null(r);
    const char *body = "{\"x\": 1, \"titles\": [\"A\"]}";
    assert_int_equal(titles_reader_feed(r, body, strlen(body), NULL), 0);
    assert_int_equal(titles_reader_finish(r, NULL), 0);
    assert_string_equal(rec.log.data, "T0:A\n");
    titles_reader_free(r);
    wc_buf_free(&rec.log);
}

/* An option whose value is an array (the job's "labels") is handed over whole as raw JSON, the
 * same wherever the input is cut; one longer than 4096 bytes is cut, so it no longer parses. */
static void test_json_array_option(void **state)
{
    (void)state;
    expect_splits(TITLES_FORMAT_JSON,
                  S("{\"labels\": [\"a b\", \"\\u00e9\", []], \"titles\": [\"A\"]}"),
                  "Olabels=[\"a b\", \"\\x5Cu00e9\", []]\nT0:A\n", 0);
    struct wc_buf in = WC_BUF_INIT;
    assert_int_equal(wc_buf_puts(&in, "{\"labels\": ["), 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(wc_buf_puts(&in, "\"abc\","), 0);
    assert_int_equal(wc_buf_puts(&in, "\"z\"], \"titles\": [\"A\"]}"), 0);
    struct run run = read_all(TITLES_FORMAT_JSON, 0, in.data, in.len);
    assert_int_equal(run.rc, 0);
    const char *nl = strchr(run.log, '\n');
    assert_non_null(nl);
    assert_int_equal(nl - run.log - (long)strlen("Olabels="), 4096);
    assert_string_equal(nl, "\nT0:A\n");
    run_free(&run);
    wc_buf_free(&in);
}

static void test_json_long_values_bounded(void **state)
{
    (void)state;
    struct wc_buf in = WC_BUF_INIT;
    /* A 1 MiB option name and value, a 1 MiB title, a 1 MiB nested non-string element. */
    assert_int_equal(wc_buf_puts(&in, "{\""), 0);
    for (int i = 0; i < 1 << 20; i++)
        assert_int_equal(wc_buf_putc(&in, 'k'), 0);
    assert_int_equal(wc_buf_puts(&in, "\": \""), 0);
    for (int i = 0; i < 1 << 20; i++)
        assert_int_equal(wc_buf_putc(&in, 'v'), 0);
    assert_int_equal(wc_buf_puts(&in, "\", \"titles\": [\""), 0);
    for (int i = 0; i < 1 << 20; i++)
        assert_int_equal(wc_buf_putc(&in, 't'), 0);
    assert_int_equal(wc_buf_puts(&in, "\", ["), 0);
    for (int i = 0; i < 1 << 18; i++)
        assert_int_equal(wc_buf_puts(&in, "1, "), 0);
    assert_int_equal(wc_buf_puts(&in, "2], \"ok\"]}"), 0);

    struct run run = read_all(TITLES_FORMAT_JSON, 0, in.data, in.len);
    assert_int_equal(run.rc, 0);
    const char *o = run.log;
    assert_int_equal(o[0], 'O');
    const char *eq = strchr(o, '=');
    assert_int_equal(eq - o - 1, 1024); /* the name cut to 1024 bytes */
    const char *nl = strchr(eq, '\n');
    assert_int_equal(nl - eq - 1, 4096); /* the value to 4096 */
    assert_memory_equal(nl + 1, "I0:too_long:tttt", 16);
    const char *nl2 = strchr(nl + 1, '\n');
    assert_int_equal(nl2 - nl - 1 - strlen("I0:too_long:"), 259);
    assert_memory_equal(nl2 + 1, "I1:not_string:[1, 1, ", 21);
    assert_string_equal(strchr(nl2 + 1, '\n'), "\nT2:ok\n");
    assert_int_equal(run.longest_raw, 259);
    run_free(&run);
    wc_buf_free(&in);
}

struct parse_case {
    const char *input;
    const char *message;
};

/* Each input, read whole, is WC_EPARSE with exactly its message. */
static void expect_parse_errors(const struct parse_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct run run = read_all(TITLES_FORMAT_JSON, 0, cases[i].input, strlen(cases[i].input));
        if (run.rc != WC_EPARSE || strcmp(run.err.message, cases[i].message) != 0)
            print_error("input %zu: %s\n   got rc %d: %s\n", i, cases[i].input, run.rc,
                        run.err.message);
        assert_int_equal(run.rc, WC_EPARSE);
        assert_int_equal(run.err.code, WC_EPARSE);
        assert_string_equal(run.err.message, cases[i].message);
        run_free(&run);
    }
}

static void test_json_parse_errors(void **state)
{
    (void)state;
    static const struct parse_case cases[] = {
        {"", "line 1, column 1: unexpected end of input"},
        {"  \n ", "line 2, column 2: unexpected end of input"},
        {"[", "line 1, column 2: unexpected end of input"},
        {"[\"abc", "line 1, column 6: unexpected end of input"},
        {"[\"a\",]", "line 1, column 6: expected a value, found ']'"},
        {"[\n  \"a\"\n  \"b\"]", "line 3, column 3: expected ',' or ']', found '\"'"},
        {"[\"\xC3\xA9\", x]", "line 1, column 7: expected a value, found 'x'"},
        {"\"x\"", "line 1, column 1: expected '[' or '{' to start the title list, found '\"'"},
        {"42", "line 1, column 1: expected '[' or '{' to start the title list, found '4'"},
        {"{\"titles\": \"x\"}",
         "line 1, column 12: the \"titles\" member must be an array, found '\"'"},
        {"{\"a\": 1}", "line 1, column 8: the object has no \"titles\" member"},
        {"{}", "line 1, column 2: the object has no \"titles\" member"},
        {"{\"titles\": [], \"titles\": []}", "line 1, column 23: duplicate \"titles\" member"},
        {"{\"titles\" []}", "line 1, column 11: expected ':' after a member name, found '['"},
        {"{\"titles\": [],}", "line 1, column 15: expected a member name (a string), found '}'"},
        {"{1: 2}", "line 1, column 2: expected a member name (a string), found '1'"},
        {"{\"titles\": [] ]", "line 1, column 15: expected ',' or '}', found ']'"},
        {"[\"a\\qb\"]", "line 1, column 5: invalid escape in a string, found 'q'"},
        {"[\"\\u12G4\"]", "line 1, column 7: invalid \\u escape: expected a hex digit, found 'G'"},
        {"[\"a\nb\"]",
         "line 1, column 4: control character in a string (it must be escaped), found byte 0x0A"},
        {"[01]", "line 1, column 3: expected ',' or ']', found '1'"},
        {"[1.]", "line 1, column 4: invalid number, found ']'"},
        {"[-]", "line 1, column 3: invalid number, found ']'"},
        {"[1e]", "line 1, column 4: invalid number, found ']'"},
        {"[1e+]", "line 1, column 5: invalid number, found ']'"},
        {"[tru]", "line 1, column 5: invalid literal (true, false or null), found ']'"},
        {"[nul", "line 1, column 5: unexpected end of input"},
        {"[+1]", "line 1, column 2: expected a value, found '+'"},
        {"[] x", "line 1, column 4: unexpected data after the end of the JSON value, found 'x'"},
        {"[][]", "line 1, column 3: unexpected data after the end of the JSON value, found '['"},
        {"\xEF\xBB[]", "line 1, column 1: expected '[' or '{' to start the title list, found "
                       "byte 0xEF"},
        {"[\"a\" \x01]", "line 1, column 6: expected ',' or ']', found byte 0x01"},
        {"[1 2]", "line 1, column 4: expected ',' or ']', found '2'"},
    };
    expect_parse_errors(cases, sizeof cases / sizeof cases[0]);
    /* The same message whatever the split. */
    expect_splits(TITLES_FORMAT_JSON, S("[\"A\",\n \"\\u00e9\" , tx]"), "T0:A\nT1:\\xC3\\xA9\n",
                  WC_EPARSE);
}

/* RFC 8259 section 8.1: member names and every string that is not a title (options, skipped
 * members, nested values) must be well-formed UTF-8, else the text is malformed; a title that is
 * not UTF-8 is refused alone (bad_utf8) and the rest read on. */
static void test_json_utf8_outside_titles(void **state)
{
    (void)state;
    static const struct parse_case cases[] = {
        {"{\"titles\":[\"a\"],\"x\xFF\":1}",
         "line 1, column 19: invalid UTF-8 in a string, found byte 0xFF"},
        {"{\"titles\":[\"Article 1\"],\"note\":\"ab\xFF"
         "cd\"}",
         "line 1, column 35: invalid UTF-8 in a string, found byte 0xFF"},
        {"{\"note\":\"\xC3\"}", "line 1, column 11: invalid UTF-8 in a string, found '\"'"},
        {"{\"n\":{\"k\":[\"\xC0\xAF\"]}}",
         "line 1, column 13: invalid UTF-8 in a string, found byte 0xC0"},
        {"{\"n\":\"\xED\xA0\x80\"}", "line 1, column 7: invalid UTF-8 in a string, found "
                                     "byte 0xA0"},
        {"{\"n\":\"\xF4\x90\x80\x80\"}", "line 1, column 7: invalid UTF-8 in a string, found "
                                         "byte 0x90"},
        {"{\"labels\":[\"x\xE3\x80\\n\"]}",
         "line 1, column 15: invalid UTF-8 in a string, found '\\'"},
        {"[[\"\x80\"]]", "line 1, column 3: invalid UTF-8 in a string, found byte 0x80"},
    };
    expect_parse_errors(cases, sizeof cases / sizeof cases[0]);
    /* Well-formed multi-byte text anywhere is read, whatever the split. */
    expect_splits(TITLES_FORMAT_JSON,
                  S("{\"n\xC3\xA9\":\"\xE2\x82\xAC\xF0\x9F\x98\x80\",\"titles\":[\"\xC3\xA9\"]}"),
                  "On\xC3\xA9=\"\\xE2\\x82\\xAC\\xF0\\x9F\\x98\\x80\"\nT0:\\xC3\\xA9\n", 0);
    /* The same error whatever the split, and titles before it are delivered. */
    expect_splits(TITLES_FORMAT_JSON, S("{\"titles\":[\"A\"],\"k\":\"\xE2\x82\"}"), "T0:A\n",
                  WC_EPARSE);
    /* A title is refused alone. */
    expect_log(TITLES_FORMAT_JSON, 0, S("{\"titles\":[\"a\xFF\",\"b\"]}"),
               "I0:bad_utf8:a\\xFF\nT1:b\n");
}

static void test_json_nesting_limit(void **state)
{
    (void)state;
    struct wc_buf in = WC_BUF_INIT;
    for (int i = 0; i < 512; i++)
        assert_int_equal(wc_buf_putc(&in, '['), 0);
    for (int i = 0; i < 512; i++)
        assert_int_equal(wc_buf_putc(&in, ']'), 0);
    struct run run = read_all(TITLES_FORMAT_JSON, 0, in.data, in.len);
    assert_int_equal(run.rc, 0);
    assert_memory_equal(run.log, "I0:not_string:[[[[", 18);
    assert_int_equal(run.longest_raw, 259);
    run_free(&run);

    wc_buf_reset(&in);
    for (int i = 0; i < 513; i++)
        assert_int_equal(wc_buf_putc(&in, '['), 0);
    run = read_all(TITLES_FORMAT_JSON, 0, in.data, in.len);
    assert_int_equal(run.rc, WC_EPARSE);
    assert_string_equal(run.err.message,
                        "line 1, column 513: arrays and objects nested too deeply");
    run_free(&run);
    wc_buf_free(&in);
}

/* ---- errors, stops, lifecycle */

static void test_error_is_sticky(void **state)
{
    (void)state;
    struct recorder rec = {WC_BUF_INIT, 0, 0, 0, 0, NULL, 0};
    struct titles_options opts = {TITLES_FORMAT_JSON, 0};
    struct titles_callbacks cb = {on_title, on_invalid, on_option, &rec};
    struct titles_reader *r = titles_reader_new(&opts, &cb);
    assert_non_null(r);
    struct wc_error err = {0};
    assert_int_equal(titles_reader_feed(r, "[\"A\", }", 7, &err), WC_EPARSE);
    char first[sizeof err.message];
    memcpy(first, err.message, sizeof first);
    assert_string_equal(first, "line 1, column 7: expected a value, found '}'");
    memset(&err, 0, sizeof err);
    assert_int_equal(titles_reader_feed(r, "\"B\"]", 4, &err), WC_EPARSE);
    assert_string_equal(err.message, first);
    assert_int_equal(titles_reader_finish(r, &err), WC_EPARSE);
    assert_string_equal(err.message, first);
    assert_int_equal(titles_reader_feed(r, "x", 1, NULL), WC_EPARSE);
    assert_string_equal(rec.log.data, "T0:A\n");
    titles_reader_free(r);
    wc_buf_free(&rec.log);
}

static void test_callback_stop(void **state)
{
    (void)state;
    /* A title, an invalid entry, an option, and the last line delivered by finish() can each
     * stop the reader; the callback's value comes back unchanged. */
    struct stop_case {
        enum titles_format format;
        const char *input;
        int stop_at;
        const char *log;
    } cases[] = {
        {TITLES_FORMAT_TEXT, "A\nB\nC\n", 2, "T1:A\nT2:B\n"},
        {TITLES_FORMAT_TEXT, "A\n#\nC\n", 2, "T1:A\nI2:forbidden_char:#\n"},
        {TITLES_FORMAT_TEXT, "A\nB", 2, "T1:A\nT2:B\n"},
        {TITLES_FORMAT_IDTITLE, "1; A\n2 B\n3; C", 2, "T1:A\nI2:bad_idtitle:2 B\n"},
        {TITLES_FORMAT_JSON, "{\"o\":1,\"titles\":[\"A\"]}", 1, "Oo=1\n"},
        {TITLES_FORMAT_JSON, "[\"A\",2,\"C\"]", 2, "T0:A\nI1:not_string:2\n"},
        {TITLES_FORMAT_JSON, "[\"A\",\"B\",\"C\"]", 1, "T0:A\n"},
        {TITLES_FORMAT_JSON, "[\"A\",\"B\",2]", 3, "T0:A\nT1:B\nI2:not_string:2\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int set_err = 0; set_err <= 1; set_err++) {
            struct recorder rec = {WC_BUF_INIT, 0, cases[i].stop_at, -42, set_err, NULL, 0};
            struct wc_error err = {0};
            rec.err = &err;
            struct titles_options opts = {cases[i].format, 0};
            struct titles_callbacks cb = {on_title, on_invalid, on_option, &rec};
            struct titles_reader *r = titles_reader_new(&opts, &cb);
            assert_non_null(r);
            int rc = titles_reader_feed(r, cases[i].input, strlen(cases[i].input), &err);
            if (rc == 0)
                rc = titles_reader_finish(r, &err);
            assert_int_equal(rc, -42);
            assert_string_equal(rec.log.data, cases[i].log);
            const char *expected = set_err ? "callback says stop at" : "stopped by a callback";
            assert_memory_equal(err.message, expected, strlen(expected));
            /* Refused afterwards, with the same code and message, and no more callbacks. */
            char first[sizeof err.message];
            memcpy(first, err.message, sizeof first);
            assert_int_equal(titles_reader_feed(r, "\nX\n", 3, &err), -42);
            assert_string_equal(err.message, first);
            assert_int_equal(titles_reader_finish(r, &err), -42);
            assert_int_equal(rec.n_events, cases[i].stop_at);
            titles_reader_free(r);
            wc_buf_free(&rec.log);
        }
    }
}

static void test_lifecycle(void **state)
{
    (void)state;
    struct recorder rec = {WC_BUF_INIT, 0, 0, 0, 0, NULL, 0};
    struct titles_callbacks cb = {on_title, on_invalid, on_option, &rec};
    struct titles_options bad = {(enum titles_format)7, 0};
    assert_null(titles_reader_new(&bad, &cb));
    struct titles_options opts = {TITLES_FORMAT_TEXT, 0};
    struct titles_reader *r = titles_reader_new(&opts, &cb);
    assert_non_null(r);
    struct wc_error err = {0};
    assert_int_equal(titles_reader_count(r), 0);
    assert_int_equal(titles_reader_feed(r, "A\n#\nB", 5, &err), 0);
    assert_int_equal(titles_reader_count(r), 2);
    assert_int_equal(titles_reader_finish(r, &err), 0);
    assert_int_equal(titles_reader_count(r), 3);
    assert_int_equal(titles_reader_finish(r, &err), 0);
    assert_int_equal(titles_reader_feed(r, "C\n", 2, &err), WC_EINVAL);
    assert_int_equal(err.code, WC_EINVAL);
    assert_int_equal(titles_reader_count(r), 3);
    titles_reader_free(r);
    titles_reader_free(NULL);
    wc_buf_free(&rec.log);
}

/* ---- titles_check and names */

static void test_check_and_names(void **state)
{
    (void)state;
    assert_int_equal(titles_check("Foo", 3, 0), 0);
    assert_int_equal(titles_check("", 0, 0), TITLES_EMPTY);
    assert_int_equal(titles_check("abcd", 4, 3), TITLES_TOO_LONG);
    /* Precedence: too_long before bad_utf8 before control_char before forbidden_char. */
    assert_int_equal(titles_check("\xFF\x01#x", 4, 3), TITLES_TOO_LONG);
    assert_int_equal(titles_check("\xFF\x01#", 3, 3), TITLES_BAD_UTF8);
    assert_int_equal(titles_check("#\x01", 2, 0), TITLES_CONTROL_CHAR);
    assert_int_equal(titles_check("a]", 2, 0), TITLES_FORBIDDEN_CHAR);
    assert_int_equal(titles_check("\xED\xA0\x80", 3, 0), TITLES_BAD_UTF8);
    assert_int_equal(titles_check("\xC0\xAF", 2, 0), TITLES_BAD_UTF8);
    assert_int_equal(titles_check(S("caf\xC3\xA9 au lait: 1,2;3"), 0), 0);

    static const char *names[] = {"empty",        "bad_utf8",   "too_long",   "forbidden_char",
                                  "control_char", "not_string", "bad_idtitle"};
    for (int reason = TITLES_EMPTY; reason <= TITLES_BAD_IDTITLE; reason++) {
        assert_string_equal(titles_invalid_reason_name(reason), names[reason - 1]);
        assert_true(strlen(titles_invalid_reason_message(reason)) > 5);
    }
    assert_string_equal(titles_invalid_reason_message(TITLES_FORBIDDEN_CHAR),
                        "title contains a forbidden character (one of # < > [ ] | { })");
    assert_string_equal(titles_invalid_reason_name((enum titles_invalid_reason)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_basic),
        cmocka_unit_test(test_text_bom_crlf_trailing),
        cmocka_unit_test(test_text_unicode_space),
        cmocka_unit_test(test_text_invalid_reasons),
        cmocka_unit_test(test_text_max_title_bytes),
        cmocka_unit_test(test_long_lines_not_buffered),
        cmocka_unit_test(test_idtitle),
        cmocka_unit_test(test_json_array),
        cmocka_unit_test(test_json_escapes),
        cmocka_unit_test(test_json_lone_surrogates),
        cmocka_unit_test(test_json_object),
        cmocka_unit_test(test_json_array_option),
        cmocka_unit_test(test_json_long_values_bounded),
        cmocka_unit_test(test_json_parse_errors),
        cmocka_unit_test(test_json_utf8_outside_titles),
        cmocka_unit_test(test_json_nesting_limit),
        cmocka_unit_test(test_error_is_sticky),
        cmocka_unit_test(test_callback_stop),
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_check_and_names),
    };
    return cmocka_run_group_tests_name("titles", tests, NULL, NULL);
}
