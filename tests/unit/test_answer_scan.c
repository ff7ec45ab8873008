/* test_answer_scan.c - unit tests for lib/answer_scan: the scanned path against the jansson path */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "answer_scan.h"
#include "json_write.h"
#include "mwparse.h"
#include "record_json.h"

/* Everything one path says about one answer. */
struct verdict {
    int rc;
    struct mw_result res;
    struct wc_error err;
    int has_record;
    struct wc_buf json;
};

static void run_path(int reference, struct html_text *x, const char *body, size_t len, long status,
                     struct verdict *v)
{
    memset(v, 0, sizeof *v);
    struct wc_record *record = NULL;
    const char *title = "Submitted \"title\" \xC3\xA9";
    v->rc = reference
                ? mwparse_answer_reference(x, body, len, status, title, &record, &v->res, &v->err)
                : mwparse_answer(x, body, len, status, title, &record, &v->res, &v->err);
    v->has_record = record != NULL;
    if (record != NULL) {
        assert_int_equal(record_json_append(&v->json, record), 0);
        wc_record_free(record);
    }
}

/* Both paths give the same rc, outcome, code, detail, error and record bytes. Returns the
 * scanner's answer_scan_run() result (0: it vouched for the body). */
static int check_same_len(struct html_text *x, const char *body, size_t len, long status)
{
    struct verdict fast, ref;
    run_path(0, x, body, len, status, &fast);
    run_path(1, x, body, len, status, &ref);
    if (fast.rc != ref.rc || fast.res.outcome != ref.res.outcome ||
        strcmp(fast.res.code, ref.res.code) != 0 || strcmp(fast.res.detail, ref.res.detail) != 0 ||
        fast.has_record != ref.has_record || fast.json.len != ref.json.len ||
        (fast.json.len > 0 && memcmp(fast.json.data, ref.json.data, fast.json.len) != 0) ||
        fast.err.code != ref.err.code || strcmp(fast.err.message, ref.err.message) != 0) {
        print_error("difference on status %ld, body (%zu bytes) %.*s\n", status, len,
                    (int)(len > 300 ? 300 : len), body);
        print_error("scanned:   rc %d %s %s \"%s\" %.*s\n", fast.rc,
                    wc_outcome_name(fast.res.outcome), fast.res.code, fast.res.detail,
                    (int)(fast.json.len > 300 ? 300 : fast.json.len),
                    fast.json.data ? fast.json.data : "");
        print_error("reference: rc %d %s %s \"%s\" %.*s\n", ref.rc,
                    wc_outcome_name(ref.res.outcome), ref.res.code, ref.res.detail,
                    (int)(ref.json.len > 300 ? 300 : ref.json.len),
                    ref.json.data ? ref.json.data : "");
        fail();
    }
    wc_buf_free(&fast.json);
    wc_buf_free(&ref.json);
    struct answer_scan scan;
    answer_scan_init(&scan);
    int verdict = answer_scan_run(&scan, body, len);
    answer_scan_free(&scan);
    return verdict;
}

static int check_same(struct html_text *x, const char *body, long status)
{
    return check_same_len(x, body, strlen(body), status);
}

/* The statuses whose rules differ: 2xx, another 2xx, redirect, client error, 429, 5xx. */
static const long statuses[] = {200, 203, 302, 404, 429, 503};
#define N_STATUSES (sizeof statuses / sizeof statuses[0])

/* Same on every status; the scanner must vouch (expect 0) or not (1) for the body. */
static void check_all(struct html_text *x, const char *body, int expect_vouched)
{
    int verdict = -1;
    for (size_t i = 0; i < N_STATUSES; i++)
        verdict = check_same(x, body, statuses[i]);
    if (verdict != (expect_vouched ? 0 : 1)) {
        print_error("answer_scan_run() gave %d for %s\n", verdict, body);
        fail();
    }
}

