/* test_crawl_retry.c - the crawler's own decisions: final or retried, backoff with full jitter,
 * the wait after a Retry-After, and which answers slow the whole fleet down */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crawl_retry.h"
#include "mwparse.h"

#define DRAWS 20000

static void rng_is_splitmix64_and_deterministic(void **state)
{
    (void)state;
    /* The reference outputs of splitmix64 seeded with 0 (Vigna's splitmix64.c). */
    uint64_t rng = 0;
    assert_true(crawl_rng_next(&rng) == 0xE220A8397B1DCDAFULL);
    assert_true(crawl_rng_next(&rng) == 0x6E789E6AA1B965F4ULL);
    assert_true(crawl_rng_next(&rng) == 0x06C45D188009454FULL);
    uint64_t a = 12345, b = 12345;
    for (int k = 0; k < 100; k++)
        assert_int_equal(crawl_backoff_ms(&a, 500, 30000, k % 8),
                         crawl_backoff_ms(&b, 500, 30000, k % 8));
}

/* Draws for attempt k stay within [0, bound] and spread over all of it (full jitter: no floor,
 * and about half the bound on average). */
static void check_full_jitter(long base_ms, long max_ms, int k, long bound)
{
    uint64_t rng = 0xC0FFEE + (uint64_t)k;
    long lowest = LONG_MAX, highest = -1;
    double sum = 0;
    for (int i = 0; i < DRAWS; i++) {
        long wait = crawl_backoff_ms(&rng, base_ms, max_ms, k);
        assert_in_range(wait, 0, bound);
        if (wait < lowest)
            lowest = wait;
        if (wait > highest)
            highest = wait;
        sum += (double)wait;
    }
    assert_true(lowest <= bound / 50);
    assert_true(highest >= bound - bound / 50);
    double mean = sum / DRAWS;
    assert_true(mean > bound * 0.47 && mean < bound * 0.53);
}

static void backoff_doubles_with_full_jitter(void **state)
{
    (void)state;
    check_full_jitter(500, 30000, 0, 500);
    check_full_jitter(500, 30000, 1, 1000);
    check_full_jitter(500, 30000, 2, 2000);
    check_full_jitter(500, 30000, 5, 16000);
}

static void backoff_stops_at_the_cap(void **state)
{
    (void)state;
    check_full_jitter(500, 30000, 6, 30000); /* 500 * 64 = 32000 > 30000 */
    check_full_jitter(500, 30000, 7, 30000);
    /* A large k must not overflow on the way to the cap. */
    check_full_jitter(500, 30000, 1000, 30000);
    check_full_jitter(LONG_MAX / 2, LONG_MAX - 1, 100, LONG_MAX - 1);
    /* A base above the cap is the cap from the first attempt. */
    check_full_jitter(5000, 1000, 0, 1000);
}

static void backoff_without_a_window_is_zero(void **state)
{
    (void)state;
    uint64_t rng = 7;
    assert_int_equal(crawl_backoff_ms(&rng, 0, 30000, 3), 0);
    assert_int_equal(crawl_backoff_ms(&rng, 500, 0, 3), 0);
    assert_int_equal(crawl_backoff_ms(&rng, -1, -1, 0), 0);
    assert_true(rng == 7); /* no draw was taken */
}

static void retry_after_seconds_become_capped_ms(void **state)
{
    (void)state;
    assert_int_equal(crawl_retry_after_ms(0), 0);
    assert_int_equal(crawl_retry_after_ms(-350280564), 0); /* a date in the past */
    assert_int_equal(crawl_retry_after_ms(1), 1000);
    assert_int_equal(crawl_retry_after_ms(120), 120000);
    assert_int_equal(crawl_retry_after_ms(600), CRAWL_RETRY_AFTER_MAX_MS);
    assert_int_equal(crawl_retry_after_ms(601), CRAWL_RETRY_AFTER_MAX_MS);
    assert_int_equal(crawl_retry_after_ms(99999999), CRAWL_RETRY_AFTER_MAX_MS);
    assert_int_equal(crawl_retry_after_ms((curl_off_t)INT64_MAX), CRAWL_RETRY_AFTER_MAX_MS);
}

