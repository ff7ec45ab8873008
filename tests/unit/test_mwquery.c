/* test_mwquery.c - unit tests for lib/mwquery: the batched action=query request and its answer */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "crawl_retry.h"
#include "mwquery.h"

/* ---- the request -------------------------------------------------------------------------- */

static void builds_the_query_string(void **state)
{
    (void)state;
    const char *titles[] = {"AT&T", "Zürich", "C++ 100%"};
    struct mwquery_request_options opts = {.maxlag = 5, .apihighlimits = 0};
    struct wc_buf out = WC_BUF_INIT;
    struct wc_error err = {0};
    assert_int_equal(mwquery_build_query(&opts, titles, 3, &out, &err), 0);
    assert_string_equal(out.data, "action=query&format=json&formatversion=2&redirects=1"
                                  "&prop=info%7Cpageprops&ppprop=disambiguation&maxlag=5"
                                  "&titles=AT%26T%7CZ%C3%BCrich%7CC%2B%2B%20100%25");
    wc_buf_free(&out);

    opts.maxlag = -1;
    const char *one[] = {"Main Page"};
    assert_int_equal(mwquery_build_query(&opts, one, 1, &out, &err), 0);
    assert_null(strstr(out.data, "maxlag"));
    assert_non_null(strstr(out.data, "&titles=Main%20Page"));
    wc_buf_free(&out);
}

/* Each title is encoded byte for byte as crawl.c encodes page= (curl_easy_escape). */
static void encodes_titles_as_curl_does(void **state)
{
    (void)state;
    const char *titles[] = {"Star_Wars:_Episode_IV", " Zürich ", "東京タワー", "a/b?c=d#e",
                            "Grinning Face 😀",       "~-._",     "\x7f\t\"'<>"};
    size_t n = sizeof titles / sizeof titles[0];
    struct wc_buf out = WC_BUF_INIT;
    struct wc_buf want = WC_BUF_INIT;
    assert_int_equal(mwquery_build_query(NULL, titles, n, &out, NULL), 0);
    assert_int_equal(wc_buf_puts(&want, "&titles="), 0);
    for (size_t i = 0; i < n; i++) {
        char *escaped = curl_easy_escape(NULL, titles[i], (int)strlen(titles[i]));
        assert_non_null(escaped);
        assert_int_equal(wc_buf_printf(&want, "%s%s", i ? "%7C" : "", escaped), 0);
        curl_free(escaped);
    }
    const char *at = strstr(out.data, "&titles=");
    assert_non_null(at);
    assert_string_equal(at, want.data);
    wc_buf_free(&out);
    wc_buf_free(&want);
}

static void builds_the_url_like_crawl(void **state)
{
    (void)state;
    const char *titles[] = {"A", "B"};
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(
        mwquery_build_url("http://127.0.0.1:8080/w/api.php", NULL, titles, 2, &out, NULL), 0);
    assert_string_equal(out.data, "http://127.0.0.1:8080/w/api.php?action=query&format=json"
                                  "&formatversion=2&redirects=1&prop=info%7Cpageprops"
                                  "&ppprop=disambiguation&titles=A%7CB");
    wc_buf_free(&out);
    assert_int_equal(mwquery_build_url("http://h/api.php?x=1", NULL, titles, 1, &out, NULL), 0);
    assert_true(strncmp(out.data, "http://h/api.php?x=1&action=query&", 34) == 0);
    wc_buf_free(&out);
    struct wc_error err = {0};
    assert_int_equal(mwquery_build_url("", NULL, titles, 1, &out, &err), WC_EINVAL);
}

static void refuses_titles_with_a_separator(void **state)
{
    (void)state;
    const char *titles[] = {"Fine", "Foo|bar"};
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(wc_buf_puts(&out, "kept"), 0);
    struct wc_error err = {0};
    assert_int_equal(mwquery_build_query(NULL, titles, 2, &out, &err), WC_EINVAL);
    assert_int_equal(err.code, WC_EINVAL);
    assert_string_equal(out.data, "kept");
    const char *unit_sep[] = {"\x1f"
                              "A"};
    assert_int_equal(mwquery_build_query(NULL, unit_sep, 1, &out, &err), WC_EINVAL);
    assert_false(mwquery_title_batchable("a|b"));
    assert_false(mwquery_title_batchable("\x1f"));
    assert_true(mwquery_title_batchable(""));
    assert_true(mwquery_title_batchable("Zürich"));
    wc_buf_free(&out);
}

