/* outcome.c - the batch of outcomes a chunk has not written yet, flushed in one record-script call
 */
#include "worker_internal.h"
#include "common/log.h"
#include "common/rconn.h"
#include "clock.h"

#include <stdlib.h>

int outcome_add(struct chunk_run *run, const char *title, size_t title_len, const char *outcome,
                size_t outcome_len, const char *payload, size_t payload_len)
{
    return record_batch_add(&run->pending, title, title_len, outcome, outcome_len, payload,
                            payload_len);
}

int outcome_flush(struct chunk_run *run)
{
    run->last_flush = clock_monotonic_ms();
    struct record_batch *b = &run->pending;
    if (b->n_args == 0)
        return 0;
    int rc = 0;
    if (run->write_cache) {
        const char **args;
        size_t *lens;
        rc = record_batch_argv(b, &args, &lens);
        if (rc == 0) {
            rc = cache_store(run, args, lens, b->n_args);
            free(args);
            free(lens);
        }
        if (rc != 0) {
            run->failed = 1;
            goto out;
        }
    }
    struct wc_error err = {0};
    long long answer = 0;
    rc = record_batch_write(run->w->redis, &run->keys, b, &answer, &err);
    if (rc != 0) {
        log_event(LOG_ERROR, "record_failed", "job=%s msg=\"%s\"", run->job_id, err.message);
        run->failed = 1;
    } else if (answer == RECORD_JOB_GONE || answer == RECORD_JOB_OVER) {
        run->cancelled = 1;
        rc = WC_ESTOP;
    }
out:
    record_batch_reset(b);
    return rc;
}
