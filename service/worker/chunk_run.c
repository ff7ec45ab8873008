/* chunk_run.c - a chunk's life in a worker: claimed, opened, closed, acknowledged or handed back */
#include "worker_internal.h"
#include "common/log.h"
#include "common/queue.h"
#include "common/rconn.h"
#include "common/scripts.h"
#include "clock.h"
#include "provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An idle worker waits this long for the bell before it claims again (and beats its heart). */
#define CLAIM_WAIT_SECONDS 1

struct chunk_run *chunk_run_of(struct worker *w, size_t index)
{
    for (int i = 0; i < w->n_active; i++) {
        struct chunk_run *run = w->active[i];
        if (index >= run->first_index && index < run->first_index + run->n_todo)
            return run;
    }
    return NULL;
}

/* Add the chunk's counters to the fleet's statistics (one pipelined round trip). */
static void write_stats(struct chunk_run *run, int chunk_finished)
{
    redisContext *c = run->w->redis;
    int n = stats_append_chunk(c, run->w->stats, &run->stats, chunk_finished, RUN_WIKI(run));
    struct wc_error err = {0};
    stats_read_replies(c, n, &err); /* a failed connection is seen by the loop */
}

static void chunk_free_run(struct chunk_run *run)
{
    if (run == NULL)
        return;
    chunk_free(run->chunk);
    free(run->todo);
    free(run->fp);
    free(run->touched);
    free(run->pending_fp);
    record_batch_free(&run->pending);
    free(run);
}

/* Acknowledge (the chunk leaves our processing list) or hand it back to the head of its job's
 * queue. */
static void settle_ref(struct worker *w, const char *ref, size_t len, int hand_back)
{
    if (w->redis->err)
        return; /* the reference stays in our processing list; reaping returns it */
    int refused = 0;
    if (hand_back) {
        struct wc_error err = {0};
        refused = jobs_hand_back(w->redis, w->id, ref, len, &err) < 0;
    } else {
        redisReply *r = redisCommand(w->redis, "LREM %s 1 %b", w->processing, ref, len);
        refused = r == NULL || r->type == REDIS_REPLY_ERROR;
        freeReplyObject(r);
    }
    /* The reference stays in our processing list, where no reaper looks while we live: have the
     * loop hand the list back before it claims again. */
    if (refused)
        chunk_run_refused(w);
}

void chunk_run_refused(struct worker *w)
{
    w->refused_until = clock_monotonic_ms() + WORKER_REFUSED_BACKOFF_MS;
    w->reconciled = 0;
}

void chunk_run_close(struct worker *w, struct chunk_run *run, enum chunk_end how)
{
    int hand_back = 0;
    /* run->failed: an earlier flush of this chunk failed and dropped its outcomes */
    if ((outcome_flush(run) != 0 || run->failed) && !run->cancelled)
        how = CHUNK_HAND_BACK; /* Redis failed (or is full, and we must stop now) */
    /* Before the chunk finishes: a client that sees the job done sees its counts. A failure
     * costs only these counts (or is a dropped connection, which the loop sees). */
    if (w->redis->err == 0) {
        struct wc_error err = {0};
        jobs_add_counts(w->redis, &run->keys, run->stats.requests_parse, run->stats.requests_query,
                        run->stats.cache_hits, &err);
    }
    if (run->cancelled) {
        log_event(LOG_INFO, "chunk_cancelled", "job=%s seq=%s", run->job_id, run->seqs);
    } else if (how == CHUNK_FINISHED) {
        char now[32], ttl[32];
        snprintf(now, sizeof now, "%lld", clock_wall_ms());
        snprintf(ttl, sizeof ttl, "%ld", w->cfg->result_ttl);
        const char *finish_args[] = {run->seqs, now, ttl};
        struct wc_error err = {0};
        redisReply *fin = rconn_eval(w->redis, JOBS_SCRIPT_FINISH_CHUNK, KEYS_JOB_PARTS,
                                     run->keys.ptr, 3, finish_args, NULL, &err);
        if (fin == NULL) {
            hand_back = 1;
        } else {
            if (fin->type == REDIS_REPLY_STRING && strcmp(fin->str, JOBS_FINISHED_NOW) == 0) {
                log_event(LOG_INFO, "job_done", "job=%s", run->job_id);
                struct wc_error stats_err = {0};
                /* Its Idempotency-Key now lives as long as its results. A failure leaves the
                 * job in jobmeta, where the sweep (common/sweep.h) finds it done and follows
                 * again: so it leaves the queue only once the key followed. */
                if (jobs_idempotency_follow(w->redis, run->job_id, w->cfg->result_ttl,
                                            &stats_err) == 0)
                    queue_forget(w->redis, run->job_id, &stats_err);
                else
                    log_event(LOG_WARN, "idempotency_follow_failed", "job=%s msg=\"%s\"",
                              run->job_id, stats_err.message);
                stats_read_replies(
                    w->redis, stats_append_count(w->redis, w->stats, STATS_JOBS_DONE), &stats_err);
            }
            log_event(LOG_DEBUG, "chunk_done", "job=%s seq=%s titles=%zu fetched=%zu", run->job_id,
                      run->seqs, run->chunk ? run->chunk->n_titles : 0, run->n_todo);
        }
        freeReplyObject(fin);
    } else if (how == CHUNK_HAND_BACK) {
        hand_back = 1;
        log_event(LOG_INFO, "chunk_handed_back", "job=%s seq=%s left=%zu", run->job_id, run->seqs,
                  run->n_left);
    }
    if (w->redis->err == 0)
        write_stats(run, !hand_back);
    settle_ref(w, run->ref, run->ref_len, hand_back);
    w->handled++;
    for (int i = 0; i < w->n_active; i++)
        if (w->active[i] == run) {
            w->active[i] = w->active[--w->n_active];
            break;
        }
    chunk_free_run(run);
}

