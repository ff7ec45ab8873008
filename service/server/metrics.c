/* metrics.c - GET /readyz (Redis and a live worker) and GET /metrics (Prometheus exposition) */
#include "server.h"
#include "common/jobs.h"
#include "common/queue.h"
#include "common/rconn.h"
#include "common/scripts.h"
#include "common/stats.h"
#include "keys.h"

#include <stdio.h>
#include <stdlib.h>

/* Workers whose heartbeat is younger than WORKER_DEAD_AFTER_MS on Redis's clock, the one the
 * heartbeats are stamped with: this host's clock plays no part. The count, or WC_EREMOTE (err
 * filled). */
static long long count_live_workers(redisContext *redis, struct wc_error *err)
{
    char workers[KEYS_MAX], dead_after[32];
    keys_queue(workers, sizeof workers, "workers");
    snprintf(dead_after, sizeof dead_after, "%d", WORKER_DEAD_AFTER_MS);
    const char *keys[] = {workers};
    const char *args[] = {dead_after};
    long long n = 0;
    int rc = rconn_eval_integer(redis, JOBS_SCRIPT_LIVE_WORKERS, 1, keys, 1, args, NULL, &n, err);
    return rc ? rc : n;
}

enum MHD_Result readyz(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc)
{
    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    long long workers = redis ? count_live_workers(redis, &err) : -1;
    if (workers < 0)
        return respond_redis_down(c, cc, &err);
    /* A full Redis stops the workers' heartbeats too: say so, not that there are no workers. */
    if (store_admission_shut(srv, redis))
        return respond_store_full(c, MHD_HTTP_SERVICE_UNAVAILABLE);
    if (workers == 0)
        return respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no_workers",
                             "Redis is reachable but no worker has reported in the last %d s",
                             WORKER_DEAD_AFTER_MS / 1000);
    struct wc_buf body = WC_BUF_INIT;
    wc_buf_printf(&body, "{\"status\":\"ready\",\"redis\":\"ok\",\"workers\":%lld}", workers);
    enum MHD_Result ret = respond_json(c, MHD_HTTP_OK, &body, NULL);
    wc_buf_free(&body);
    return ret;
}

enum MHD_Result metrics(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc)
{
    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    if (redis == NULL)
        return respond_redis_down(c, cc, &err);
    char stats[KEYS_MAX];
    keys_queue(stats, sizeof stats, "stats");
    enum MHD_Result ret;
    struct stats_gauges gauges = {0};
    struct wc_buf out = WC_BUF_INIT;
    const char **kv = NULL;
    const char *hgetall[] = {"HGETALL", stats};
    redisReply *h = rconn_run(redis, 2, hgetall, NULL, &err);
    int depth_rc = h ? queue_depth(redis, gauges.queue_priority_chunks, &err) : WC_EREMOTE;
    if (depth_rc == 0)
        gauges.workers_alive = count_live_workers(redis, &err);
    if (h == NULL || depth_rc != 0 || gauges.workers_alive < 0 || h->type != REDIS_REPLY_ARRAY) {
        if (err.code == 0)
            wc_error_set(&err, WC_EREMOTE, "metrics: unexpected reply from Redis");
        ret = respond_redis_down(c, cc, &err);
        goto cleanup;
    }
    for (int i = 0; i < QUEUE_PRIORITIES; i++)
        gauges.queue_chunks += gauges.queue_priority_chunks[i];
    struct mem_reading mem;
    mem_probe_level(&srv->mem, redis, 0, &mem);
    gauges.redis_memory_bytes = mem.used;
    gauges.redis_memory_limit_bytes = mem.limit;

    /* A field or value that is not a string cannot be a counter: as "", stats_format() skips it. */
    kv = calloc(h->elements ? h->elements : 1, sizeof *kv);
    for (size_t i = 0; kv && i < h->elements; i++)
        kv[i] = h->element[i]->type == REDIS_REPLY_STRING ? h->element[i]->str : "";
    if (kv == NULL || stats_format(&out, &gauges, kv, h->elements) != 0)
        ret = respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "internal",
                            "out of memory building the metrics");
    else
        ret = respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4", out.data, out.len, NULL);
cleanup:
    free(kv);
    freeReplyObject(h);
    wc_buf_free(&out);
    return ret;
}
