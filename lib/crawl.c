/* crawl.c - fetch many titles concurrently from a MediaWiki API (libcurl multi), with retries */
#include "crawl.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "crawl_internal.h"
#include "crawl_retry.h"
#include "error_line.h"
#include "record_json.h"

/* Everything but the title; see crawl.h. The pipes are written %7C so that the URL is valid as
 * RFC 3986 has it, whatever parser the wiki's front end uses. */
#define FIXED_QUERY                                                                                \
    "action=parse&format=json&formatversion=2&redirects=1"                                         \
    "&prop=text%7Ccategories%7Clinks%7Cexternallinks%7Csections%7Cproperties%7Crevid"              \
    "&disablelimitreport=1&disableeditsection=1&disabletoc=1"

/* CURLOPT_BUFFERSIZE of every transfer. */
#define CRAWL_RECEIVE_BUFFER (64L * 1024)

/* The loop never sleeps longer than this, so on_tick keeps its 250 ms promise. */
#define POLL_MAX_MS 100
#define TICK_EVERY_MS 50
/* When more_titles() has nothing, it is asked again after this long (it may cost a round trip). */
#define ASK_MORE_EVERY_MS 100
/* Parse answers are judged (parsed, recorded) in groups: once the oldest has waited
 * JUDGE_DEFER_MS, once JUDGE_AT(concurrency) are waiting, or when nothing is in flight. Their slots
 * send the next requests at once, so this costs no throughput. On a wiki that answers in ~100 ms,
 * each answer would otherwise wake a worker from idle on its own, and on a shared 2-CPU VM a page
 * parsed after an idle gap costs markedly more CPU than one parsed right after another (the
 * commit that brought this has the A/B). A record reaches Redis at most JUDGE_DEFER_MS later.
 * Answers that need a decision at once are judged when they arrive (needs_verdict_now()). */
#define JUDGE_DEFER_MS 25
#define JUDGE_AT(concurrency) ((concurrency) / 2 > 0 ? (concurrency) / 2 : 1)
/* Fewer than JUDGE_AT wait when a wakeup collects at most one answer per slot. */
#define ANSWERS_CAP(concurrency) (JUDGE_AT(concurrency) + (concurrency))

static uint64_t rng_seed(const void *salt)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t seed = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    seed ^= (uint64_t)getpid() << 32;
    seed ^= (uint64_t)(uintptr_t)salt;
    return seed;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct transfer *t = userdata;
    size_t n = size * nmemb;
    if (t->body.len + n > CRAWL_MAX_BODY_BYTES) {
        t->too_large = 1;
        return 0;
    }
    if (wc_buf_append(&t->body, data, n) != 0)
        return 0;
    return n;
}

/* The requests made so far for item: a title's, or a batch's (CRAWL_ITEM_BATCH). */
static int *item_attempts(struct run *r, size_t item)
{
    return item & CRAWL_ITEM_BATCH ? resolve_attempts(r, item & ~CRAWL_ITEM_BATCH)
                                   : &r->state[item].attempts;
}

/* libcurl sends a request again, on a new connection, when a reused connection dies before
 * anything of the answer arrived (and on a refused HTTP/2 stream). Those re-sends are requests the
 * wiki sees: each counts as an attempt, and none is made once the attempts are spent. */
static int on_send(void *userdata, char *conn_primary_ip, char *conn_local_ip,
                   int conn_primary_port, int conn_local_port)
{
    (void)conn_primary_ip;
    (void)conn_local_ip;
    (void)conn_primary_port;
    (void)conn_local_port;
    struct transfer *t = userdata;
    if (++t->sends == 1)
        return CURL_PREREQFUNC_OK; /* counted when the request was started */
    int *attempts = item_attempts(t->run, t->item);
    if (*attempts >= t->max_attempts) {
        t->resend_refused = 1;
        return CURL_PREREQFUNC_ABORT;
    }
    (*attempts)++;
    return CURL_PREREQFUNC_OK;
}