/* The index in cfg->wikis of the wiki run's job names: the first for a job that names none (one
 * from before --wikis), -1 for a name this worker does not know. Sets run->fields to the
 * provenance its records carry, run->use_cache to the job's "cache" option, and *failed when
 * Redis failed. One read of the job hash for all three. */
static int job_wiki(struct worker *w, struct chunk_run *run, int *failed)
{
    const struct wikis *wikis = &w->cfg->wikis;
    redisReply *r = redisCommand(w->redis, "HMGET %s wiki fields cache", run->keys.key[KEYS_JOB]);
    int wiki = 0;
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
        *failed = 1;
        freeReplyObject(r);
        return 0;
    }
    const redisReply *name = r->element[0], *fields = r->element[1];
    if (name->type == REDIS_REPLY_STRING) {
        wiki = wikis_find(wikis, name->str, name->len);
        if (wiki < 0)
            log_event(LOG_ERROR, "wiki_unknown", "job=%s wiki=\"%.*s\"", run->job_id,
                      (int)(name->len > 40 ? 40 : name->len), name->str);
    }
    /* written by the front end from provenance_list(): a list it could not read is none */
    if (fields->type == REDIS_REPLY_STRING)
        run->fields = provenance_stored(fields->str, fields->len);
    const redisReply *cache = r->element[2];
    run->use_cache = cache->type == REDIS_REPLY_STRING && strcmp(cache->str, "0") != 0;
    freeReplyObject(r);
    return wiki;
}

/* Read a claimed chunk and decide which of its titles still need a fetch. Returns the open chunk
 * (its todo list may be empty), or NULL when the reference was settled here (gone, cancelled,
 * done, malformed) or Redis failed (*failed set: the reference stays claimed). */
static struct chunk_run *chunk_open(struct worker *w, const char *ref, size_t ref_len, int *failed)
{
    struct chunk_run *run = calloc(1, sizeof *run);
    redisReply *outcomes = NULL;
    struct wc_error err = {0};
    uint64_t seq;
    *failed = 0;
    if (run == NULL || ref_len >= sizeof run->ref) {
        *failed = run == NULL;
        goto settle;
    }
    run->w = w;
    memcpy(run->ref, ref, ref_len);
    run->ref[ref_len] = '\0';
    run->ref_len = ref_len;
    if (chunk_ref_parse(ref, ref_len, run->job_id, sizeof run->job_id, &seq) != 0 ||
        !keys_job_id_valid(run->job_id)) {
        log_event(LOG_ERROR, "bad_chunk_ref", "ref=\"%.*s\"", (int)(ref_len > 80 ? 80 : ref_len),
                  ref);
        goto settle;
    }
    jobs_keys(&run->keys, run->job_id);
    snprintf(run->seqs, sizeof run->seqs, "%llu", (unsigned long long)seq);

