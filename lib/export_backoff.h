/* export_backoff.h - one backoff per exporting job, so a job whose sink or Redis refuses it
 * waits alone while the others go on */
#ifndef WC_EXPORT_BACKOFF_H
#define WC_EXPORT_BACKOFF_H

#include <stdbool.h>
#include <stddef.h>

#define EXPORT_BACKOFF_MIN_MS 500
#define EXPORT_BACKOFF_MAX_MS 30000

struct export_backoff_entry {
    char id[40];        /* a job id (32 hex digits) */
    long long next_ms;  /* not tried before this (the caller's clock) */
    long long delay_ms; /* the wait after its next failure: doubling, 0.5 s to 30 s */
};

/* The jobs that failed and wait. Zero-initialised is empty; free with export_backoff_free(). */
struct export_backoff {
    struct export_backoff_entry *entries;
    size_t n, cap;
};

/* Prototypes */

/* True when job id may be tried at now_ms: it never failed, or its wait is over. */
bool export_backoff_due(const struct export_backoff *b, const char *id, long long now_ms);

/* Job id failed at now_ms: it waits, twice as long as the last time (EXPORT_BACKOFF_MIN_MS the
 * first time, at most EXPORT_BACKOFF_MAX_MS). Returns the wait in ms, or WC_ENOMEM (the job is
 * then tried again at once). */
long long export_backoff_failed(struct export_backoff *b, const char *id, long long now_ms);

/* Job id made progress, or is not followed any more: it no longer waits. */
void export_backoff_clear(struct export_backoff *b, const char *id);

void export_backoff_free(struct export_backoff *b);

#endif
