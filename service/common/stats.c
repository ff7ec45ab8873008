/* stats.c - fleet statistics: the stats hash's field names, written and exposed (see stats.h) */
#include "stats.h"
#include "wikis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRIC_PREFIX "wikicrawl_"

static const double latency_buckets[STATS_N_BUCKETS] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

/* The counters of the hash, in the order /metrics lists them. */
enum field {
    FIELD_JOBS_SUBMITTED,
    FIELD_JOBS_DONE,
    FIELD_CHUNKS_DONE,
    FIELD_PAGES, /* WC_OUTCOME_COUNT fields from here, in enum wc_outcome's order */
    FIELD_REQUESTS = FIELD_PAGES + WC_OUTCOME_COUNT,
    FIELD_REQUESTS_PARSE,
    FIELD_REQUESTS_QUERY,
    FIELD_CACHE_HITS,
    FIELD_WORKER_RESTARTS,
    FIELD_API_RESTARTS,
    FIELD_CONNECTIONS_REFUSED,
    FIELD_HEADER_TIMEOUTS,
    N_FIELDS
};

struct counter_family {
    const char *field; /* in the hash; the metric is wikicrawl_FIELD_total */
    const char *help;
};

static const struct counter_family counters[N_FIELDS] = {
    [FIELD_JOBS_SUBMITTED] = {"jobs_submitted", "Jobs accepted (uploads and retries)."},
    [FIELD_JOBS_DONE] = {"jobs_done", "Jobs whose last chunk finished."},
    [FIELD_CHUNKS_DONE] = {"chunks_done", "Chunks crawled to their end."},
    [FIELD_PAGES + WC_OUTCOME_OK] = {"pages_ok", "Titles crawled into a record."},
    [FIELD_PAGES + WC_OUTCOME_DISAMBIGUATION] = {"pages_disambiguation",
                                                 "Titles that are disambiguation pages."},
    [FIELD_PAGES + WC_OUTCOME_MISSING] = {"pages_missing", "Titles of pages that do not exist."},
    [FIELD_PAGES + WC_OUTCOME_INVALID] = {"pages_invalid",
                                          "Titles the wiki answered are not valid (titles "
                                          "refused at upload are not counted)."},
    [FIELD_PAGES + WC_OUTCOME_FAILED] = {"pages_failed", "Titles that failed for good."},
    [FIELD_PAGES +
        WC_OUTCOME_RETRYABLE] = {"pages_retryable", "Titles left with a retryable error."},
    [FIELD_REQUESTS] = {"requests", "HTTP requests to the wiki, retries included."},
    [FIELD_REQUESTS_PARSE] = {"requests_parse", "action=parse requests to the wiki."},
    [FIELD_REQUESTS_QUERY] = {"requests_query",
                              "action=query requests to the wiki (batched title resolution)."},
    [FIELD_CACHE_HITS] = {"cache_hits",
                          "Titles answered from the cache after their revision was checked."},
    [FIELD_WORKER_RESTARTS] = {"worker_restarts", "Workers restarted by the supervisor."},
    [FIELD_API_RESTARTS] = {"api_restarts", "Front ends restarted by the supervisor."},
    [FIELD_CONNECTIONS_REFUSED] = {"connections_refused",
                                   "Connections closed at once: their address had "
                                   "--max-connections-per-ip open."},
    [FIELD_HEADER_TIMEOUTS] = {"header_timeouts", "Connections closed because a request's "
                                                  "headers took longer than --header-timeout-ms."},
};

static const enum field counter_field[STATS_COUNTERS] = {
    [STATS_JOBS_SUBMITTED] = FIELD_JOBS_SUBMITTED,
    [STATS_JOBS_DONE] = FIELD_JOBS_DONE,
    [STATS_WORKER_RESTARTS] = FIELD_WORKER_RESTARTS,
    [STATS_API_RESTARTS] = FIELD_API_RESTARTS,
    [STATS_CONNECTIONS_REFUSED] = FIELD_CONNECTIONS_REFUSED,
    [STATS_HEADER_TIMEOUTS] = FIELD_HEADER_TIMEOUTS,
};

