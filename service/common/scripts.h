/* scripts.h - every Redis Lua script of wikicrawl, as C strings */
#ifndef WC_SCRIPTS_H
#define WC_SCRIPTS_H

/* Each script is kept as a Lua file in service/common/scripts/ (its KEYS, ARGV and reply are
 * documented at its top) and turned into the constant below at build time by scripts/lua2c.sh.
 * A name such as JOB_DONE in a script is the C macro of the same name, made a Lua local by
 * SCRIPT_CONST: the script and the C code cannot disagree on a job state. */
#define SCRIPT_CONST(name) "local " #name " = '" name "'\n"

/* Prototypes */

extern const char JOBS_SCRIPT_CREATE[];               /* jobs_create.lua */
extern const char JOBS_SCRIPT_COUNTED[];              /* jobs_counted.lua */
extern const char JOBS_SCRIPT_RECORD[];               /* jobs_record.lua */
extern const char JOBS_SCRIPT_START_CHUNK[];          /* jobs_start_chunk.lua */
extern const char JOBS_SCRIPT_FINISH_CHUNK[];         /* jobs_finish_chunk.lua */
extern const char JOBS_SCRIPT_COMMITTED[];            /* jobs_committed.lua */
extern const char JOBS_SCRIPT_CANCEL[];               /* jobs_cancel.lua */
extern const char JOBS_SCRIPT_PURGE[];                /* jobs_purge.lua */
extern const char JOBS_SCRIPT_REAP[];                 /* jobs_reap.lua */
extern const char JOBS_SCRIPT_HEARTBEAT[];            /* jobs_heartbeat.lua */
extern const char JOBS_SCRIPT_IDEMPOTENCY_TAKEOVER[]; /* jobs_idempotency_takeover.lua */
extern const char JOBS_SCRIPT_IDEMPOTENCY_KEEP[];     /* jobs_idempotency_keep.lua */
extern const char JOBS_SCRIPT_OWNER_FORGET[];         /* jobs_owner_forget.lua */
extern const char JOBS_SCRIPT_LIVE_WORKERS[];         /* jobs_live_workers.lua */
extern const char JOBS_SCRIPT_ADD_COUNTS[];           /* jobs_add_counts.lua */

extern const char EXPORT_SCRIPT_PARK[];     /* export_park.lua */
extern const char EXPORT_SCRIPT_PROGRESS[]; /* export_progress.lua */

extern const char LIMITER_SCRIPT_ACQUIRE[];  /* limiter_acquire.lua */
extern const char LIMITER_SCRIPT_FORGET[];   /* limiter_forget.lua */
extern const char LIMITER_SCRIPT_THROTTLE[]; /* limiter_throttle.lua */

extern const char QUEUE_SCRIPT_PUSH[];  /* queue_push.lua */
extern const char QUEUE_SCRIPT_CLAIM[]; /* queue_claim.lua */
extern const char QUEUE_SCRIPT_DROP[];  /* queue_drop.lua */
extern const char QUEUE_SCRIPT_DEPTH[]; /* queue_depth.lua */

#endif
