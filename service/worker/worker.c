/* worker.c - one worker process: claim chunks from Redis, crawl them, write the outcomes */
#include "worker.h"
#include "crawl.h"
#include "limiter.h"
#include "provenance.h"
#include "worker_internal.h"
#include "common/log.h"
#include "common/rconn.h"
#include "clock.h"

#include <curl/curl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REDIS_TIMEOUT_MS 10000
#define REAP_EVERY_MS 5000
#define CANCEL_CHECK_EVERY_MS 500
#define FLUSH_EVERY_MS 200
#define FLUSH_AT_RESULTS 16
/* After a stop request, the chunks in hand may run this long before they are handed back. */
#define STOP_GRACE_MS 20000
/* How long after its grant a fleet lease may carry another request of this worker (limiter.h):
 * long enough that a busy worker asks Redis about once per lease every few seconds instead of
 * twice per request, short enough that a killed worker's leases come back soon. */
#define LEASE_REUSE_MS 5000
/* ...and the slack on top of the request timeout: a request starts a little after its slot is
 * filled, and libcurl's timeout is counted from there. */
#define LEASE_SLACK_MS 1000
/* A crawl run keeps a few words for every title it was given (lib/crawl.c) until it ends: past
 * this many, no chunk is added and the next run starts afresh once the last titles are in. Bounds
 * a worker's memory whatever the size of the jobs (a run of a million titles held ~36 MB), at the
 * cost of the slots idling for one round trip every 64k titles. */
#define WORKER_RUN_MAX_TITLES 65536
/* Freed memory a worker keeps for reuse rather than giving back to the kernel (see worker_run). */
#define WORKER_KEEP_FREED_BYTES (32 << 20)
/* With a chunk of another wiki waiting, a run that has given no verdict for this long yields
 * (on_tick): longer than a healthy wiki's answer usually takes, shorter than a failing wiki's
 * retries. */
#define WIKI_STALL_MS 1000
/* The most requests one acquire may ask --total-rate's bucket for (a run's free slots: at most
 * --concurrency, 256). */
#define CRAWL_TOKENS_MAX 256

void worker_id_for(char *out, size_t size, int pid)
{
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    snprintf(out, size, "%s:%d", host, pid);
}

int worker_heartbeat(struct worker *w, int force)
{
    long long now = clock_monotonic_ms();
    if (!force && now - w->last_heartbeat < WORKER_HEARTBEAT_MS)
        return 0;
    w->last_heartbeat = now;
    struct wc_error hb_err = {0};
    int rc = jobs_heartbeat(w->redis, w->id, &hb_err);
    if (rc != 0)
        log_event(LOG_WARN, "heartbeat_failed", "msg=\"%s\"", hb_err.message);
    if (now - w->last_reap >= REAP_EVERY_MS) {
        w->last_reap = now;
        struct wc_error err = {0};
        long long moved = jobs_reap(w->redis, NULL, &err);
        if (moved > 0)
            log_event(LOG_WARN, "chunks_requeued", "chunks=%lld msg=\"from silent workers\"",
                      moved);
        /* Beside the reap: entries that name jobs gone meanwhile leave the indexes. */
        long long dropped = sweep_step(&w->sweep, w->redis, w->cfg->result_ttl, &err);
        if (dropped > 0)
            log_event(LOG_DEBUG, "sweep", "dropped=%lld", dropped);
        if (dropped < 0 || w->sweep.failed > 0)
            log_event(LOG_WARN, "sweep_failed", "entries=%zu msg=\"%s\"", w->sweep.failed,
                      err.message);
    }
    return rc;
}

