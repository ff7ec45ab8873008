/* test_request_parse.c - the front end's job URLs and results-page parameters */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "keys.h"
#include "server/request_parse.h"
#include "wc_error.h"

#define JOB "0123456789abcdef0123456789abcdef"

static void splits_a_job_url_into_id_and_tail(void **state)
{
    (void)state;
    char id[KEYS_JOB_ID_LEN + 8];
    const char *tail = NULL;
    assert_int_equal(parse_job_url("/v1/jobs/" JOB, id, sizeof id, &tail), 1);
    assert_string_equal(id, JOB);
    assert_string_equal(tail, "");
    assert_int_equal(parse_job_url("/v1/jobs/" JOB "/results", id, sizeof id, &tail), 1);
    assert_string_equal(id, JOB);
    assert_string_equal(tail, "/results");
    assert_int_equal(parse_job_url("/v1/jobs/" JOB "/", id, sizeof id, &tail), 1);
    assert_string_equal(tail, "/");
}

static void refuses_other_paths_and_an_empty_id(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "/",
                         "/v1/jobs",
                         "/v1/jobs/",
                         "/v1/jobs//",
                         "/v1/jobs//results",
                         "/v1/job/" JOB,
                         "/v2/jobs/" JOB,
                         "v1/jobs/" JOB,
                         "/V1/JOBS/" JOB};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char id[16] = "untouched";
        const char *tail = "untouched";
        assert_int_equal(parse_job_url(bad[i], id, sizeof id, &tail), 0);
        assert_string_equal(id, "untouched");
        assert_string_equal(tail, "untouched");
    }
}

static void refuses_an_id_longer_than_its_buffer(void **state)
{
    (void)state;
    char id[8] = "";
    const char *tail = NULL;
    assert_int_equal(parse_job_url("/v1/jobs/1234567", id, sizeof id, &tail), 1);
    assert_string_equal(id, "1234567");
    assert_int_equal(parse_job_url("/v1/jobs/12345678/results", id, sizeof id, &tail), 0);
    assert_string_equal(id, "1234567");
    assert_int_equal(parse_job_url("/v1/jobs/" JOB "0", id, sizeof id, &tail), 0);
}

/* The segment is not judged here: a bad id is the route's 404, through keys_job_id_valid(). */
static void leaves_the_id_and_the_tail_to_the_caller(void **state)
{
    (void)state;
    char id[KEYS_JOB_ID_LEN + 8];
    const char *tail = NULL;
    assert_int_equal(parse_job_url("/v1/jobs/NOT-HEX/errors", id, sizeof id, &tail), 1);
    assert_string_equal(id, "NOT-HEX");
    assert_false(keys_job_id_valid(id));
    assert_int_equal(parse_job_url("/v1/jobs/" JOB "/results/junk", id, sizeof id, &tail), 1);
    assert_true(keys_job_id_valid(id));
    assert_string_equal(tail, "/results/junk");
}

static void a_page_without_parameters_starts_at_the_first_record(void **state)
{
    (void)state;
    struct results_page page = {42, 42};
    struct wc_error err = {0};
    assert_int_equal(parse_results_page(NULL, NULL, &page, &err), 0);
    assert_int_equal(page.cursor, 0);
    assert_int_equal(page.limit, -1);
    assert_int_equal(parse_results_page("17", "100", &page, &err), 0);
    assert_int_equal(page.cursor, 17);
    assert_int_equal(page.limit, 100);
}

static void accepts_a_cursor_and_a_limit_at_their_bounds(void **state)
{
    (void)state;
    struct results_page page;
    struct wc_error err = {0};
    char cursor_max[32], limit_max[32];
    snprintf(cursor_max, sizeof cursor_max, "%ld", LONG_MAX);
    snprintf(limit_max, sizeof limit_max, "%d", RESULTS_MAX_PAGE_LIMIT);
    assert_int_equal(parse_results_page("0", "1", &page, &err), 0);
    assert_int_equal(page.cursor, 0);
    assert_int_equal(page.limit, 1);
    assert_int_equal(parse_results_page(cursor_max, limit_max, &page, &err), 0);
    assert_true(page.cursor == LONG_MAX);
    assert_int_equal(page.limit, RESULTS_MAX_PAGE_LIMIT);
}

