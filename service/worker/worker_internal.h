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
#include "common/mem_probe.h"
#include "common/record_batch.h"
#include "common/stats.h"
#include "common/sweep.h"
#include "keys.h"
#include "mwquery.h"

/* Chunks one worker has open at once: enough to keep every transfer slot busy while the last
 * titles of a chunk are still in flight. */
#define MAX_ACTIVE_CHUNKS 8 /* at most QUEUE_HELD_MAX (common/queue.h) */

struct crawler;
struct crawl_batch_report;
struct limiter;
struct chunk_run;

/* A page's fingerprint (mwquery_fingerprint()); "" when its title was not resolved. */
typedef char page_fingerprint[MWQUERY_FINGERPRINT_LEN + 1];
/* A page's touched time as the resolution query gave it ("" when not resolved). */
typedef char page_touched[32];

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
    /* One crawler (made at the start) and one fleet budget per wiki of
     * cfg->wikis, by index. A crawl run serves one wiki: w->wiki. */
    struct crawler *crawlers[WIKIS_MAX];
    struct limiter *limiters[WIKIS_MAX];
    struct limiter *total; /* --total-rate: tokens for all wikis together; NULL without */
    int wiki;
    int running; /* inside crawl_run(): a chunk claimed now joins the run if of w->wiki */
    long long last_verdict_ms; /* clock_monotonic_ms() of the run's last verdict, or its start */
    /* A chunk of another wiki, claimed while a run served w->wiki: the run takes no more chunks
     * and ends with the titles it has (or yields when they stall, worker.c on_tick), and the
     * next run starts with this one (docs/redis.md, Many wikis). NULL when none. Not among
     * active. */
    struct chunk_run *stash;
    struct gzip_writer *gz; /* compresses every record and error line this worker writes */
    long long last_heartbeat, last_reap;
    struct sweep sweep;      /* where this worker's walk of the job indexes is (common/sweep.h) */
    long long stop_deadline; /* clock_monotonic_ms(); 0 until a stop is asked */
    /* Redis answered an error (LOADING, BUSY, READONLY, OOM...): nothing is claimed before this
     * (clock_monotonic_ms()), so a refusing Redis is not asked in a tight loop. */
    long long refused_until;
    int reconciled;       /* this connection has taken back what a previous one held (worker.c) */
    struct mem_probe mem; /* Redis's memory: above the stop mark, no chunk is claimed */
    /* Redis refused to store outcomes (-OOM, it is full): they stay buffered in their chunks and
     * are written again from this time on (clock_monotonic_ms()); until they are, no request
     * starts and no chunk is claimed, so no page is fetched whose record cannot be stored.
     * 0: writes go through. */
    long long store_retry_at;
    long store_backoff_ms; /* the wait before the next attempt, doubling up to a cap */
    struct chunk_run *active[MAX_ACTIVE_CHUNKS]; /* chunks open in the current crawl run */
    int n_active;
    size_t next_index; /* the crawl run's index of the next title handed to it */
    /* Turns inside the worker (tag_of in worker.c): a title's tag is its job's virtual time;
     * vtime is the largest tag of a title that has its result, so a job that arrives starts
     * there and takes turns with the titles still waiting, rather than after them. */
    unsigned long long vtime;
    int stop_run;              /* a callback asked the current crawl run to stop */
    struct wc_buf with_fields; /* a record and its provenance fields (on_result) */
    long handled;              /* chunks settled since the start (for --recycle-after) */
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
    const char **todo;    /* titles without an outcome yet, pointing into chunk */
    page_fingerprint *fp; /* todo[i]'s page as its batch answer described it (on_batch) */
    size_t n_todo;
    size_t first_index;           /* crawl run index of todo[0] */
    unsigned long long first_tag; /* todo[i]'s turn is first_tag + i (worker.vtime) */
    int level;                    /* its job's priority level, 0 high .. QUEUE_PRIORITIES - 1 */
    int wiki;                     /* its job's wiki: an index of cfg->wikis */
    unsigned fields;              /* the provenance its job's records carry (lib/provenance.h) */
    page_touched *touched;        /* with PROVENANCE_TOUCHED: todo[i]'s touched (on_batch) */
    size_t n_left;                /* todo titles without a result yet */
    struct record_batch pending;  /* outcomes not yet written (outcome.c) */
    page_fingerprint *pending_fp; /* the fingerprint of each pending outcome */
    size_t pending_fp_cap;
    long long last_flush, last_cancel_check; /* clock_monotonic_ms() */
    int cancelled;
    int failed;               /* Redis failed: stop and let the chunk be claimed again */
    int use_cache;            /* the job may be answered from the cache (its "cache" option) */
    int write_cache;          /* flush also stores the outcomes in the cross-job cache */
    struct stats_chunk stats; /* added to the fleet's statistics when the chunk closes */
};

