/* worker.c - one worker process: claim chunks from Redis, crawl them, write the outcomes */
#include "worker.h"
#include "chunk.h"
#include "crawl.h"
#include "common/jobs.h"
#include "keys.h"
#include "limiter.h"
#include "common/log.h"
#include "common/rconn.h"
#include "common/scripts.h"

#include <curl/curl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REDIS_TIMEOUT_MS 10000
#define CLAIM_BLOCK_SECONDS "1"
#define REAP_EVERY_MS 5000
#define CANCEL_CHECK_EVERY_MS 500
#define FLUSH_EVERY_MS 200
#define FLUSH_AT_RESULTS 16
/* After a stop request, the chunks in hand may run this long before they are handed back. */
#define STOP_GRACE_MS 20000
/* Chunks one worker has open at once: enough to keep every transfer slot busy while the last
 * titles of a chunk are still in flight. */
#define MAX_ACTIVE_CHUNKS 8
/* How long after its grant a fleet lease may carry another request of this worker (limiter.h):
 * long enough that a busy worker asks Redis about once per lease every few seconds instead of
 * twice per request, short enough that a killed worker's leases come back soon. */
#define LEASE_REUSE_MS 5000
/* ...and the slack on top of the request timeout: a request starts a little after its slot is
 * filled, and libcurl's timeout is counted from there. */
#define LEASE_SLACK_MS 1000
/* Freed memory a worker keeps for reuse rather than giving back to the kernel (see worker_run). */
#define WORKER_KEEP_FREED_BYTES (32 << 20)
/* Key prefix of the cross-job cache: one STRING per title, "<outcome>\n<payload>". */
#define WORKER_CACHE_PREFIX "wikicrawl:{cache}:t:"

/* Fetch latency buckets (seconds) for /metrics. */
static const double latency_buckets[] = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define N_BUCKETS (sizeof latency_buckets / sizeof latency_buckets[0])

struct chunk_run;

enum chunk_end {
    CHUNK_FINISHED,  /* every title has its outcome (or the chunk was cancelled) */
    CHUNK_HAND_BACK, /* stopped midway: back to the head of the queue */
};

struct worker {
    const struct wc_config *cfg;
    volatile sig_atomic_t *stop;
    char id[300];
    char processing[KEYS_MAX];
    char pending[KEYS_MAX];
    char workers[KEYS_MAX];
    char stats[KEYS_MAX];
    redisContext *redis;
    struct crawler *crawler;
    struct limiter *limiter;
    long long last_heartbeat, last_reap;
    long long stop_deadline;
    struct chunk_run *active[MAX_ACTIVE_CHUNKS]; /* chunks open in the current crawl run */
    int n_active;
    size_t next_index; /* the crawl run's index of the next title handed to it */
    int stop_run;      /* a callback asked the current crawl run to stop */
    long handled;      /* chunks settled since the start (for --recycle-after) */
};

/* One open chunk. */
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
    size_t first_index; /* crawl run index of todo[0] */
    size_t n_left;      /* todo titles without a result yet */
    /* results not yet written: (title, outcome, payload) triples */
    struct wc_buf text;
    size_t *ends;
    size_t n_args, cap_args;
    long long last_flush, last_cancel_check;
    int cancelled;
    int failed;      /* Redis failed: stop and let the chunk be claimed again */
    int write_cache; /* flush also stores the outcomes in the cross-job cache */
    long long cache_hits;
    long long counts[WC_OUTCOME_COUNT];
    long long requests;
    long long bucket_counts[N_BUCKETS + 1];
    double latency_sum;
};

void worker_id_for(char *out, size_t size, int pid)
{
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    snprintf(out, size, "%s:%d", host, pid);
}

