/* outcome.c - the batch of outcomes a chunk has not written yet, flushed in one record-script call
 */
#include "worker_internal.h"
#include "common/log.h"
#include "common/rconn.h"
#include "clock.h"

#include <stdio.h>
#include <stdlib.h>

/* Keep fp for the outcome about to be added. */
static int keep_fingerprint(struct chunk_run *run, const char *fp)
{
    size_t i = record_batch_count(&run->pending);
    if (i >= run->pending_fp_cap) {
        size_t cap = run->pending_fp_cap ? run->pending_fp_cap * 2 : 32;
        page_fingerprint *grown = realloc(run->pending_fp, cap * sizeof *grown);
        if (grown == NULL)
            return WC_ENOMEM;
        run->pending_fp = grown;
        run->pending_fp_cap = cap;
    }
    snprintf(run->pending_fp[i], sizeof run->pending_fp[i], "%s", fp ? fp : "");
    return 0;
}

int outcome_add(struct chunk_run *run, const char *title, size_t title_len, const char *outcome,
                size_t outcome_len, const char *payload, size_t payload_len, const char *fp)
{
    if (keep_fingerprint(run, fp) != 0)
        return WC_ENOMEM;
    return record_batch_add(&run->pending, run->w->gz, title, title_len, outcome, outcome_len,
                            payload, payload_len);
}

int outcome_add_member(struct chunk_run *run, const char *title, size_t title_len,
                       const char *outcome, size_t outcome_len, const char *member,
                       size_t member_len, const char *fp)
{
    if (keep_fingerprint(run, fp) != 0)
        return WC_ENOMEM;
    return record_batch_add_member(&run->pending, title, title_len, outcome, outcome_len, member,
                                   member_len);
}

int outcome_flush(struct chunk_run *run)
{
    run->last_flush = clock_monotonic_ms();
    struct record_batch *b = &run->pending;
    if (b->n_args == 0)
        return 0;
    int rc = 0;
    struct wc_error err = {0};
    long long answer = 0;
    long long *ordinals = NULL;
    if (run->write_cache) {
        ordinals = calloc(record_batch_count(b), sizeof *ordinals);
        if (ordinals == NULL) {
            rc = WC_ENOMEM;
            run->failed = 1;
            goto out;
        }
    }
    rc = record_batch_write(run->w->redis, &run->keys, b, &answer, ordinals, &err);
    if (rc != 0) {
        log_event(LOG_ERROR, "record_failed", "job=%s msg=\"%s\"", run->job_id, err.message);
        run->failed = 1;
        goto out;
    }
    if (answer == RECORD_JOB_GONE || answer == RECORD_JOB_OVER) {
        run->cancelled = 1;
        rc = WC_ESTOP;
        goto out;
    }
    /* The cache points at the lines just recorded, so it is written after them. */
    if (run->write_cache && answer > 0) {
        const char **args;
        const size_t *lens;
        record_batch_argv(b, &args, &lens);
        rc = cache_store(run, args, lens, b->n_args, ordinals);
        if (rc != 0)
            run->failed = 1;
    }
out:
    free(ordinals);
    record_batch_reset(b);
    return rc;
}