/* The histogram: its fields are NAME_bucket|le="X", NAME_sum and NAME_count. */
#define HISTOGRAM "fetch_seconds"
#define HISTOGRAM_HELP "Time of the last request of each title, in seconds."
/* The counters by wiki: fields WIKI_REQUESTS|WIKI and WIKI_PAGES|WIKI|OUTCOME. */
#define WIKI_REQUESTS "wiki_requests"
#define WIKI_PAGES "wiki_pages"

/* The field of bucket b (b == STATS_N_BUCKETS: +Inf), the same spelling for writer and reader. */
static void bucket_field(char *field, size_t size, size_t b)
{
    if (b < STATS_N_BUCKETS)
        snprintf(field, size, HISTOGRAM "_bucket|le=\"%g\"", latency_buckets[b]);
    else
        snprintf(field, size, HISTOGRAM "_bucket|le=\"+Inf\"");
}

void stats_count_fetch(struct stats_chunk *s, long fetch_ms)
{
    double seconds = (double)fetch_ms / 1000.0;
    size_t b = 0;
    while (b < STATS_N_BUCKETS && seconds > latency_buckets[b])
        b++;
    s->buckets[b]++;
    s->fetch_seconds_sum += seconds;
}

/* Format one command onto batch. 0 or WC_ENOMEM. */
static int batch_add(struct wc_buf *batch, int *n, const char *fmt, ...)
{
    va_list ap;
    char *cmd = NULL;
    va_start(ap, fmt);
    int len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    if (len < 0)
        return WC_ENOMEM;
    int rc = wc_buf_append(batch, cmd, (size_t)len);
    redisFreeCommand(cmd);
    if (rc == 0)
        (*n)++;
    return rc;
}

int stats_append_chunk(redisContext *c, const char *key, const struct stats_chunk *s,
                       int chunk_finished, const char *wiki)
{
    /* The commands are formatted into one batch and handed to hiredis in one append, so that
     * the MULTI is never queued without its EXEC. */
    struct wc_buf batch = WC_BUF_INIT;
    int n = 0, rc = batch_add(&batch, &n, "MULTI");
    for (int o = 0; rc == 0 && o < WC_OUTCOME_COUNT; o++)
        if (s->outcomes[o])
            rc = batch_add(&batch, &n, "HINCRBY %s %s %lld", key, counters[FIELD_PAGES + o].field,
                           s->outcomes[o]);
    if (rc == 0 && chunk_finished)
        rc = batch_add(&batch, &n, "HINCRBY %s %s 1", key, counters[FIELD_CHUNKS_DONE].field);
    /* the same by wiki: a wiki name has no '|' or blank (lib/wikis.h) */
    for (int o = 0; rc == 0 && o < WC_OUTCOME_COUNT; o++)
        if (s->outcomes[o])
            rc = batch_add(&batch, &n, "HINCRBY %s " WIKI_PAGES "|%s|%s %lld", key, wiki,
                           wc_outcome_name((enum wc_outcome)o), s->outcomes[o]);
    if (rc == 0 && s->requests_parse + s->requests_query)
        rc = batch_add(&batch, &n, "HINCRBY %s " WIKI_REQUESTS "|%s %lld", key, wiki,
                       s->requests_parse + s->requests_query);
    const long long counts[] = {s->requests_parse + s->requests_query, s->requests_parse,
                                s->requests_query, s->cache_hits};
    for (int f = 0; rc == 0 && f < 4; f++)
        if (counts[f])
            rc = batch_add(&batch, &n, "HINCRBY %s %s %lld", key,
                           counters[FIELD_REQUESTS + f].field, counts[f]);
    long long cumulative = 0;
    for (size_t b = 0; rc == 0 && b <= STATS_N_BUCKETS; b++) {
        cumulative += s->buckets[b];
        char field[64];
        bucket_field(field, sizeof field, b);
        if (cumulative)
            rc = batch_add(&batch, &n, "HINCRBY %s %s %lld", key, field, cumulative);
    }
    if (rc == 0 && cumulative)
        rc = batch_add(&batch, &n, "HINCRBYFLOAT %s " HISTOGRAM "_sum %f", key,
                       s->fetch_seconds_sum);
    if (rc == 0 && cumulative)
        rc = batch_add(&batch, &n, "HINCRBY %s " HISTOGRAM "_count %lld", key, cumulative);
    if (rc == 0 && n > 1)
        rc = batch_add(&batch, &n, "EXEC");
    if (rc != 0 || n == 1 || redisAppendFormattedCommand(c, batch.data, batch.len) != REDIS_OK)
        n = 0;
    wc_buf_free(&batch);
    return n;
}