static void check_all_len(struct html_text *x, const char *body, size_t len, int expect_vouched)
{
    int verdict = -1;
    for (size_t i = 0; i < N_STATUSES; i++)
        verdict = check_same_len(x, body, len, statuses[i]);
    assert_int_equal(verdict, expect_vouched ? 0 : 1);
}

/* Every prefix of body (cut-off answers): same verdicts. */
static void check_prefixes(struct html_text *x, const char *body)
{
    size_t len = strlen(body);
    for (size_t n = 0; n <= len; n++) {
        check_same_len(x, body, n, 200);
        check_same_len(x, body, n, 404);
    }
}

static const char fv1_answer[] =
    "{\"parse\":{\"title\":\"Target\",\"pageid\":42,"
    "\"redirects\":[{\"from\":\"Submitted\",\"to\":\"Target \\u00e9\"}],"
    "\"text\":{\"*\":\"<div><p>One\\n</p><p>Two &amp; <b>three</b> \\u00e9\\ud83d\\ude00</p>"
    "</div>\"},"
    "\"categories\":[{\"sortkey\":\"\",\"*\":\"Visible_cat\"},"
    "{\"sortkey\":\"\",\"hidden\":\"\",\"*\":\"Hidden_cat\"}],"
    "\"links\":[{\"ns\":0,\"exists\":\"\",\"*\":\"Link \\\"A\\\"\"},{\"ns\":0,\"*\":\"B\"}],"
    "\"externallinks\":[\"https:\\/\\/example.org\\/x\"],"
    "\"sections\":[{\"toclevel\":1,\"line\":\"History\",\"anchor\":\"History\"}],"
    "\"properties\":[{\"name\":\"displaytitle\",\"*\":\"T\"}],\"showtoc\":\"\"}}";

static const char fv2_answer[] =
    "{\"parse\":{\"title\":\"T\",\"pageid\":7,\"redirects\":[],"
    "\"text\":\"<p>x \\\"y\\\"\\t\\r\\b\\f z</p><p>\xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x98\x80</p>\","
    "\"categories\":[{\"sortkey\":\"\",\"category\":\"C\"},"
    "{\"sortkey\":\"\",\"category\":\"H\",\"hidden\":true},"
    "{\"sortkey\":\"\",\"category\":\"Red\",\"missing\":true}],"
    "\"links\":[{\"ns\":0,\"title\":\"L\",\"exists\":true},{\"ns\":0,\"title\":\"R\","
    "\"exists\":false}],\"externallinks\":[\"https://e.org/\",\"//x.org\"],"
    "\"sections\":[{\"toclevel\":1,\"level\":\"2\",\"line\":\"<i>S</i>\",\"number\":\"1\"}],"
    "\"properties\":{\"displaytitle\":\"T\",\"noindex\":\"\"}}}";