static void curl_codes_final_or_retried(void **state)
{
    (void)state;
    const CURLcode final[] = {
        CURLE_UNSUPPORTED_PROTOCOL,     CURLE_URL_MALFORMAT,      CURLE_NOT_BUILT_IN,
        CURLE_BAD_FUNCTION_ARGUMENT,    CURLE_TOO_MANY_REDIRECTS, CURLE_SSL_CERTPROBLEM,
        CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
    };
    const CURLcode retried[] = {
        CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT,      CURLE_OPERATION_TIMEDOUT,
        CURLE_SEND_ERROR,           CURLE_RECV_ERROR,           CURLE_GOT_NOTHING,
        CURLE_PARTIAL_FILE,         CURLE_SSL_CONNECT_ERROR,    CURLE_HTTP2,
        CURLE_HTTP2_STREAM,         CURLE_BAD_CONTENT_ENCODING, CURLE_OUT_OF_MEMORY,
        CURLE_WRITE_ERROR, /* ours, but not a body cut at the limit */
    };
    for (size_t i = 0; i < sizeof final / sizeof final[0]; i++) {
        assert_int_equal(crawl_curl_code_is_final(final[i], 0), 1);
        assert_int_equal(crawl_curl_code_is_final(final[i], 1), 1);
    }
    for (size_t i = 0; i < sizeof retried / sizeof retried[0]; i++)
        assert_int_equal(crawl_curl_code_is_final(retried[i], 0), 0);
    /* Cutting the body is the only write error another attempt cannot cure. */
    assert_int_equal(crawl_curl_code_is_final(CURLE_WRITE_ERROR, 1), 1);
    assert_int_equal(crawl_curl_code_is_final(CURLE_OPERATION_TIMEDOUT, 1), 0);
}

static void curl_verdict_names_code_and_reason(void **state)
{
    (void)state;
    struct crawl_curl_verdict v;
    const char *timeout = curl_easy_strerror(CURLE_OPERATION_TIMEDOUT);

    crawl_curl_verdict(CURLE_OPERATION_TIMEDOUT, 0, 0, "Operation timed out after 60000 ms", &v);
    assert_string_equal(v.code, "curl_28");
    char expected[512];
    snprintf(expected, sizeof expected, "%s (Operation timed out after 60000 ms)", timeout);
    assert_string_equal(v.detail, expected);
    assert_int_equal(v.final, 0);

    /* An empty error buffer, or one that only repeats the code's text, adds nothing. */
    crawl_curl_verdict(CURLE_OPERATION_TIMEDOUT, 0, 0, "", &v);
    assert_string_equal(v.detail, timeout);
    crawl_curl_verdict(CURLE_OPERATION_TIMEDOUT, 0, 0, timeout, &v);
    assert_string_equal(v.detail, timeout);

    crawl_curl_verdict(CURLE_WRITE_ERROR, 1, 0, "Failure writing output", &v);
    assert_string_equal(v.code, "curl_23");
    assert_string_equal(v.detail, "the answer is larger than 268435456 bytes");
    assert_int_equal(v.final, 1);

    crawl_curl_verdict(CURLE_URL_MALFORMAT, 0, 0, "", &v);
    assert_string_equal(v.code, "curl_3");
    assert_int_equal(v.final, 1);
}

static void refused_resend_is_a_lost_connection(void **state)
{
    (void)state;
    struct crawl_curl_verdict v;
    crawl_curl_verdict(CURLE_ABORTED_BY_CALLBACK, 0, 1, "Connection died, retrying a fresh connect",
                       &v);
    assert_string_equal(v.code, "connection_lost");
    assert_string_equal(v.detail, "Connection died, retrying a fresh connect; no attempt left to "
                                  "send the request again");
    assert_int_equal(v.final, 0);
    crawl_curl_verdict(CURLE_ABORTED_BY_CALLBACK, 0, 1, "", &v);
    assert_string_equal(v.detail, "the connection closed before an answer; no attempt left to "
                                  "send the request again");
}

static void throttle_is_429_or_maxlag(void **state)
{
    (void)state;
    assert_int_equal(crawl_answer_is_throttle(429, "http_429"), 1);
    assert_int_equal(crawl_answer_is_throttle(429, "ratelimited"), 1);
    assert_int_equal(crawl_answer_is_throttle(200, "maxlag"), 1);
    assert_int_equal(crawl_answer_is_throttle(503, "maxlag"), 1);
    assert_int_equal(crawl_answer_is_throttle(503, "http_503"), 0);
    assert_int_equal(crawl_answer_is_throttle(200, "ratelimited"), 0);
    assert_int_equal(crawl_answer_is_throttle(200, "readonly"), 0);
    assert_int_equal(crawl_answer_is_throttle(200, "maxlagged"), 0);
}

static void plan_waits_backoff_or_retry_after(void **state)
{
    (void)state;
    struct crawl_retry_plan plan;
    uint64_t rng = 42;
    /* Without a Retry-After: the backoff of that attempt. */
    for (int i = 0; i < 1000; i++) {
        crawl_retry_plan(&rng, 500, 30000, 3, 5, 0, 0, &plan);
        assert_in_range(plan.wait_ms, 0, 2000); /* attempt 3: k = 2 */
        assert_int_equal(plan.give_up, 0);
        assert_int_equal(plan.throttled, 0);
    }
    /* A Retry-After longer than any backoff wins, and is what the limiter hears. */
    crawl_retry_plan(&rng, 500, 30000, 1, 5, 120000, 1, &plan);
    assert_int_equal(plan.wait_ms, 120000);
    assert_int_equal(plan.throttled, 1);
    assert_int_equal(plan.throttle_ms, 120000);
    /* A shorter one does not shorten the backoff, but the limiter still hears the wiki's. */
    uint64_t twin = rng;
    long backoff = crawl_backoff_ms(&twin, 500, 30000, 4);
    crawl_retry_plan(&rng, 500, 30000, 5, 9, 1, 1, &plan);
    assert_int_equal(plan.wait_ms, backoff > 1 ? backoff : 1);
    assert_int_equal(plan.throttle_ms, 1);
    /* Throttled without a Retry-After: the limiter hears our own wait. */
    crawl_retry_plan(&rng, 500, 30000, 2, 5, 0, 1, &plan);
    assert_int_equal(plan.throttle_ms, plan.wait_ms);
}

