/* stats.h - fleet statistics: the counters of the stats hash and their Prometheus exposition */
#ifndef WC_STATS_H
#define WC_STATS_H

#include <stddef.h>

#include <hiredis.h>

#include "buf.h"
#include "mwparse.h"
#include "wc_error.h"

/* The one owner of the field names of the fleet stats hash (keys_queue(..., "stats")). Workers
 * and the supervisor add to it with HINCRBY; /metrics turns its HGETALL into Prometheus text:
 *
 *   NAME                          counter  -> wikicrawl_NAME_total VALUE
 *   fetch_seconds_sum, _count     summary  -> wikicrawl_fetch_seconds_sum VALUE (no _total)
 *   fetch_seconds_bucket|le="X"   buckets  -> wikicrawl_fetch_seconds_bucket{le="X"} VALUE
 *
 * The labels of a field follow a '|'. Bucket counts are cumulative (Prometheus's "le"), le="+Inf"
 * last. Counters: pages_ok, pages_disambiguation, pages_missing, pages_invalid, pages_failed,
 * pages_retryable, chunks_done, requests, jobs_done, worker_restarts, api_restarts. */

/* Fetch latency buckets, in seconds: 0.05 0.1 0.25 0.5 1 2.5 5 10 (and +Inf). */
#define STATS_N_BUCKETS 8

/* One chunk's share of the fleet's counters, added to the hash when the chunk closes. Plain data:
 * zero it to start. */
struct stats_chunk {
    long long outcomes[WC_OUTCOME_COUNT];   /* titles by outcome */
    long long requests;                     /* HTTP requests, retries included */
    long long buckets[STATS_N_BUCKETS + 1]; /* fetches per latency bucket (not cumulative) */
    double fetch_seconds_sum;
};

/* Counters counted one event at a time. */
enum stats_counter {
    STATS_JOBS_DONE = 0,   /* a job's last chunk finished */
    STATS_WORKER_RESTARTS, /* the supervisor restarted a worker */
    STATS_API_RESTARTS,    /* the supervisor restarted the front end */
    STATS_COUNTERS
};

/* Prototypes */

/* Count one fetch that took fetch_ms (no allocation, no Redis: the crawl's hot path). */
void stats_count_fetch(struct stats_chunk *s, long fetch_ms);

/* Append (pipeline, without reading the replies) the HINCRBY/HINCRBYFLOAT commands that add s to
 * the hash at key, plus chunks_done when chunk_finished. Counters at zero are not sent. Returns
 * how many commands were appended: the caller reads that many replies (stats_read_replies()). */
int stats_append_chunk(redisContext *c, const char *key, const struct stats_chunk *s,
                       int chunk_finished);

/* Append HINCRBY key COUNTER 1. Returns how many commands were appended (1, or 0 when out of
 * memory or for an unknown counter). */
int stats_append_count(redisContext *c, const char *key, enum stats_counter counter);

/* Read and drop n pipelined replies. 0, or WC_EREMOTE (err filled) when the connection failed:
 * the remaining replies are then lost with it. */
int stats_read_replies(redisContext *c, int n, struct wc_error *err);

/* Append the exposition line of one field of the hash (see above) to out. Pure. 0 or WC_ENOMEM. */
int stats_format_pair(struct wc_buf *out, const char *field, const char *value);

/* Append the lines of the fields of an HGETALL reply, kv[0..n_kv) = field, value, field, value...
 * in that order (an odd last string is ignored). Pure. 0 or WC_ENOMEM. */
int stats_format(struct wc_buf *out, const char *const *kv, size_t n_kv);

#endif