static int setup_easy(struct crawler *c, struct transfer *t)
{
    int https = strncmp(c->opts.api_url, "https:", 6) == 0;
    CURL *e = t->easy;
    CURLcode rc = CURLE_OK;
    /* Each call is checked by the accumulation: one failure is enough to refuse the handle. */
    rc |= curl_easy_setopt(e, CURLOPT_USERAGENT, c->opts.user_agent);
    rc |= curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    rc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->opts.connect_timeout_ms);
    rc |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->opts.timeout_ms);
    rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    rc |= curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    rc |= curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    rc |= curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_send);
    rc |= curl_easy_setopt(e, CURLOPT_PREREQDATA, t);
    rc |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
    rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    /* An answer is 10-100 KB: read it in 64 KB steps, not libcurl's 16 KB, for fewer receive
     * calls and callbacks per page (each transfer's buffer costs 48 KB more). */
    rc |= curl_easy_setopt(e, CURLOPT_BUFFERSIZE, CRAWL_RECEIVE_BUFFER);
    /* Only the wiki we were given: no redirects, no other protocol. */
    rc |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    rc |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    /* HTTP/2 is only negotiated over TLS (ALPN); there, wait for the first connection to say
     * whether it multiplexes rather than opening `concurrency` connections at once. Over plain
     * HTTP waiting would only delay the first requests by one round trip. */
    if (https)
        rc |= curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    return rc == CURLE_OK ? 0 : -1;
}

/* CURLMOPT_SOCKETFUNCTION: watch s for what libcurl waits for, or stop watching it. socketp is
 * what curl_multi_assign() left on s: non-NULL once s is in the epoll set, so that a change of
 * direction costs one epoll_ctl(), not a failed MOD and an ADD. */
static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
    (void)easy;
    struct crawler *c = userp;
    if (what == CURL_POLL_REMOVE) {
        /* The socket may be closed already, which dropped it from the set: nothing to undo.
         * libcurl forgets socketp with the socket. */
        epoll_ctl(c->epfd, EPOLL_CTL_DEL, s, NULL);
        return 0;
    }
    struct epoll_event ev = {0};
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    ev.data.fd = s;
    /* Either guess may be wrong when a number libcurl reuses for a new socket is still
     * registered, or a socket left the set without CURL_POLL_REMOVE: then the other call. */
    if (socketp != NULL) {
        if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, s, &ev) == 0)
            return 0;
        if (errno != ENOENT || epoll_ctl(c->epfd, EPOLL_CTL_ADD, s, &ev) != 0)
            return -1;
        return 0;
    }
    if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, s, &ev) != 0 &&
        (errno != EEXIST || epoll_ctl(c->epfd, EPOLL_CTL_MOD, s, &ev) != 0))
        return -1;
    curl_multi_assign(c->multi, s, c);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: when to call curl_multi_socket_action(CURL_SOCKET_TIMEOUT). */
static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct crawler *c = userp;
    c->timer_at_ms = timeout_ms < 0 ? -1 : clock_monotonic_ms() + timeout_ms;
    return 0;
}

struct crawler *crawl_new(const struct crawl_options *opts, struct wc_error *err)
{
    if (opts == NULL || opts->api_url == NULL || opts->user_agent == NULL ||
        opts->api_url[0] == '\0') {
        wc_error_set(err, WC_EINVAL, "crawl_new: api_url and user_agent are required");
        return NULL;
    }
    struct crawler *c = calloc(1, sizeof *c);
    if (c == NULL) {
        wc_error_set(err, WC_ENOMEM, "crawl_new: out of memory");
        return NULL;
    }
    c->epfd = -1;
    c->opts = *opts;
    c->opts.api_url = NULL;
    c->opts.user_agent = NULL;
    if (c->opts.concurrency <= 0)
        c->opts.concurrency = 8;
    if (c->opts.max_attempts <= 0)
        c->opts.max_attempts = 5;
    if (c->opts.connect_timeout_ms <= 0)
        c->opts.connect_timeout_ms = 10000;
    if (c->opts.timeout_ms <= 0)
        c->opts.timeout_ms = 60000;
    if (c->opts.retry_base_ms <= 0)
        c->opts.retry_base_ms = 500;
    if (c->opts.retry_max_ms <= 0)
        c->opts.retry_max_ms = 30000;
    if (c->opts.resolve_batch < 0 || c->opts.resolve_batch > MWQUERY_BATCH_HIGH) {
        wc_error_set(err, WC_EINVAL, "crawl_new: resolve_batch must be 0..%d", MWQUERY_BATCH_HIGH);
        goto fail;
    }
    c->opts.api_url = strdup(opts->api_url);
    c->opts.user_agent = strdup(opts->user_agent);
    if (c->opts.api_url == NULL || c->opts.user_agent == NULL)
        goto nomem;

