/* stats.c - fleet statistics: the stats hash's field names, written and exposed (see stats.h) */
#include "stats.h"

#include <stdio.h>
#include <string.h>

static const double latency_buckets[STATS_N_BUCKETS] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

static const char *const outcome_fields[WC_OUTCOME_COUNT] = {
    "pages_ok",      "pages_disambiguation", "pages_missing",
    "pages_invalid", "pages_failed",         "pages_retryable",
};

static const char *const counter_fields[STATS_COUNTERS] = {
    "jobs_done",
    "worker_restarts",
    "api_restarts",
};

/* The field of the summary's observations: the exposition gives it and _sum no _total. */
#define STATS_SUMMARY_PREFIX "fetch_seconds"

void stats_count_fetch(struct stats_chunk *s, long fetch_ms)
{
    double seconds = (double)fetch_ms / 1000.0;
    size_t b = 0;
    while (b < STATS_N_BUCKETS && seconds > latency_buckets[b])
        b++;
    s->buckets[b]++;
    s->fetch_seconds_sum += seconds;
}

int stats_append_chunk(redisContext *c, const char *key, const struct stats_chunk *s,
                       int chunk_finished)
{
    int n = 0;
    for (int o = 0; o < WC_OUTCOME_COUNT; o++)
        if (s->outcomes[o] && redisAppendCommand(c, "HINCRBY %s %s %lld", key, outcome_fields[o],
                                                 s->outcomes[o]) == REDIS_OK)
            n++;
    if (chunk_finished && redisAppendCommand(c, "HINCRBY %s chunks_done 1", key) == REDIS_OK)
        n++;
    if (s->requests &&
        redisAppendCommand(c, "HINCRBY %s requests %lld", key, s->requests) == REDIS_OK)
        n++;
    long long cumulative = 0;
    for (size_t b = 0; b <= STATS_N_BUCKETS; b++) {
        cumulative += s->buckets[b];
        char field[64];
        if (b < STATS_N_BUCKETS)
            snprintf(field, sizeof field, STATS_SUMMARY_PREFIX "_bucket|le=\"%g\"",
                     latency_buckets[b]);
        else
            snprintf(field, sizeof field, STATS_SUMMARY_PREFIX "_bucket|le=\"+Inf\"");
        if (cumulative &&
            redisAppendCommand(c, "HINCRBY %s %s %lld", key, field, cumulative) == REDIS_OK)
            n++;
    }
    if (cumulative) {
        if (redisAppendCommand(c, "HINCRBYFLOAT %s " STATS_SUMMARY_PREFIX "_sum %f", key,
                               s->fetch_seconds_sum) == REDIS_OK)
            n++;
        if (redisAppendCommand(c, "HINCRBY %s " STATS_SUMMARY_PREFIX "_count %lld", key,
                               cumulative) == REDIS_OK)
            n++;
    }
    return n;
}

int stats_append_count(redisContext *c, const char *key, enum stats_counter counter)
{
    if ((unsigned)counter >= STATS_COUNTERS)
        return 0;
    return redisAppendCommand(c, "HINCRBY %s %s 1", key, counter_fields[counter]) == REDIS_OK;
}

int stats_read_replies(redisContext *c, int n, struct wc_error *err)
{
    for (int i = 0; i < n; i++) {
        void *reply = NULL;
        if (redisGetReply(c, &reply) != REDIS_OK)
            return wc_error_set(err, WC_EREMOTE, "Redis: %s", c->errstr);
        freeReplyObject(reply);
    }
    return 0;
}

int stats_format_pair(struct wc_buf *out, const char *field, const char *value)
{
    const char *bar = strchr(field, '|');
    if (bar)
        return wc_buf_printf(out, "wikicrawl_%.*s{%s} %s\n", (int)(bar - field), field, bar + 1,
                             value);
    if (strncmp(field, STATS_SUMMARY_PREFIX, strlen(STATS_SUMMARY_PREFIX)) == 0)
        return wc_buf_printf(out, "wikicrawl_%s %s\n", field, value);
    return wc_buf_printf(out, "wikicrawl_%s_total %s\n", field, value);
}

int stats_format(struct wc_buf *out, const char *const *kv, size_t n_kv)
{
    for (size_t i = 0; i + 1 < n_kv; i += 2) {
        int rc = stats_format_pair(out, kv[i], kv[i + 1]);
        if (rc != 0)
            return rc;
    }
    return 0;
}