static int on_result(void *ctx, const struct crawl_result *res)
{
    struct worker *w = ctx;
    struct chunk_run *run = chunk_run_of(w, res->index);
    if (run == NULL)
        return 0; /* cannot happen: every index handed out belongs to an open chunk */
    unsigned long long tag = run->first_tag + (res->index - run->first_index);
    if (tag > w->vtime)
        w->vtime = tag;
    const char *outcome = wc_outcome_name(res->outcome);
    const char *payload = res->payload;
    size_t payload_len = res->payload_len;
    size_t at = res->index - run->first_index;
    if (run->fields != 0 && res->outcome == WC_OUTCOME_OK) {
        /* the job asked where its records come from */
        struct provenance p = {RUN_WIKI(run), res->record ? res->record->revision_id : 0,
                               res->record ? res->record->wikidata_id : NULL,
                               run->touched ? run->touched[at] : NULL};
        wc_buf_reset(&w->with_fields);
        if (provenance_append(&w->with_fields, payload, payload_len, run->fields, &p) != 0) {
            run->failed = 1;
            return 1;
        }
        payload = w->with_fields.data;
        payload_len = w->with_fields.len;
    }
    if (outcome_add(run, res->title, strlen(res->title), outcome, strlen(outcome), payload,
                    payload_len, run->fp[at]) != 0) {
        run->failed = 1;
        return 1;
    }
    run->stats.outcomes[res->outcome]++;
    run->stats.requests_parse += res->attempts;
    if (res->attempts > 0) /* not a title its batch's answer settled */
        stats_count_fetch(&run->stats, res->fetch_ms);
    return worker_title_done(w, run);
}

int worker_title_done(struct worker *w, struct chunk_run *run)
{
    w->last_verdict_ms = clock_monotonic_ms();
    if (--run->n_left == 0) {
        /* A full Redis keeps the outcomes: the chunk stays open until on_tick has written
         * them (or the run's end waits for Redis, drain_kept_outcomes). */
        if (outcome_flush(run) != WC_EFULL)
            chunk_run_close(w, run, CHUNK_FINISHED);
        return w->stop_run;
    }
    if (record_batch_count(&run->pending) >= FLUSH_AT_RESULTS ||
        clock_monotonic_ms() - run->last_flush >= FLUSH_EVERY_MS) {
        int rc = outcome_flush(run);
        if (rc != 0 && rc != WC_EFULL)
            w->stop_run = 1; /* cancelled, or Redis failed: the run stops, the rest is settled */
    }
    return w->stop_run;
}

/* Write what the open chunks keep (a full Redis refused it before) when it is due (every chunk's
 * when !due_only), and close the chunks whose every title is now written. */
static void flush_kept_outcomes(struct worker *w, long long now, int due_only)
{
    for (int i = 0; i < w->n_active && !w->stop_run;) {
        struct chunk_run *run = w->active[i];
        int rc = 0;
        if (record_batch_count(&run->pending) > 0 &&
            (!due_only || now - run->last_flush >= FLUSH_EVERY_MS))
            rc = outcome_flush(run);
        if (rc != 0 && rc != WC_EFULL) {
            w->stop_run = 1;
        } else if (rc == 0 && run->n_left == 0 && record_batch_count(&run->pending) == 0) {
            chunk_run_close(w, run, CHUNK_FINISHED); /* takes it out of w->active */
            continue;
        }
        i++;
    }
}

static int on_tick(void *ctx)
{
    struct worker *w = ctx;
    worker_heartbeat(w, 0);
    long long now = clock_monotonic_ms();
    flush_kept_outcomes(w, now, 1);
    for (int i = 0; i < w->n_active && !w->stop_run; i++) {
        struct chunk_run *run = w->active[i];
        if (now - run->last_cancel_check < CANCEL_CHECK_EVERY_MS)
            continue;
        run->last_cancel_check = now;
        redisReply *r = redisCommand(w->redis, "HGET %s status", run->keys.key[KEYS_JOB]);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            /* dropped, or refused (LOADING, BUSY...): not a cancel; the chunk goes back */
            run->failed = 1;
        } else if (r->type == REDIS_REPLY_NIL ||
                   (r->type == REDIS_REPLY_STRING && strcmp(r->str, JOB_CANCELLED) == 0)) {
            run->cancelled = 1; /* the job is gone (expired, purged) or cancelled */
        }
        freeReplyObject(r);
        if (run->failed || run->cancelled)
            w->stop_run = 1; /* the other chunks go back to the queue and come round again */
    }
    /* A chunk of another wiki waits (w->stash) and this run's titles give no verdict: they wait
     * on retries of a failing wiki, on its budget or pause, or on slow answers. Its turn is over:
     * what has a verdict is kept, the rest goes back to the queue, and the worker serves the
     * other wiki rather than wait on this one. */
    if (w->stash != NULL && now - w->last_verdict_ms >= WIKI_STALL_MS && !w->stop_run) {
        log_event(LOG_INFO, "wiki_turn_over", "wiki=%s next=%s", w->cfg->wikis.wiki[w->wiki].name,
                  w->cfg->wikis.wiki[w->stash->wiki].name);
        w->stop_run = 1;
    }
    if (*w->stop) {
        if (w->stop_deadline == 0)
            w->stop_deadline = now + STOP_GRACE_MS;
        if (now >= w->stop_deadline)
            w->stop_run = 1;
    }
    return w->stop_run;
}

