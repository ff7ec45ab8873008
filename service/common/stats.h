/* stats.h - fleet statistics: the counters of the stats hash and their Prometheus exposition */
#ifndef WC_STATS_H
#define WC_STATS_H

#include <stddef.h>

#include <hiredis.h>

#include "buf.h"
#include "common/queue.h"
#include "mwparse.h"
#include "wc_error.h"

/* The one owner of the field names of the fleet stats hash (keys_queue(..., "stats")) and of
 * the metric names of /metrics. The front ends, the workers and the supervisor add to the hash
 * with the stats_append_*() commands below; /metrics turns its HGETALL into Prometheus text with
 * stats_format():
 *
 *   NAME                          counter    -> wikicrawl_NAME_total VALUE
 *   fetch_seconds_bucket|le="X"   histogram  -> wikicrawl_fetch_seconds_bucket{le="X"} VALUE
 *   fetch_seconds_sum, _count                -> wikicrawl_fetch_seconds_sum, _count
 *   wiki_requests|WIKI            counter    -> wikicrawl_wiki_requests_total{wiki="WIKI"} VALUE
 *   wiki_pages|WIKI|OUTCOME       counter    -> wikicrawl_wiki_pages_total{wiki="WIKI",
 *                                                                          outcome="OUTCOME"}
 *
 * Counters: jobs_submitted, jobs_done, chunks_done, pages_ok, pages_disambiguation,
 * pages_missing, pages_invalid, pages_failed, pages_retryable, requests, requests_parse,
 * requests_query, cache_hits, worker_restarts, api_restarts, connections_refused,
 * header_timeouts. The bucket counts are cumulative
 * (Prometheus's "le"), and a chunk's counters are added in one MULTI/EXEC: a scrape never sees a
 * bucket above a wider one, or le="+Inf" apart from _count.
 *
 * The exposition is Prometheus text format 0.0.4 as `promtool check metrics` accepts it: the
 * families in a fixed order (the gauges, the counters in the order above, the two families by
 * wiki (a series per wiki and outcome counted so far, none before), the histogram),
 * each with its # HELP and # TYPE, every known family and bucket present (0 until first counted).
 * Fields of the hash this table does not know (another version of wikicrawl sharing the Redis)
 * are skipped, as are values that are not numbers: they cannot break the exposition. */

/* Fetch latency buckets, in seconds: 0.05 0.1 0.25 0.5 1 2.5 5 10 (and +Inf). */
#define STATS_N_BUCKETS 8

/* One chunk's share of the fleet's counters, added to the hash when the chunk closes. Plain data:
 * zero it to start. */
struct stats_chunk {
    long long outcomes[WC_OUTCOME_COUNT];   /* titles by outcome */
    long long requests_parse;               /* action=parse requests, retries included */
    long long requests_query;               /* action=query requests, retries included */
    long long cache_hits;                   /* titles answered from the cache, revision checked */
    long long buckets[STATS_N_BUCKETS + 1]; /* fetches per latency bucket (not cumulative) */
    double fetch_seconds_sum;
};

/* Counters counted one event at a time (or a front end's events of the last second at once). */
enum stats_counter {
    STATS_JOBS_SUBMITTED = 0,  /* a front end accepted a job (upload or retry) */
    STATS_JOBS_DONE,           /* a job's last chunk finished */
    STATS_WORKER_RESTARTS,     /* the supervisor restarted a worker */
    STATS_API_RESTARTS,        /* the supervisor restarted the front end */
    STATS_CONNECTIONS_REFUSED, /* a front end closed a connection: its address had too many */
    STATS_HEADER_TIMEOUTS,     /* a front end closed a connection: its headers were late */
    STATS_COUNTERS
};

/* The values of /metrics that are not in the hash: read from Redis at scrape time. */
struct stats_gauges {
    long long queue_chunks;                            /* chunks queued, every priority */
    long long queue_priority_chunks[QUEUE_PRIORITIES]; /* by priority (queue_priority_name()) */
    long long workers_alive;      /* workers with a heartbeat younger than WORKER_DEAD_AFTER_MS */
    long long redis_memory_bytes; /* Redis's used_memory */
    long long redis_memory_limit_bytes; /* the limit respected (common/mem_probe.h); 0: none */
};

/* Prototypes */

/* Count one fetch that took fetch_ms (no allocation, no Redis: the crawl's hot path). */
void stats_count_fetch(struct stats_chunk *s, long fetch_ms);

/* Append (pipeline, without reading the replies) a MULTI, the HINCRBY/HINCRBYFLOAT commands that
 * add s to the hash at key (its requests and pages also by wiki, the name of the chunk's wiki:
 * lib/wikis.h), plus chunks_done when chunk_finished, and an EXEC. Counters at zero
 * are not sent; nothing at all when every one is. Returns how many commands were appended (all or
 * none: 0 when out of memory): the caller reads that many replies (stats_read_replies()). */
int stats_append_chunk(redisContext *c, const char *key, const struct stats_chunk *s,
                       int chunk_finished, const char *wiki);

/* Append HINCRBY key COUNTER 1. Returns how many commands were appended (1, or 0 when out of
 * memory or for an unknown counter). */
int stats_append_count(redisContext *c, const char *key, enum stats_counter counter);

/* The same with HINCRBY key COUNTER n. */
int stats_append_add(redisContext *c, const char *key, enum stats_counter counter, long long n);

/* Read and drop n pipelined replies. 0, or WC_EREMOTE (err filled) when the connection failed:
 * the remaining replies are then lost with it. */
int stats_read_replies(redisContext *c, int n, struct wc_error *err);

/* Append the whole /metrics exposition (see above) to out: the gauges, then the hash's families
 * from an HGETALL reply, kv[0..n_kv) = field, value, field, value... in any order (an odd last
 * string is ignored). Pure. 0 or WC_ENOMEM. */
int stats_format(struct wc_buf *out, const struct stats_gauges *gauges, const char *const *kv,
                 size_t n_kv);

#endif