    redisReply *body = redisCommand(w->redis, "HGET %s %s", run->keys.key[KEYS_CHUNKS], run->seqs);
    if (body == NULL) {
        *failed = 1;
        goto out;
    }
    if (body->type == REDIS_REPLY_ERROR) { /* Redis refused: keep it claimed, try later */
        log_event(LOG_WARN, "chunk_open_refused", "job=%s seq=%s msg=\"%s\"", run->job_id,
                  run->seqs, body->str);
        freeReplyObject(body);
        *failed = 1;
        goto out;
    }
    if (body->type != REDIS_REPLY_STRING) { /* cancelled, expired or already done */
        freeReplyObject(body);
        goto settle;
    }
    int bad = chunk_decode(body->str, body->len, &run->chunk, &err);
    freeReplyObject(body);
    if (bad) {
        log_event(LOG_ERROR, "bad_chunk", "job=%s seq=%s msg=\"%s\"", run->job_id, run->seqs,
                  err.message);
        goto settle;
    }
    char now[32];
    snprintf(now, sizeof now, "%lld", clock_wall_ms());
    const char *start_args[] = {now};
    redisReply *st =
        rconn_eval(w->redis, JOBS_SCRIPT_START_CHUNK, 1, run->keys.ptr, 1, start_args, NULL, &err);
    if (st == NULL) {
        *failed = 1;
        goto out;
    }
    int runnable = st->type == REDIS_REPLY_STRING && strcmp(st->str, JOB_RUNNING) == 0;
    freeReplyObject(st);
    if (!runnable)
        goto settle;
    run->wiki = job_wiki(w, run, failed);
    if (*failed)
        goto out;
    if (run->wiki < 0) {
        /* Another worker of the fleet (its --wikis newer than ours) may know it: leave the chunk
         * to it, and the queue alone for a while. */
        settle_ref(w, ref, ref_len, 1);
        w->refused_until = clock_monotonic_ms() + WORKER_REFUSED_BACKOFF_MS;
        goto out;
    }

