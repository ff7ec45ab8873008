/* export_buffer.c - Redis as a bounded buffer: a keep=export job's crawl paused while its export
 * lags */
#include "export_buffer.h"
#include "chunk.h"
#include "common/log.h"
#include "common/queue.h"
#include "common/rconn.h"
#include "common/scripts.h"

#include <stdio.h>

/* References queued again per queue_push() call. */
#define RELEASE_BATCH 1000

long long export_buffer_release(redisContext *c, const struct job_status *st, struct wc_error *err)
{
    char parked[KEYS_MAX], stop[16];
    keys_export_parked(parked, sizeof parked, st->id);
    snprintf(stop, sizeof stop, "%d", RELEASE_BATCH - 1);
    long long released = 0;
    for (;;) {
        const char *range[] = {"LRANGE", parked, "0", stop};
        redisReply *r = rconn_run(c, 4, range, NULL, err);
        if (r == NULL)
            return WC_EREMOTE;
        if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
            freeReplyObject(r);
            return released;
        }
        const char *refs[RELEASE_BATCH];
        size_t n = 0;
        for (size_t i = 0; i < r->elements && n < RELEASE_BATCH; i++)
            if (r->element[i]->type == REDIS_REPLY_STRING)
                refs[n++] = r->element[i]->str;
        /* queued first, then taken off the parked list: a crash between the two queues a chunk
         * twice, which its second claim settles as a no-op (every title is recorded once) */
        int rc = queue_push(c, st->id, st->priority[0] ? st->priority : NULL, st->owner,
                            chunk_titles_for(st->chunk_size), refs, n, err);
        char count[24];
        snprintf(count, sizeof count, "%zu", r->elements);
        freeReplyObject(r);
        if (rc != 0)
            return rc;
        const char *trim[] = {"LTRIM", parked, count, "-1"};
        r = rconn_run(c, 4, trim, NULL, err);
        freeReplyObject(r);
        if (r == NULL)
            return WC_EREMOTE;
        released += (long long)n;
    }
}

int export_buffer_regulate(redisContext *c, const struct job_status *st, long long buffered,
                           long long per_part, struct wc_error *err)
{
    if (buffered >= EXPORT_BUFFER_PARTS * per_part) {
        char jobq[KEYS_MAX], parked[KEYS_MAX];
        keys_job_queue(jobq, sizeof jobq, st->id);
        keys_export_parked(parked, sizeof parked, st->id);
        const char *keys[] = {jobq, parked};
        long long moved = 0;
        if (rconn_eval_integer(c, EXPORT_SCRIPT_PARK, 2, keys, 0, NULL, NULL, &moved, err) != 0)
            return WC_EREMOTE;
        if (moved > 0)
            log_event(LOG_INFO, "export_crawl_paused", "job=%s buffered=%lld chunks=%lld", st->id,
                      buffered, moved);
        return moved > 0;
    }
    if (buffered >= (EXPORT_BUFFER_PARTS - 1) * per_part)
        return 0;
    long long released = export_buffer_release(c, st, err);
    /* A full Redis refuses queue_push.lua (not allow-oom: it may add a rotation entry, and a
     * commit's pushes must be refused there). No worker claims at that point anyway, and the
     * export's trimming is what frees room: the release waits for a later step. */
    if (released < 0 && rconn_full(err))
        return 0;
    if (released < 0)
        return (int)released;
    if (released > 0)
        log_event(LOG_INFO, "export_crawl_resumed", "job=%s buffered=%lld chunks=%lld", st->id,
                  buffered, released);
    return released > 0;
}

int export_buffer_drop(redisContext *c, const char *job_id, struct wc_error *err)
{
    char parked[KEYS_MAX];
    keys_export_parked(parked, sizeof parked, job_id);
    const char *del[] = {"DEL", parked};
    redisReply *r = rconn_run(c, 2, del, NULL, err);
    freeReplyObject(r);
    return r ? 0 : WC_EREMOTE;
}