static void heartbeat(struct worker *w, int force)
{
    long long now = rconn_now_ms();
    if (!force && now - w->last_heartbeat < WORKER_HEARTBEAT_MS)
        return;
    w->last_heartbeat = now;
    redisReply *r = redisCommand(w->redis, "ZADD %s %lld %s", w->workers, now, w->id);
    freeReplyObject(r);
    if (now - w->last_reap >= REAP_EVERY_MS) {
        w->last_reap = now;
        struct wc_error err = {0};
        long long moved = jobs_reap(w->redis, NULL, &err);
        if (moved > 0)
            log_event(LOG_WARN, "chunks_requeued", "chunks=%lld msg=\"from silent workers\"",
                      moved);
    }
}

/* ---- writing outcomes -------------------------------------------------------------------- */

static int push_arg(struct chunk_run *run, const char *s, size_t len)
{
    if (run->n_args == run->cap_args) {
        size_t cap = run->cap_args ? run->cap_args * 2 : 48;
        size_t *ends = realloc(run->ends, cap * sizeof *ends);
        if (ends == NULL)
            return WC_ENOMEM;
        run->ends = ends;
        run->cap_args = cap;
    }
    if (wc_buf_append(&run->text, s, len) != 0)
        return WC_ENOMEM;
    run->ends[run->n_args++] = run->text.len;
    return 0;
}

/* Store final outcomes (not failures: those are worth trying again) in the cross-job cache, one
 * pipelined SET per title: "<outcome>\n<payload>" under wikicrawl:{cache}:t:<title>. */
static int cache_store(struct chunk_run *run, const char **args, const size_t *lens)
{
    redisContext *c = run->w->redis;
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%ld", run->w->cfg->cache_ttl);
    struct wc_buf key = {0}, value = {0};
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i + 2 < run->n_args; i += 3) {
        if (lens[i + 1] == 6 && memcmp(args[i + 1], "failed", 6) == 0)
            continue;
        wc_buf_reset(&key);
        wc_buf_reset(&value);
        if (wc_buf_append(&key, WORKER_CACHE_PREFIX, strlen(WORKER_CACHE_PREFIX)) != 0 ||
            wc_buf_append(&key, args[i], lens[i]) != 0 ||
            wc_buf_append(&value, args[i + 1], lens[i + 1]) != 0 ||
            wc_buf_append(&value, "\n", 1) != 0 ||
            wc_buf_append(&value, args[i + 2], lens[i + 2]) != 0) {
            rc = WC_ENOMEM;
            break;
        }
        const char *argv[] = {"SET", key.data, value.data, "EX", ttl};
        size_t argl[] = {3, key.len, value.len, 2, strlen(ttl)};
        if (redisAppendCommandArgv(c, 5, argv, argl) != REDIS_OK) {
            rc = WC_ENOMEM;
            break;
        }
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        void *reply = NULL;
        if (redisGetReply(c, &reply) != REDIS_OK) {
            rc = WC_EREMOTE;
            break;
        }
        freeReplyObject(reply);
    }
    wc_buf_free(&key);
    wc_buf_free(&value);
    return rc;
}

/* Write the buffered outcomes in one script call. Returns 0, or -1 when the job is gone,
 * cancelled or done (the chunk is then abandoned) or Redis failed. */
static int flush_results(struct chunk_run *run)
{
    run->last_flush = rconn_now_ms();
    if (run->n_args == 0)
        return 0;
    const char **args = malloc(run->n_args * sizeof *args);
    size_t *lens = malloc(run->n_args * sizeof *lens);
    int rc = -1;
    if (args == NULL || lens == NULL)
        goto out;
    size_t start = 0;
    for (size_t i = 0; i < run->n_args; i++) {
        args[i] = run->text.data + start;
        lens[i] = run->ends[i] - start;
        start = run->ends[i];
    }
    const char *keys[] = {run->keys.ptr[KEYS_JOB], run->keys.ptr[KEYS_OUTCOME],
                          run->keys.ptr[KEYS_RESULTS], run->keys.ptr[KEYS_ERRORS]};
    struct wc_error err = {0};
    if (run->write_cache && cache_store(run, args, lens) != 0) {
        run->failed = 1;
        goto out;
    }
    redisReply *r =
        rconn_eval(run->w->redis, JOBS_SCRIPT_RECORD, 4, keys, (int)run->n_args, args, lens, &err);
    if (r == NULL) {
        log_event(LOG_ERROR, "record_failed", "job=%s msg=\"%s\"", run->job_id, err.message);
        run->failed = 1;
        goto out;
    }
    if (r->type == REDIS_REPLY_INTEGER && r->integer < 0)
        run->cancelled = 1;
    else
        rc = 0;
    freeReplyObject(r);
out:
    free(args);
    free(lens);
    run->n_args = 0;
    wc_buf_reset(&run->text);
    return rc;
}

