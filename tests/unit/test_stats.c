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
    s.requests_parse = 4;
    s.requests_query = 1;
    s.cache_hits = 2;
    stats_count_fetch(&s, 40);    /* 0.04 s: the first bucket */
    stats_count_fetch(&s, 100);   /* 0.1 s: le="0.1" holds it (le is "less or equal") */
    stats_count_fetch(&s, 700);   /* 0.7 s: le="1" */
    stats_count_fetch(&s, 60000); /* past every bucket: +Inf only */
    redisContext *c = offline_context();
    assert_int_equal(stats_append_chunk(c, "K", &s, 1, "de"), 23);
    struct wc_buf got = WC_BUF_INIT;
    queued_commands(c, &got);
    /* One transaction: a scrape sees all of a chunk or none of it. */
    assert_string_equal(got.data, "MULTI\n"
                                  "HINCRBY K pages_ok 3\n"
                                  "HINCRBY K pages_missing 1\n"
                                  "HINCRBY K chunks_done 1\n"
                                  "HINCRBY K wiki_pages|de|ok 3\n"
                                  "HINCRBY K wiki_pages|de|missing 1\n"
                                  "HINCRBY K wiki_requests|de 5\n"
                                  "HINCRBY K requests 5\n"
                                  "HINCRBY K requests_parse 4\n"
                                  "HINCRBY K requests_query 1\n"
                                  "HINCRBY K cache_hits 2\n"
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
                                  "HINCRBY K fetch_seconds_count 4\n"
                                  "EXEC\n");
    wc_buf_free(&got);
    redisFree(c);
}

static void sends_nothing_for_zero_counters(void **state)
{
    (void)state;
    struct stats_chunk s = {0};
    redisContext *c = offline_context();
    assert_int_equal(stats_append_chunk(c, "K", &s, 0, "default"), 0);
    assert_int_equal(c->obuf[0], '\0');
    /* A chunk handed back without a fetch: the buckets start where the first fetch falls. */
    stats_count_fetch(&s, 3000);
    assert_int_equal(stats_append_chunk(c, "K", &s, 0, "default"), 7);
    struct wc_buf got = WC_BUF_INIT;
    queued_commands(c, &got);
    assert_string_equal(got.data, "MULTI\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"5\" 1\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"10\" 1\n"
                                  "HINCRBY K fetch_seconds_bucket|le=\"+Inf\" 1\n"
                                  "HINCRBYFLOAT K fetch_seconds_sum 3.000000\n"
                                  "HINCRBY K fetch_seconds_count 1\n"
                                  "EXEC\n");
    wc_buf_free(&got);
    redisFree(c);
}

static void sends_single_counters(void **state)
{
    (void)state;
    redisContext *c = offline_context();
    assert_int_equal(stats_append_count(c, "K", STATS_JOBS_SUBMITTED), 1);
    assert_int_equal(stats_append_count(c, "K", STATS_JOBS_DONE), 1);
    assert_int_equal(stats_append_count(c, "K", STATS_WORKER_RESTARTS), 1);
    assert_int_equal(stats_append_count(c, "K", STATS_API_RESTARTS), 1);
    assert_int_equal(stats_append_count(c, "K", STATS_COUNTERS), 0);
    /* A front end's refusals and header timeouts of the last second, in one command each. */
    assert_int_equal(stats_append_add(c, "K", STATS_CONNECTIONS_REFUSED, 536), 1);
    assert_int_equal(stats_append_add(c, "K", STATS_HEADER_TIMEOUTS, 20), 1);
    assert_int_equal(stats_append_add(c, "K", STATS_COUNTERS, 1), 0);
    struct wc_buf got = WC_BUF_INIT;
    queued_commands(c, &got);
    assert_string_equal(got.data, "HINCRBY K jobs_submitted 1\n"
                                  "HINCRBY K jobs_done 1\n"
                                  "HINCRBY K worker_restarts 1\n"
                                  "HINCRBY K api_restarts 1\n"
                                  "HINCRBY K connections_refused 536\n"
                                  "HINCRBY K header_timeouts 20\n");
    wc_buf_free(&got);
    /* Nothing to read from a context that never connected. */
    struct wc_error err = {0};
    assert_int_equal(stats_read_replies(c, 0, &err), 0);
    assert_int_equal(stats_read_replies(c, 1, &err), WC_EREMOTE);
    redisFree(c);
}