    struct wc_buf prefix = WC_BUF_INIT;
    char maxlag[32] = "";
    if (c->opts.maxlag >= 0)
        snprintf(maxlag, sizeof maxlag, "&maxlag=%d", c->opts.maxlag);
    if (wc_buf_printf(&prefix, "%s%c%s%s&page=", c->opts.api_url,
                      strchr(c->opts.api_url, '?') ? '&' : '?', FIXED_QUERY, maxlag) != 0) {
        wc_buf_free(&prefix);
        goto nomem;
    }
    c->url_prefix = wc_buf_detach(&prefix, &c->url_prefix_len);
    if (c->url_prefix == NULL)
        goto nomem;

    c->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (c->epfd < 0) {
        wc_error_set(err, WC_EIO, "crawl_new: epoll_create1: %s", strerror(errno));
        goto fail;
    }
    c->timer_at_ms = -1;
    c->x = html_text_new();
    c->multi = curl_multi_init();
    c->slots = calloc((size_t)c->opts.concurrency, sizeof *c->slots);
    c->free_slots = calloc((size_t)c->opts.concurrency, sizeof *c->free_slots);
    c->answers = calloc(ANSWERS_CAP((size_t)c->opts.concurrency), sizeof *c->answers);
    c->leases = calloc((size_t)c->opts.concurrency, sizeof *c->leases);
    c->events = calloc((size_t)c->opts.concurrency, sizeof *c->events);
    if (c->x == NULL || c->multi == NULL || c->slots == NULL || c->free_slots == NULL ||
        c->answers == NULL || c->leases == NULL || c->events == NULL)
        goto nomem;
    CURLMcode mrc = CURLM_OK;
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    /* At most `concurrency` connections to the wiki, and as many kept for the next request. */
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->opts.concurrency);
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->opts.concurrency);
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    mrc |= curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    if (mrc != CURLM_OK) {
        wc_error_set(err, WC_EINVAL, "crawl_new: libcurl refused a multi option");
        goto fail;
    }
    for (int i = 0; i < c->opts.concurrency; i++) {
        struct transfer *t = &c->slots[i];
        t->max_attempts = c->opts.max_attempts;
        t->easy = curl_easy_init();
        if (t->easy == NULL)
            goto nomem;
        if (setup_easy(c, t) != 0) {
            wc_error_set(err, WC_EINVAL, "crawl_new: libcurl refused an option (too old?)");
            goto fail;
        }
        c->free_slots[c->n_free++] = i;
    }
    c->rng = rng_seed(c);
    return c;
nomem:
    wc_error_set(err, WC_ENOMEM, "crawl_new: out of memory");
fail:
    crawl_free(c);
    return NULL;
}

void crawl_free(struct crawler *c)
{
    if (c == NULL)
        return;
    if (c->slots) {
        for (int i = 0; i < c->opts.concurrency; i++) {
            struct transfer *t = &c->slots[i];
            if (t->busy)
                curl_multi_remove_handle(c->multi, t->easy);
            if (t->easy)
                curl_easy_cleanup(t->easy);
            wc_buf_free(&t->body);
        }
    }
    if (c->answers) {
        for (size_t i = 0; i < ANSWERS_CAP((size_t)c->opts.concurrency); i++)
            wc_buf_free(&c->answers[i].body);
    }
    if (c->multi)
        curl_multi_cleanup(c->multi);
    if (c->epfd >= 0)
        close(c->epfd);
    free(c->events);
    html_text_free(c->x);
    wc_buf_free(&c->url);
    wc_buf_free(&c->post);
    wc_buf_free(&c->payload);
    free(c->slots);
    free(c->free_slots);
    free(c->answers);
    free(c->leases);
    free(c->url_prefix);
    free((char *)c->opts.api_url);
    free((char *)c->opts.user_agent);
    free(c);
}

/* ---- one request ----------------------------------------------------------------------------- */