static void refuses_a_bad_cursor(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "-1",
                         " 1",
                         "+1",
                         "1 ",
                         "1x",
                         "x",
                         "1.5",
                         "0x10",
                         "9223372036854775808",
                         "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct results_page page;
        struct wc_error err = {0};
        assert_int_equal(parse_results_page(bad[i], NULL, &page, &err), WC_EINVAL);
        assert_string_equal(err.message, "cursor must be the Next-Cursor of an earlier page");
    }
}

static void refuses_a_bad_limit_and_checks_the_cursor_first(void **state)
{
    (void)state;
    const char *bad[] = {"", "0", "-1", "10001", "+5", " 5", "5x", "-0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct results_page page;
        struct wc_error err = {0};
        assert_int_equal(parse_results_page("3", bad[i], &page, &err), WC_EINVAL);
        assert_string_equal(err.message, "limit must be a whole number from 1 to 10000");
    }
    struct results_page page;
    struct wc_error err = {0};
    assert_int_equal(parse_results_page("x", "0", &page, &err), WC_EINVAL);
    assert_string_equal(err.message, "cursor must be the Next-Cursor of an earlier page");
}

static void a_page_ends_at_the_limit_or_at_what_is_available(void **state)
{
    (void)state;
    struct results_page all = {0, -1}, from3 = {3, -1}, five_from3 = {3, 5}, five_from8 = {8, 5};
    assert_int_equal(results_page_end(&all, 10), 10);
    assert_int_equal(results_page_end(&all, 0), 0);
    assert_int_equal(results_page_end(&from3, 10), 10);
    assert_int_equal(results_page_end(&five_from3, 10), 8);
    assert_int_equal(results_page_end(&five_from3, 8), 8);
    assert_int_equal(results_page_end(&five_from8, 10), 10);
}

static void a_cursor_past_the_end_gives_an_empty_page(void **state)
{
    (void)state;
    struct results_page past = {12, -1}, past_limited = {12, 5}, at_end = {10, 5};
    assert_int_equal(results_page_end(&past, 10), 12);
    assert_int_equal(results_page_end(&past_limited, 10), 12);
    assert_int_equal(results_page_end(&at_end, 10), 10);
}

/* cursor + limit must not be computed where it overflows (UBSan aborts on it). */
static void a_page_near_the_largest_cursor_does_not_overflow(void **state)
{
    (void)state;
    struct results_page max_all = {LONG_MAX, -1}, max_one = {LONG_MAX, 1},
                        below_max = {LONG_MAX - 1, RESULTS_MAX_PAGE_LIMIT},
                        below_max_one = {LONG_MAX - 1, 1};
    assert_true(results_page_end(&max_all, 10) == LONG_MAX);
    assert_true(results_page_end(&max_one, 10) == LONG_MAX);
    assert_true(results_page_end(&below_max, 10) == LONG_MAX - 1);
    assert_true(results_page_end(&below_max, 0) == LONG_MAX - 1);
    assert_true(results_page_end(&below_max_one, 10) == LONG_MAX - 1);
    /* A stream that long: the page ends at the stream's end or at the limit. */
    assert_true(results_page_end(&below_max, LLONG_MAX) == LLONG_MAX);
    assert_true(results_page_end(&max_one, LLONG_MAX) == LLONG_MAX);
    struct results_page far = {LONG_MAX - 20000, RESULTS_MAX_PAGE_LIMIT};
    assert_true(results_page_end(&far, LLONG_MAX) == LONG_MAX - 10000);
}

static void refuses_a_negative_cursor(void **state)
{
    (void)state;
    char min[32], below_min[32];
    snprintf(min, sizeof min, "%ld", LONG_MIN);
    snprintf(below_min, sizeof below_min, "%ld9", LONG_MIN);
    const char *bad[] = {"-1", "-9999", min, below_min};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct results_page page;
        struct wc_error err = {0};
        assert_int_equal(parse_results_page(bad[i], "5", &page, &err), WC_EINVAL);
        assert_string_equal(err.message, "cursor must be the Next-Cursor of an earlier page");
    }
}

