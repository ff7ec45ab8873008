/* test_error_line.c - the exact bytes of the error line {"title","outcome","detail"} */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "error_line.h"
#include "json_write.h"
#include "wc_error.h"

static void check_line(const char *title, size_t title_len, enum wc_outcome outcome,
                       const char *code, const char *detail, const char *expected)
{
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(error_line_append(&out, title, title_len, outcome, code, detail), 0);
    assert_int_equal(out.len, strlen(expected));
    assert_memory_equal(out.data, expected, out.len);
    wc_buf_free(&out);
}

static void writes_the_three_keys_in_order(void **state)
{
    (void)state;
    check_line("Foo", 3, WC_OUTCOME_MISSING, "missingtitle",
               "The page you specified doesn't exist.",
               "{\"title\":\"Foo\",\"outcome\":\"missing\",\"detail\":\"missingtitle: The page you "
               "specified doesn't exist.\"}");
    check_line("Bar", 3, WC_OUTCOME_INVALID, NULL, "line 3: empty title",
               "{\"title\":\"Bar\",\"outcome\":\"invalid\",\"detail\":\"line 3: empty title\"}");
    check_line("B", 1, WC_OUTCOME_FAILED, "curl_7", "Couldn't connect to server",
               "{\"title\":\"B\",\"outcome\":\"failed\",\"detail\":\"curl_7: Couldn't connect to "
               "server\"}");
    check_line("D", 1, WC_OUTCOME_DISAMBIGUATION, "disambiguation", "x",
               "{\"title\":\"D\",\"outcome\":\"disambiguation\",\"detail\":\"disambiguation: x\"}");
}

static void escapes_like_python(void **state)
{
    (void)state;
    check_line("a\"b\\c\n\t\x01", 8, WC_OUTCOME_INVALID, NULL, "ctl \x1f \"q\"",
               "{\"title\":\"a\\\"b\\\\c\\n\\t\\u0001\",\"outcome\":\"invalid\","
               "\"detail\":\"ctl \\u001f \\\"q\\\"\"}");
    /* An embedded NUL in a title given with its length is kept, escaped. */
    check_line("a\0b", 3, WC_OUTCOME_INVALID, NULL, "d",
               "{\"title\":\"a\\u0000b\",\"outcome\":\"invalid\",\"detail\":\"d\"}");
}

static void writes_unicode_raw_and_bad_utf8_as_replacement(void **state)
{
    (void)state;
    check_line("Caf\xc3\xa9 \xf0\x9f\x98\x80", 10, WC_OUTCOME_MISSING, "missingtitle",
               "\xe2\x80\xa8",
               "{\"title\":\"Caf\xc3\xa9 \xf0\x9f\x98\x80\",\"outcome\":\"missing\","
               "\"detail\":\"missingtitle: \xe2\x80\xa8\"}");
    check_line("x\xff", 2, WC_OUTCOME_INVALID, NULL, "bad \xc3",
               "{\"title\":\"x\xef\xbf\xbd\",\"outcome\":\"invalid\","
               "\"detail\":\"bad \xef\xbf\xbd\"}");
}

static void writes_empty_title_and_detail(void **state)
{
    (void)state;
    check_line("", 0, WC_OUTCOME_INVALID, NULL, "",
               "{\"title\":\"\",\"outcome\":\"invalid\",\"detail\":\"\"}");
    check_line("T", 1, WC_OUTCOME_FAILED, "http_503", "",
               "{\"title\":\"T\",\"outcome\":\"failed\",\"detail\":\"http_503: \"}");
    check_line("T", 1, WC_OUTCOME_FAILED, "", "",
               "{\"title\":\"T\",\"outcome\":\"failed\",\"detail\":\": \"}");
}

static void reads_only_title_len_bytes_and_appends(void **state)
{
    (void)state;
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(wc_buf_puts(&out, "x\n"), 0);
    assert_int_equal(error_line_append(&out, "TitleAndMore", 5, WC_OUTCOME_INVALID, NULL, "d"), 0);
    const char *expected = "x\n{\"title\":\"Title\",\"outcome\":\"invalid\",\"detail\":\"d\"}";
    assert_int_equal(out.len, strlen(expected));
    assert_memory_equal(out.data, expected, out.len);
    wc_buf_free(&out);
}