static void finish_slot(struct run *r, struct transfer *t)
{
    struct crawler *c = r->c;
    curl_multi_remove_handle(c->multi, t->easy);
    t->busy = 0;
    c->free_slots[c->n_free++] = (int)(t - c->slots);
    if (t->acquired && r->cb->release) {
        r->cb->release(r->cb->ctx, t->lease);
        /* The budget just got room, and this run knows it first: ask at once instead of waiting
         * out the "not now" the limiter gave earlier (which guessed when room would come). */
        r->gate_until_ms = 0;
        r->idle_owed = 1;
    }
    t->acquired = 0;
}

/* Point the handle at the parse request for titles[title]. */
static int prepare_parse(struct run *r, struct transfer *t, size_t title, struct wc_error *err)
{
    struct crawler *c = r->c;
    const char *name = r->titles[title];
    char *escaped = curl_easy_escape(t->easy, name, (int)strlen(name));
    wc_buf_reset(&c->url);
    int built = escaped != NULL && wc_buf_append(&c->url, c->url_prefix, c->url_prefix_len) == 0 &&
                wc_buf_puts(&c->url, escaped) == 0;
    curl_free(escaped);
    if (!built)
        return wc_error_set(err, WC_ENOMEM, "out of memory building a request");
    /* libcurl copies the URL. The slot may have carried a batch's POST. */
    if (curl_easy_setopt(t->easy, CURLOPT_URL, c->url.data) != CURLE_OK ||
        curl_easy_setopt(t->easy, CURLOPT_HTTPGET, 1L) != CURLE_OK)
        return wc_error_set(err, WC_EIO, "libcurl refused a request's URL");
    return 0;
}

/* Start the request for item (a title or a batch) in a free slot; acquired says release(lease)
 * is owed. */
static int start_request(struct run *r, size_t item, int acquired, int lease, struct wc_error *err)
{
    struct crawler *c = r->c;
    struct transfer *t = &c->slots[c->free_slots[c->n_free - 1]];
    int rc = item & CRAWL_ITEM_BATCH ? resolve_prepare(r, t, item & ~CRAWL_ITEM_BATCH, err)
                                     : prepare_parse(r, t, item, err);
    if (rc != 0)
        return rc;
    wc_buf_reset(&t->body);
    t->errbuf[0] = '\0';
    t->too_large = 0;
    t->sends = 0;
    t->resend_refused = 0;
    t->run = r;
    t->item = item;
    if (curl_multi_add_handle(c->multi, t->easy) != CURLM_OK)
        return wc_error_set(err, WC_EIO, "libcurl could not start a request");
    c->n_free--;
    t->busy = 1;
    t->acquired = acquired;
    t->lease = lease;
    (*item_attempts(r, item))++;
    return 0;
}

/* The next item to request now, or SIZE_MAX: due retries first, then new batches and the titles
 * they left to parse (with resolution), or fresh titles (without). */
static size_t next_item(struct run *r, long long now, int *rc)
{
    *rc = 0;
    if (r->retry.n > 0 && r->retry.entries[0].due_ms <= now)
        return crawl_heap_pop(&r->retry);
    if (r->c->opts.resolve_batch > 0)
        return resolve_next_item(r, rc);
    if (r->next_fresh < r->n)
        return r->next_fresh++;
    return SIZE_MAX;
}

/* Append titles to the run. 0 or WC_ENOMEM. */
static int add_titles(struct run *r, const char *const *titles, size_t n, struct wc_error *err)
{
    if (r->n + n > r->cap) {
        size_t cap = r->cap ? r->cap : 64;
        while (cap < r->n + n)
            cap *= 2;
        const char **t = realloc(r->titles, cap * sizeof *t);
        if (t != NULL)
            r->titles = t;
        struct title_state *st = realloc(r->state, cap * sizeof *st);
        if (st != NULL)
            r->state = st;
        int heap_rc = crawl_heap_reserve(&r->retry, cap);
        int resolve_rc = resolve_reserve(r, cap);
        if (t == NULL || st == NULL || heap_rc != 0 || resolve_rc != 0)
            return wc_error_set(err, WC_ENOMEM, "crawl_run: out of memory for %zu titles",
                                r->n + n);
        r->cap = cap;
    }
    memcpy(r->titles + r->n, titles, n * sizeof *titles);
    memset(r->state + r->n, 0, n * sizeof *r->state);
    r->n += n;
    return 0;
}

/* Every title given so far has started (starved): ask the caller for more, not too often when
 * it has none; or titles still wait: offer the caller to add some that take their turn now, every
 * CRAWL_OFFER_EVERY_MS. Returns how many were added, or < 0. */
