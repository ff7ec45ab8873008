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

/* The first wait after a refused write, and the longest: Redis frees memory when a job is purged
 * or expires, which a worker cannot see coming; a write a second late costs nothing. */
#define STORE_RETRY_FIRST_MS 100
#define STORE_RETRY_MAX_MS 2000

int outcome_store_refused(const struct worker *w)
{
    return w->store_retry_at != 0;
}

/* Redis refused the write with -OOM: keep the outcomes, and try again after a backoff. */
static int store_refused(struct chunk_run *run, const struct wc_error *err)
{
    struct worker *w = run->w;
    if (w->store_retry_at == 0) {
        log_event(LOG_WARN, "store_full", "job=%s msg=\"%s; outcomes kept, fetching paused\"",
                  run->job_id, err->message);
        w->store_backoff_ms = STORE_RETRY_FIRST_MS;
    } else {
        w->store_backoff_ms = w->store_backoff_ms * 2 > STORE_RETRY_MAX_MS
                                  ? STORE_RETRY_MAX_MS
                                  : w->store_backoff_ms * 2;
    }
    w->store_retry_at = clock_monotonic_ms() + w->store_backoff_ms;
    return WC_EFULL;
}

int outcome_flush(struct chunk_run *run)
{
    run->last_flush = clock_monotonic_ms();
    struct record_batch *b = &run->pending;
    if (b->n_args == 0)
        return 0;
    struct worker *w = run->w;
    if (w->store_retry_at != 0 && run->last_flush < w->store_retry_at)
        return WC_EFULL; /* not due yet: keep them */
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
    /* An -OOM reply means the script wrote nothing (Redis refuses a script at its first write,
     * before any), so the same batch can be written again as it is. */
    if (rc != 0 && rconn_full(&err) && w->redis->err == 0) {
        free(ordinals);
        return store_refused(run, &err);
    }
    if (rc == 0 && w->store_retry_at != 0) {
        log_event(LOG_INFO, "store_writable", "job=%s msg=\"outcomes written, fetching resumes\"",
                  run->job_id);
        w->store_retry_at = 0;
    }
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