static void test_records(void **state)
{
    struct html_text *x = *state;
    check_all(x, fv1_answer, 1);
    check_all(x, fv2_answer, 1);
    /* Pretty-printed, with every kind of white space jansson skips. */
    check_all(x,
              " \t\r\n{ \"parse\" :\n {\"pageid\" : 1 ,\r\n\t\"text\" : \"<p>a</p>\" , "
              "\"links\" : [ \"bare\" , { \"title\" : \"t\" } ] } } \n",
              1);
    /* Strings in every field with escapes, \u0000 and characters of every UTF-8 length. */
    check_all(x,
              "{\"parse\":{\"pageid\":-0,\"text\":\"<p>a\\u0000b\\u0041\\u00e9\\u4e2d"
              "\\uD834\\uDD1E\\/</p>\",\"categories\":[\"Bare\\u0000cut\",{\"category\":"
              "\"C\\u0000D\"},{\"category\":5,\"*\":\"Star\\\\\"},{\"*\":7},[\"x\"],null],"
              "\"links\":[{\"title\":null,\"*\":\"\\u00c9\"},{\"*\":\"\xC3\xA9\xE2\x82\xAC"
              "\xF0\x90\x8D\x88\"},{\"title\":\"\"},3],\"externallinks\":[\"a\",{\"*\":\"b\"},"
              "{\"title\":\"c\"},\"\\u0000\"],\"sections\":[{\"line\":\"\\u0000\"},\"s\","
              "{\"line\":1}],\"redirects\":[{\"to\":\"R\\u0000X\"}]}}",
              1);
    /* Keys that name fields through escapes. */
    check_all(x,
              "{\"p\\u0061rse\":{\"pag\\u0065id\":3,\"\\u0074ext\":{\"\\u002a\":\"<p>k</p>\"},"
              "\"c\\u0061tegories\":[{\"c\\u0061tegory\":\"K\",\"hidd\\u0065n\":false}]}}",
              1);
    /* Fields of unexpected types: every one ends as the jansson path leaves it. */
    check_all(x,
              "{\"parse\":{\"pageid\":5,\"text\":\"t\",\"categories\":{\"a\":1},\"links\":\"x\","
              "\"externallinks\":null,\"sections\":[[{\"line\":\"deep\"}]],\"redirects\":"
              "{\"to\":\"X\"},\"properties\":\"disambiguation\"}}",
              1);
    check_all(x, "{\"parse\":{\"pageid\":5,\"text\":\"t\",\"redirects\":[1,{\"to\":\"second\"}]}}",
              1);
    check_all(x,
              "{\"parse\":{\"pageid\":5,\"text\":\"t\",\"redirects\":[{\"to\":7},{\"to\":\"b\"}]}}",
              1);
    check_all(x, "{\"parse\":{\"pageid\":5,\"text\":\"\"}}", 1);
    check_all(x, "{\"parse\":{\"pageid\":5,\"text\":\"t\",\"categories\":[],\"links\":[]}}", 1);
}

static void test_bad_answers(void **state)
{
    struct html_text *x = *state;
    check_all(x, "{\"parse\":{\"pageid\":42.0,\"text\":\"<p>a</p>\"}}", 1);
    check_all(x, "{\"parse\":{\"pageid\":\"42\",\"text\":\"<p>a</p>\"}}", 1);
    check_all(x, "{\"parse\":{\"pageid\":42,\"text\":{\"html\":\"<p>a</p>\"}}}", 1);
    check_all(x, "{\"parse\":{\"pageid\":42,\"text\":{\"*\":5}}}", 1);
    check_all(x, "{\"parse\":{\"pageid\":42,\"text\":[\"<p>a</p>\"]}}", 1);
    check_all(x, "{\"parse\":{\"text\":\"<p>a</p>\"}}", 1);
    check_all(x, "{\"parse\":[]}", 1);
    check_all(x, "{\"parse\":null}", 1);
    check_all(x, "{}", 1);
    check_all(x, "[]", 1);
    check_all(x, "[{\"parse\":{\"pageid\":1,\"text\":\"t\"}}]", 1);
    check_all(x, "{\"batchcomplete\":true,\"warnings\":{\"main\":{\"*\":\"w\"}}}", 1);
}