static void count_latency(struct chunk_run *run, long fetch_ms)
{
    double seconds = (double)fetch_ms / 1000.0;
    size_t b = 0;
    while (b < N_BUCKETS && seconds > latency_buckets[b])
        b++;
    run->bucket_counts[b]++;
    run->latency_sum += seconds;
}

/* The chunk whose todo list holds the run's title index, or NULL. */
static struct chunk_run *chunk_of(struct worker *w, size_t index)
{
    for (int i = 0; i < w->n_active; i++) {
        struct chunk_run *run = w->active[i];
        if (index >= run->first_index && index < run->first_index + run->n_todo)
            return run;
    }
    return NULL;
}

static void chunk_close(struct worker *w, struct chunk_run *run, enum chunk_end how);

static int on_result(void *ctx, const struct crawl_result *res)
{
    struct worker *w = ctx;
    struct chunk_run *run = chunk_of(w, res->index);
    if (run == NULL)
        return 0; /* cannot happen: every index handed out belongs to an open chunk */
    const char *outcome = wc_outcome_name(res->outcome);
    if (push_arg(run, res->title, strlen(res->title)) != 0 ||
        push_arg(run, outcome, strlen(outcome)) != 0 ||
        push_arg(run, res->payload, res->payload_len) != 0) {
        run->failed = 1;
        return 1;
    }
    run->counts[res->outcome]++;
    run->requests += res->attempts;
    count_latency(run, res->fetch_ms);
    if (--run->n_left == 0) {
        chunk_close(w, run, CHUNK_FINISHED);
        return w->stop_run;
    }
    if (run->n_args >= 3 * FLUSH_AT_RESULTS || rconn_now_ms() - run->last_flush >= FLUSH_EVERY_MS)
        if (flush_results(run) != 0)
            w->stop_run = 1; /* cancelled, or Redis failed: the run stops, the rest is settled */
    return w->stop_run;
}

