/* test_mwparse.c - unit tests for lib/mwparse: every outcome class, both formatversions */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mwparse.h"
#include "record_json.h"

struct parsed {
    struct mw_result res;
    struct wc_record *record;
    char json[4096];
};

static void parse_with_status(const char *body, long status, struct parsed *p)
{
    struct html_text *x = html_text_new();
    assert_non_null(x);
    memset(p, 0, sizeof *p);
    struct wc_error err = {0};
    assert_int_equal(
        mwparse_answer(x, body, strlen(body), status, "Submitted", &p->record, &p->res, &err), 0);
    if (p->record) {
        struct wc_buf out = WC_BUF_INIT;
        assert_int_equal(record_json_append(&out, p->record), 0);
        assert_true(out.len < sizeof p->json);
        memcpy(p->json, out.data, out.len + 1);
        wc_buf_free(&out);
    }
    html_text_free(x);
}

static void expect_outcome(const char *body, long status, enum wc_outcome outcome, const char *code)
{
    struct parsed p;
    parse_with_status(body, status, &p);
    assert_string_equal(wc_outcome_name(p.res.outcome), wc_outcome_name(outcome));
    assert_string_equal(p.res.code, code);
    if (outcome == WC_OUTCOME_OK)
        assert_non_null(p.record);
    else
        assert_null(p.record);
    wc_record_free(p.record);
}

static void test_fv1_record(void **state)
{
    (void)state;
    struct parsed p;
    parse_with_status(
        "{\"parse\":{\"title\":\"Target\",\"pageid\":42,"
        "\"redirects\":[{\"from\":\"Submitted\",\"to\":\"Target\"}],"
        "\"text\":{\"*\":\"<div><p>One\\n</p><p>Two &amp; <b>three</b></p></div>\"},"
        "\"categories\":[{\"sortkey\":\"\",\"*\":\"Visible_cat\"},"
        "{\"sortkey\":\"\",\"hidden\":\"\",\"*\":\"Hidden_cat\"}],"
        "\"links\":[{\"ns\":0,\"exists\":\"\",\"*\":\"Link \\\"A\\\"\"},{\"ns\":0,\"*\":\"B\"}],"
        "\"externallinks\":[\"https://example.org/x\"],"
        "\"sections\":[{\"toclevel\":1,\"line\":\"History\",\"anchor\":\"History\"}]}}",
        200, &p);
    assert_int_equal(p.res.outcome, WC_OUTCOME_OK);
    assert_string_equal(p.json,
                        "{\"page_id\":\"42\",\"page_title\":\"Submitted\",\"page_text\":\" One. "
                        "Two & three\",\"category\":[\"Visible_cat\"],\"links\":[\"Link "
                        "\\\"A\\\"\",\"B\"],\"external_links\":[\"https://example.org/x\"],"
                        "\"sections\":[\"History\"],\"redirects_page\":\"Target\"}");
    wc_record_free(p.record);
}

static void test_fv2_record(void **state)
{
    (void)state;
    struct parsed p;
    parse_with_status("{\"parse\":{\"title\":\"T\",\"pageid\":7,\"text\":\"<p>x</p>\","
                      "\"categories\":[{\"sortkey\":\"\",\"category\":\"C\"},"
                      "{\"sortkey\":\"\",\"category\":\"H\",\"hidden\":true}],"
                      "\"links\":[{\"ns\":0,\"title\":\"L\",\"exists\":true}],"
                      "\"externallinks\":[],\"sections\":[],\"properties\":{}}}",
                      200, &p);
    assert_int_equal(p.res.outcome, WC_OUTCOME_OK);
    assert_string_equal(p.json, "{\"page_id\":\"7\",\"page_title\":\"Submitted\",\"page_text\":"
                                "\" x\",\"category\":[\"C\"],\"links\":[\"L\"],"
                                "\"external_links\":[],\"sections\":[],\"redirects_page\":null}");
    wc_record_free(p.record);
}

static void test_disambiguation(void **state)
{
    (void)state;
    expect_outcome("{\"parse\":{\"pageid\":1,\"text\":{\"*\":\"\"},\"categories\":[{\"*\":"
                   "\"Disambiguation_pages\"}]}}",
                   200, WC_OUTCOME_DISAMBIGUATION, "disambiguation");
    expect_outcome("{\"parse\":{\"pageid\":1,\"text\":\"\",\"categories\":[{\"category\":"
                   "\"Disambiguation pages\",\"hidden\":true}]}}",
                   200, WC_OUTCOME_DISAMBIGUATION, "disambiguation");
    expect_outcome("{\"parse\":{\"pageid\":1,\"text\":\"\",\"properties\":[{\"name\":"
                   "\"disambiguation\",\"*\":\"\"}]}}",
                   200, WC_OUTCOME_DISAMBIGUATION, "disambiguation");
    expect_outcome("{\"parse\":{\"pageid\":1,\"text\":\"\",\"properties\":{\"disambiguation\":"
                   "\"\"}}}",
                   200, WC_OUTCOME_DISAMBIGUATION, "disambiguation");
    /* A category that merely mentions disambiguation is not the rule. */
    expect_outcome("{\"parse\":{\"pageid\":1,\"text\":\"\",\"categories\":[{\"*\":"
                   "\"Disambiguation_pages_with_links\"}]}}",
                   200, WC_OUTCOME_OK, "");
}