static long ask_more(struct run *r, long long now, int starved, struct wc_error *err)
{
    long long *next_ask = starved ? &r->ask_more_at_ms : &r->offer_at_ms;
    if (r->cb->more_titles == NULL || now < *next_ask)
        return 0;
    const char *const *more = NULL;
    size_t n = r->cb->more_titles(r->cb->ctx, &more, starved);
    if (!starved)
        r->offer_at_ms = now + CRAWL_OFFER_EVERY_MS;
    if (n == 0) {
        if (starved)
            r->ask_more_at_ms = now + ASK_MORE_EVERY_MS;
        return 0;
    }
    int rc = add_titles(r, more, n, err);
    if (rc == 0 && !starved)
        r->offered_end = r->n;
    return rc != 0 ? rc : (long)n;
}

/* How many requests could start now, at most limit: retries that are due, then fresh titles (or,
 * with resolution, new batches and the titles they left to parse). */
static int due_requests(const struct run *r, long long now, int limit)
{
    int due = 0;
    for (size_t i = 0; i < r->retry.n && due < limit; i++)
        due += r->retry.entries[i].due_ms <= now;
    if (r->c->opts.resolve_batch > 0)
        return resolve_count_startable(r, due, limit);
    size_t fresh = r->n - r->next_fresh;
    return fresh < (size_t)(limit - due) ? due + (int)fresh : limit;
}

/* Start as many requests as slots, due titles and the limiter allow: one acquire() for all the
 * slots free at once, so a limiter can answer them with one call. */
static int fill_slots(struct run *r, struct wc_error *err)
{
    const struct crawl_callbacks *cb = r->cb;
    struct crawler *c = r->c;
    for (;;) {
        long long now = clock_monotonic_ms();
        if (c->n_free == 0 || now < r->gate_until_ms)
            return 0;
        long added = ask_more(r, now, r->next_fresh == r->n, err);
        if (added < 0)
            return (int)added;
        int want = due_requests(r, now, c->n_free);
        if (want == 0) {
            if (r->idle_owed && cb->idle)
                cb->idle(cb->ctx);
            r->idle_owed = 0;
            return 0;
        }
        int granted = want;
        if (cb->acquire) {
            long retry_in_ms = 0;
            granted = cb->acquire(cb->ctx, want, c->leases, &retry_in_ms);
            if (granted < want)
                r->gate_until_ms = now + (retry_in_ms > 0 ? retry_in_ms : 1);
        }
        for (int i = 0; i < granted; i++) {
            int rc = 0;
            size_t item = next_item(r, now, &rc);
            int lease = cb->acquire ? c->leases[i] : -1;
            if (item == SIZE_MAX && rc == 0) {
                /* Counted but gone (a batch of unbatchable titles only): give the lease back. */
                if (cb->acquire && cb->release)
                    cb->release(cb->ctx, lease);
                continue;
            }
            if (rc == 0)
                rc = start_request(r, item, cb->acquire != NULL, lease, err);
            else
                wc_error_set(err, rc, "out of memory cutting a batch");
            if (rc != 0) {
                for (int j = i; cb->acquire && cb->release && j < granted; j++)
                    cb->release(cb->ctx, c->leases[j]);
                return rc;
            }
        }
        if (granted < want)
            return 0;
    }
}

/* ---- verdicts -------------------------------------------------------------------------------- */

int crawl_deliver(struct run *r, size_t title, enum wc_outcome outcome, const char *payload,
                  size_t payload_len, long fetch_ms, const struct wc_record *record)
{
    struct crawl_result res = {
        .index = title,
        .title = r->titles[title],
        .outcome = outcome,
        .payload = payload,
        .payload_len = payload_len,
        .attempts = r->state[title].attempts,
        .fetch_ms = fetch_ms,
        .record = record,
    };
    r->n_done++;
    return r->cb->on_result(r->cb->ctx, &res) != 0 ? WC_ESTOP : 0;
}

int crawl_error_payload(struct crawler *c, const char *title, enum wc_outcome outcome,
                        const char *code, const char *detail)
{
    wc_buf_reset(&c->payload);
    return error_line_append(&c->payload, title, strlen(title), outcome, code, detail);
}