/* ---- the fleet's request budget ---------------------------------------------------------- */

/* --total-rate: the requests the wiki's budget granted take a token each from the bucket of all
 * wikis too; those without one give their lease back unused (the wiki's tokens they took are
 * lost: the wiki runs a little below its rate, never above either). Returns how many may start,
 * or the total bucket's error (every lease given back). */
static int total_tokens(struct worker *w, int granted, int *leases, long *retry_in_ms)
{
    int tokens[CRAWL_TOKENS_MAX];
    long retry_total = 0;
    int n = granted < CRAWL_TOKENS_MAX ? granted : CRAWL_TOKENS_MAX;
    int got = limiter_acquire(w->total, w->redis, n, tokens, &retry_total);
    int keep = got < 0 ? 0 : got;
    for (int i = keep; i < granted; i++)
        limiter_release(w->limiters[w->wiki], leases[i]);
    if (keep < granted)
        *retry_in_ms = retry_total > 0 ? retry_total : 1;
    return got < 0 ? got : keep;
}

static int on_acquire(void *ctx, int want, int *leases, long *retry_in_ms)
{
    struct worker *w = ctx;
    /* Redis is full: no page is fetched whose record could not be stored. The requests in flight
     * end, their outcomes are kept, and requests start again once Redis takes them. */
    if (outcome_store_refused(w)) {
        long wait = (long)(w->store_retry_at - clock_monotonic_ms());
        *retry_in_ms = wait > 0 ? wait : WORKER_REFUSED_BACKOFF_MS;
        return 0;
    }
    int granted = limiter_acquire(w->limiters[w->wiki], w->redis, want, leases, retry_in_ms);
    if (granted > 0 && w->total != NULL)
        granted = total_tokens(w, granted, leases, retry_in_ms);
    if (granted == WC_EFULL) /* the lease itself could not be written: the same wait */
        return 0;
    if (granted < 0) {
        /* Redis is gone or refused: on_tick stops the run and the chunks go back; a refusal
         * also backs the next claim off */
        if (w->redis->err == 0)
            w->refused_until = clock_monotonic_ms() + WORKER_REFUSED_BACKOFF_MS;
        w->stop_run = 1;
        return 0;
    }
    return granted;
}

static void on_release(void *ctx, int lease)
{
    struct worker *w = ctx;
    limiter_release(w->limiters[w->wiki], lease);
}

static void on_idle(void *ctx)
{
    struct worker *w = ctx;
    limiter_idle(w->limiters[w->wiki], w->redis);
}

static void on_throttle(void *ctx, long retry_after_ms)
{
    struct worker *w = ctx;
    /* The pause is this wiki's: the others' jobs go on at their pace. */
    log_event(LOG_WARN, "wiki_throttled", "wiki=%s wait_ms=%ld", w->cfg->wikis.wiki[w->wiki].name,
              retry_after_ms);
    limiter_throttle(w->limiters[w->wiki], w->redis, retry_after_ms);
}

/* A batch of titles was resolved: count its requests, remember each page's fingerprint (the
 * cache entry written for its outcome carries it), and answer what the cache can. */