int stats_append_add(redisContext *c, const char *key, enum stats_counter counter, long long n)
{
    if ((unsigned)counter >= STATS_COUNTERS)
        return 0;
    return redisAppendCommand(c, "HINCRBY %s %s %lld", key, counters[counter_field[counter]].field,
                              n) == REDIS_OK;
}

int stats_append_count(redisContext *c, const char *key, enum stats_counter counter)
{
    return stats_append_add(c, key, counter, 1);
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

/* value when it is a number as the exposition writes one, else NULL. */
static const char *number_or_null(const char *value)
{
    char *end = NULL;
    (void)strtod(value, &end);
    if (end != value && *end == '\0' && strspn(value, "+-.0123456789eE") == strlen(value))
        return value;
    return NULL;
}

/* The value of field in kv, or "0" when the hash has no such field (never counted yet) or its
 * value is not a number, which would make the whole exposition unreadable. */
static const char *value_of(const char *const *kv, size_t n_kv, const char *field)
{
    for (size_t i = 0; i + 1 < n_kv; i += 2) {
        if (strcmp(kv[i], field) != 0)
            continue;
        const char *value = number_or_null(kv[i + 1]);
        return value ? value : "0";
    }
    return "0";
}

static int format_family(struct wc_buf *out, const char *name, const char *type, const char *help)
{
    return wc_buf_printf(out, "# HELP " METRIC_PREFIX "%s %s\n# TYPE " METRIC_PREFIX "%s %s\n",
                         name, help, name, type);
}

static int format_gauges(struct wc_buf *out, const struct stats_gauges *g)
{
    int rc = format_family(out, "queue_chunks", "gauge", "Chunks waiting for a worker.");
    if (rc == 0)
        rc = wc_buf_printf(out, METRIC_PREFIX "queue_chunks %lld\n", g->queue_chunks);
    /* A name of its own, not labels on queue_chunks: a total beside labelled series under one
     * name would make sum() count every chunk twice. */
    if (rc == 0)
        rc = format_family(out, "queue_priority_chunks", "gauge",
                           "Chunks waiting for a worker, by job priority.");
    for (int i = 0; rc == 0 && i < QUEUE_PRIORITIES; i++)
        rc = wc_buf_printf(out, METRIC_PREFIX "queue_priority_chunks{priority=\"%s\"} %lld\n",
                           queue_priority_name(i), g->queue_priority_chunks[i]);
    if (rc == 0)
        rc = format_family(out, "workers_alive", "gauge", "Workers with a recent heartbeat.");
    if (rc == 0)
        rc = wc_buf_printf(out, METRIC_PREFIX "workers_alive %lld\n", g->workers_alive);
    if (rc == 0)
        rc = format_family(out, "redis_memory_bytes", "gauge", "Memory Redis uses (used_memory).");
    if (rc == 0)
        rc = wc_buf_printf(out, METRIC_PREFIX "redis_memory_bytes %lld\n", g->redis_memory_bytes);
    if (rc == 0)
        rc = format_family(out, "redis_memory_limit_bytes", "gauge",
                           "Redis memory limit respected: maxmemory, else --redis-max-memory; "
                           "0: none.");
    if (rc == 0)
        rc = wc_buf_printf(out, METRIC_PREFIX "redis_memory_limit_bytes %lld\n",
                           g->redis_memory_limit_bytes);
    return rc;
}

/* wiki_requests|WIKI and wiki_pages|WIKI|OUTCOME as labelled series, in the hash's order. A
 * field whose wiki or outcome is not one (another version's, or damaged) is skipped: it cannot
 * break the exposition. */
static int format_by_wiki(struct wc_buf *out, const char *const *kv, size_t n_kv)
{
    static const char requests[] = WIKI_REQUESTS "|", pages[] = WIKI_PAGES "|";
    int rc = format_family(out, WIKI_REQUESTS "_total", "counter",
                           "HTTP requests to the wiki, retries included, by wiki.");
    for (size_t i = 0; rc == 0 && i + 1 < n_kv; i += 2) {
        if (strncmp(kv[i], requests, sizeof requests - 1) != 0)
            continue;
        const char *wiki = kv[i] + sizeof requests - 1;
        const char *value = number_or_null(kv[i + 1]);
        if (value != NULL && wikis_name_valid(wiki, strlen(wiki)))
            rc = wc_buf_printf(out, METRIC_PREFIX WIKI_REQUESTS "_total{wiki=\"%s\"} %s\n", wiki,
                               value);
    }
    if (rc == 0)
        rc = format_family(out, WIKI_PAGES "_total", "counter", "Titles by wiki and outcome.");
    for (size_t i = 0; rc == 0 && i + 1 < n_kv; i += 2) {
        if (strncmp(kv[i], pages, sizeof pages - 1) != 0)
            continue;
        const char *wiki = kv[i] + sizeof pages - 1;
        const char *bar = strchr(wiki, '|');
        const char *value = number_or_null(kv[i + 1]);
        if (bar == NULL || value == NULL || !wikis_name_valid(wiki, (size_t)(bar - wiki)) ||
            wc_outcome_from_name(bar + 1, strlen(bar + 1)) < 0)
            continue;
        rc =
            wc_buf_printf(out, METRIC_PREFIX WIKI_PAGES "_total{wiki=\"%.*s\",outcome=\"%s\"} %s\n",
                          (int)(bar - wiki), wiki, bar + 1, value);
    }
    return rc;
}

static int format_histogram(struct wc_buf *out, const char *const *kv, size_t n_kv)
{
    int rc = format_family(out, HISTOGRAM, "histogram", HISTOGRAM_HELP);
    for (size_t b = 0; rc == 0 && b <= STATS_N_BUCKETS; b++) {
        char field[64];
        bucket_field(field, sizeof field, b);
        const char *bar = strchr(field, '|');
        rc = wc_buf_printf(out, METRIC_PREFIX "%.*s{%s} %s\n", (int)(bar - field), field, bar + 1,
                           value_of(kv, n_kv, field));
    }
    if (rc == 0)
        rc = wc_buf_printf(out, METRIC_PREFIX HISTOGRAM "_sum %s\n",
                           value_of(kv, n_kv, HISTOGRAM "_sum"));
    if (rc == 0)
        rc = wc_buf_printf(out, METRIC_PREFIX HISTOGRAM "_count %s\n",
                           value_of(kv, n_kv, HISTOGRAM "_count"));
    return rc;
}

int stats_format(struct wc_buf *out, const struct stats_gauges *gauges, const char *const *kv,
                 size_t n_kv)
{
    int rc = format_gauges(out, gauges);
    for (size_t f = 0; rc == 0 && f < N_FIELDS; f++) {
        char name[64];
        snprintf(name, sizeof name, "%s_total", counters[f].field);
        rc = format_family(out, name, "counter", counters[f].help);
        if (rc == 0)
            rc = wc_buf_printf(out, METRIC_PREFIX "%s %s\n", name,
                               value_of(kv, n_kv, counters[f].field));
    }
    if (rc == 0)
        rc = format_by_wiki(out, kv, n_kv);
    if (rc == 0)
        rc = format_histogram(out, kv, n_kv);
    return rc;
}