/* The two spellings this function replaced (the crawler's, with asprintf, and the front end's),
 * kept here to show that every byte stays the same. */
static void old_crawl_line(struct wc_buf *p, const char *title, enum wc_outcome outcome,
                           const char *code, const char *detail)
{
    char *reason = NULL;
    assert_true(asprintf(&reason, "%s: %s", code, detail) >= 0);
    wc_buf_puts(p, "{\"title\":");
    json_write_cstring(p, title);
    wc_buf_puts(p, ",\"outcome\":");
    json_write_cstring(p, wc_outcome_name(outcome));
    wc_buf_puts(p, ",\"detail\":");
    json_write_cstring(p, reason);
    wc_buf_putc(p, '}');
    free(reason);
}

static void old_submit_line(struct wc_buf *out, const char *text, size_t len, const char *detail)
{
    wc_buf_puts(out, "{\"title\":");
    json_write_string(out, text, len);
    wc_buf_puts(out, ",\"outcome\":\"invalid\",\"detail\":");
    json_write_cstring(out, detail);
    wc_buf_putc(out, '}');
}

static void same_bytes_as_the_spellings_it_replaced(void **state)
{
    (void)state;
    /* Long enough for the heap path too; bad UTF-8 at the end of a code and the start of a
     * detail. */
    char *long_detail = malloc(5000);
    assert_non_null(long_detail);
    memset(long_detail, 'd', 4999);
    long_detail[4999] = '\0';
    const char *titles[] = {"T", "", "Caf\xc3\xa9", "q\"\\\x02", "\xe2\x82"};
    const char *codes[] = {"maxlag", "", "curl_28", "cut\xe2\x82", "\xf0\x9f\x98\x80"};
    const char *details[] = {"Waiting for db1: 5 seconds lagged", "", "\x82\xac tail", long_detail,
                             "line 2: control character"};
    const enum wc_outcome outcomes[] = {WC_OUTCOME_FAILED, WC_OUTCOME_MISSING, WC_OUTCOME_INVALID,
                                        WC_OUTCOME_DISAMBIGUATION};
    for (size_t t = 0; t < sizeof titles / sizeof titles[0]; t++) {
        for (size_t k = 0; k < sizeof codes / sizeof codes[0]; k++) {
            for (size_t d = 0; d < sizeof details / sizeof details[0]; d++) {
                struct wc_buf want = WC_BUF_INIT, got = WC_BUF_INIT;
                enum wc_outcome o = outcomes[(t + k + d) % 4];
                old_crawl_line(&want, titles[t], o, codes[k], details[d]);
                assert_int_equal(
                    error_line_append(&got, titles[t], strlen(titles[t]), o, codes[k], details[d]),
                    0);
                assert_int_equal(got.len, want.len);
                assert_memory_equal(got.data, want.data, got.len);
                wc_buf_reset(&want);
                wc_buf_reset(&got);
                old_submit_line(&want, titles[t], strlen(titles[t]), details[d]);
                assert_int_equal(error_line_append(&got, titles[t], strlen(titles[t]),
                                                   WC_OUTCOME_INVALID, NULL, details[d]),
                                 0);
                assert_int_equal(got.len, want.len);
                assert_memory_equal(got.data, want.data, got.len);
                wc_buf_free(&want);
                wc_buf_free(&got);
            }
        }
    }
    free(long_detail);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_the_three_keys_in_order),
        cmocka_unit_test(escapes_like_python),
        cmocka_unit_test(writes_unicode_raw_and_bad_utf8_as_replacement),
        cmocka_unit_test(writes_empty_title_and_detail),
        cmocka_unit_test(reads_only_title_len_bytes_and_appends),
        cmocka_unit_test(same_bytes_as_the_spellings_it_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