static int on_tick(void *ctx)
{
    struct worker *w = ctx;
    heartbeat(w, 0);
    long long now = rconn_now_ms();
    for (int i = 0; i < w->n_active && !w->stop_run; i++) {
        struct chunk_run *run = w->active[i];
        if (run->n_args > 0 && now - run->last_flush >= FLUSH_EVERY_MS && flush_results(run) != 0)
            w->stop_run = 1;
        if (w->stop_run || now - run->last_cancel_check < CANCEL_CHECK_EVERY_MS)
            continue;
        run->last_cancel_check = now;
        redisReply *r = redisCommand(w->redis, "HGET %s status", run->keys.key[KEYS_JOB]);
        if (r == NULL) {
            run->failed = 1;
        } else if (r->type != REDIS_REPLY_STRING || strcmp(r->str, JOB_CANCELLED) == 0) {
            run->cancelled = 1;
        }
        freeReplyObject(r);
        if (run->failed || run->cancelled)
            w->stop_run = 1; /* the other chunks go back to the queue and come round again */
    }
    if (*w->stop) {
        if (w->stop_deadline == 0)
            w->stop_deadline = now + STOP_GRACE_MS;
        if (now >= w->stop_deadline)
            w->stop_run = 1;
    }
    return w->stop_run;
}
static void write_stats(struct chunk_run *run, int chunk_finished)
{
    redisContext *c = run->w->redis;
    const char *stats = run->w->stats;
    size_t n = 0;
    static const char *const names[WC_OUTCOME_COUNT] = {"pages_ok",      "pages_disambiguation",
                                                        "pages_missing", "pages_invalid",
                                                        "pages_failed",  "pages_retryable"};
    for (int o = 0; o < WC_OUTCOME_COUNT; o++)
        if (run->counts[o] && redisAppendCommand(c, "HINCRBY %s %s %lld", stats, names[o],
                                                 run->counts[o]) == REDIS_OK)
            n++;
    if (chunk_finished && redisAppendCommand(c, "HINCRBY %s chunks_done 1", stats) == REDIS_OK)
        n++;
    if (run->requests &&
        redisAppendCommand(c, "HINCRBY %s requests %lld", stats, run->requests) == REDIS_OK)
        n++;
    long long cumulative = 0;
    for (size_t b = 0; b <= N_BUCKETS; b++) {
        cumulative += run->bucket_counts[b];
        char field[64];
        if (b < N_BUCKETS)
            snprintf(field, sizeof field, "fetch_seconds_bucket|le=\"%g\"", latency_buckets[b]);
        else
            snprintf(field, sizeof field, "fetch_seconds_bucket|le=\"+Inf\"");
        if (cumulative &&
            redisAppendCommand(c, "HINCRBY %s %s %lld", stats, field, cumulative) == REDIS_OK)
            n++;
    }
    if (cumulative) {
        if (redisAppendCommand(c, "HINCRBYFLOAT %s fetch_seconds_sum %f", stats,
                               run->latency_sum) == REDIS_OK)
            n++;
        if (redisAppendCommand(c, "HINCRBY %s fetch_seconds_count %lld", stats, cumulative) ==
            REDIS_OK)
            n++;
    }
    for (size_t i = 0; i < n; i++) {
        void *reply = NULL;
        if (redisGetReply(c, &reply) != REDIS_OK)
            break;
        freeReplyObject(reply);
    }
}

/* ---- the fleet's request budget ---------------------------------------------------------- */

static int on_acquire(void *ctx, int want, int *leases, long *retry_in_ms)
{
    struct worker *w = ctx;
    int granted = limiter_acquire(w->limiter, w->redis, want, leases, retry_in_ms);
    if (granted < 0) {
        w->stop_run = 1; /* Redis is gone: on_tick stops the run and the chunks go back */
        return 0;
    }
    return granted;
}

static void on_release(void *ctx, int lease)
{
    struct worker *w = ctx;
    limiter_release(w->limiter, lease);
}

static void on_idle(void *ctx)
{
    struct worker *w = ctx;
    limiter_idle(w->limiter, w->redis);
}

static void on_throttle(void *ctx, long retry_after_ms)
{
    struct worker *w = ctx;
    log_event(LOG_WARN, "wiki_throttled", "wait_ms=%ld", retry_after_ms);
    limiter_throttle(w->limiter, w->redis, retry_after_ms);
}

/* ---- the cross-job cache ----------------------------------------------------------------- */

static int job_uses_cache(struct worker *w, struct chunk_run *run)
{
    redisReply *r = redisCommand(w->redis, "HGET %s cache", run->keys.key[KEYS_JOB]);
    int yes = r && r->type == REDIS_REPLY_STRING && strcmp(r->str, "0") != 0;
    freeReplyObject(r);
    return yes;
}