static void test_errors(void **state)
{
    struct html_text *x = *state;
    check_all(x,
              "{\"error\":{\"code\":\"missingtitle\",\"info\":\"The page you specified doesn't "
              "exist.\",\"*\":\"See http://localhost/api.php\"}}",
              1);
    check_all(x, "{\"error\":{\"code\":\"invalidtitle\",\"info\":\"Bad title \\\"Foo[\\\".\"}}", 1);
    check_all(x, "{\"error\":{\"code\":\"pagecannotexist\",\"info\":\"x\",\"docref\":\"d\"}}", 1);
    check_all(x, "{\"error\":{\"code\":\"maxlag\",\"info\":\"Waiting: 5 seconds lagged.\"}}", 1);
    check_all(x, "{\"error\":{\"code\":\"internal_api_error_DBQueryError\",\"info\":\"[x]\"}}", 1);
    check_all(x, "{\"error\":{\"code\":\"ratelimited\"}}", 1);
    check_all(x, "{\"error\":{\"code\":\"permissiondenied\",\"text\":\"plain\"}}", 1);
    check_all(x, "{\"error\":{\"info\":\"no code\",\"text\":\"t\"}}", 1);
    check_all(x, "{\"error\":{\"code\":5,\"info\":6,\"text\":\"t\"}}", 1);
    check_all(x, "{\"error\":{}}", 1);
    check_all(x, "{\"error\":\"string\",\"errors\":[{\"code\":\"readonly\",\"text\":\"ro\"}]}", 1);
    check_all(x, "{\"errors\":[{\"code\":\"badtitle\",\"text\":\"t\"},{\"code\":\"maxlag\"}]}", 1);
    check_all(x, "{\"errors\":[\"x\",{\"code\":\"maxlag\"}]}", 1);
    check_all(x, "{\"errors\":[]}", 1);
    check_all(x, "{\"errors\":{\"code\":\"maxlag\"}}", 1);
    /* An error wins over a parse, whatever the order. */
    check_all(x, "{\"parse\":{\"pageid\":1,\"text\":\"t\"},\"error\":{\"code\":\"timeout\"}}", 1);
    /* NUL in code and info: both paths stop at it. */
    check_all(x, "{\"error\":{\"code\":\"missingtitle\\u0000x\",\"info\":\"a\\u0000b\"}}", 1);
    check_all(x, "{\"error\":{\"code\":\"\\u0000\",\"info\":\"\"}}", 1);
    /* Longer than res.code and res.detail. */
    char body[2048];
    char code[301];
    memset(code, 'c', 300);
    code[300] = '\0';
    snprintf(body, sizeof body, "{\"error\":{\"code\":\"invalidtitle%s\",\"info\":\"%s%s\"}}", code,
             code, code);
    check_all(x, body, 1);
}

static void test_disambiguation(void **state)
{
    struct html_text *x = *state;
    check_all(x,
              "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"categories\":[{\"sortkey\":\"\","
              "\"*\":\"Disambiguation_pages\"}]}}",
              1);
    check_all(x,
              "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"categories\":[{\"category\":"
              "\"Disambiguation pages\",\"hidden\":true}]}}",
              1);
    check_all(x,
              "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"categories\":[{\"category\":"
              "\"Disambiguation_pages\\u0000tail\"}]}}",
              1);
    check_all(x,
              "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"categories\":[{\"category\":"
              "\"Disambiguation\\u005fpages\"}]}}",
              1);
    check_all(x,
              "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"categories\":[\"Disambiguation_pages\"]}}",
              1);
    check_all(x,
              "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"categories\":[{\"category\":1,"
              "\"*\":\"Disambiguation pages\"}]}}",
              1);
    check_all(
        x, "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"properties\":{\"disambiguation\":null}}}", 1);
    check_all(
        x, "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"properties\":{\"disambiguatio\":\"\"}}}", 1);
    check_all(x,
              "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"properties\":[{\"name\":"
              "\"disambiguation\",\"*\":\"\"}]}}",
              1);
    check_all(x,
              "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"properties\":[{\"name\":"
              "\"disambiguation\\u0000x\"}]}}",
              1);
    check_all(x,
              "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"properties\":[{\"name\":"
              "\"Disambiguation\"},\"disambiguation\",{\"*\":\"disambiguation\"}]}}",
              1);
}