int crawl_retry_later(struct run *r, size_t item, int attempts, long retry_after_ms, int throttled)
{
    struct crawler *c = r->c;
    struct crawl_retry_plan plan;
    crawl_retry_plan(&c->rng, c->opts.retry_base_ms, c->opts.retry_max_ms, attempts,
                     c->opts.max_attempts, retry_after_ms, throttled, &plan);
    if (plan.throttled && r->cb->on_throttle)
        r->cb->on_throttle(r->cb->ctx, plan.throttle_ms);
    if (plan.give_up)
        return 0;
    crawl_heap_push(&r->retry, clock_monotonic_ms() + plan.wait_ms, item);
    return 1;
}

void crawl_answer_trim(struct answer *a)
{
    if (a->body.cap > CRAWL_ANSWER_KEEP_BYTES)
        wc_buf_free(&a->body);
}

/* A retryable answer: another attempt later, or FAILED when the attempts are spent. */
static int retry_or_fail(struct run *r, size_t title, const char *code, const char *detail,
                         long retry_after_ms, int throttled, long fetch_ms, struct wc_error *err)
{
    struct crawler *c = r->c;
    if (crawl_retry_later(r, title, r->state[title].attempts, retry_after_ms, throttled))
        return 0;
    if (crawl_error_payload(c, r->titles[title], WC_OUTCOME_FAILED, code, detail) != 0)
        return wc_error_set(err, WC_ENOMEM, "out of memory writing a verdict");
    return crawl_deliver(r, title, WC_OUTCOME_FAILED, c->payload.data, c->payload.len, fetch_ms,
                         NULL);
}

/* A request ended: take its answer out of the slot and free the slot. */
static void collect(struct run *r, struct transfer *t, CURLcode curl_result)
{
    struct crawler *c = r->c;
    struct answer *a = &c->answers[c->n_answers++];
    curl_off_t total_us = 0, retry_after_s = 0;
    a->status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total_us);
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &a->status);
    /* Both forms of RFC 9110 section 10.2.3 (seconds or a date) come out as seconds. */
    curl_easy_getinfo(t->easy, CURLINFO_RETRY_AFTER, &retry_after_s);
    a->fetch_ms = (long)(total_us / 1000);
    a->retry_after_ms = crawl_retry_after_ms(retry_after_s);
    a->item = t->item;
    a->result = curl_result;
    a->too_large = t->too_large;
    a->resend_refused = t->resend_refused;
    memcpy(a->errbuf, t->errbuf, sizeof a->errbuf);
    struct wc_buf body = a->body;
    a->body = t->body;
    t->body = body;
    wc_buf_reset(&t->body);
    finish_slot(r, t);
}

/* The verdict on one answer: a result, or another attempt later. */
static int judge(struct run *r, struct answer *a, struct wc_error *err)
{
    struct crawler *c = r->c;
    if (a->item & CRAWL_ITEM_BATCH)
        return resolve_judge(r, a, err);
    size_t title = a->item;
    const char *name = r->titles[title];

    if (a->result != CURLE_OK) {
        struct crawl_curl_verdict v;
        crawl_curl_verdict(a->result, a->too_large, a->resend_refused, a->errbuf, &v);
        if (!v.final)
            return retry_or_fail(r, title, v.code, v.detail, 0, 0, a->fetch_ms, err);
        if (crawl_error_payload(c, name, WC_OUTCOME_FAILED, v.code, v.detail) != 0)
            return wc_error_set(err, WC_ENOMEM, "out of memory writing a verdict");
        return crawl_deliver(r, title, WC_OUTCOME_FAILED, c->payload.data, c->payload.len,
                             a->fetch_ms, NULL);
    }

    struct mw_result res;
    struct wc_record *record = NULL;
    int rc = mwparse_answer(c->x, a->body.data ? a->body.data : "", a->body.len, a->status, name,
                            &record, &res, err);
    crawl_answer_trim(a);
    if (rc != 0)
        return rc;
    if (res.outcome == WC_OUTCOME_RETRYABLE) {
        int throttled = crawl_answer_is_throttle(a->status, res.code);
        return retry_or_fail(r, title, res.code, res.detail, a->retry_after_ms, throttled,
                             a->fetch_ms, err);
    }
    if (res.outcome == WC_OUTCOME_OK) {
        wc_buf_reset(&c->payload);
        rc = record_json_append(&c->payload, record);
        if (rc != 0) {
            wc_record_free(record);
            return wc_error_set(err, WC_ENOMEM, "out of memory writing a record");
        }
    } else if (crawl_error_payload(c, name, res.outcome, res.code, res.detail) != 0) {
        return wc_error_set(err, WC_ENOMEM, "out of memory writing a verdict");
    }
    rc = crawl_deliver(r, title, res.outcome, c->payload.data, c->payload.len, a->fetch_ms, record);
    wc_record_free(record);
    return rc;
}