/* The exposition of an empty hash: every family, in its fixed order, each with HELP and TYPE. */
static const char empty_exposition[] =
    "# HELP wikicrawl_queue_chunks Chunks waiting for a worker.\n"
    "# TYPE wikicrawl_queue_chunks gauge\n"
    "wikicrawl_queue_chunks 4\n"
    "# HELP wikicrawl_queue_priority_chunks Chunks waiting for a worker, by job priority.\n"
    "# TYPE wikicrawl_queue_priority_chunks gauge\n"
    "wikicrawl_queue_priority_chunks{priority=\"high\"} 1\n"
    "wikicrawl_queue_priority_chunks{priority=\"normal\"} 3\n"
    "wikicrawl_queue_priority_chunks{priority=\"low\"} 0\n"
    "# HELP wikicrawl_workers_alive Workers with a recent heartbeat.\n"
    "# TYPE wikicrawl_workers_alive gauge\n"
    "wikicrawl_workers_alive 2\n"
    "# HELP wikicrawl_redis_memory_bytes Memory Redis uses (used_memory).\n"
    "# TYPE wikicrawl_redis_memory_bytes gauge\n"
    "wikicrawl_redis_memory_bytes 1048576\n"
    "# HELP wikicrawl_redis_memory_limit_bytes Redis memory limit respected: maxmemory, else "
    "--redis-max-memory; 0: none.\n"
    "# TYPE wikicrawl_redis_memory_limit_bytes gauge\n"
    "wikicrawl_redis_memory_limit_bytes 4194304\n"
    "# HELP wikicrawl_jobs_submitted_total Jobs accepted (uploads and retries).\n"
    "# TYPE wikicrawl_jobs_submitted_total counter\n"
    "wikicrawl_jobs_submitted_total 0\n"
    "# HELP wikicrawl_jobs_done_total Jobs whose last chunk finished.\n"
    "# TYPE wikicrawl_jobs_done_total counter\n"
    "wikicrawl_jobs_done_total 0\n"
    "# HELP wikicrawl_chunks_done_total Chunks crawled to their end.\n"
    "# TYPE wikicrawl_chunks_done_total counter\n"
    "wikicrawl_chunks_done_total 0\n"
    "# HELP wikicrawl_pages_ok_total Titles crawled into a record.\n"
    "# TYPE wikicrawl_pages_ok_total counter\n"
    "wikicrawl_pages_ok_total 0\n"
    "# HELP wikicrawl_pages_disambiguation_total Titles that are disambiguation pages.\n"
    "# TYPE wikicrawl_pages_disambiguation_total counter\n"
    "wikicrawl_pages_disambiguation_total 0\n"
    "# HELP wikicrawl_pages_missing_total Titles of pages that do not exist.\n"
    "# TYPE wikicrawl_pages_missing_total counter\n"
    "wikicrawl_pages_missing_total 0\n"
    "# HELP wikicrawl_pages_invalid_total Titles the wiki answered are not valid (titles refused "
    "at upload are not counted).\n"
    "# TYPE wikicrawl_pages_invalid_total counter\n"
    "wikicrawl_pages_invalid_total 0\n"
    "# HELP wikicrawl_pages_failed_total Titles that failed for good.\n"
    "# TYPE wikicrawl_pages_failed_total counter\n"
    "wikicrawl_pages_failed_total 0\n"
    "# HELP wikicrawl_pages_retryable_total Titles left with a retryable error.\n"
    "# TYPE wikicrawl_pages_retryable_total counter\n"
    "wikicrawl_pages_retryable_total 0\n"
    "# HELP wikicrawl_requests_total HTTP requests to the wiki, retries included.\n"
    "# TYPE wikicrawl_requests_total counter\n"
    "wikicrawl_requests_total 0\n"
    "# HELP wikicrawl_requests_parse_total action=parse requests to the wiki.\n"
    "# TYPE wikicrawl_requests_parse_total counter\n"
    "wikicrawl_requests_parse_total 0\n"
    "# HELP wikicrawl_requests_query_total action=query requests to the wiki (batched title "
    "resolution).\n"
    "# TYPE wikicrawl_requests_query_total counter\n"
    "wikicrawl_requests_query_total 0\n"
    "# HELP wikicrawl_cache_hits_total Titles answered from the cache after their revision was "
    "checked.\n"
    "# TYPE wikicrawl_cache_hits_total counter\n"
    "wikicrawl_cache_hits_total 0\n"
    "# HELP wikicrawl_worker_restarts_total Workers restarted by the supervisor.\n"
    "# TYPE wikicrawl_worker_restarts_total counter\n"
    "wikicrawl_worker_restarts_total 0\n"
    "# HELP wikicrawl_api_restarts_total Front ends restarted by the supervisor.\n"
    "# TYPE wikicrawl_api_restarts_total counter\n"
    "wikicrawl_api_restarts_total 0\n"
    "# HELP wikicrawl_connections_refused_total Connections closed at once: their address had "
    "--max-connections-per-ip open.\n"
    "# TYPE wikicrawl_connections_refused_total counter\n"
    "wikicrawl_connections_refused_total 0\n"
    "# HELP wikicrawl_header_timeouts_total Connections closed because a request's headers took "
    "longer than --header-timeout-ms.\n"
    "# TYPE wikicrawl_header_timeouts_total counter\n"
    "wikicrawl_header_timeouts_total 0\n"
    "# HELP wikicrawl_wiki_requests_total HTTP requests to the wiki, retries included, by wiki.\n"
    "# TYPE wikicrawl_wiki_requests_total counter\n"
    "# HELP wikicrawl_wiki_pages_total Titles by wiki and outcome.\n"
    "# TYPE wikicrawl_wiki_pages_total counter\n"
    "# HELP wikicrawl_fetch_seconds Time of the last request of each title, in seconds.\n"
    "# TYPE wikicrawl_fetch_seconds histogram\n"
    "wikicrawl_fetch_seconds_bucket{le=\"0.05\"} 0\n"
    "wikicrawl_fetch_seconds_bucket{le=\"0.1\"} 0\n"
    "wikicrawl_fetch_seconds_bucket{le=\"0.25\"} 0\n"
    "wikicrawl_fetch_seconds_bucket{le=\"0.5\"} 0\n"
    "wikicrawl_fetch_seconds_bucket{le=\"1\"} 0\n"
    "wikicrawl_fetch_seconds_bucket{le=\"2.5\"} 0\n"
    "wikicrawl_fetch_seconds_bucket{le=\"5\"} 0\n"
    "wikicrawl_fetch_seconds_bucket{le=\"10\"} 0\n"
    "wikicrawl_fetch_seconds_bucket{le=\"+Inf\"} 0\n"
    "wikicrawl_fetch_seconds_sum 0\n"
    "wikicrawl_fetch_seconds_count 0\n";

