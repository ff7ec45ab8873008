/* queue.h - the chunk queue: one list per job, fair turns between owners and their jobs */
#ifndef WC_QUEUE_H
#define WC_QUEUE_H

#include <stddef.h>

#include <hiredis.h>

#include "wc_error.h"

/* The layout and the rule are in docs/redis.md ("Fair turns"): each job's references wait in its
 * own list; a claim takes the highest priority with queued work (but see QUEUE_AGE_EVERY), and
 * within it, deficit round robin over owners (API keys), then over that owner's jobs, counted in
 * titles: a turn is CHUNK_TURN_TITLES titles (lib/chunk.h), whatever the jobs' chunk sizes.
 * Hand-back and the reaper are jobs_reap() and jobs_hand_back() (common/jobs.h): they put
 * references back at the head of their job's list. */

/* Priority levels, in the order a claim serves them (queue_priority_name()). */
#define QUEUE_PRIORITIES 3
/* Every QUEUE_AGE_EVERY-th claim serves a level below the best one with queued work first, those
 * levels in turn: strict priority otherwise, but neither normal nor low work is ever starved
 * (docs/redis.md, Fair turns). */
#define QUEUE_AGE_EVERY 10
/* A claim names at most this many held jobs (struct queue_ask). */
#define QUEUE_HELD_MAX 16

/* Prototypes */

/* The name of level 0 .. QUEUE_PRIORITIES - 1: "high", "normal", "low" (JOB_PRIORITY_*). */
const char *queue_priority_name(int level);

/* True for NULL (meaning normal) and the names of the levels. */
int queue_priority_valid(const char *priority);

/* Queue refs[0..n) (chunk references of job_id, in order) at the tail of the job's list and enter
 * the job in the rotation of priority (NULL: normal) and of owner ("" without API keys); wake up
 * to n idle workers. titles_per_chunk (the job's chunk size) is what a claim of one of its chunks
 * costs the job and its owner. 0, WC_EINVAL (unknown priority) or WC_EREMOTE (err filled). */
int queue_push(redisContext *c, const char *job_id, const char *priority, const char *owner,
               int titles_per_chunk, const char *const *refs, size_t n, struct wc_error *err);

/* What a claim asks for. */
struct queue_ask {
    /* 0: the next chunk in turn. Else a busy worker asks for a chunk of a job it does not hold
     * (held[0..n_held), job ids), of level top_level - 1 or higher (1: high only .. 3: any), the
     * first such job in rotation order, without moving anybody's turn: so that a job that just
     * arrived takes turns with what the worker holds at once. */
    int top_level;
    const char *const *held;
    size_t n_held;
};

/* Move the chunk reference a asks for (NULL: the next in turn) to the tail of the processing
 * list. Returns 1 (ref filled, NUL-terminated, *len its length, *level the level of its job),
 * 0 (nothing queued), or WC_EREMOTE (err filled; the connection failed when c->err is set, else
 * Redis refused: LOADING, BUSY...). A reference longer than size - 1 is cut: chunk_ref_parse()
 * then refuses it. */
int queue_claim(redisContext *c, const char *processing, const struct queue_ask *a, char *ref,
                size_t size, size_t *len, int *level, struct wc_error *err);

/* Wait up to seconds for the bell that queue_push() and the hand-backs ring. 0 (rung or timed
 * out: claim again either way) or WC_EREMOTE. */
int queue_wait(redisContext *c, int seconds, struct wc_error *err);

/* A cancelled job leaves the queue: its list and its parked list (chunks set aside for its
 * export) are deleted and it leaves its rotation. Returns the number of chunks dropped, or
 * WC_EREMOTE. */
long long queue_drop(redisContext *c, const char *job_id, struct wc_error *err);

/* Forget a finished job's priority and owner (kept for hand-backs while it may be queued). A
 * reference of it handed back later goes to the legacy list and settles as a no-op. 0 or
 * WC_EREMOTE. */
int queue_forget(redisContext *c, const char *job_id, struct wc_error *err);

/* Chunks waiting, per level (depth[0] high .. depth[2] low). 0 or WC_EREMOTE. */
int queue_depth(redisContext *c, long long depth[QUEUE_PRIORITIES], struct wc_error *err);

#endif