static void test_numbers(void **state)
{
    struct html_text *x = *state;
    static const char *const vouched[] = {
        "9223372036854775807",
        "-9223372036854775808",
        "0",
        "-0",
        "12",
        "1e308",
        "-1E+308",
        "1.7976931348623157e308",
        "179769313486231570000e288",
        "0.0000001e310",
        "0e999999",
        "1e-99999",
        "-0.0",
        "123.456e-7",
        "0.0e0",
    };
    static const char *const refused[] = {
        "9223372036854775808",
        "-9223372036854775809",
        "92233720368547758070",
        "1e309",
        "1.7976931348623159e308",
        "-1e400",
        "10e308",
        "0.1e310",
        "1e99999999999999999999",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "1e+",
        "+1",
        "0x1",
        "--1",
        "1.e5",
        "-01",
    };
    char body[256];
    for (size_t i = 0; i < sizeof vouched / sizeof vouched[0]; i++) {
        snprintf(body, sizeof body, "{\"parse\":{\"pageid\":%s,\"text\":\"t\"}}", vouched[i]);
        check_all(x, body, 1);
        snprintf(body, sizeof body, "[%s]", vouched[i]);
        check_all(x, body, 1);
    }
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        snprintf(body, sizeof body, "{\"parse\":{\"pageid\":%s,\"text\":\"t\"}}", refused[i]);
        check_all(x, body, 0);
    }
    check_all(x, "[true,false,null,{},[],\"\",0]", 1);
    check_all(x, "[tru]", 0);
    check_all(x, "[nul]", 0);
    check_all(x, "[truex]", 0);
    check_all(x, "[True]", 0);
    check_all(x, "[1true]", 0);
}

static void test_strings(void **state)
{
    struct html_text *x = *state;
    static const char *const refused[] = {
        "\"\\ud800\"",          /* lone high surrogate */
        "\"\\udc00\"",          /* lone low surrogate */
        "\"\\ud800\\u0041\"",   /* high then not low */
        "\"\\ud800\\ud800\"",   /* high then high */
        "\"\\udc00\\ud800\"",   /* reversed pair */
        "\"\\ud800\\\\udc00\"", /* an escaped backslash is not \u */
        "\"\\uZZZZ\"",
        "\"\\u12\"",
        "\"\\x41\"",
        "\"\\'\"",
        "\"a\tb\"",
        "\"a\nb\"",
        "\"\x01\"",
        "\"\x1f\"",
        "\"\xC0\x80\"",         /* overlong NUL */
        "\"\xC1\xBF\"",         /* overlong */
        "\"\xE0\x80\x80\"",     /* overlong */
        "\"\xED\xA0\x80\"",     /* encoded surrogate */
        "\"\xF4\x90\x80\x80\"", /* above U+10FFFF */
        "\"\xF5\x80\x80\x80\"",
        "\"\xFF\"",
        "\"\x80\"",
        "\"\xC3\"",
        "\"\xE2\x82\"",
        "\"\xC3\x28\"",
        "\"unterminated",
    };
    static const char *const vouched[] = {
        "\"\x7F\"",
        "\"\\ud83d\\ude00\"",
        "\"\\uDBFF\\uDFFF\"",
        "\"\\u0000\"",
        "\"\xF4\x8F\xBF\xBF\"",
        "\"\xEF\xBF\xBF\"",
        "\"\xC2\x80\"",
        "\"\\/\\\\\\\"\\b\\f\\n\\r\\t\"",
    };
    char body[256];
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        snprintf(body, sizeof body, "{\"parse\":{\"pageid\":1,\"text\":%s}}", refused[i]);
        check_all(x, body, 0);
        snprintf(body, sizeof body, "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"x\":[%s]}}",
                 refused[i]);
        check_all(x, body, 0);
        snprintf(body, sizeof body, "{%s:1}", refused[i]);
        check_all(x, body, 0);
    }
    for (size_t i = 0; i < sizeof vouched / sizeof vouched[0]; i++) {
        snprintf(body, sizeof body,
                 "{\"parse\":{\"pageid\":1,\"text\":%s,\"links\":[%s],\"sections\":[{\"line\":%s}]"
                 "}}",
                 vouched[i], vouched[i], vouched[i]);
        check_all(x, body, 1);
    }
    /* Invalid UTF-8 outside strings. */
    check_all(x, "{\"parse\":\xC3\xA9}", 0);
    check_all(x, "\xEF\xBB\xBF{}", 0); /* jansson refuses a byte order mark */
    check_all_len(x, "{}\0", 3, 0);
    check_all_len(x, "{\"a\":\"\0\"}", 7, 0);
    check_all_len(x, "\0{}", 3, 0);
    /* jansson skips one NUL right after a number or a literal (and only there). */
    check_all_len(x, "[1\0]", 4, 1);
    check_all_len(x, "[-0\0,1.5e3\0,true\0,false\0,null\0]", 31, 1);
    check_all_len(x, "{\"parse\":{\"pageid\":14\0,\"text\":\"t\"}}", 35, 1);
    check_all_len(x, "[1\0\0]", 5, 0);
    check_all_len(x, "[1 \0]", 5, 0);
    check_all_len(x, "[\"a\"\0]", 6, 0);
    check_all_len(x, "[{}\0]", 5, 0);
    check_all_len(x, "[1\0", 3, 0);
}

