/* outcome.c - the batch of outcomes a chunk has not written yet, flushed in one record-script call
 */
#include "worker_internal.h"
#include "common/log.h"
#include "common/rconn.h"
#include "common/scripts.h"
#include "clock.h"

#include <stdlib.h>

int outcome_push(struct chunk_run *run, const char *s, size_t len)
{
    if (run->n_args == run->cap_args) {
        size_t cap = run->cap_args ? run->cap_args * 2 : 48;
        size_t *ends = realloc(run->ends, cap * sizeof *ends);
        if (ends == NULL)
            return WC_ENOMEM;
        run->ends = ends;
        run->cap_args = cap;
    }
    if (wc_buf_append(&run->text, s, len) != 0)
        return WC_ENOMEM;
    run->ends[run->n_args++] = run->text.len;
    return 0;
}

int outcome_flush(struct chunk_run *run)
{
    run->last_flush = clock_monotonic_ms();
    if (run->n_args == 0)
        return 0;
    const char **args = malloc(run->n_args * sizeof *args);
    size_t *lens = malloc(run->n_args * sizeof *lens);
    int rc = WC_ENOMEM;
    if (args == NULL || lens == NULL)
        goto out;
    size_t start = 0;
    for (size_t i = 0; i < run->n_args; i++) {
        args[i] = run->text.data + start;
        lens[i] = run->ends[i] - start;
        start = run->ends[i];
    }
    const char *keys[] = {run->keys.ptr[KEYS_JOB], run->keys.ptr[KEYS_OUTCOME],
                          run->keys.ptr[KEYS_RESULTS], run->keys.ptr[KEYS_ERRORS]};
    struct wc_error err = {0};
    if (run->write_cache) {
        rc = cache_store(run, args, lens);
        if (rc != 0) {
            run->failed = 1;
            goto out;
        }
    }
    redisReply *r =
        rconn_eval(run->w->redis, JOBS_SCRIPT_RECORD, 4, keys, (int)run->n_args, args, lens, &err);
    if (r == NULL) {
        log_event(LOG_ERROR, "record_failed", "job=%s msg=\"%s\"", run->job_id, err.message);
        run->failed = 1;
        rc = WC_EREMOTE;
        goto out;
    }
    if (r->type == REDIS_REPLY_INTEGER && r->integer < 0) {
        run->cancelled = 1;
        rc = WC_ESTOP;
    } else {
        rc = 0;
    }
    freeReplyObject(r);
out:
    free(args);
    free(lens);
    run->n_args = 0;
    wc_buf_reset(&run->text);
    return rc;
}
