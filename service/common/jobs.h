/* jobs.h - a job's life in Redis: status, the scripts that move it, the queue of chunks */
#ifndef WC_JOBS_H
#define WC_JOBS_H

#include <hiredis.h>

#include "buf.h"
#include "export_layout.h"
#include "job_options.h"
#include "wikis.h"
#include "keys.h"
#include "wc_error.h"

/* Status values stored in the job hash. receiving and committing are internal (the upload is
 * still streaming, or its chunks are being queued) and shown to clients as "queued". */
#define JOB_RECEIVING "receiving"
#define JOB_COMMITTING "committing"
#define JOB_QUEUED "queued"
#define JOB_RUNNING "running"
#define JOB_DONE "done"
#define JOB_CANCELLED "cancelled"

/* An export's state (the job hash's export_state, shown as the status's export.state): the
 * exporter writes parts (exporting), retries a sink that fails (stalled), and ends done (every
 * part, the manifest and _SUCCESS written) or failed (export_error says why). */
#define JOB_EXPORT_EXPORTING "exporting"
#define JOB_EXPORT_STALLED "stalled"
#define JOB_EXPORT_DONE "done"
#define JOB_EXPORT_FAILED "failed"

/* A job's priority, JOB_PRIORITY_HIGH / _NORMAL / _LOW, is defined with its parser in
 * lib/job_options.h (included above); a claim takes the highest level with queued work
 * (common/queue.h, docs/redis.md "Fair turns"). */

/* The outcome hash's field for an invalid entry at a position of the upload: '#' cannot start a
 * valid title, so it never guards a title that is crawled. */
#define JOBS_INVALID_GUARD_FORMAT "#%llu"
#define JOBS_INVALID_GUARD_MAX 24

/* Seconds an unfinished upload's keys live: a front end that dies mid-upload leaves nothing
 * behind for longer than this. */
#define JOB_UPLOAD_TTL 3600

/* Heartbeat period and the silence after which a worker's chunks go back to the queue. */
#define WORKER_HEARTBEAT_MS 2000
#define WORKER_DEAD_AFTER_MS 15000

struct job_status {
    char id[KEYS_JOB_ID_LEN + 1];
    char status[16];
    long long titles, duplicates, chunks, chunks_done;
    long long pages, disambiguation, missing, invalid, failed, cache_hits;
    long long requests_parse, requests_query; /* wiki requests made for the job (jobs_add_counts) */
    long long created, started, finished;     /* ms since the epoch; 0 when not yet */
    long long n_results, n_errors;            /* entries in the results and errors streams */
    long long chunk_size;
    char owner[65];                       /* API key owner tag, "" when access control is off */
    char labels[JOB_LABELS_JSON_MAX + 1]; /* job_labels_json()'s form; "" for a job without */
    char priority[8];                     /* JOB_PRIORITY_*; "" for a job from before them */
    char wiki[WIKI_NAME_MAX + 1];         /* its wiki's name (lib/wikis.h); "" for one before */
    char fields[64];                      /* provenance_list()'s form; "" for none */
    long long expires;   /* ms since the epoch when Redis drops the job (its key's TTL); 0 when
                            it does not expire (an upload or a job not finished yet) */
    long long committed; /* 1 once every chunk of it is queued (jobs_committed.lua) */
    char idem[KEYS_MAX]; /* the Idempotency-Key naming it (keys_idempotency()), "" for none */
    /* The export a job asked for (docs/export.md): written by the front end (to, folder,
     * location), then kept by the exporter (state, parts, records, error). to is "" for none. */
    char export_to[8];
    char export_keep[8]; /* EXPORT_KEEP_REDIS or EXPORT_KEEP_EXPORT */
    char export_folder[EXPORT_FOLDER_MAX];
    char export_location[1024 + EXPORT_FOLDER_MAX + 16];
    char export_state[16];
    long long export_parts, export_records;
    char export_error[256];
};

/* All keys of one job, in the order the scripts expect them (enum keys_job_part). */
struct job_keys {
    char key[KEYS_JOB_PARTS][KEYS_MAX];
    const char *ptr[KEYS_JOB_PARTS];
};

/* Prototypes */

/* Fill every key name of job id. */
void jobs_keys(struct job_keys *k, const char *id);

/* Read a job (its hash, and the TTL of a finished one). Returns 0 (found), 1 (no such job), or
 * WC_EREMOTE. */