static void enforces_the_batch_limit(void **state)
{
    (void)state;
    static const char *titles[MWQUERY_BATCH_HIGH + 1];
    for (size_t i = 0; i < MWQUERY_BATCH_HIGH + 1; i++)
        titles[i] = "T";
    struct mwquery_request_options low = {.maxlag = 5, .apihighlimits = 0};
    struct mwquery_request_options high = {.maxlag = 5, .apihighlimits = 1};
    assert_int_equal(mwquery_batch_max(NULL), 50);
    assert_int_equal(mwquery_batch_max(&low), 50);
    assert_int_equal(mwquery_batch_max(&high), 500);
    struct wc_buf out = WC_BUF_INIT;
    struct wc_error err = {0};
    assert_int_equal(mwquery_build_query(&low, titles, 50, &out, &err), 0);
    wc_buf_reset(&out);
    assert_int_equal(mwquery_build_query(&low, titles, 51, &out, &err), WC_EINVAL);
    assert_int_equal(mwquery_build_query(&high, titles, 500, &out, &err), 0);
    wc_buf_reset(&out);
    assert_int_equal(mwquery_build_query(&high, titles, 501, &out, &err), WC_EINVAL);
    assert_int_equal(mwquery_build_query(&high, titles, 0, &out, &err), WC_EINVAL);
    wc_buf_free(&out);
}

/* ---- the answer --------------------------------------------------------------------------- */

/* Shaped like MediaWiki 1.39's formatversion=2 answers (tests/corpus's wiki). */
static const char ANSWER[] =
    "{\"batchcomplete\":true,\"query\":{"
    "\"normalized\":["
    "{\"fromencoded\":false,\"from\":\"Star_Wars:_Episode_IV\",\"to\":\"Star Wars: Episode IV\"},"
    "{\"fromencoded\":false,\"from\":\"star Wars: Episode IV\",\"to\":\"Star Wars: Episode IV\"},"
    "{\"fromencoded\":false,\"from\":\" Star Wars: Episode IV \",\"to\":\"Star Wars: Episode IV\"},"
    "{\"fromencoded\":false,\"from\":\"cairo\",\"to\":\"Cairo\"},"
    "{\"fromencoded\":false,\"from\":\"special:version\",\"to\":\"Special:Version\"}],"
    "\"redirects\":["
    "{\"from\":\"Telecom double redirect\",\"to\":\"ATT\"},"
    "{\"from\":\"ATT\",\"to\":\"AT&T\"},"
    "{\"from\":\"Cairo\",\"to\":\"\\u0627\\u0644\\u0642\\u0627\\u0647\\u0631\\u0629\"},"
    "{\"from\":\"Orbit of Mercury\",\"to\":\"Mercury (planet)\",\"tofragment\":\"Orbit\"},"
    "{\"from\":\"Wikipedia interwiki redirect\",\"to\":\"wikipedia:Example\","
    "\"tointerwiki\":\"wikipedia\"},"
    "{\"from\":\"Broken redirect\",\"to\":\"Nowhere\"},"
    "{\"from\":\"Redirect loop A\",\"to\":\"Redirect loop B\"},"
    "{\"from\":\"Redirect loop B\",\"to\":\"Redirect loop A\"}],"
    "\"interwiki\":[{\"title\":\"wikipedia:Example\",\"iw\":\"wikipedia\"}],"
    "\"pages\":["
    "{\"ns\":0,\"title\":\"This article does not exist\",\"missing\":true},"
    "{\"ns\":0,\"title\":\"Nowhere\",\"missing\":true},"
    "{\"title\":\"Foo[bar\",\"invalidreason\":\"The requested page title contains invalid "
    "characters: \\\"[\\\".\",\"invalid\":true},"
    "{\"ns\":-1,\"title\":\"Special:Version\",\"special\":true},"
    "{\"pageid\":42,\"ns\":0,\"title\":\"Star Wars: Episode IV\",\"contentmodel\":\"wikitext\","
    "\"pagelanguage\":\"en\",\"touched\":\"2024-05-01T12:00:00Z\",\"lastrevid\":4242,"
    "\"length\":1234},"
    "{\"pageid\":43,\"ns\":0,\"title\":\"AT&T\",\"touched\":\"2024-05-02T12:00:00Z\","
    "\"lastrevid\":4343,\"length\":99},"
    "{\"pageid\":48,\"ns\":0,\"title\":\"Mercury (planet)\",\"touched\":\"2024-05-03T00:00:00Z\","
    "\"lastrevid\":4848},"
    "{\"pageid\":54,\"ns\":0,\"title\":\"القاهرة\",\"touched\":\"2024-05-04T00:00:00Z\","
    "\"lastrevid\":5454},"
    "{\"pageid\":56,\"ns\":0,\"title\":\"Z\\u00fcrich\",\"touched\":\"2024-05-05T00:00:00Z\","
    "\"lastrevid\":5656},"
    "{\"pageid\":122,\"ns\":0,\"title\":\"Mercury\",\"touched\":\"2024-05-06T00:00:00Z\","
    "\"lastrevid\":12222,\"pageprops\":{\"disambiguation\":\"\"}},"
    "{\"pageid\":138,\"ns\":0,\"title\":\"Redirect loop A\",\"redirect\":true,"
    "\"touched\":\"2024-05-07T00:00:00Z\",\"lastrevid\":13838}"
    "]}}";