    /* A chunk claimed again after a crash: titles with an outcome are not fetched twice. */
    size_t n = run->chunk->n_titles;
    const char **argv = malloc((2 + n) * sizeof *argv);
    size_t *lens = malloc((2 + n) * sizeof *lens);
    run->todo = malloc(n * sizeof *run->todo);
    run->fp = calloc(n ? n : 1, sizeof *run->fp);
    if (argv == NULL || lens == NULL || run->todo == NULL || run->fp == NULL) {
        free(argv);
        free(lens);
        *failed = 1;
        goto out;
    }
    argv[0] = "HMGET", lens[0] = 5;
    argv[1] = run->keys.key[KEYS_OUTCOME], lens[1] = strlen(argv[1]);
    for (size_t i = 0; i < n; i++)
        argv[2 + i] = run->chunk->titles[i], lens[2 + i] = run->chunk->lens[i];
    outcomes = redisCommandArgv(w->redis, (int)(2 + n), argv, lens);
    free(argv);
    free(lens);
    if (outcomes == NULL || outcomes->type != REDIS_REPLY_ARRAY || outcomes->elements != n) {
        *failed = 1;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (outcomes->element[i]->type == REDIS_REPLY_NIL)
            run->todo[run->n_todo++] = run->chunk->titles[i];
    freeReplyObject(outcomes);
    outcomes = NULL;

    run->last_flush = run->last_cancel_check = clock_monotonic_ms();
    /* Only a resolved title can be checked against its cache entry (on_batch). */
    run->use_cache =
        run->use_cache && run->n_todo && w->cfg->cache_ttl > 0 && w->cfg->resolve_batch > 0;
    run->write_cache = w->cfg->cache_ttl > 0;
    /* The cache holds lines of the 8 fields: a job with provenance neither reads nor feeds it. */
    if (run->fields != 0)
        run->use_cache = run->write_cache = 0;
    if (run->fields & PROVENANCE_TOUCHED) {
        run->touched = calloc(n ? n : 1, sizeof *run->touched);
        if (run->touched == NULL) {
            *failed = 1;
            goto out;
        }
    }
    run->n_left = run->n_todo;
    return run;
settle:
    settle_ref(w, ref, ref_len, 0);
    w->handled++;
out:
    freeReplyObject(outcomes);
    chunk_free_run(run);
    return NULL;
}

/* The next reference in turn, or with ask one of a job we do not hold (common/queue.h); when
 * block and none is queued, wait for the bell and try once more. 1 (ref filled, *level its job's
 * level), 0, or < 0 (Redis failed or refused: logged, and a refusal holds claims back for a
 * while). */
static int claim_ref(struct worker *w, int block, const struct queue_ask *ask, char *ref,
                     size_t size, size_t *len, int *level)
{
    struct wc_error err = {0};
    int got = queue_claim(w->redis, w->processing, ask, ref, size, len, level, &err);
    if (got == 0 && block) {
        got = queue_wait(w->redis, CLAIM_WAIT_SECONDS, &err);
        if (got == 0)
            got = queue_claim(w->redis, w->processing, ask, ref, size, len, level, &err);
    }
    if (got < 0 && w->redis->err == 0) {
        log_event(LOG_WARN, "claim_refused", "msg=\"%s\"", err.message);
        w->refused_until = clock_monotonic_ms() + WORKER_REFUSED_BACKOFF_MS;
    }
    return got;
}

/* Where the titles of a chunk of run's job take their turns: after those of its job the worker
 * holds, and never before the worker's virtual time, so a job new to the worker starts now. */
static unsigned long long first_tag(const struct worker *w, const struct chunk_run *run)
{
    unsigned long long tag = w->vtime;
    for (int i = 0; i < w->n_active; i++) {
        const struct chunk_run *other = w->active[i];
        if (other != run && strcmp(other->job_id, run->job_id) == 0 &&
            other->first_tag + other->n_todo > tag)
            tag = other->first_tag + other->n_todo;
    }
    return tag;
}

/* Ask for a job none of the open chunks belongs to, at their best level or higher. */
static struct queue_ask new_job_ask(const struct worker *w, const char **held)
{
    struct queue_ask ask = {QUEUE_PRIORITIES, held, 0};
    for (int i = 0; i < w->n_active; i++) {
        held[ask.n_held++] = w->active[i]->job_id;
        if (w->active[i]->level + 1 < ask.top_level)
            ask.top_level = w->active[i]->level + 1;
    }
    return ask;
}

/* Above the stop mark, the chunks in hand are finished and no more is claimed until Redis is
 * back under the resume mark (lib/mem_watermark.h): the records of what is claimed need room.
 * INFO memory is read at most every MEM_PROBE_EVERY_MS. True when claims are stopped. */
static int claims_stopped(struct worker *w)
{
    struct mem_reading mem;
    int was = w->mem.wm.level >= MEM_CLAIMS_STOPPED;
    int stopped = mem_probe_level(&w->mem, w->redis, 0, &mem) >= MEM_CLAIMS_STOPPED;
    if (stopped != was)
        log_event(stopped ? LOG_WARN : LOG_INFO, stopped ? "claims_stopped" : "claims_resumed",
                  "used_bytes=%lld limit_bytes=%lld", mem.used, mem.limit);
    return stopped;
}

/* The chunk joins the crawl run: its titles get the next indexes and their turns. */
static void add_active(struct worker *w, struct chunk_run *run)
{
    run->first_index = w->next_index;
    w->next_index += run->n_todo;
    run->first_tag = first_tag(w, run);
    w->active[w->n_active++] = run;
}

/* Claim (waiting for at most CLAIM_WAIT_SECONDS when block) and open chunks until one has titles
 * to fetch. Returns it, already among the active chunks with its first index, or NULL. */
struct chunk_run *chunk_run_claim(struct worker *w, int block, int new_job)
{
    const char *held[MAX_ACTIVE_CHUNKS];
    if (claims_stopped(w)) {
        w->refused_until = clock_monotonic_ms() + WORKER_REFUSED_BACKOFF_MS;
        return NULL;
    }
    for (int tries = 0; tries < MAX_ACTIVE_CHUNKS; tries++) {
        if (*w->stop || w->n_active >= MAX_ACTIVE_CHUNKS || w->stash != NULL ||
            clock_monotonic_ms() < w->refused_until ||
            (w->cfg->recycle_after > 0 && w->handled + w->n_active >= w->cfg->recycle_after))
            return NULL;
        char ref[KEYS_MAX];
        size_t ref_len = 0;
        int level = QUEUE_PRIORITIES - 1;
        struct queue_ask ask = new_job_ask(w, held);
        if (claim_ref(w, block && !new_job, new_job ? &ask : NULL, ref, sizeof ref, &ref_len,
                      &level) != 1)
            return NULL;
        block = 0; /* one wait per call: the caller beats the heart in between */
        int failed;
        struct chunk_run *run = chunk_open(w, ref, ref_len, &failed);
        if (failed) {
            /* The reference stays claimed: on a live connection (Redis refused), back off and
             * hand it back once this run is over; after a drop, the reconnect does both. */
            if (w->redis->err == 0)
                chunk_run_refused(w);
            return NULL;
        }
        if (run == NULL)
            continue;
        run->level = level;
        if (run->n_todo > 0 && w->running && run->wiki != w->wiki) {
            w->stash = run; /* the next run's: this one serves another wiki */
            return NULL;
        }
        add_active(w, run);
        if (run->n_todo > 0)
            return run;
        chunk_run_close(w, run, CHUNK_FINISHED); /* every title was known already */
    }
    return NULL;
}

struct chunk_run *chunk_run_unstash(struct worker *w)
{
    struct chunk_run *run = w->stash;
    w->stash = NULL;
    if (run != NULL)
        add_active(w, run);
    return run;
}
