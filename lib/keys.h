/* keys.h - the Redis key layout (documented in docs/redis.md) */
#ifndef WC_KEYS_H
#define WC_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Every key of one job shares the hash tag {JOBID}, so a job's keys live in one Redis Cluster
 * slot and one Lua script may touch them all. The queue's keys share the tag {queue}.
 *
 *   wikicrawl:{queue}:jobq:JOBID           LIST   one job's queued chunk references "JOBID/SEQ"
 *   wikicrawl:{queue}:turns:PRIO           LIST   owner tags with queued work at PRIO (the
 *                                                 rotation over keys: docs/redis.md, Fair turns)
 *   wikicrawl:{queue}:turns:PRIO:OWNER     LIST   that owner's jobs with queued work at PRIO
 *   wikicrawl:{queue}:jobmeta              HASH   job id -> "PRIO:OWNER:TITLES" (TITLES per
 *                                                 chunk), while it may be queued
 *   wikicrawl:{queue}:turn_titles          HASH   titles taken of the current turn, per owner
 *                                                 ("PRIO:OWNER") and job with queued work; "#":
 *                                                 claims since the last aged one
 *   wikicrawl:{queue}:bell                 LIST   tokens that wake idle workers (at most 64)
 *   wikicrawl:{queue}:pending              LIST   references of no known job (from before fair
 *                                                 turns, or of a job over): claimed first
 *   wikicrawl:{queue}:processing:WORKER    LIST   references a live worker holds
 *   wikicrawl:{queue}:workers              ZSET   worker id -> last heartbeat (ms)
 *   wikicrawl:{queue}:stats                HASH   fleet counters for /metrics
 *   wikicrawl:{queue}:idem:OWNER:KEY       STRING job id of an Idempotency-Key, per API key
 *                                                 (expires with its job's results)
 *   wikicrawl:{queue}:owners               SET    owner tags with an index or a job set below
 *   wikicrawl:{queue}:owner:OWNER          SET    job ids an API key's owner tag submitted
 *   wikicrawl:{queue}:jobs:OWNER           ZSET   job id -> created (ms): the jobs GET /v1/jobs
 *                                                 lists (OWNER "" without API keys)
 *                                                 Entries of jobs that are gone leave these two
 *                                                 and jobmeta by the sweep (common/sweep.h).
 *   wikicrawl:{queue}:limiter              HASH   the fleet's token bucket and pause_until (ms)
 *   wikicrawl:{queue}:inflight             ZSET   lease id -> expiry (ms): the fleet's leases
 *   wikicrawl:{queue}:waiting              ZSET   worker refused for the cap -> leases it holds
 *   wikicrawl:{queue}:waiting_until        ZSET   worker refused for the cap -> entry lapses (ms)
 *                                                 These four are the budget of the wiki named
 *                                                 "default"; another wiki's end in ":WIKI"
 *                                                 (wikicrawl:{queue}:inflight:de, ...), and
 *                                                 --total-rate's bucket is limiter:ALL.
 *   wikicrawl:{cache}:p:TITLE              STRING "OUTCOME\nJOBID\nORDINAL\nFP": where the line of
 *                                                 a title crawled recently is (see cache.c), on
 *                                                 the wiki "default"
 *   wikicrawl:{cache}:w:WIKI:TITLE         STRING the same for a title of another wiki
 *   wikicrawl:{JOBID}:job                  HASH   status, counters, timestamps
 *   wikicrawl:{JOBID}:chunks               HASH   seq -> chunk body (deleted once done)
 *   wikicrawl:{JOBID}:seen                 SET    valid titles seen while the upload streams
 *   wikicrawl:{JOBID}:seen_invalid         SET    invalid entries seen while it streams (their
 *                                                 own set: "42" the number must not hide "42")
 *   wikicrawl:{JOBID}:outcome              HASH   title -> outcome (the exactly-once guard);
 *                                                 "#N" for the invalid entry at position N
 *   wikicrawl:{JOBID}:results              STREAM field "r": one record (JSON, one gzip member)
 *   wikicrawl:{JOBID}:errors               STREAM field "e": one title without record (likewise)
 *   wikicrawl:{JOBID}:done                 SET    seqs of finished chunks
 *   wikicrawl:{JOBID}:export               HASH   the exporter's progress: the parts made
 *                                                 durable, their sizes and digests (a key of the
 *                                                 job: it lives and goes with the others)
 *   wikicrawl:{queue}:exports              SET    ids of jobs whose export is not over yet
 *   wikicrawl:{queue}:parked:JOBID         LIST   chunk references of a keep=export job whose
 *                                                 export lags, set aside until it catches up
 */

#define KEYS_JOB_ID_LEN 32 /* lower-case hex */
#define KEYS_MAX 512       /* room for any key this module builds */

enum keys_job_part {
    KEYS_JOB = 0,
    KEYS_CHUNKS,
    KEYS_SEEN,
    KEYS_OUTCOME,
    KEYS_RESULTS,
    KEYS_ERRORS,
    KEYS_DONE,
    KEYS_SEEN_INVALID,
    KEYS_EXPORT, /* the exporter's progress (service/exporter/): written by it only */
    KEYS_JOB_PARTS
};

/* The fleet's request budget (service/worker/limiter.c): all under the tag {queue}, so one script
 * may touch them together. */
enum keys_limiter_part {
    KEYS_LIMITER_BUCKET = 0,
    KEYS_LIMITER_INFLIGHT,
    KEYS_LIMITER_WAITING,
    KEYS_LIMITER_WAITING_UNTIL,
    KEYS_LIMITER_PARTS
};

/* Prototypes */

/* Write the key of one part of a job into out (KEYS_MAX bytes). Returns its length, or WC_ELIMIT.
 */
int keys_job(char *out, size_t size, const char *job_id, enum keys_job_part part);

/* "wikicrawl:{queue}:parked:JOBID": the chunk references of a job whose crawl is paused until
 * its export catches up (service/exporter/export_buffer.c). Returns the length, or WC_ELIMIT. */
int keys_export_parked(char *out, size_t size, const char *job_id);

/* "wikicrawl:{queue}:NAME" (NAME: pending, jobmeta, turn_titles, bell, workers, stats,
 * owners, exports). Returns the
 * length, or WC_ELIMIT. */
int keys_queue(char *out, size_t size, const char *name);

/* "wikicrawl:{queue}:processing:WORKER". Returns the length, or WC_ELIMIT. */
int keys_processing(char *out, size_t size, const char *worker_id);

/* "wikicrawl:{queue}:jobq:JOBID", the chunks of one job waiting for a worker. Returns the length,
 * or WC_ELIMIT. */
int keys_job_queue(char *out, size_t size, const char *job_id);

/* "wikicrawl:{queue}:idem:OWNER:KEY": an Idempotency-Key is scoped by the API key's owner tag
 * (OWNER "" without API keys), so two clients never share one. Returns the length, or
 * WC_ELIMIT. */
int keys_idempotency(char *out, size_t size, const char *owner, const char *key);

/* "wikicrawl:{queue}:owner:OWNER", the jobs of one API key (OWNER: its owner tag). Returns the
 * length, or WC_ELIMIT. */
int keys_owner_jobs(char *out, size_t size, const char *owner);

/* "wikicrawl:{queue}:jobs:OWNER", the index of an owner's jobs by creation time (OWNER: the API
 * key's owner tag, "" without access control). Returns the length, or WC_ELIMIT. */
int keys_jobs_index(char *out, size_t size, const char *owner);

/* The name of the wiki whose keys keep the names they had before there were several (lib/wikis.h,
 * WIKI_DEFAULT_NAME). */
#define KEYS_DEFAULT_WIKI "default"

/* The budget name of --total-rate, the fleet's requests to all wikis together: upper case, so
 * never a wiki's name (lib/wikis.h). */
#define KEYS_ALL_WIKIS "ALL"

/* One key of the fleet's request budget for one wiki (wiki: a name of lib/wikis.h; NULL or
 * "default": the names without a suffix). Returns its length, WC_EINVAL for an unknown part, or
 * WC_ELIMIT. */
int keys_limiter(char *out, size_t size, const char *wiki, enum keys_limiter_part part);

/* Replace out's contents with the cache key of a title of one wiki: "wikicrawl:{cache}:p:TITLE"
 * for the wiki "default" (or NULL), "wikicrawl:{cache}:w:WIKI:TITLE" for another, title[0..len)
 * taken as bytes (titles may be longer than KEYS_MAX allows, hence a growable buffer: reset and
 * reused per title). 0 or WC_ENOMEM (out is then empty). */
int keys_cache_title(struct wc_buf *out, const char *wiki, const char *title, size_t len);

/* The prefix every processing list starts with, for scripts that build those names. */
#define KEYS_PROCESSING_PREFIX "wikicrawl:{queue}:processing:"
/* ...every job's queue (KEYS_JOBQ_PREFIX JOBID), and every rotation (KEYS_TURNS_PREFIX PRIO, and
 * KEYS_TURNS_PREFIX PRIO ":" OWNER): the queue scripts build those names from the job ids and
 * owner tags they read, all under the tag {queue}. */
#define KEYS_JOBQ_PREFIX "wikicrawl:{queue}:jobq:"
#define KEYS_TURNS_PREFIX "wikicrawl:{queue}:turns:"
/* ...and every Idempotency-Key: a name read back from a job hash is used only if it has it. */
#define KEYS_IDEM_PREFIX "wikicrawl:{queue}:idem:"

/* True when id has the form of a job id (32 lower-case hex digits): anything else is refused
 * before it can reach a key name. */
bool keys_job_id_valid(const char *id);

#endif