static const char *const TITLES[] = {
    "Star_Wars:_Episode_IV",        /*  0 normalized (underscores) */
    "Star Wars: Episode IV",        /*  1 as the wiki spells it */
    "star Wars: Episode IV",        /*  2 normalized (first letter) */
    " Star Wars: Episode IV ",      /*  3 normalized (spaces) */
    "Telecom double redirect",      /*  4 double redirect */
    "ATT",                          /*  5 single redirect */
    "This article does not exist",  /*  6 missing */
    "Foo[bar",                      /*  7 invalid */
    "Mercury",                      /*  8 disambiguation */
    "Zürich",                       /*  9 unicode */
    "cairo",                        /* 10 normalized, then redirect to unicode */
    "Special:Version",              /* 11 special */
    "Omitted title",                /* 12 not in the answer */
    "Wikipedia interwiki redirect", /* 13 redirect to an interwiki link */
    "Broken redirect",              /* 14 redirect to a missing page */
    "Redirect loop A",              /* 15 loop */
    "Orbit of Mercury",             /* 16 redirect with a fragment */
    "Star Wars: Episode IV",        /* 17 submitted twice */
    "special:version",              /* 18 normalized special */
};
#define N_TITLES (sizeof TITLES / sizeof TITLES[0])

static void parse_ok(const char *body, const char *const *titles, size_t n,
                     struct mwquery_batch *batch)
{
    struct mw_result verdict;
    struct wc_error err = {0};
    assert_int_equal(mwquery_parse(body, strlen(body), 200, titles, n, batch, &verdict, &err), 0);
    assert_int_equal(batch->n, n);
}

static void assert_exists(const struct mwquery_resolution *r, const char *final, long long pageid,
                          long long lastrevid, const char *touched)
{
    assert_int_equal(r->status, MWQUERY_EXISTS);
    assert_string_equal(r->final_title, final);
    assert_int_equal(r->pageid, pageid);
    assert_int_equal(r->lastrevid, lastrevid);
    assert_string_equal(r->touched, touched);
    assert_int_equal(r->verdict.outcome, WC_OUTCOME_OK);
    assert_string_equal(r->verdict.code, "");
}

static void resolves_in_submission_order(void **state)
{
    (void)state;
    struct mwquery_batch b = MWQUERY_BATCH_INIT;
    parse_ok(ANSWER, TITLES, N_TITLES, &b);
    for (size_t i = 0; i < N_TITLES; i++)
        assert_ptr_equal(b.items[i].submitted, TITLES[i]);
    /* Spellings of one page stay four resolutions, each of its own title. */
    for (size_t i = 0; i < 4; i++) {
        assert_exists(&b.items[i], "Star Wars: Episode IV", 42, 4242, "2024-05-01T12:00:00Z");
        assert_null(b.items[i].redirect_to);
        assert_int_equal(b.items[i].redirect_hops, 0);
        assert_false(b.items[i].disambiguation);
    }
    assert_exists(&b.items[17], "Star Wars: Episode IV", 42, 4242, "2024-05-01T12:00:00Z");
    assert_int_equal(b.n_resolved, N_TITLES - 2);
    mwquery_batch_free(&b);
    assert_null(b.items);
    assert_null(b.root);
}