/* Record the titles the cache knows; return how many are left to fetch (compacted in todo). */
static size_t answer_from_cache(struct chunk_run *run, const char **todo, size_t n_todo)
{
    redisContext *c = run->w->redis;
    struct wc_buf key = {0};
    for (size_t i = 0; i < n_todo; i++) {
        wc_buf_reset(&key);
        if (wc_buf_append(&key, WORKER_CACHE_PREFIX, strlen(WORKER_CACHE_PREFIX)) != 0 ||
            wc_buf_append(&key, todo[i], strlen(todo[i])) != 0) {
            wc_buf_free(&key);
            run->failed = 1; /* nothing sent yet for this title: replies below stay in step */
            n_todo = i;
            break;
        }
        const char *argv[] = {"GET", key.data};
        size_t argl[] = {3, key.len};
        redisAppendCommandArgv(c, 2, argv, argl);
    }
    wc_buf_free(&key);
    size_t left = 0;
    for (size_t i = 0; i < n_todo; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) {
            run->failed = 1;
            return n_todo;
        }
        const char *nl = r && r->type == REDIS_REPLY_STRING ? memchr(r->str, '\n', r->len) : NULL;
        if (nl == NULL || run->failed) {
            todo[left++] = todo[i];
        } else {
            size_t olen = (size_t)(nl - r->str);
            int o = wc_outcome_from_name(r->str, olen);
            if (push_arg(run, todo[i], strlen(todo[i])) != 0 || push_arg(run, r->str, olen) != 0 ||
                push_arg(run, nl + 1, r->len - olen - 1) != 0)
                run->failed = 1;
            else if (o >= 0)
                run->counts[o]++;
            run->cache_hits++;
        }
        freeReplyObject(r);
    }
    return left;
}

/* ---- chunks: opened when claimed, closed when every title has its outcome ------------------ */

/* KEYS processing pending; ARGV ref: put one claimed chunk back at the head of the queue. */
static const char HAND_BACK_ONE[] = "if redis.call('LREM', KEYS[1], 1, ARGV[1]) > 0 then\n"
                                    "  redis.call('LPUSH', KEYS[2], ARGV[1])\n"
                                    "end\n"
                                    "return 0\n";

static void chunk_free_run(struct chunk_run *run)
{
    if (run == NULL)
        return;
    chunk_free(run->chunk);
    free(run->todo);
    wc_buf_free(&run->text);
    free(run->ends);
    free(run);
}

/* Acknowledge (the chunk leaves our processing list) or hand it back to the queue. */
static void settle_ref(struct worker *w, const char *ref, size_t len, int hand_back)
{
    if (w->redis->err)
        return; /* the reference stays in our processing list; reaping returns it */
    if (hand_back) {
        const char *keys[] = {w->processing, w->pending};
        const char *args[] = {ref};
        size_t lens[] = {len};
        struct wc_error err = {0};
        freeReplyObject(rconn_eval(w->redis, HAND_BACK_ONE, 2, keys, 1, args, lens, &err));
    } else {
        freeReplyObject(redisCommand(w->redis, "LREM %s 1 %b", w->processing, ref, len));
    }
}