static int on_batch(void *ctx, struct crawl_batch_report *batch)
{
    struct worker *w = ctx;
    /* A batch may span two chunks: its requests are counted to the first title's job. */
    struct chunk_run *first = chunk_run_of(w, batch->first_index);
    if (first != NULL)
        first->stats.requests_query += batch->attempts;
    for (size_t i = 0; i < batch->n_pages; i++) {
        struct chunk_run *run = chunk_run_of(w, batch->pages[i].index);
        if (run == NULL)
            continue;
        size_t at = batch->pages[i].index - run->first_index;
        mwquery_fingerprint(w->cfg->wikis.wiki[w->wiki].api_url, batch->pages[i].page, run->fp[at]);
        const char *touched = batch->pages[i].page->touched;
        if (run->touched != NULL && touched != NULL)
            snprintf(run->touched[at], sizeof run->touched[at], "%s", touched);
    }
    if (batch->n_pages > 0)
        cache_answer_batch(w, batch);
    return w->stop_run;
}

/* The crawler has a free slot and nothing left to start (starved): open the next chunk in turn
 * without waiting. Or titles still wait: open a chunk of a job that just arrived, if any, whose
 * titles take turns with them at once (tag_of). */
static size_t more_titles(void *ctx, const char *const **titles, int starved)
{
    struct worker *w = ctx;
    if (w->stop_run || w->redis->err || w->next_index >= WORKER_RUN_MAX_TITLES ||
        outcome_store_refused(w))
        return 0;
    struct chunk_run *run = chunk_run_claim(w, 0, !starved);
    if (run == NULL)
        return 0;
    *titles = run->todo;
    return run->n_todo;
}

/* A title's turn: its chunk's first tag on, one per title (chunk_run.c gives each chunk its
 * place). */
static unsigned long long tag_of(void *ctx, size_t index)
{
    struct chunk_run *run = chunk_run_of(ctx, index);
    return run ? run->first_tag + (index - run->first_index) : 0;
}
/* ---- the loop ---------------------------------------------------------------------------- */

/* The run is over, and a full Redis still refuses outcomes the chunks keep: wait for it (beating
 * the heart, so that the chunks are not reaped from under us) rather than hand the chunks back
 * and fetch their pages again. A stop request waits STOP_GRACE_MS at most, a dropped connection
 * not at all: the chunks are then handed back (or reaped) and the kept outcomes lost. */
static void drain_kept_outcomes(struct worker *w)
{
    long long stop_at = w->stop_deadline; /* a grace already counted by on_tick is not renewed */
    while (outcome_store_refused(w) && w->redis->err == 0) {
        long long now = clock_monotonic_ms();
        if (*w->stop && stop_at == 0)
            stop_at = now + STOP_GRACE_MS;
        if (stop_at != 0 && now >= stop_at)
            return;
        int kept = 0;
        for (int i = 0; i < w->n_active; i++)
            kept += record_batch_count(&w->active[i]->pending) > 0;
        if (kept == 0)
            return;
        if (w->store_retry_at > now)
            usleep((useconds_t)(w->store_retry_at - now) * 1000);
        worker_heartbeat(w, 0);
        w->stop_run = 0;
        flush_kept_outcomes(w, clock_monotonic_ms(), 0);
        if (w->stop_run)
            return; /* cancelled, or Redis failed: the caller settles the chunks */
    }
}

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

/* Hand what we hold back to the head of the queue. Returns 0 or WC_EREMOTE (logged). */
static int hand_back(struct worker *w)
{
    struct wc_error err = {0};
    long long moved = jobs_reap(w->redis, w->id, &err);
    if (moved < 0) {
        log_event(LOG_WARN, "hand_back_failed", "msg=\"%s\"", err.message);
        return (int)moved;
    }
    if (moved > 0)
        log_event(LOG_INFO, "chunks_handed_back", "chunks=%lld", moved);
    return 0;
}

/* On a new connection, before anything is claimed: the chunks a previous connection (or a
 * previous process with this id) left in our processing list go back to the queue, and the
 * leases Redis still holds in our name are dropped. Both must succeed: a Redis that answers
 * LOADING now is asked again shortly, not skipped (its chunks would stay in our list while we
 * live, and its restored leases would fill the cap). Returns 0 or WC_EREMOTE. */