static void follows_redirects_keeping_the_first_hop(void **state)
{
    (void)state;
    struct mwquery_batch b = MWQUERY_BATCH_INIT;
    parse_ok(ANSWER, TITLES, N_TITLES, &b);
    /* action=parse's redirects[0].to is the middle page of a double redirect. */
    assert_exists(&b.items[4], "AT&T", 43, 4343, "2024-05-02T12:00:00Z");
    assert_string_equal(b.items[4].redirect_to, "ATT");
    assert_int_equal(b.items[4].redirect_hops, 2);
    assert_exists(&b.items[5], "AT&T", 43, 4343, "2024-05-02T12:00:00Z");
    assert_string_equal(b.items[5].redirect_to, "AT&T");
    assert_int_equal(b.items[5].redirect_hops, 1);
    /* Normalized, then redirected: the redirect is of the normalized title. */
    assert_exists(&b.items[10], "القاهرة", 54, 5454, "2024-05-04T00:00:00Z");
    assert_string_equal(b.items[10].redirect_to, "القاهرة");
    /* tofragment does not change the page. */
    assert_exists(&b.items[16], "Mercury (planet)", 48, 4848, "2024-05-03T00:00:00Z");
    assert_string_equal(b.items[16].redirect_to, "Mercury (planet)");
    mwquery_batch_free(&b);
}

static void reports_missing_invalid_and_special_as_parse_does(void **state)
{
    (void)state;
    struct mwquery_batch b = MWQUERY_BATCH_INIT;
    parse_ok(ANSWER, TITLES, N_TITLES, &b);
    const struct mwquery_resolution *r = &b.items[6];
    assert_int_equal(r->status, MWQUERY_MISSING);
    assert_int_equal(r->verdict.outcome, WC_OUTCOME_MISSING);
    assert_string_equal(r->verdict.code, "missingtitle");
    assert_string_equal(r->verdict.detail, "The page you specified doesn't exist.");
    assert_int_equal(r->pageid, 0);
    assert_null(r->touched);

    r = &b.items[7];
    assert_int_equal(r->status, MWQUERY_INVALID);
    assert_int_equal(r->verdict.outcome, WC_OUTCOME_INVALID);
    assert_string_equal(r->verdict.code, "invalidtitle");
    assert_string_equal(r->verdict.detail, "Bad title \"Foo[bar\".");
    assert_string_equal(r->invalidreason,
                        "The requested page title contains invalid characters: \"[\".");

    for (size_t i = 11; i <= 18; i += 7) {
        r = &b.items[i];
        assert_int_equal(r->status, MWQUERY_INVALID);
        assert_string_equal(r->verdict.code, "pagecannotexist");
        assert_string_equal(r->verdict.detail, "Namespace doesn't allow actual pages.");
        assert_string_equal(r->final_title, "Special:Version");
    }

    r = &b.items[13];
    assert_int_equal(r->status, MWQUERY_INVALID);
    assert_string_equal(r->verdict.code, "invalidtitle");
    assert_string_equal(r->verdict.detail, "Bad title \"wikipedia:Example\".");
    assert_string_equal(r->redirect_to, "wikipedia:Example");

    r = &b.items[14];
    assert_int_equal(r->status, MWQUERY_MISSING);
    assert_string_equal(r->verdict.code, "missingtitle");
    assert_string_equal(r->redirect_to, "Nowhere");
    mwquery_batch_free(&b);
}

static void reads_disambiguation_and_unicode(void **state)
{
    (void)state;
    struct mwquery_batch b = MWQUERY_BATCH_INIT;
    parse_ok(ANSWER, TITLES, N_TITLES, &b);
    assert_exists(&b.items[8], "Mercury", 122, 12222, "2024-05-06T00:00:00Z");
    assert_true(b.items[8].disambiguation);
    /* "Z\u00fcrich" in the answer is the UTF-8 the title was submitted in. */
    assert_exists(&b.items[9], "Zürich", 56, 5656, "2024-05-05T00:00:00Z");
    mwquery_batch_free(&b);
}

