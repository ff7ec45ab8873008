/* metrics.c - GET /readyz (Redis and a live worker) and GET /metrics (Prometheus exposition) */
#include "server.h"
#include "clock.h"
#include "common/jobs.h"
#include "common/queue.h"
#include "common/rconn.h"
#include "keys.h"

#include <stdio.h>
#include <string.h>

static long long count_live_workers(redisContext *redis, struct wc_error *err)
{
    char workers[KEYS_MAX], min[32];
    keys_queue(workers, sizeof workers, "workers");
    snprintf(min, sizeof min, "%lld", clock_wall_ms() - WORKER_DEAD_AFTER_MS);
    const char *argv[] = {"ZCOUNT", workers, min, "+inf"};
    redisReply *r = rconn_run(redis, 4, argv, NULL, err);
    if (r == NULL)
        return -1;
    long long n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return n;
}

enum MHD_Result readyz(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc)
{
    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    long long workers = redis ? count_live_workers(redis, &err) : -1;
    if (workers < 0)
        return respond_redis_down(c, cc, &err);
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
    const char *hgetall[] = {"HGETALL", stats};
    redisReply *h = rconn_run(redis, 2, hgetall, NULL, &err);
    if (h == NULL)
        return respond_redis_down(c, cc, &err);
    long long depth[QUEUE_PRIORITIES] = {0}, queued = 0;
    queue_depth(redis, depth, &err);
    for (int i = 0; i < QUEUE_PRIORITIES; i++)
        queued += depth[i];
    long long workers = count_live_workers(redis, &err);
    struct wc_buf out = WC_BUF_INIT;
    wc_buf_printf(&out,
                  "# HELP wikicrawl_queue_chunks Chunks waiting for a worker.\n"
                  "# TYPE wikicrawl_queue_chunks gauge\nwikicrawl_queue_chunks %lld\n",
                  queued);
    wc_buf_puts(&out, "# HELP wikicrawl_queue_priority_chunks Chunks waiting for a worker, by job "
                      "priority.\n# TYPE wikicrawl_queue_priority_chunks gauge\n");
    for (int i = 0; i < QUEUE_PRIORITIES; i++)
        wc_buf_printf(&out, "wikicrawl_queue_priority_chunks{priority=\"%s\"} %lld\n",
                      queue_priority_name(i), depth[i]);
    wc_buf_printf(&out,
                  "# HELP wikicrawl_workers_alive Workers with a recent heartbeat.\n"
                  "# TYPE wikicrawl_workers_alive gauge\nwikicrawl_workers_alive %lld\n",
                  workers < 0 ? 0 : workers);
    /* Fleet counters: "name" -> wikicrawl_name_total; histogram fields carry their labels
     * after a '|' ("fetch_seconds_bucket|le=\"0.1\""). */
    for (size_t i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2) {
        const char *name = h->element[i]->str;
        const char *bar = strchr(name, '|');
        if (bar)
            wc_buf_printf(&out, "wikicrawl_%.*s{%s} %s\n", (int)(bar - name), name, bar + 1,
                          h->element[i + 1]->str);
        else if (strncmp(name, "fetch_seconds", 13) == 0)
            wc_buf_printf(&out, "wikicrawl_%s %s\n", name, h->element[i + 1]->str);
        else
            wc_buf_printf(&out, "wikicrawl_%s_total %s\n", name, h->element[i + 1]->str);
    }
    freeReplyObject(h);
    enum MHD_Result ret =
        respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4", out.data, out.len, NULL);
    wc_buf_free(&out);
    return ret;
}