static int tick(struct run *r)
{
    long long now = clock_monotonic_ms();
    if (r->cb->on_tick == NULL || now - r->last_tick_ms < TICK_EVERY_MS)
        return 0;
    r->last_tick_ms = now;
    return r->cb->on_tick(r->cb->ctx) != 0 ? WC_ESTOP : 0;
}

/* How long the loop may sleep: until a request can start, at most POLL_MAX_MS. */
static int poll_timeout(const struct run *r)
{
    long long now = clock_monotonic_ms();
    long long wake = now + POLL_MAX_MS;
    /* With resolution, fresh titles wait while the batches in flight fill the look-ahead: only
     * what could start counts, or the loop would spin until an answer comes. */
    int ready =
        r->c->opts.resolve_batch > 0 ? resolve_count_startable(r, 0, 1) > 0 : r->next_fresh < r->n;
    if (r->c->n_free > 0 && (ready || r->retry.n > 0)) {
        long long start_at = ready ? now : r->retry.entries[0].due_ms;
        if (start_at < r->gate_until_ms)
            start_at = r->gate_until_ms;
        if (start_at < wake)
            wake = start_at;
    }
    if (r->c->n_answers > 0 && r->c->answers_since_ms + JUDGE_DEFER_MS < wake)
        wake = r->c->answers_since_ms + JUDGE_DEFER_MS;
    return wake <= now ? 0 : (int)(wake - now);
}

/* Run libcurl's due timeouts: that is also how new transfers are started (adding a handle sets a
 * timeout of 0). */
static int drive_timeout(struct crawler *c, struct wc_error *err)
{
    if (c->timer_at_ms < 0 || clock_monotonic_ms() < c->timer_at_ms)
        return 0;
    c->timer_at_ms = -1; /* the call may set a new one */
    int running = 0;
    CURLMcode mrc = curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    if (mrc != CURLM_OK)
        return wc_error_set(err, WC_EIO, "libcurl's multi interface failed: %s",
                            curl_multi_strerror(mrc));
    return 0;
}

/* Sleep until a socket is ready, libcurl's timer is due or a request could start (at most
 * POLL_MAX_MS), then let libcurl act on what happened. */