static int reconcile(struct worker *w)
{
    if (hand_back(w) != 0)
        return WC_EREMOTE;
    struct wc_error err = {0};
    long long dropped = 0;
    for (size_t i = 0; i < w->cfg->wikis.n; i++) {
        long long n = limiter_reset(w->limiters[i], w->redis, &err);
        if (n < 0) {
            log_event(LOG_WARN, "lease_reset_failed", "msg=\"%s\"", err.message);
            return WC_EREMOTE;
        }
        dropped += n;
    }
    if (dropped > 0)
        log_event(LOG_INFO, "stale_leases_dropped", "leases=%lld", dropped);
    /* hand_back took us out of the workers set: until a heartbeat is in, a SIGKILL would leave
     * what we claim where no reaper looks */
    return worker_heartbeat(w, 1);
}

/* The crawler of one wiki, made at the start (its connections are kept between runs). NULL when
 * libcurl refuses a setting (logged). */
static struct crawler *crawler_new_for(const struct wc_config *cfg, int wiki, struct wc_error *err)
{
    struct crawl_options opts = {cfg->wikis.wiki[wiki].api_url,
                                 cfg->user_agent,
                                 cfg->concurrency,
                                 cfg->max_attempts,
                                 cfg->connect_timeout_ms,
                                 cfg->timeout_ms,
                                 cfg->retry_base_ms,
                                 cfg->retry_max_ms,
                                 cfg->maxlag,
                                 cfg->resolve_batch};
    struct crawler *crawler = crawl_new(&opts, err);
    if (crawler == NULL)
        log_event(LOG_ERROR, "crawler_failed", "wiki=%s msg=\"%s\"", cfg->wikis.wiki[wiki].name,
                  err->message);
    return crawler;
}

/* The chunk of another wiki kept for the next run is given back (with the connection's other
 * references when it dropped: the reconnection hands them back). */
static void drop_stash(struct worker *w)
{
    if (w->stash == NULL)
        return;
    if (w->redis != NULL)
        chunk_run_close(w, w->stash, CHUNK_HAND_BACK);
    w->stash = NULL;
}

static void free_worker(struct worker *w)
{
    for (size_t i = 0; i < WIKIS_MAX; i++) {
        crawl_free(w->crawlers[i]);
        limiter_free(w->limiters[i]);
    }
    limiter_free(w->total);
    gzip_writer_free(w->gz);
    wc_buf_free(&w->with_fields);
    mem_probe_destroy(&w->mem);
    curl_global_cleanup();
}

