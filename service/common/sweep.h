/* sweep.h - entries that name a job in other keys, dropped once the job is gone */
#ifndef WC_SWEEP_H
#define WC_SWEEP_H

#include <hiredis.h>

#include "wc_error.h"

/* Three keys of the {queue} slot name jobs: each owner's index (jobs:OWNER, GET /v1/jobs), each
 * owner's set (owner:OWNER, the per-key job limit) and jobmeta (jobs that may be queued). They
 * live in another slot than the jobs, so no script can drop an entry when its job hash expires
 * or is purged. The sweep walks them with cursors (ZSCAN, SSCAN, HSCAN), a bounded number of
 * entries per step, and drops the entries whose job hash is gone: each entry is looked at once
 * per pass, whether or not anyone lists those jobs. The owners walked are the members of the
 * registry `owners` (one per API key with jobs, "" without API keys); an owner whose index and set
 * are both gone at the end of its walk leaves it.
 *
 * In jobmeta it also settles what a lost reply left: a job that is over but still there (its
 * queue_forget() or queue_drop() failed) leaves the queue, and the Idempotency-Key of a job still
 * queued or running is kept alive (jobs_idempotency_keep()), so that it cannot lapse before the
 * job's results do. Workers run a step with every reap (every 5 s). */

#define SWEEP_CURSOR_MAX 24
#define SWEEP_OWNER_MAX 65 /* an owner tag and its NUL (struct job_status's owner) */

/* Where each walk is. Owned by the caller; sweep_init() before the first step. */
struct sweep {
    char jobmeta_cursor[SWEEP_CURSOR_MAX];
    char owner[SWEEP_OWNER_MAX]; /* the owner whose index, then set, is walked */
    int has_owner;
    int walking; /* 0: choose the next owner; 1: its index; 2: its set */
    char cursor[SWEEP_CURSOR_MAX];
    size_t failed; /* entries the last step could not settle (err says why): left for next pass */
};

/* Prototypes */

/* A sweep that starts every walk from the beginning. */
void sweep_init(struct sweep *s);

/* One step: up to SWEEP_STEP_ENTRIES entries of jobmeta and as many of the owners' keys looked
 * at. result_ttl (seconds) is what the Idempotency-Key of a job still running is kept at. An entry
 * Redis refuses to settle is counted in s->failed (err holds the last message) and the step goes
 * on. Returns the number of entries dropped, or WC_EREMOTE (err filled; a walk could not be read
 * or the connection broke; the walks resume where they were). */
long long sweep_step(struct sweep *s, redisContext *c, long result_ttl, struct wc_error *err);

#endif