/* How long a worker leaves Redis alone after an error reply. */
#define WORKER_REFUSED_BACKOFF_MS 250

/* Prototypes */

/* The name of the wiki of a chunk (its Redis keys: lib/keys.h). */
#define RUN_WIKI(run) ((run)->w->cfg->wikis.wiki[(run)->wiki].name)

/* worker.c: refresh the heartbeat (at most every WORKER_HEARTBEAT_MS unless force) and now and
 * then reap silent workers. Returns 0, or WC_EREMOTE when the heartbeat was not written. */
int worker_heartbeat(struct worker *w, int force);

/* chunk_run.c: claim (blocking for at most a second when block) and open chunks until one has
 * titles to fetch. Returns it, already among w->active with its first index and tag, or NULL.
 * With new_job, only a chunk of a job none of the open chunks belongs to, at their best level or
 * higher (common/queue.h, struct queue_ask), and never blocking. Inside a run (w->running), one
 * of another wiki than w->wiki becomes w->stash (NULL is returned). */
struct chunk_run *chunk_run_claim(struct worker *w, int block, int new_job);

/* chunk_run.c: a new run starts with w->stash: it joins w->active as the run's first chunk
 * (index 0). Returns it; w->stash is NULL afterwards. */
struct chunk_run *chunk_run_unstash(struct worker *w);

/* chunk_run.c: Redis refused a command about a chunk we hold (an error reply on a live
 * connection): leave Redis alone for WORKER_REFUSED_BACKOFF_MS, and reconcile (hand our
 * processing list back) before the next claim, so no reference is stranded there. */
void chunk_run_refused(struct worker *w);

/* chunk_run.c: the open chunk whose todo list holds the crawl run's title index, or NULL. */
struct chunk_run *chunk_run_of(struct worker *w, size_t index);

/* chunk_run.c: flush, then finish (or hand back) the chunk, acknowledge its reference, write its
 * statistics and free it. run is gone afterwards. */
void chunk_run_close(struct worker *w, struct chunk_run *run, enum chunk_end how);

/* worker.c: one more title of run has its outcome buffered: close the chunk when it was the last,
 * or flush when enough is buffered. Returns w->stop_run. */
int worker_title_done(struct worker *w, struct chunk_run *run);

/* outcome.c: buffer one title's outcome (run->pending), with its page's fingerprint (fp, "" or
 * NULL when unknown) for the cache. 0 or WC_ENOMEM. */
int outcome_add(struct chunk_run *run, const char *title, size_t title_len, const char *outcome,
                size_t outcome_len, const char *payload, size_t payload_len, const char *fp);

/* outcome.c: the same for a line already compressed (a gzip member, from the cache). */
int outcome_add_member(struct chunk_run *run, const char *title, size_t title_len,
                       const char *outcome, size_t outcome_len, const char *member,
                       size_t member_len, const char *fp);

/* outcome.c: write the buffered outcomes in one script call (and into the cache when
 * run->write_cache). Returns 0; WC_ESTOP when the job is gone, cancelled or done (run->cancelled:
 * the chunk is then abandoned); WC_EREMOTE when Redis failed (run->failed, logged); WC_ENOMEM.
 * The buffer is empty afterwards, but for WC_EFULL: Redis is full (it refused the write with
 * -OOM, or refused one lately and the retry is not due, w->store_retry_at). The outcomes are
 * then kept for a later call, and the chunk goes on. */
int outcome_flush(struct chunk_run *run);

/* outcome.c: true while Redis refuses to store outcomes (w->store_retry_at). */
int outcome_store_refused(const struct worker *w);

/* cache.c: answer the batch's pages whose cache entry was made from a page with the same
 * fingerprint (run->fp, set by on_batch), for chunks with use_cache: each hit is buffered as its
 * title's outcome, counted, marked settled in the report, and its chunk closed when it was the
 * last title. Sets w->stop_run when Redis failed. */
void cache_answer_batch(struct worker *w, struct crawl_batch_report *batch);

/* cache.c: point the cache at the final outcomes among the n_args arguments args/lens (triples,
 * as record_batch_argv() lays them out, fingerprints in run->pending_fp) that the record script
 * just wrote at ordinals (its answer, one per title: see record_batch_write()). Titles without a
 * fingerprint are not cached: nothing could tell later whether their page changed. 0, WC_ENOMEM
 * or WC_EREMOTE. */
int cache_store(struct chunk_run *run, const char **args, const size_t *lens, size_t n_args,
                const long long *ordinals);

#endif