static void leaves_omissions_and_loops_unresolved(void **state)
{
    (void)state;
    struct mwquery_batch b = MWQUERY_BATCH_INIT;
    parse_ok(ANSWER, TITLES, N_TITLES, &b);
    for (size_t i = 12; i <= 15; i += 3) {
        const struct mwquery_resolution *r = &b.items[i];
        assert_int_equal(r->status, MWQUERY_UNRESOLVED);
        assert_ptr_equal(r->submitted, TITLES[i]);
        assert_null(r->final_title);
        assert_null(r->redirect_to);
        assert_int_equal(r->redirect_hops, 0);
        assert_int_equal(r->pageid, 0);
        assert_int_equal(r->verdict.outcome, WC_OUTCOME_OK);
    }
    mwquery_batch_free(&b);
}

/* Titles the wiki did not get to (a "titles" limit warning, an answer cut short) are never
 * reported missing. */
static void an_empty_query_resolves_nothing(void **state)
{
    (void)state;
    const char *body = "{\"batchcomplete\":true,\"warnings\":{\"query\":{\"warnings\":\"Too many "
                       "values supplied\"}},\"query\":{\"pages\":[]}}";
    struct mwquery_batch b = MWQUERY_BATCH_INIT;
    parse_ok(body, TITLES, N_TITLES, &b);
    assert_int_equal(b.n_resolved, 0);
    for (size_t i = 0; i < N_TITLES; i++)
        assert_int_equal(b.items[i].status, MWQUERY_UNRESOLVED);
    mwquery_batch_free(&b);
}

/* Without batchcomplete, pageprops may still be coming: existing pages are left to parse, the
 * page set (missing, invalid) is complete in any case. */
static void an_incomplete_batch_leaves_pages_unresolved(void **state)
{
    (void)state;
    const char *body =
        "{\"continue\":{\"ppcontinue\":\"42\",\"continue\":\"||info\"},\"query\":{\"pages\":["
        "{\"ns\":0,\"title\":\"Gone\",\"missing\":true},"
        "{\"pageid\":42,\"ns\":0,\"title\":\"Here\",\"touched\":\"2024-01-01T00:00:00Z\","
        "\"lastrevid\":1}]}}";
    const char *titles[] = {"Gone", "Here"};
    struct mwquery_batch b = MWQUERY_BATCH_INIT;
    parse_ok(body, titles, 2, &b);
    assert_int_equal(b.items[0].status, MWQUERY_MISSING);
    assert_int_equal(b.items[1].status, MWQUERY_UNRESOLVED);
    mwquery_batch_free(&b);
}

/* A page entry without what the cache needs is not a resolution. */
static void a_page_without_revision_is_unresolved(void **state)
{
    (void)state;
    const char *body = "{\"batchcomplete\":true,\"query\":{\"pages\":["
                       "{\"pageid\":42,\"ns\":0,\"title\":\"A\"},"
                       "{\"pageid\":43,\"ns\":0,\"title\":\"B\",\"lastrevid\":\"7\","
                       "\"touched\":\"x\"},"
                       "{\"ns\":0,\"title\":\"C\",\"missing\":true,\"known\":true}]}}";
    const char *titles[] = {"A", "B", "C"};
    struct mwquery_batch b = MWQUERY_BATCH_INIT;
    parse_ok(body, titles, 3, &b);
    assert_int_equal(b.items[0].status, MWQUERY_UNRESOLVED);
    assert_int_equal(b.items[1].status, MWQUERY_UNRESOLVED);
    /* Known but missing (a MediaWiki: message): action=parse still says missingtitle. */
    assert_int_equal(b.items[2].status, MWQUERY_MISSING);
    mwquery_batch_free(&b);
}