static void test_structure(void **state)
{
    struct html_text *x = *state;
    static const char *const refused[] = {
        "",
        " ",
        "\"s\"",
        "1",
        "null",
        "{",
        "[",
        "}",
        "{]",
        "[}",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\" 1}",
        "{a:1}",
        "{,}",
        "{\"a\":1,}",
        "[1,]",
        "[,1]",
        "[1 2]",
        "{}{}",
        "{} x",
        "[]]",
        "{\"a\":1 \"b\":2}",
        "{'a':1}",
        "[1,,2]",
        "{\"a\":1}\v",
        "\f{}",
        "{\"a\":[}",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        check_all(x, refused[i], 0);
    /* Duplicate keys anywhere, compared after decoding; NUL in keys. */
    check_all(x, "{\"a\":1,\"a\":2}", 0);
    check_all(x, "{\"a\":1,\"\\u0061\":2}", 0);
    check_all(x, "{\"\\u0061\":1,\"\\u0061\":2}", 0);
    check_all(x, "{\"parse\":{\"pageid\":1,\"pageid\":2,\"text\":\"t\"}}", 0);
    check_all(x, "{\"parse\":{\"pageid\":1,\"text\":\"t\",\"x\":[{\"k\":1,\"j\":{},\"k\":2}]}}", 0);
    check_all(x, "{\"a\":{\"b\":1},\"b\":{\"a\":1},\"c\":[{\"a\":1},{\"a\":2}]}", 1);
    check_all(x, "{\"a\\u0000\":1}", 0);
    check_all(x, "{\"\\u0000\":1}", 0);
    check_all(x, "{\"a\":\"\\u0000\"}", 1);
    check_all(x, "{\"ab\":1,\"a\":2,\"\":3,\"b\":4}", 1);
}

static void test_limits(void **state)
{
    struct html_text *x = *state;
    /* jansson counts every value: 2048 nested values are fine, 2049 are not. */
    static char body[8192];
    for (int depth = 2046; depth <= 2050; depth++) {
        for (int scalar = 0; scalar <= 1; scalar++) {
            size_t n = 0;
            for (int i = 0; i < depth; i++)
                body[n++] = '[';
            if (scalar)
                body[n++] = '1';
            for (int i = 0; i < depth; i++)
                body[n++] = ']';
            body[n] = '\0';
            check_all(x, body, depth + scalar <= 2048);
        }
    }
    /* Objects of more keys than the scanner compares are left to jansson: same verdicts. */
    for (int keys = ANSWER_SCAN_MAX_KEYS - 1; keys <= ANSWER_SCAN_MAX_KEYS + 1; keys++) {
        size_t n = (size_t)snprintf(body, sizeof body, "{\"parse\":{\"pageid\":1,\"text\":\"t\"");
        for (int k = 2; k < keys; k++)
            n += (size_t)snprintf(body + n, sizeof body - n, ",\"k%d\":%d", k, k);
        snprintf(body + n, sizeof body - n, "}}");
        check_all(x, body, keys <= ANSWER_SCAN_MAX_KEYS);
        /* the same with a duplicate at the end */
        snprintf(body + n, sizeof body - n, ",\"k2\":0}}");
        check_all(x, body, 0);
    }
}

static void test_prefixes(void **state)
{
    struct html_text *x = *state;
    check_prefixes(x, fv1_answer);
    check_prefixes(x, fv2_answer);
    check_prefixes(x, "{\"error\":{\"code\":\"missingtitle\",\"info\":\"\\u00e9\\ud83d\\ude00\"}}");
    check_prefixes(x, "{\"parse\":{\"pageid\":-9223372036854775808,\"text\":\"1.5e300\"},"
                      "\"x\":[1.5e300,true,false,null]}");
}

static void test_decode(void **state)
{
    (void)state;
    /* answer_scan_decode() gives jansson's bytes for strings long enough for the vector loop. */
    static const char *const strings[] = {
        "\"plain ascii that is longer than sixteen bytes, and then some more\"",
        "\"0123456789abcde\\\\0123456789abcdef\\\"0123456789abcdef\\n\"",
        "\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\ud83d\\ude00xxxxxxxxxxxxxxxx"
        "\"",
        "\"xxxxxxxxxxxxxxx\\u0000xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\\/\"",
        "\"\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\"",
    };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        char body[512];
        snprintf(body, sizeof body, "[%s]", strings[i]);
        json_t *root = json_loads(body, JSON_ALLOW_NUL, NULL);
        assert_non_null(root);
        json_t *value = json_array_get(root, 0);
        struct answer_scan scan;
        answer_scan_init(&scan);
        assert_int_equal(answer_scan_run(&scan, body, strlen(body)), 0);
        struct answer_str str = {2, strlen(strings[i]) - 2, strchr(strings[i], '\\') != NULL, 1};
        char *out = malloc(str.len + 1);
        assert_non_null(out);
        size_t n = answer_scan_decode(&scan, str, out);
        assert_int_equal(n, json_string_length(value));
        assert_memory_equal(out, json_string_value(value), n);
        assert_int_equal(out[n], '\0');
        free(out);
        answer_scan_free(&scan);
        json_decref(root);
    }
}