static void plan_gives_up_at_max_attempts(void **state)
{
    (void)state;
    struct crawl_retry_plan plan;
    uint64_t rng = 1;
    crawl_retry_plan(&rng, 500, 30000, 4, 5, 0, 0, &plan);
    assert_int_equal(plan.give_up, 0);
    crawl_retry_plan(&rng, 500, 30000, 5, 5, 0, 0, &plan);
    assert_int_equal(plan.give_up, 1);
    /* libcurl's re-sends count as attempts and may take a title past the limit. */
    crawl_retry_plan(&rng, 500, 30000, 6, 5, 0, 0, &plan);
    assert_int_equal(plan.give_up, 1);
    crawl_retry_plan(&rng, 500, 30000, 1, 1, 0, 0, &plan);
    assert_int_equal(plan.give_up, 1);
}

/* The answers the crawler retries come from mwparse's verdict; with crawl_answer_is_throttle
 * that is the whole table of what is retried, final, or slows the fleet down. */
static void answers_retried_or_final(void **state)
{
    (void)state;
    struct {
        long status;
        const char *body;
        enum wc_outcome outcome;
        int throttle;
    } cases[] = {
        {429, "", WC_OUTCOME_RETRYABLE, 1},
        {500, "", WC_OUTCOME_RETRYABLE, 0},
        {502, "<html>Bad gateway</html>", WC_OUTCOME_RETRYABLE, 0},
        {503, "", WC_OUTCOME_RETRYABLE, 0},
        {504, "", WC_OUTCOME_RETRYABLE, 0},
        {404, "", WC_OUTCOME_FAILED, 0},
        {403, "", WC_OUTCOME_FAILED, 0},
        {200, "{\"error\":{\"code\":\"maxlag\",\"info\":\"Waiting for db1: 6 seconds lagged\"}}",
         WC_OUTCOME_RETRYABLE, 1},
        {200, "{\"error\":{\"code\":\"ratelimited\",\"info\":\"slow down\"}}", WC_OUTCOME_RETRYABLE,
         0},
        {200, "{\"error\":{\"code\":\"readonly\",\"info\":\"maintenance\"}}", WC_OUTCOME_RETRYABLE,
         0},
        {200, "{\"error\":{\"code\":\"missingtitle\",\"info\":\"gone\"}}", WC_OUTCOME_MISSING, 0},
        {200, "{\"error\":{\"code\":\"invalidtitle\",\"info\":\"bad\"}}", WC_OUTCOME_INVALID, 0},
        {200, "{\"error\":{\"code\":\"permissiondenied\",\"info\":\"no\"}}", WC_OUTCOME_FAILED, 0},
        {200, "{\"parse\":", WC_OUTCOME_RETRYABLE, 0}, /* a cut body */
    };
    struct html_text *x = html_text_new();
    assert_non_null(x);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mw_result res;
        struct wc_record *record = NULL;
        struct wc_error err = {0};
        assert_int_equal(mwparse_answer(x, cases[i].body, strlen(cases[i].body), cases[i].status,
                                        "T", &record, &res, &err),
                         0);
        assert_null(record);
        if (res.outcome != cases[i].outcome)
            fail_msg("case %zu: status %ld gave %s (%s)", i, cases[i].status,
                     wc_outcome_name(res.outcome), res.code);
        if (res.outcome == WC_OUTCOME_RETRYABLE)
            assert_int_equal(crawl_answer_is_throttle(cases[i].status, res.code),
                             cases[i].throttle);
    }
    html_text_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rng_is_splitmix64_and_deterministic),
        cmocka_unit_test(backoff_doubles_with_full_jitter),
        cmocka_unit_test(backoff_stops_at_the_cap),
        cmocka_unit_test(backoff_without_a_window_is_zero),
        cmocka_unit_test(retry_after_seconds_become_capped_ms),
        cmocka_unit_test(curl_codes_final_or_retried),
        cmocka_unit_test(curl_verdict_names_code_and_reason),
        cmocka_unit_test(refused_resend_is_a_lost_connection),
        cmocka_unit_test(throttle_is_429_or_maxlag),
        cmocka_unit_test(plan_waits_backoff_or_retry_after),
        cmocka_unit_test(plan_gives_up_at_max_attempts),
        cmocka_unit_test(answers_retried_or_final),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