/* A batch holds about RESULTS_BATCH_BYTES: records of the largest size seen fill it. */
static void a_batch_count_fits_the_largest_record_in_the_budget(void **state)
{
    (void)state;
    assert_int_equal(results_batch_count(16, RESULTS_BATCH_BYTES / 4), 4);
    assert_int_equal(results_batch_count(200, 150 * 1000), 1);
    assert_int_equal(results_batch_count(200, RESULTS_BATCH_BYTES), 1);
    /* A record over the budget: one at a time, never 0. */
    assert_int_equal(results_batch_count(16, 5 * 1024 * 1024), 1);
    assert_int_equal(results_batch_count(1, RESULTS_BATCH_BYTES + 1), 1);
}

/* Small records: the count doubles per batch up to the cap, not at once (sizes may change). */
static void a_batch_count_grows_by_doubling_up_to_the_cap(void **state)
{
    (void)state;
    long count = RESULTS_BATCH_FIRST;
    int batches = 0;
    while (count < RESULTS_BATCH_MAX) {
        long next = results_batch_count(count, 100);
        assert_true(next == 2 * count || next == RESULTS_BATCH_MAX);
        count = next;
        batches++;
    }
    assert_int_equal(batches, 6);
    assert_int_equal(results_batch_count(RESULTS_BATCH_MAX, 1), RESULTS_BATCH_MAX);
    assert_int_equal(results_batch_count(1, 1000), 2);
    /* Records at the budget's size grow no further than the budget allows. */
    assert_int_equal(results_batch_count(100, RESULTS_BATCH_BYTES / 150), 150);
}

static void an_empty_batch_keeps_the_count(void **state)
{
    (void)state;
    assert_int_equal(results_batch_count(RESULTS_BATCH_FIRST, 0), RESULTS_BATCH_FIRST);
    assert_int_equal(results_batch_count(1, 0), 1);
}

static void accepts_gzip_when_named_or_starred_with_a_q_above_zero(void **state)
{
    (void)state;
    const char *yes[] = {"gzip",   "GZip", "deflate, gzip", "gzip;q=0.5",   "gzip; q=1",
                         "x-gzip", "*",    "br, *;q=0.1",   "gzip;q=0.001", "identity, gzip , br"};
    const char *no[] = {"",      "identity",    "deflate, br", "gzip;q=0", "gzip; q=0.000",
                        "*;q=0", "gzip;q=0, *", "gzipx",       "gzip-ish", "deflate;q=1"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(parse_accepts_gzip(yes[i]));
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_false(parse_accepts_gzip(no[i]));
    assert_false(parse_accepts_gzip(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(splits_a_job_url_into_id_and_tail),
        cmocka_unit_test(refuses_other_paths_and_an_empty_id),
        cmocka_unit_test(refuses_an_id_longer_than_its_buffer),
        cmocka_unit_test(leaves_the_id_and_the_tail_to_the_caller),
        cmocka_unit_test(a_page_without_parameters_starts_at_the_first_record),
        cmocka_unit_test(accepts_a_cursor_and_a_limit_at_their_bounds),
        cmocka_unit_test(refuses_a_bad_cursor),
        cmocka_unit_test(refuses_a_bad_limit_and_checks_the_cursor_first),
        cmocka_unit_test(a_page_ends_at_the_limit_or_at_what_is_available),
        cmocka_unit_test(a_cursor_past_the_end_gives_an_empty_page),
        cmocka_unit_test(a_page_near_the_largest_cursor_does_not_overflow),
        cmocka_unit_test(refuses_a_negative_cursor),
        cmocka_unit_test(a_batch_count_fits_the_largest_record_in_the_budget),
        cmocka_unit_test(a_batch_count_grows_by_doubling_up_to_the_cap),
        cmocka_unit_test(an_empty_batch_keeps_the_count),
        cmocka_unit_test(accepts_gzip_when_named_or_starred_with_a_q_above_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