static int wait_and_drive(struct run *r, struct wc_error *err)
{
    struct crawler *c = r->c;
    int wait = poll_timeout(r);
    if (c->timer_at_ms >= 0) {
        long long until_timer = c->timer_at_ms - clock_monotonic_ms();
        if (until_timer < wait)
            wait = until_timer > 0 ? (int)until_timer : 0;
    }
    int n = epoll_wait(c->epfd, c->events, c->opts.concurrency, wait);
    if (n < 0 && errno != EINTR)
        return wc_error_set(err, WC_EIO, "epoll_wait: %s", strerror(errno));
    for (int i = 0; i < n; i++) {
        uint32_t ev = c->events[i].events;
        int mask = (ev & EPOLLIN ? CURL_CSELECT_IN : 0) | (ev & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                   (ev & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
        int running = 0;
        /* An earlier action of this batch may have closed the socket: libcurl ignores it then. */
        CURLMcode mrc = curl_multi_socket_action(c->multi, c->events[i].data.fd, mask, &running);
        if (mrc != CURLM_OK && mrc != CURLM_BAD_SOCKET)
            return wc_error_set(err, WC_EIO, "libcurl's multi interface failed: %s",
                                curl_multi_strerror(mrc));
    }
    return drive_timeout(c, err);
}

/* A batch's answer (its titles wait to be requested), and any answer that may mean backing off or
 * retrying (a failed request, a status other than 200, a Retry-After): judged when they arrive. */
static int needs_verdict_now(const struct answer *a)
{
    return (a->item & CRAWL_ITEM_BATCH) || a->result != CURLE_OK || a->status != 200 ||
           a->retry_after_ms > 0;
}

/* Judge the answers among answers[from..) that need a verdict now. Each leaves the list for its
 * end, the others keep their order (every body buffer stays owned by one entry). */
static int judge_urgent(struct run *r, int from, struct wc_error *err)
{
    struct crawler *c = r->c;
    int rc = 0;
    for (int i = from; i < c->n_answers && rc == 0;) {
        if (!needs_verdict_now(&c->answers[i])) {
            i++;
            continue;
        }
        rc = judge(r, &c->answers[i], err);
        struct answer judged = c->answers[i];
        memmove(&c->answers[i], &c->answers[i + 1],
                (size_t)(c->n_answers - 1 - i) * sizeof *c->answers);
        c->answers[--c->n_answers] = judged;
    }
    return rc;
}

/* Whether the parse answers waiting are judged now (see JUDGE_DEFER_MS). */
static int judge_due(const struct run *r)
{
    const struct crawler *c = r->c;
    return c->n_answers > 0 &&
           (c->n_answers >= JUDGE_AT(c->opts.concurrency) || c->n_free == c->opts.concurrency ||
            clock_monotonic_ms() >= c->answers_since_ms + JUDGE_DEFER_MS);
}

/* Drop whatever is in flight (a stop or an error): the slots are free for the next run. */
static void abandon(struct run *r)
{
    struct crawler *c = r->c;
    for (int i = 0; i < c->opts.concurrency; i++)
        if (c->slots[i].busy)
            finish_slot(r, &c->slots[i]);
}

int crawl_run(struct crawler *c, const char *const *titles, size_t n,
              const struct crawl_callbacks *cb, struct wc_error *err)
{
    if (cb == NULL || cb->on_result == NULL)
        return wc_error_set(err, WC_EINVAL, "crawl_run: on_result is required");
    if (n == 0 && cb->more_titles == NULL)
        return 0;
    struct run r = {0};
    r.c = c;
    r.cb = cb;
    r.last_tick_ms = clock_monotonic_ms();
    r.offer_at_ms = r.last_tick_ms + CRAWL_OFFER_EVERY_MS;
    int rc = add_titles(&r, titles, n, err);
    if (rc != 0)
        goto out;

    for (;;) {
        if (r.n_done == r.n) {
            /* Everything has its verdict: the run ends unless the caller has more. */
            r.ask_more_at_ms = 0;
            long added = ask_more(&r, clock_monotonic_ms(), 1, err);
            if (added < 0) {
                rc = (int)added;
                goto out;
            }
            if (added == 0)
                break;
        }
        rc = fill_slots(&r, err);
        if (rc != 0)
            goto out;
        rc = wait_and_drive(&r, err);
        if (rc != 0)
            goto out;
        CURLMsg *msg;
        int queued, waiting = c->n_answers, collected = 0;
        while ((msg = curl_multi_info_read(c->multi, &queued)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            char *priv = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            /* msg is invalid once the handle is removed: collect() reads the result first. */
            collect(&r, (struct transfer *)(void *)priv, msg->data.result);
            collected++;
        }
        rc = judge_urgent(&r, waiting, err);
        if (waiting == 0 && c->n_answers > 0)
            c->answers_since_ms = clock_monotonic_ms();
        if (rc == 0 && collected > 0) {
            /* The freed slots send their next requests before the answers are parsed. */
            rc = fill_slots(&r, err);
            if (rc == 0)
                rc = drive_timeout(c, err);
        }
        if (rc == 0 && judge_due(&r)) {
            for (int i = 0; i < c->n_answers && rc == 0; i++) {
                rc = judge(&r, &c->answers[i], err);
                if (rc == 0)
                    rc = tick(&r);
            }
            c->n_answers = 0;
        }
        if (rc == 0)
            rc = tick(&r);
        if (rc != 0) {
            if (rc == WC_ESTOP)
                wc_error_set(err, WC_ESTOP, "crawl_run: stopped by a callback");
            goto out;
        }
    }
out:
    abandon(&r);
    for (int i = 0; i < c->n_answers; i++) /* unjudged: their titles get no verdict */
        crawl_answer_trim(&c->answers[i]);
    c->n_answers = 0;
    free(r.titles);
    free(r.state);
    crawl_heap_free(&r.retry);
    resolve_free(&r);
    return rc;
}