/* record_json_append() as it was, all through json_write. */
static void old_record_json(struct wc_buf *out, const struct wc_record *r)
{
    assert_int_equal(wc_buf_puts(out, "{\"page_id\":"), 0);
    assert_int_equal(json_write_cstring(out, r->page_id), 0);
    assert_int_equal(wc_buf_puts(out, ",\"page_title\":"), 0);
    assert_int_equal(json_write_cstring(out, r->page_title), 0);
    assert_int_equal(wc_buf_puts(out, ",\"page_text\":"), 0);
    assert_int_equal(json_write_string(out, r->page_text ? r->page_text : "", r->page_text_len), 0);
    assert_int_equal(wc_buf_puts(out, ",\"category\":"), 0);
    assert_int_equal(json_write_string_array(out, r->category.items, r->category.n), 0);
    assert_int_equal(wc_buf_puts(out, ",\"links\":"), 0);
    assert_int_equal(json_write_string_array(out, r->links.items, r->links.n), 0);
    assert_int_equal(wc_buf_puts(out, ",\"external_links\":"), 0);
    assert_int_equal(json_write_string_array(out, r->external_links.items, r->external_links.n), 0);
    assert_int_equal(wc_buf_puts(out, ",\"sections\":"), 0);
    assert_int_equal(json_write_string_array(out, r->sections.items, r->sections.n), 0);
    assert_int_equal(wc_buf_puts(out, ",\"redirects_page\":"), 0);
    assert_int_equal(json_write_cstring(out, r->redirects_page), 0);
    assert_int_equal(wc_buf_putc(out, '}'), 0);
}