static const struct stats_gauges gauges = {.queue_chunks = 4,
                                           .queue_priority_chunks = {1, 3, 0},
                                           .workers_alive = 2,
                                           .redis_memory_bytes = 1048576,
                                           .redis_memory_limit_bytes = 4194304};

static void formats_every_family_in_a_fixed_order_even_before_counting(void **state)
{
    (void)state;
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(stats_format(&out, &gauges, NULL, 0), 0);
    assert_string_equal(out.data, empty_exposition);
    wc_buf_free(&out);
}

/* How many times needle occurs in text. */
static int occurrences(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The offset of the first line of text that starts with prefix (fails the test when none does). */
static size_t line_at(const char *text, const char *prefix)
{
    for (const char *p = strstr(text, prefix); p; p = strstr(p + 1, prefix))
        if (p == text || p[-1] == '\n')
            return (size_t)(p - text);
    fail_msg("no line starts with %s", prefix);
    return 0;
}

static void formats_the_hash_in_the_tables_order_whatever_its_order(void **state)
{
    (void)state;
    /* HGETALL's order is the hash's: here the histogram's fields come scrambled and between the
     * counters. */
    static const char *const kv[] = {
        "fetch_seconds_count",
        "5",
        "worker_restarts",
        "3",
        "fetch_seconds_bucket|le=\"+Inf\"",
        "5",
        "pages_ok",
        "4",
        "fetch_seconds_bucket|le=\"1\"",
        "4",
        "fetch_seconds_sum",
        "2.75",
        "fetch_seconds_bucket|le=\"0.05\"",
        "1",
        "jobs_submitted",
        "2",
        "requests",
        "6",
        "fetch_seconds_bucket|le=\"0.1\"",
        "2",
        "jobs_done",
        "1",
        "chunks_done",
        "2",
        "wiki_pages|de|ok",
        "3",
        "wiki_requests|de",
        "4",
        "wiki_pages|en|missing",
        "1",
    };
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(stats_format(&out, &gauges, kv, sizeof kv / sizeof kv[0]), 0);
    const char *t = out.data;
    /* HELP and TYPE once per family, the family's samples right after them. */
    assert_int_equal(occurrences(t, "# TYPE "), 25);
    assert_int_equal(occurrences(t, "# HELP "), 25);
    assert_int_equal(occurrences(t, "# TYPE wikicrawl_fetch_seconds histogram\n"), 1);
    assert_int_equal(occurrences(t, "# TYPE wikicrawl_pages_ok_total counter\n"), 1);
    assert_non_null(strstr(t, "# TYPE wikicrawl_pages_ok_total counter\n"
                              "wikicrawl_pages_ok_total 4\n"));
    assert_non_null(strstr(t, "# TYPE wikicrawl_jobs_submitted_total counter\n"
                              "wikicrawl_jobs_submitted_total 2\n"));
    assert_non_null(strstr(t, "wikicrawl_worker_restarts_total 3\n"));
    /* The counters in the table's order, not the hash's. */
    assert_true(line_at(t, "wikicrawl_jobs_submitted_total ") <
                line_at(t, "wikicrawl_jobs_done_total "));
    assert_true(line_at(t, "wikicrawl_pages_ok_total ") < line_at(t, "wikicrawl_requests_total "));
    assert_true(line_at(t, "wikicrawl_requests_total ") <
                line_at(t, "wikicrawl_worker_restarts_total "));
    /* Every bucket, by increasing le (0 where the hash has none yet: no fetch was that fast),
     * +Inf last, then _sum and _count. */
    assert_non_null(strstr(t, "# TYPE wikicrawl_fetch_seconds histogram\n"
                              "wikicrawl_fetch_seconds_bucket{le=\"0.05\"} 1\n"
                              "wikicrawl_fetch_seconds_bucket{le=\"0.1\"} 2\n"
                              "wikicrawl_fetch_seconds_bucket{le=\"0.25\"} 0\n"
                              "wikicrawl_fetch_seconds_bucket{le=\"0.5\"} 0\n"
                              "wikicrawl_fetch_seconds_bucket{le=\"1\"} 4\n"
                              "wikicrawl_fetch_seconds_bucket{le=\"2.5\"} 0\n"
                              "wikicrawl_fetch_seconds_bucket{le=\"5\"} 0\n"
                              "wikicrawl_fetch_seconds_bucket{le=\"10\"} 0\n"
                              "wikicrawl_fetch_seconds_bucket{le=\"+Inf\"} 5\n"
                              "wikicrawl_fetch_seconds_sum 2.75\n"
                              "wikicrawl_fetch_seconds_count 5\n"));
    assert_true(line_at(t, "# HELP wikicrawl_fetch_seconds ") >
                line_at(t, "wikicrawl_header_timeouts_total "));
    /* by wiki: one series per wiki (and outcome) counted, after the plain counters */
    assert_non_null(strstr(t, "# TYPE wikicrawl_wiki_requests_total counter\n"
                              "wikicrawl_wiki_requests_total{wiki=\"de\"} 4\n"
                              "# HELP wikicrawl_wiki_pages_total"));
    assert_non_null(strstr(t, "# TYPE wikicrawl_wiki_pages_total counter\n"
                              "wikicrawl_wiki_pages_total{wiki=\"de\",outcome=\"ok\"} 3\n"
                              "wikicrawl_wiki_pages_total{wiki=\"en\",outcome=\"missing\"} 1\n"
                              "# HELP wikicrawl_fetch_seconds"));
    wc_buf_free(&out);
}

static void skips_fields_it_does_not_know(void **state)
{
    (void)state;
    /* Another version of wikicrawl on the same Redis, or a hand-made field: none of it reaches the
     * exposition, which would otherwise carry a family without HELP or TYPE, a bucket out of
     * order, or a value Prometheus cannot read. */
    static const char *const kv[] = {
        "some_future_counter",
        "7",
        "fetch_seconds_bucket|le=\"0.07\"",
        "1",
        "pages_ok_total",
        "9",
        "",
        "",
        "pages_missing",
        "not a number",
        "pages_invalid",
        "0x10",
        "wiki_requests|De", /* not a wiki name */
        "1",
        "wiki_pages|de|okay", /* not an outcome */
        "1",
        "wiki_pages|de", /* no outcome */
        "1",
        "wiki_requests|de",
        "many",
        "odd_one_out", /* a field without its value */
    };
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(stats_format(&out, &gauges, kv, sizeof kv / sizeof kv[0]), 0);
    assert_string_equal(out.data, empty_exposition);
    /* Appends to what out holds. */
    assert_int_equal(stats_format(&out, &gauges, kv, 0), 0);
    assert_int_equal(out.len, 2 * strlen(empty_exposition));
    wc_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sends_a_chunks_counters_with_cumulative_buckets),
        cmocka_unit_test(sends_nothing_for_zero_counters),
        cmocka_unit_test(sends_single_counters),
        cmocka_unit_test(formats_every_family_in_a_fixed_order_even_before_counting),
        cmocka_unit_test(formats_the_hash_in_the_tables_order_whatever_its_order),
        cmocka_unit_test(skips_fields_it_does_not_know),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