static void test_missing_and_invalid(void **state)
{
    (void)state;
    expect_outcome("{\"error\":{\"code\":\"missingtitle\",\"info\":\"The page you specified "
                   "doesn't exist.\",\"*\":\"See api.php\"},\"servedby\":\"x\"}",
                   200, WC_OUTCOME_MISSING, "missingtitle");
    expect_outcome("{\"error\":{\"code\":\"invalidtitle\",\"info\":\"Bad title \\\"a[b\\\".\"}}",
                   200, WC_OUTCOME_INVALID, "invalidtitle");
    expect_outcome("{\"error\":{\"code\":\"pagecannotexist\",\"info\":\"Namespace doesn't allow "
                   "actual pages.\"}}",
                   200, WC_OUTCOME_INVALID, "pagecannotexist");
    expect_outcome("{\"errors\":[{\"code\":\"missingtitle\",\"text\":\"gone\"}]}", 200,
                   WC_OUTCOME_MISSING, "missingtitle");
}

static void test_retryable(void **state)
{
    (void)state;
    expect_outcome("{\"error\":{\"code\":\"maxlag\",\"info\":\"Waiting for db: 7 seconds "
                   "lagged.\",\"lag\":7}}",
                   200, WC_OUTCOME_RETRYABLE, "maxlag");
    expect_outcome("{\"error\":{\"code\":\"ratelimited\",\"info\":\"slow down\"}}", 200,
                   WC_OUTCOME_RETRYABLE, "ratelimited");
    expect_outcome("{\"error\":{\"code\":\"readonly\",\"info\":\"The wiki is read-only\"}}", 200,
                   WC_OUTCOME_RETRYABLE, "readonly");
    expect_outcome("{\"error\":{\"code\":\"internal_api_error_DBQueryError\",\"info\":\"x\"}}", 200,
                   WC_OUTCOME_RETRYABLE, "internal_api_error_DBQueryError");
    expect_outcome("Too many requests", 429, WC_OUTCOME_RETRYABLE, "http_429");
    expect_outcome("<html><body>Service Unavailable</body></html>", 503, WC_OUTCOME_RETRYABLE,
                   "http_503");
    /* A 5xx is retried even when its body parses. */
    expect_outcome("{\"parse\":{\"pageid\":1,\"text\":\"\"}}", 502, WC_OUTCOME_RETRYABLE,
                   "http_502");
    expect_outcome("{\"parse\": {\"title\": \"X\", \"text\": ", 200, WC_OUTCOME_RETRYABLE,
                   "truncated");
    expect_outcome("", 200, WC_OUTCOME_RETRYABLE, "bad_json");
    expect_outcome("<html><body>Error</body></html>", 200, WC_OUTCOME_RETRYABLE, "bad_json");
}

static void test_failed(void **state)
{
    (void)state;
    expect_outcome("{\"error\":{\"code\":\"permissiondenied\",\"info\":\"no\"}}", 200,
                   WC_OUTCOME_FAILED, "permissiondenied");
    expect_outcome("{\"batchcomplete\":\"\"}", 200, WC_OUTCOME_FAILED, "bad_answer");
    expect_outcome("{\"parse\":{\"title\":\"X\",\"text\":{\"*\":\"<p>x</p>\"}}}", 200,
                   WC_OUTCOME_FAILED, "bad_answer");
    expect_outcome("{\"parse\":{\"pageid\":1}}", 200, WC_OUTCOME_FAILED, "bad_answer");
    expect_outcome("<html>Not Found</html>", 404, WC_OUTCOME_FAILED, "http_404");
    expect_outcome("{\"parse\":{\"pageid\":1,\"text\":\"\"}}", 403, WC_OUTCOME_FAILED, "http_403");
}

/* An empty code is the OK verdict's: an error answer without a usable code (found by
 * fuzz_mwparse) is unknown_error on the scanner's path and on jansson's alike. */
static void test_error_with_empty_code_is_unknown_error(void **state)
{
    (void)state;
    const char *body = "{\"error\":{\"code\":\"\",\"info\":\"x\"}}";
    expect_outcome(body, 200, WC_OUTCOME_FAILED, "unknown_error");
    struct html_text *x = html_text_new();
    struct wc_record *record = NULL;
    struct mw_result res;
    struct wc_error err = {0};
    assert_int_equal(mwparse_answer_reference(x, body, strlen(body), 200, "T", &record, &res, &err),
                     0);
    assert_null(record);
    assert_string_equal(res.code, "unknown_error");
    html_text_free(x);
}

static void test_failed_keeps_api_detail(void **state)
{
    (void)state;
    struct parsed p;
    parse_with_status("{\"error\":{\"code\":\"weird\",\"info\":\"Something odd happened\"}}", 200,
                      &p);
    assert_int_equal(p.res.outcome, WC_OUTCOME_FAILED);
    assert_string_equal(p.res.detail, "Something odd happened");
}

static void test_classify_code(void **state)
{
    (void)state;
    assert_int_equal(mwparse_classify_code("nosuchpageid"), WC_OUTCOME_MISSING);
    assert_int_equal(mwparse_classify_code("invalidtitle"), WC_OUTCOME_INVALID);
    assert_int_equal(mwparse_classify_code("internal_api_error_Exception"), WC_OUTCOME_RETRYABLE);
    assert_int_equal(mwparse_classify_code("badtoken"), WC_OUTCOME_FAILED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fv1_record),
        cmocka_unit_test(test_fv2_record),
        cmocka_unit_test(test_disambiguation),
        cmocka_unit_test(test_missing_and_invalid),
        cmocka_unit_test(test_retryable),
        cmocka_unit_test(test_failed),
        cmocka_unit_test(test_failed_keeps_api_detail),
        cmocka_unit_test(test_error_with_empty_code_is_unknown_error),
        cmocka_unit_test(test_classify_code),
    };
    return cmocka_run_group_tests_name("mwparse", tests, NULL, NULL);
}