int worker_run(const struct wc_config *cfg, volatile sig_atomic_t *stop)
{
    struct worker w = {0};
    sweep_init(&w.sweep);
    w.cfg = cfg;
    w.stop = stop;
    /* Every batch of results builds a command of a few hundred KB and frees it. glibc would hand
     * those pages back to the kernel each time (trim, or an mmap of its own above the threshold)
     * and fault them in again for the next batch: measured, 7% of a worker's CPU. Keep them. */
    mallopt(M_MMAP_THRESHOLD, WORKER_KEEP_FREED_BYTES);
    mallopt(M_TRIM_THRESHOLD, WORKER_KEEP_FREED_BYTES);
    worker_id_for(w.id, sizeof w.id, (int)getpid());
    if (mem_probe_init(&w.mem, cfg->redis_max_memory) != 0)
        return 1;
    keys_processing(w.processing, sizeof w.processing, w.id);
    keys_queue(w.workers, sizeof w.workers, "workers");
    keys_queue(w.stats, sizeof w.stats, "stats");

    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* A lease may start requests for LEASE_REUSE_MS after its grant, each ending within the
     * request timeout: so it must live that long plus the timeout (and some slack). */
    long lease_ms = cfg->timeout_ms + LEASE_REUSE_MS + LEASE_SLACK_MS;
    struct wc_error err = {0};
    int ok = 1;
    for (size_t i = 0; i < cfg->wikis.n; i++) {
        const struct wiki *wk = &cfg->wikis.wiki[i];
        struct limiter_options lopts = {wk->rate,       wk->inflight, lease_ms,
                                        LEASE_REUSE_MS, w.id,         wk->name};
        w.limiters[i] = limiter_new(&lopts);
        /* Made now, not at the wiki's first job: a setting libcurl refuses stops the worker at
         * once, as it did with one wiki. */
        if (ok && w.limiters[i] != NULL)
            w.crawlers[i] = crawler_new_for(cfg, (int)i, &err);
        ok = ok && w.limiters[i] != NULL && w.crawlers[i] != NULL;
    }
    if (ok && cfg->total_rate > 0) {
        /* tokens only (no cap): leases stay the wikis' own */
        struct limiter_options topts = {cfg->total_rate, 0, lease_ms, 0, w.id, KEYS_ALL_WIKIS};
        w.total = limiter_new(&topts);
        ok = w.total != NULL;
    }
    w.gz = ok ? gzip_writer_new_learning() : NULL;
    if (w.gz == NULL) {
        if (ok)
            log_event(LOG_ERROR, "worker_failed", "msg=\"out of memory\"");
        free_worker(&w);
        return 1;
    }
    log_event(LOG_INFO, "worker_started", "worker=%s wikis=%zu concurrency=%d", w.id, cfg->wikis.n,
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
        .tag_of = tag_of,
        .on_batch = on_batch,
        .ctx = &w,
    };
    while (!*stop) {
        if (w.redis == NULL || w.redis->err) {
            drop_stash(&w); /* the reconnection hands it back with the rest */
            if (w.redis)
                redisFree(w.redis);
            w.redis = NULL;
            w.reconciled = 0;
            if (connect_redis(&w) != 0)
                break;
        }
        if (!w.reconciled) {
            if (reconcile(&w) != 0) {
                usleep(WORKER_REFUSED_BACKOFF_MS * 1000);
                continue;
            }
            w.reconciled = 1;
        }
        worker_heartbeat(&w, 0);
        if (cfg->recycle_after > 0 && w.handled >= cfg->recycle_after) {
            log_event(LOG_INFO, "worker_recycle", "chunks=%ld", w.handled);
            break;
        }
        w.next_index = 0;
        w.vtime = 0;
        w.stop_run = 0;
        /* A chunk of another wiki waiting since the last run goes first: it was claimed in its
         * turn. */
        struct chunk_run *first = w.stash ? chunk_run_unstash(&w) : chunk_run_claim(&w, 1, 0);
        if (first == NULL) {
            long long refused_ms = w.refused_until - clock_monotonic_ms();
            if (refused_ms > 0)
                usleep((useconds_t)refused_ms * 1000);
            continue;
        }
        w.wiki = first->wiki;
        w.last_verdict_ms = clock_monotonic_ms();
        w.running = 1;
        int rc = crawl_run(w.crawlers[w.wiki], first->todo, first->n_todo, &cb, &err);
        w.running = 0;
        limiter_release_all(w.limiters[w.wiki], w.redis);
        drain_kept_outcomes(&w);
        /* Chunks still open were stopped midway (cancel, stop, Redis): settle or hand back. */
        while (w.n_active > 0) {
            struct chunk_run *run = w.active[w.n_active - 1];
            chunk_run_close(&w, run, run->n_left == 0 ? CHUNK_FINISHED : CHUNK_HAND_BACK);
        }
        w.store_retry_at = 0; /* nothing is kept now: the next claim finds out if Redis has room */
        if (rc != 0 && rc != WC_ESTOP)
            log_event(LOG_ERROR, "crawl_failed", "msg=\"%s\"", err.message);
    }
    drop_stash(&w);
    if (w.redis && w.redis->err == 0) {
        hand_back(&w);
        freeReplyObject(redisCommand(w.redis, "ZREM %s %s", w.workers, w.id));
    }
    if (w.redis)
        redisFree(w.redis);
    free_worker(&w);
    log_event(LOG_INFO, "worker_stopped", "chunks=%ld", w.handled);
    return 0;
}