static void check_page_text(const char *text, size_t len)
{
    const char *items[] = {"a\"b", "\xC3\xA9"};
    struct wc_record r = {0};
    r.page_id = "1";
    r.page_title = "T";
    r.page_text = (char *)(uintptr_t)text;
    r.page_text_len = len;
    r.links.items = items;
    r.links.n = 2;
    struct wc_buf now = WC_BUF_INIT;
    struct wc_buf before = WC_BUF_INIT;
    assert_int_equal(record_json_append(&now, &r), 0);
    old_record_json(&before, &r);
    assert_int_equal(now.len, before.len);
    assert_memory_equal(now.data, before.data, now.len);
    wc_buf_free(&now);
    wc_buf_free(&before);
}

/* record_json's page_text writer gives json_write_string()'s bytes. */
static void test_page_text_writer(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "",
        " plain text longer than sixteen bytes, with a \"quote\" and a back\\slash.",
        "\x01\x1f\x7f\n\r\t\b\f tail that is long enough for the vector loop......",
        "caf\xC3\xA9 \xE6\x9D\xB1\xE4\xBA\xAC \xF0\x9F\x98\x80 and then ascii for a while ok",
        "bad \xFF\xC3 \xED\xA0\x80 \xC0\xAF \xF4\x90\x80\x80 \xE2\x82 end of the bad bytes",
        "0123456789abcde\xC3\xA9"
        "0123456789abcde\xC3\xA9"
        "0123456789abcdef\"",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        check_page_text(texts[i], strlen(texts[i]));
    check_page_text("a\0b\0\0c", 6);
    /* Pseudo-random texts drawn from bytes that matter to the writer. */
    static const unsigned char alphabet[] = {'a',  ' ',  '.',  '"',  '\\', '\n', 0x00, 0x1F, 0x7F,
                                             0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0xFF};
    char text[200];
    uint32_t seed = 12345;
    for (int round = 0; round < 3000; round++) {
        size_t len = (size_t)(round % (int)sizeof text);
        for (size_t k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            unsigned pick = (seed >> 16) % 40;
            text[k] = (char)(pick < sizeof alphabet ? alphabet[pick] : 'a' + pick % 26);
        }
        check_page_text(text, len);
    }
}

/* Every captured answer: the same verdict and record by both paths, and no fallback. */
static void check_corpus_dir(struct html_text *x, const char *dir, int *n_files)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t name_len = strlen(e->d_name);
        if (name_len < 5 || strcmp(e->d_name + name_len - 5, ".json") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        struct wc_buf body = WC_BUF_INIT;
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            assert_int_equal(wc_buf_append(&body, chunk, n), 0);
        fclose(f);
        for (size_t i = 0; i < N_STATUSES; i++) {
            int verdict = check_same_len(x, body.data, body.len, statuses[i]);
            if (verdict != 0) {
                print_error("%s: the scanner falls back (%d)\n", path, verdict);
                fail();
            }
        }
        /* cut-off copies: halfway, one byte short */
        check_same_len(x, body.data, body.len / 2, 200);
        check_same_len(x, body.data, body.len - 1, 200);
        wc_buf_free(&body);
        (*n_files)++;
    }
    closedir(d);
}

static void test_corpus(void **state)
{
    struct html_text *x = *state;
    int n_files = 0;
    check_corpus_dir(x, "tests/corpus/answers/notebook", &n_files);
    check_corpus_dir(x, "tests/corpus/answers/lean", &n_files);
    assert_true(n_files >= 300);
}

static int setup(void **state)
{
    *state = html_text_new();
    return *state == NULL;
}

static int teardown(void **state)
{
    html_text_free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),          cmocka_unit_test(test_bad_answers),
        cmocka_unit_test(test_errors),           cmocka_unit_test(test_disambiguation),
        cmocka_unit_test(test_numbers),          cmocka_unit_test(test_strings),
        cmocka_unit_test(test_structure),        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_prefixes),         cmocka_unit_test(test_decode),
        cmocka_unit_test(test_page_text_writer), cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
