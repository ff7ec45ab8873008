/* worker_internal.h - the worker's state shared by its files (internal: only service/worker/) */
#ifndef WC_WORKER_INTERNAL_H
#define WC_WORKER_INTERNAL_H

/* Not an API: worker.h is the worker's public interface. This header lets the loop (worker.c),
 * the chunk lifecycle (chunk_run.c), the outcome batch (outcome.c) and the cross-job cache
 * (cache.c) share struct worker and struct chunk_run. Everything here runs on the worker's one
 * thread; nothing is locked. */

#include <hiredis.h>
#include <signal.h>
#include <stddef.h>

#include "buf.h"
#include "chunk.h"
#include "common/config.h"
#include "common/jobs.h"
#include "common/record_batch.h"
#include "common/stats.h"
#include "keys.h"

/* Chunks one worker has open at once: enough to keep every transfer slot busy while the last
 * titles of a chunk are still in flight. */
#define MAX_ACTIVE_CHUNKS 8

struct crawler;
struct limiter;
struct chunk_run;

enum chunk_end {
    CHUNK_FINISHED,  /* every title has its outcome (or the chunk was cancelled) */
    CHUNK_HAND_BACK, /* stopped midway: back to the head of the queue */
};

/* The worker process: one per process, on worker_run()'s stack. */
struct worker {
    const struct wc_config *cfg;
    volatile sig_atomic_t *stop;
    char id[300];
    char processing[KEYS_MAX];
    char workers[KEYS_MAX];
    char stats[KEYS_MAX];
    redisContext *redis;
    struct crawler *crawler;
    struct limiter *limiter;
    struct gzip_writer *gz; /* compresses every record and error line this worker writes */
    long long last_heartbeat, last_reap;
    long long stop_deadline; /* clock_monotonic_ms(); 0 until a stop is asked */
    /* Redis answered an error (LOADING, BUSY, READONLY, OOM...): nothing is claimed before this
     * (clock_monotonic_ms()), so a refusing Redis is not asked in a tight loop. */
    long long refused_until;
    int reconciled; /* this connection has taken back what a previous one held (worker.c) */
    struct chunk_run *active[MAX_ACTIVE_CHUNKS]; /* chunks open in the current crawl run */
    int n_active;
    size_t next_index; /* the crawl run's index of the next title handed to it */
    int stop_run;      /* a callback asked the current crawl run to stop */
    long handled;      /* chunks settled since the start (for --recycle-after) */
};

/* One open chunk. Owned by the worker from chunk_run_claim() to chunk_run_close(). */
struct chunk_run {
    struct worker *w;
    char ref[KEYS_MAX]; /* "JOBID/SEQ" as claimed */
    size_t ref_len;
    struct job_keys keys;
    char job_id[KEYS_JOB_ID_LEN + 1];
    char seqs[32];
    struct chunk *chunk;
    const char **todo; /* titles without an outcome yet, pointing into chunk */
    size_t n_todo;
    size_t first_index;                      /* crawl run index of todo[0] */
    size_t n_left;                           /* todo titles without a result yet */
    struct record_batch pending;             /* outcomes not yet written (outcome.c) */
    long long last_flush, last_cancel_check; /* clock_monotonic_ms() */
    int cancelled;
    int failed;      /* Redis failed: stop and let the chunk be claimed again */
    int write_cache; /* flush also stores the outcomes in the cross-job cache */
    long long cache_hits;
    struct stats_chunk stats; /* added to the fleet's statistics when the chunk closes */
};

/* How long a worker leaves Redis alone after an error reply. */
#define WORKER_REFUSED_BACKOFF_MS 250

/* Prototypes */

/* worker.c: refresh the heartbeat (at most every WORKER_HEARTBEAT_MS unless force) and now and
 * then reap silent workers. Returns 0, or WC_EREMOTE when the heartbeat was not written. */
int worker_heartbeat(struct worker *w, int force);

/* chunk_run.c: claim (blocking for at most a second when block) and open chunks until one has
 * titles to fetch. Returns it, already among w->active with its first index, or NULL. */
struct chunk_run *chunk_run_claim(struct worker *w, int block);

/* chunk_run.c: Redis refused a command about a chunk we hold (an error reply on a live
 * connection): leave Redis alone for WORKER_REFUSED_BACKOFF_MS, and reconcile (hand our
 * processing list back) before the next claim, so no reference is stranded there. */
void chunk_run_refused(struct worker *w);

/* chunk_run.c: the open chunk whose todo list holds the crawl run's title index, or NULL. */
struct chunk_run *chunk_run_of(struct worker *w, size_t index);

/* chunk_run.c: flush, then finish (or hand back) the chunk, acknowledge its reference, write its
 * statistics and free it. run is gone afterwards. */
void chunk_run_close(struct worker *w, struct chunk_run *run, enum chunk_end how);

/* outcome.c: buffer one title's outcome (run->pending). 0 or WC_ENOMEM. */
int outcome_add(struct chunk_run *run, const char *title, size_t title_len, const char *outcome,
                size_t outcome_len, const char *payload, size_t payload_len);

/* outcome.c: write the buffered outcomes in one script call (and into the cache when
 * run->write_cache). Returns 0; WC_ESTOP when the job is gone, cancelled or done (run->cancelled:
 * the chunk is then abandoned); WC_EREMOTE when Redis failed (run->failed, logged); WC_ENOMEM.
 * The buffer is empty afterwards. */
int outcome_flush(struct chunk_run *run);

/* cache.c: true when the chunk's job asked for the cross-job cache. */
int cache_job_uses(struct worker *w, struct chunk_run *run);

/* cache.c: answer what the cache knows among todo[0..n_todo) (buffered as outcomes, counted in
 * run->stats and run->cache_hits). Returns how many titles are left: they are moved to the front
 * of todo. Sets run->failed when Redis failed. */
size_t cache_answer(struct chunk_run *run, const char **todo, size_t n_todo);

/* cache.c: point the cache at the final outcomes among the n_args arguments args/lens (triples,
 * as record_batch_argv() lays them out) that the record script just wrote at ordinals (its
 * answer, one per title: see record_batch_write()). 0, WC_ENOMEM or WC_EREMOTE. */
int cache_store(struct chunk_run *run, const char **args, const size_t *lens, size_t n_args,
                const long long *ordinals);

#endif