static void expect_refused(const char *body, long status, enum wc_outcome outcome, const char *code)
{
    struct mwquery_batch b = MWQUERY_BATCH_INIT;
    struct mw_result verdict;
    struct wc_error err = {0};
    assert_int_equal(
        mwquery_parse(body, strlen(body), status, TITLES, N_TITLES, &b, &verdict, &err),
        WC_EREMOTE);
    assert_int_equal(err.code, WC_EREMOTE);
    assert_int_equal(verdict.outcome, outcome);
    assert_string_equal(verdict.code, code);
    assert_null(b.items);
    assert_int_equal(b.n, 0);
    mwquery_batch_free(&b);
}

static void error_answers_are_judged_like_parse_answers(void **state)
{
    (void)state;
    const char *maxlag = "{\"error\":{\"code\":\"maxlag\",\"info\":\"Waiting for 10.64.16.7: 7 "
                         "seconds lagged.\",\"host\":\"10.64.16.7\",\"lag\":7,\"type\":\"db\","
                         "\"docref\":\"See ...\"}}";
    expect_refused(maxlag, 200, WC_OUTCOME_RETRYABLE, "maxlag");
    assert_true(crawl_answer_is_throttle(200, "maxlag"));
    expect_refused("{\"error\":{\"code\":\"ratelimited\",\"info\":\"slow down\"}}", 200,
                   WC_OUTCOME_RETRYABLE, "ratelimited");
    expect_refused("{\"error\":{\"code\":\"readonly\",\"info\":\"locked\"}}", 200,
                   WC_OUTCOME_RETRYABLE, "readonly");
    expect_refused("{\"error\":{\"code\":\"badvalue\",\"info\":\"no\"}}", 200, WC_OUTCOME_FAILED,
                   "badvalue");
    expect_refused("<html>Too many requests</html>", 429, WC_OUTCOME_RETRYABLE, "http_429");
    assert_true(crawl_answer_is_throttle(429, "http_429"));
    expect_refused("<html>down</html>", 503, WC_OUTCOME_RETRYABLE, "http_503");
    expect_refused("{\"batchcomplete\":true}", 200, WC_OUTCOME_FAILED, "bad_answer");
    expect_refused("{\"query\":{\"pages\":[]}}", 404, WC_OUTCOME_FAILED, "http_404");
    expect_refused("not found", 404, WC_OUTCOME_FAILED, "http_404");
}

/* An error answer refuses the whole batch: even a code that names a title's fate (found by
 * tests/fuzz/fuzz_mwquery.c) is FAILED, never MISSING or INVALID for every title at once. */
static void title_error_codes_fail_the_batch(void **state)
{
    (void)state;
    expect_refused("{\"error\":{\"code\":\"missingtitle\",\"info\":\"The page you specified "
                   "doesn't exist.\"}}",
                   200, WC_OUTCOME_FAILED, "missingtitle");
    expect_refused("{\"errors\":[{\"code\":\"invalidtitle\",\"text\":\"Bad title.\"}]}", 200,
                   WC_OUTCOME_FAILED, "invalidtitle");
    expect_refused("{\"error\":{\"code\":\"pagecannotexist\"}}", 404, WC_OUTCOME_FAILED,
                   "pagecannotexist");
}

/* A failure always names a code: an error without one, or with an empty one (found by
 * tests/fuzz/fuzz_mwquery.c), is unknown_error. */
static void an_error_without_a_code_is_unknown(void **state)
{
    (void)state;
    expect_refused("{\"error\":{\"code\":\"\"}}", 200, WC_OUTCOME_FAILED, "unknown_error");
    expect_refused("{\"errors\":[{\"text\":\"oops\"}]}", 200, WC_OUTCOME_FAILED, "unknown_error");
}

static void broken_json_is_retryable(void **state)
{
    (void)state;
    char half[sizeof ANSWER];
    size_t cut = strlen(ANSWER) / 2;
    memcpy(half, ANSWER, cut);
    half[cut] = '\0';
    expect_refused(half, 200, WC_OUTCOME_RETRYABLE, "truncated");
    expect_refused("<!DOCTYPE html><p>oops</p>", 200, WC_OUTCOME_RETRYABLE, "bad_json");
    expect_refused("", 200, WC_OUTCOME_RETRYABLE, "bad_json");

    /* The same words as mwparse_answer() for the same body. */
    struct html_text *x = html_text_new();
    assert_non_null(x);
    struct wc_record *rec = NULL;
    struct mw_result parse_verdict, query_verdict;
    struct mwquery_batch b = MWQUERY_BATCH_INIT;
    assert_int_equal(mwparse_answer(x, half, cut, 200, "T", &rec, &parse_verdict, NULL), 0);
    assert_int_equal(mwquery_parse(half, cut, 200, TITLES, 1, &b, &query_verdict, NULL),
                     WC_EREMOTE);
    assert_string_equal(parse_verdict.code, query_verdict.code);
    assert_string_equal(parse_verdict.detail, query_verdict.detail);
    html_text_free(x);
}