static void chunk_close(struct worker *w, struct chunk_run *run, enum chunk_end how)
{
    int hand_back = 0;
    if (flush_results(run) != 0 && !run->cancelled)
        how = CHUNK_HAND_BACK; /* Redis failed */
    if (run->cancelled) {
        log_event(LOG_INFO, "chunk_cancelled", "job=%s seq=%s", run->job_id, run->seqs);
    } else if (how == CHUNK_FINISHED) {
        char now[32], ttl[32];
        snprintf(now, sizeof now, "%lld", rconn_now_ms());
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
                freeReplyObject(redisCommand(w->redis, "HINCRBY %s jobs_done 1", w->stats));
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
    snprintf(now, sizeof now, "%lld", rconn_now_ms());
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

    /* A chunk claimed again after a crash: titles with an outcome are not fetched twice. */
    size_t n = run->chunk->n_titles;
    const char **argv = malloc((2 + n) * sizeof *argv);
    size_t *lens = malloc((2 + n) * sizeof *lens);
    run->todo = malloc(n * sizeof *run->todo);
    if (argv == NULL || lens == NULL || run->todo == NULL) {
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

    run->last_flush = run->last_cancel_check = rconn_now_ms();
    if (run->n_todo && w->cfg->cache_ttl > 0 && job_uses_cache(w, run)) {
        run->n_todo = answer_from_cache(run, run->todo, run->n_todo);
        if (run->failed || flush_results(run) != 0) {
            *failed = run->failed;
            if (!*failed)
                goto settle; /* cancelled meanwhile */
            goto out;
        }
        if (run->cache_hits)
            freeReplyObject(redisCommand(w->redis, "HINCRBY %s cache_hits %lld",
                                         run->keys.key[KEYS_JOB], run->cache_hits));
    }
    run->write_cache = w->cfg->cache_ttl > 0;
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

/* Claim (blocking for at most CLAIM_BLOCK_SECONDS when block) and open chunks until one has titles
 * to fetch. Returns it, already among the active chunks with its first index, or NULL. */
static struct chunk_run *claim_chunk(struct worker *w, int block)
{
    for (int tries = 0; tries < MAX_ACTIVE_CHUNKS; tries++) {
        if (*w->stop || w->n_active >= MAX_ACTIVE_CHUNKS ||
            (w->cfg->recycle_after > 0 && w->handled + w->n_active >= w->cfg->recycle_after))
            return NULL;
        redisReply *ref =
            block ? redisCommand(w->redis, "BLMOVE %s %s LEFT RIGHT %s", w->pending, w->processing,
                                 CLAIM_BLOCK_SECONDS)
                  : redisCommand(w->redis, "LMOVE %s %s LEFT RIGHT", w->pending, w->processing);
        if (ref == NULL || ref->type != REDIS_REPLY_STRING) {
            if (ref && ref->type == REDIS_REPLY_ERROR)
                log_event(LOG_ERROR, "claim_failed", "msg=\"%s\"", ref->str);
            freeReplyObject(ref);
            return NULL;
        }
        int failed;
        struct chunk_run *run = chunk_open(w, ref->str, ref->len, &failed);
        freeReplyObject(ref);
        if (failed)
            return NULL;
        if (run == NULL)
            continue;
        run->first_index = w->next_index;
        w->next_index += run->n_todo;
        w->active[w->n_active++] = run;
        if (run->n_todo > 0)
            return run;
        chunk_close(w, run, CHUNK_FINISHED); /* every title was known already */
    }
    return NULL;
}

/* The crawler has a free slot and nothing left to start: open the next chunk without waiting. */
static size_t more_titles(void *ctx, const char *const **titles)
{
    struct worker *w = ctx;
    if (w->stop_run || w->redis->err)
        return 0;
    struct chunk_run *run = claim_chunk(w, 0);
    if (run == NULL)
        return 0;
    *titles = run->todo;
    return run->n_todo;
}

/* ---- the loop ---------------------------------------------------------------------------- */

static int connect_redis(struct worker *w)
{
    long backoff_ms = 100;
    while (!*w->stop) {
        struct wc_error err = {0};
        w->redis = rconn_connect(w->cfg->redis, REDIS_TIMEOUT_MS, &err);
        if (w->redis)
            return 0;
        log_event(LOG_WARN, "redis_unavailable", "retry_ms=%ld msg=\"%s\"", backoff_ms,
                  err.message);
        usleep((useconds_t)backoff_ms * 1000);
        backoff_ms = backoff_ms * 2 > 5000 ? 5000 : backoff_ms * 2;
    }
    return -1;
}

/* Hand what we hold back to the head of the queue. */
static void hand_back(struct worker *w)
{
    struct wc_error err = {0};
    long long moved = jobs_reap(w->redis, w->id, &err);
    if (moved > 0)
        log_event(LOG_INFO, "chunks_handed_back", "chunks=%lld", moved);
}

int worker_run(const struct wc_config *cfg, volatile sig_atomic_t *stop)
{
    struct worker w = {0};
    w.cfg = cfg;
    w.stop = stop;
    /* Every batch of results builds a command of a few hundred KB and frees it. glibc would hand
     * those pages back to the kernel each time (trim, or an mmap of its own above the threshold)
     * and fault them in again for the next batch: measured, 7% of a worker's CPU. Keep them. */
    mallopt(M_MMAP_THRESHOLD, WORKER_KEEP_FREED_BYTES);
    mallopt(M_TRIM_THRESHOLD, WORKER_KEEP_FREED_BYTES);
    worker_id_for(w.id, sizeof w.id, (int)getpid());
    keys_processing(w.processing, sizeof w.processing, w.id);
    keys_queue(w.pending, sizeof w.pending, "pending");
    keys_queue(w.workers, sizeof w.workers, "workers");
    keys_queue(w.stats, sizeof w.stats, "stats");

    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* A lease may start requests for LEASE_REUSE_MS after its grant, each ending within the
     * request timeout: so it must live that long plus the timeout (and some slack). */
    long lease_ms = cfg->timeout_ms + LEASE_REUSE_MS + LEASE_SLACK_MS;
    struct limiter_options lopts = {cfg->rate, cfg->max_inflight, lease_ms, LEASE_REUSE_MS, w.id};
    w.limiter = limiter_new(&lopts);
    struct crawl_options opts = {cfg->wiki,
                                 cfg->user_agent,
                                 cfg->concurrency,
                                 cfg->max_attempts,
                                 cfg->connect_timeout_ms,
                                 cfg->timeout_ms,
                                 cfg->retry_base_ms,
                                 30000,
                                 cfg->maxlag};
    struct wc_error err = {0};
    w.crawler = w.limiter ? crawl_new(&opts, &err) : NULL;
    if (w.crawler == NULL) {
        log_event(LOG_ERROR, "crawler_failed", "msg=\"%s\"", err.message);
        limiter_free(w.limiter);
        curl_global_cleanup();
        return 1;
    }
    log_event(LOG_INFO, "worker_started", "worker=%s wiki=%s concurrency=%d", w.id, cfg->wiki,
              cfg->concurrency);

    /* One crawl run goes on as long as chunks keep coming: a free slot opens the next chunk
     * (more_titles) instead of waiting for the current one's last title. */
    const struct crawl_callbacks cb = {
        .on_result = on_result,
        .on_tick = on_tick,
        .acquire = on_acquire,
        .release = on_release,
        .idle = on_idle,
        .on_throttle = on_throttle,
        .more_titles = more_titles,
        .ctx = &w,
    };
    while (!*stop) {
        if (w.redis == NULL || w.redis->err) {
            if (w.redis)
                redisFree(w.redis);
            w.redis = NULL;
            if (connect_redis(&w) != 0)
                break;
            hand_back(&w); /* a previous life with this id may have left chunks */
            heartbeat(&w, 1);
        }
        heartbeat(&w, 0);
        if (cfg->recycle_after > 0 && w.handled >= cfg->recycle_after) {
            log_event(LOG_INFO, "worker_recycle", "chunks=%ld", w.handled);
            break;
        }
        w.next_index = 0;
        w.stop_run = 0;
        struct chunk_run *first = claim_chunk(&w, 1);
        if (first == NULL)
            continue;
        int rc = crawl_run(w.crawler, first->todo, first->n_todo, &cb, &err);
        limiter_release_all(w.limiter, w.redis);
        /* Chunks still open were stopped midway (cancel, stop, Redis): settle or hand back. */
        while (w.n_active > 0) {
            struct chunk_run *run = w.active[w.n_active - 1];
            chunk_close(&w, run, run->n_left == 0 ? CHUNK_FINISHED : CHUNK_HAND_BACK);
        }
        if (rc != 0 && rc != WC_ESTOP)
            log_event(LOG_ERROR, "crawl_failed", "msg=\"%s\"", err.message);
    }
    if (w.redis && w.redis->err == 0) {
        hand_back(&w);
        freeReplyObject(redisCommand(w.redis, "ZREM %s %s", w.workers, w.id));
    }
    if (w.redis)
        redisFree(w.redis);
    crawl_free(w.crawler);
    limiter_free(w.limiter);
    curl_global_cleanup();
    log_event(LOG_INFO, "worker_stopped", "chunks=%ld", w.handled);
    return 0;
}