int jobs_get(redisContext *c, const char *id, struct job_status *out, struct wc_error *err);

/* Read one field of job id's hash into out (size bytes, truncated). Returns 0 (read), 1 (no
 * such job or field: out is ""), or WC_EREMOTE. */
int jobs_get_field(redisContext *c, const char *id, const char *field, char *out, size_t size,
                   struct wc_error *err);

/* The status as the API shows it: {"id","status","titles",...,"created","started","finished",
 * "expires_at","labels","priority","wiki","fields"} (wiki null for a job from before --wikis;
 * fields the provenance its records carry, lib/provenance.h), and
 * "export":{"to","location","state","parts","records", "error"} for a job that asked for one. */
int jobs_status_json(const struct job_status *s, struct wc_buf *out);

/* Free every key of a finished or cancelled job at once, and its entries in the owner's index
 * and set. Returns 0 (purged), 1 (no such job), JOBS_NOT_FINISHED (queued or running: nothing is
 * touched), or WC_EREMOTE. */
#define JOBS_NOT_FINISHED 2
int jobs_purge(redisContext *c, const char *id, struct wc_error *err);

/* True when the job will change no more (done or cancelled). */
int jobs_is_final(const struct job_status *s);

/* Cancel: queued chunks are dropped (the job leaves the queue: queue_drop()), running ones stop
 * at their next title, results (and the job's Idempotency-Key) stay for the job's own result_ttl
 * (set at submission), or ttl seconds for a job written by an older version without one. Returns
 * 0 (then *status_out holds the status after the call), 1 (no such job), or WC_EREMOTE. */
int jobs_cancel(redisContext *c, const char *id, long ttl, char *status_out, size_t size,
                struct wc_error *err);

/* Make the Idempotency-Key idem_key (which named job_id) expire ttl seconds from now, or write it
 * again with that TTL if it lapsed (JOBS_SCRIPT_IDEMPOTENCY_KEEP); a key that names another job
 * is left alone, and a name outside the idempotency keys (KEYS_IDEM_PREFIX) is ignored. Called
 * when a job ends and, while it is queued or running, by the sweep (common/sweep.h): the key lives
 * as long as the job's results, and always keeps a TTL. Returns 0 or WC_EREMOTE. */
int jobs_idempotency_keep(redisContext *c, const char *idem_key, const char *job_id, long ttl,
                          struct wc_error *err);

/* jobs_idempotency_keep() for the key job id's hash names (field "idem"), if any, with the job's
 * result_ttl (ttl for a job written without one). 0 or WC_EREMOTE. */
int jobs_idempotency_follow(redisContext *c, const char *id, long ttl, struct wc_error *err);

/* The value JOBS_SCRIPT_FINISH_CHUNK (common/scripts.h) returns from the one call that made the job
 * done, so that it is counted once. */
#define JOBS_FINISHED_NOW "finished"

/* Run JOBS_SCRIPT_REAP: the references in the processing lists of worker_id (NULL: of every
 * worker silent for WORKER_DEAD_AFTER_MS on Redis's clock) go back to the head of their jobs'
 * queues (common/queue.h), and the jobs to their rotations. Returns the number of chunks moved or
 * WC_EREMOTE (err filled). */
long long jobs_reap(redisContext *c, const char *worker_id, struct wc_error *err);

/* The same for one reference, ref[0..ref_len), if it is still in worker_id's processing list (one
 * the reaper already moved is not queued twice). Returns 1 (moved), 0, or WC_EREMOTE. */
long long jobs_hand_back(redisContext *c, const char *worker_id, const char *ref, size_t ref_len,
                         struct wc_error *err);

/* Add a chunk's counts to its job's hash (JOBS_SCRIPT_ADD_COUNTS): wiki requests by kind and
 * cache hits. Nothing for counts at zero or a job that is gone. Returns 0 or WC_EREMOTE. */
int jobs_add_counts(redisContext *c, const struct job_keys *k, long long requests_parse,
                    long long requests_query, long long cache_hits, struct wc_error *err);

/* Stamp worker_id's heartbeat with Redis's clock (JOBS_SCRIPT_HEARTBEAT). Returns 0 or
 * WC_EREMOTE (err filled). */
int jobs_heartbeat(redisContext *c, const char *worker_id, struct wc_error *err);

#endif