#define WIKI "https://en.wikipedia.org/w/api.php"

/* The fingerprint moves with every part that changes the parse answer, and with nothing else. */
static void fingerprint_follows_page_revision_touched_and_redirect(void **state)
{
    (void)state;
    struct mwquery_resolution base = {
        .status = MWQUERY_EXISTS,
        .final_title = "Zürich",
        .redirect_to = NULL,
        .pageid = 42,
        .lastrevid = 1000,
        .touched = "2024-05-01T12:00:00Z",
    };
    char a[MWQUERY_FINGERPRINT_LEN + 1], b[MWQUERY_FINGERPRINT_LEN + 1];
    mwquery_fingerprint(WIKI, &base, a);
    assert_int_equal(strlen(a), MWQUERY_FINGERPRINT_LEN);
    assert_int_equal(strspn(a, "0123456789abcdef"), MWQUERY_FINGERPRINT_LEN);
    struct mwquery_resolution same = base;
    same.submitted = "zürich"; /* another spelling of the same page */
    mwquery_fingerprint(WIKI, &same, b);
    assert_string_equal(a, b);

    struct mwquery_resolution changed[6];
    for (int i = 0; i < 6; i++)
        changed[i] = base;
    changed[0].lastrevid = 1001;
    changed[1].touched = "2024-05-02T12:00:00Z"; /* a template it uses was edited */
    changed[2].pageid = 43;
    changed[3].redirect_to = "Zürich"; /* now reached through a redirect */
    changed[4].final_title = "Zurich";
    changed[5].disambiguation = 1;
    for (int i = 0; i < 6; i++) {
        mwquery_fingerprint(WIKI, &changed[i], b);
        assert_string_not_equal(a, b);
    }
    /* No field can run into the next: "1" + "23" is not "12" + "3". */
    struct mwquery_resolution x = base, y = base;
    x.pageid = 1, x.lastrevid = 23;
    y.pageid = 12, y.lastrevid = 3;
    mwquery_fingerprint(WIKI, &x, a);
    mwquery_fingerprint(WIKI, &y, b);
    assert_string_not_equal(a, b);

    /* the same page, revision and all, of another wiki */
    mwquery_fingerprint(WIKI, &base, a);
    mwquery_fingerprint("https://de.wikipedia.org/w/api.php", &base, b);
    assert_string_not_equal(a, b);

    struct mwquery_resolution missing = {.status = MWQUERY_MISSING};
    mwquery_fingerprint(WIKI, &missing, a);
    assert_string_equal(a, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builds_the_query_string),
        cmocka_unit_test(encodes_titles_as_curl_does),
        cmocka_unit_test(builds_the_url_like_crawl),
        cmocka_unit_test(refuses_titles_with_a_separator),
        cmocka_unit_test(enforces_the_batch_limit),
        cmocka_unit_test(resolves_in_submission_order),
        cmocka_unit_test(follows_redirects_keeping_the_first_hop),
        cmocka_unit_test(reports_missing_invalid_and_special_as_parse_does),
        cmocka_unit_test(reads_disambiguation_and_unicode),
        cmocka_unit_test(leaves_omissions_and_loops_unresolved),
        cmocka_unit_test(an_empty_query_resolves_nothing),
        cmocka_unit_test(an_incomplete_batch_leaves_pages_unresolved),
        cmocka_unit_test(a_page_without_revision_is_unresolved),
        cmocka_unit_test(error_answers_are_judged_like_parse_answers),
        cmocka_unit_test(title_error_codes_fail_the_batch),
        cmocka_unit_test(an_error_without_a_code_is_unknown),
        cmocka_unit_test(broken_json_is_retryable),
        cmocka_unit_test(fingerprint_follows_page_revision_touched_and_redirect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
