/* test_stats.c - fleet statistics: the counter updates a worker sends and the /metrics text */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "common/stats.h"
#include "wc_error.h"

/* A context that never connected still queues commands in its output buffer: the commands a
 * function appended can be read back from there without a Redis. */
static redisContext *offline_context(void)
{
    redisContext *c = redisConnectUnix("/nonexistent/wikicrawl-test.sock");
    assert_non_null(c);
    return c;
}

/* The commands queued in c's output buffer, one line each, arguments joined by spaces. */
static void queued_commands(redisContext *c, struct wc_buf *out)
{
    const char *p = c->obuf;
    while (*p == '*') {
        long argc = strtol(p + 1, (char **)&p, 10);
        p += 2;
        for (long i = 0; i < argc; i++) {
            long len = strtol(p + 1, (char **)&p, 10);
            p += 2;
            wc_buf_append(out, p, (size_t)len);
            wc_buf_putc(out, i + 1 < argc ? ' ' : '\n');
            p += len + 2;
        }
    }
}

static void sends_a_chunks_counters_with_cumulative_buckets(void **state)
{
    (void)state;
    struct stats_chunk s = {0};
    s.outcomes[WC_OUTCOME_OK] = 3;
    s.outcomes[WC_OUTCOME_MISSING] = 1;
    s.requests = 5;
    stats_count_fetch(&s, 40);    /* 0.04 s: the first bucket */
    stats_count_fetch(&s, 100);   /* 0.1 s: le="0.1" holds it (le is "less or equal") */
    stats_count_fetch(&s, 700);   /* 0.7 s: le="1" */
    stats_count_fetch(&s, 60000); /* past every bucket: +Inf only */
    redisContext *c = offline_context();
    assert_int_equal(stats_append_chunk(c, "K", &s, 1), 15);
    struct wc_buf got = WC_BUF_INIT;
    queued_commands(c, &got);
    assert_string_equal(got.data, "HINCRBY K pages_ok 3\n"
                                  "HINCRBY K pages_missing 1\n"
                                  "HINCRBY K chunks_done 1\n"
                                  "HINCRBY K requests 5\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"0.05\" 1\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"0.1\" 2\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"0.25\" 2\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"0.5\" 2\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"1\" 3\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"2.5\" 3\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"5\" 3\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"10\" 3\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"+Inf\" 4\n"
                                  "HINCRBYFLOAT K fetch_seconds_sum 60.840000\n"
                                  "HINCRBY K fetch_seconds_count 4\n");
    wc_buf_free(&got);
    redisFree(c);
}

static void sends_nothing_for_zero_counters(void **state)
{
    (void)state;
    struct stats_chunk s = {0};
    redisContext *c = offline_context();
    assert_int_equal(stats_append_chunk(c, "K", &s, 0), 0);
    assert_int_equal(c->obuf[0], '\0');
    /* A chunk handed back without a fetch: the buckets start where the first fetch falls. */
    stats_count_fetch(&s, 3000);
    assert_int_equal(stats_append_chunk(c, "K", &s, 0), 5);
    struct wc_buf got = WC_BUF_INIT;
    queued_commands(c, &got);
    assert_string_equal(got.data, "HINCRBY K fetch_seconds_bucket|le=\"5\" 1\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"10\" 1\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"+Inf\" 1\n"
                                  "HINCRBYFLOAT K fetch_seconds_sum 3.000000\n"
                                  "HINCRBY K fetch_seconds_count 1\n");
    wc_buf_free(&got);
    redisFree(c);
}

static void sends_single_counters(void **state)
{
    (void)state;
    redisContext *c = offline_context();
    assert_int_equal(stats_append_count(c, "K", STATS_JOBS_DONE), 1);
    assert_int_equal(stats_append_count(c, "K", STATS_WORKER_RESTARTS), 1);
    assert_int_equal(stats_append_count(c, "K", STATS_API_RESTARTS), 1);
    assert_int_equal(stats_append_count(c, "K", STATS_COUNTERS), 0);
    struct wc_buf got = WC_BUF_INIT;
    queued_commands(c, &got);
    assert_string_equal(got.data, "HINCRBY K jobs_done 1\n"
                                  "HINCRBY K worker_restarts 1\n"
                                  "HINCRBY K api_restarts 1\n");
    wc_buf_free(&got);
    /* Nothing to read from a context that never connected. */
    struct wc_error err = {0};
    assert_int_equal(stats_read_replies(c, 0, &err), 0);
    assert_int_equal(stats_read_replies(c, 1, &err), WC_EREMOTE);
    redisFree(c);
}

static void formats_the_hash_as_prometheus_text_in_its_order(void **state)
{
    (void)state;
    static const char *const kv[] = {
        "pages_ok",
        "2",
        "fetch_seconds_bucket|le=\"0.05\"",
        "1",
        "fetch_seconds_bucket|le=\"+Inf\"",
        "2",
        "fetch_seconds_sum",
        "0.300000",
        "fetch_seconds_count",
        "2",
        "jobs_done",
        "1",
        "worker_restarts",
        "3",
        "some_future_counter", /* not ignored: any plain field is a counter */
        "7",
        "odd_one_out", /* a field without its value is skipped */
    };
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(stats_format(&out, kv, sizeof kv / sizeof kv[0]), 0);
    assert_string_equal(out.data, "wikicrawl_pages_ok_total 2\n"
                                  "wikicrawl_fetch_seconds_bucket{le=\"0.05\"} 1\n"
                                  "wikicrawl_fetch_seconds_bucket{le=\"+Inf\"} 2\n"
                                  "wikicrawl_fetch_seconds_sum 0.300000\n"
                                  "wikicrawl_fetch_seconds_count 2\n"
                                  "wikicrawl_jobs_done_total 1\n"
                                  "wikicrawl_worker_restarts_total 3\n"
                                  "wikicrawl_some_future_counter_total 7\n");
    /* Appends; an empty hash adds nothing. */
    size_t len = out.len;
    assert_int_equal(stats_format(&out, kv, 0), 0);
    assert_int_equal(out.len, len);
    assert_int_equal(stats_format_pair(&out, "requests", "12"), 0);
    assert_string_equal(out.data + len, "wikicrawl_requests_total 12\n");
    wc_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sends_a_chunks_counters_with_cumulative_buckets),
        cmocka_unit_test(sends_nothing_for_zero_counters),
        cmocka_unit_test(sends_single_counters),
        cmocka_unit_test(formats_the_hash_as_prometheus_text_in_its_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
