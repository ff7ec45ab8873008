/* mem_probe.c - Redis's used memory and limit, read at most once a second, and the watermark level
 */
#include "mem_probe.h"
#include "clock.h"
#include "common/rconn.h"

int mem_probe_init(struct mem_probe *p, long long configured_limit)
{
    *p = (struct mem_probe){.configured_limit = configured_limit};
    return pthread_mutex_init(&p->lock, NULL) == 0 ? 0 : WC_ENOMEM;
}

void mem_probe_destroy(struct mem_probe *p)
{
    pthread_mutex_destroy(&p->lock);
}

static void copy_out(const struct mem_probe *p, struct mem_reading *out)
{
    if (out)
        *out = (struct mem_reading){p->used, p->limit, p->known, p->wm.level};
}

enum mem_level mem_probe_level(struct mem_probe *p, redisContext *c, int force,
                               struct mem_reading *out)
{
    long long now = clock_monotonic_ms();
    pthread_mutex_lock(&p->lock);
    int ask = c != NULL && (force || p->read_at == 0 || now - p->read_at >= MEM_PROBE_EVERY_MS);
    if (ask)
        p->read_at = now; /* the others keep the last reading while this one asks */
    enum mem_level level = p->wm.level;
    copy_out(p, out);
    pthread_mutex_unlock(&p->lock);
    if (!ask)
        return level;

    long long used = 0, maxmemory = 0;
    const char *argv[] = {"INFO", "memory"};
    struct wc_error err = {0};
    redisReply *r = rconn_run(c, 2, argv, NULL, &err);
    int ok = r != NULL && r->type == REDIS_REPLY_STRING &&
             mem_watermark_parse_info(r->str, r->len, &used, &maxmemory) == 0;
    freeReplyObject(r);

    pthread_mutex_lock(&p->lock);
    if (ok) {
        p->used = used;
        p->limit = mem_watermark_limit(maxmemory, p->configured_limit);
        p->known = 1;
        mem_watermark_update(&p->wm, p->used, p->limit);
    }
    level = p->wm.level;
    copy_out(p, out);
    pthread_mutex_unlock(&p->lock);
    return level;
}
