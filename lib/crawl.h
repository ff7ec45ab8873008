/* crawl.h - fetch many titles concurrently from a MediaWiki API (libcurl multi), with retries */
#ifndef WC_CRAWL_H
#define WC_CRAWL_H

#include <stddef.h>

#include "mwparse.h"
#include "mwquery.h"
#include "wc_error.h"

/* Every request is
 *   GET <api_url>?action=parse&format=json&formatversion=2&redirects=1
 *       &prop=text|categories|links|externallinks|sections|properties|revid
 *       &disablelimitreport=1&disableeditsection=1&disabletoc=1[&maxlag=N]&page=<url-encoded title>
 * with the configured User-Agent and Accept-Encoding: gzip. The title is only ever a query
 * parameter: nothing a client submits can change the host or path.
 *
 * With resolve_batch > 0 the titles are first resolved that many at a time with one action=query
 * request each (lib/mwquery.h; same budget, retries, maxlag and User-Agent): a title the answer
 * finds missing or invalid gets its verdict from it, without a parse; an existing page may be
 * answered by the caller (on_batch, e.g. from a cache); everything else, and every title of a
 * batch whose answer never came or was refused, is parsed as above. */
struct crawl_options {
    const char *api_url;     /* required */
    const char *user_agent;  /* required */
    int concurrency;         /* transfers in flight per crawler; default 8 */
    int max_attempts;        /* attempts per title before FAILED; default 5 */
    long connect_timeout_ms; /* default 10000 */
    long timeout_ms;         /* whole request; default 60000 */
    long retry_base_ms;      /* backoff base: attempt k waits random(0, min(max, base*2^k)); 500 */
    long retry_max_ms;       /* backoff cap; default 30000 */
    int maxlag;              /* seconds sent as maxlag=; default 5; negative: not sent */
    int resolve_batch;       /* titles per action=query request, 0..MWQUERY_BATCH_HIGH; 0: none */
};

/* An existing page found by a batch's answer. */
struct crawl_page {
    size_t index;                          /* the title's index in the run */
    const struct mwquery_resolution *page; /* status MWQUERY_EXISTS */
};

/* What one batch's answer said, for on_batch. Valid during the call only. */
struct crawl_batch_report {
    size_t first_index; /* index of the batch's first title */
    size_t n_titles;    /* titles in the batch */
    int attempts;       /* action=query requests made for it, retries included */
    long fetch_ms;      /* time of the last one */
    int fell_back;      /* no usable answer (refused, broken, attempts spent): all are parsed */
    const struct crawl_page *pages; /* n_pages existing pages, none when fell_back */
    size_t n_pages;
    /* n_pages flags, all 0 on entry: set settled[i] when the callback answered pages[i] itself.
     * That title is then neither parsed nor given to on_result, and counts as having its
     * verdict. The others are parsed. */
    unsigned char *settled;
};

/* The final verdict on one title. For WC_OUTCOME_OK payload is the record's JSON object (exactly
 * as record_json gives it); for every other outcome it is the error line (error_line.h)
 *   {"title":"...","outcome":"missing|invalid|disambiguation|failed","detail":"<code>: <info>"}
 * Neither has a trailing newline. RETRYABLE never reaches the callback: it is retried, and after
 * max_attempts becomes FAILED with the last reason. Memory is valid during the call only. */
struct crawl_result {
    size_t index; /* position of the title in the array given to crawl_run() */
    const char *title;
    enum wc_outcome outcome;
    const char *payload;
    size_t payload_len;
    int attempts;  /* parse requests made for this title: 0 when its batch's answer settled it */
    long fetch_ms; /* time of the last request */
    /* WC_OUTCOME_OK from a parse: the record payload was made from, for what record_json leaves
     * out (its revision_id and wikidata_id, lib/provenance.h). NULL otherwise. Valid during the
     * call only. */
    const struct wc_record *record;
};

/* Callbacks; any may be NULL but on_result. A non-zero return from on_result or on_tick stops the
 * run: titles without a verdict yet (in flight, or answered and not yet judged) are abandoned and
 * crawl_run() returns WC_ESTOP.
 *
 * acquire/release/idle/on_throttle are the hooks of a fleet-wide limiter: acquire is asked for up
 * to `want` requests at once and answers how many may start now (0..want), with a lease handle
 * for each in leases[] (when fewer, *retry_in_ms says when to ask again); release is called with
 * that handle when its request ends, whatever its result; idle says the run has nothing to start
 * for now (a limiter may give back what it keeps for the next request); on_throttle reports a 429
 * or maxlag answer and the wait the wiki asked for, so the limiter can slow everybody down. */
struct crawl_callbacks {
    int (*on_result)(void *ctx, const struct crawl_result *result);
    int (*on_tick)(void *ctx); /* called at least every 250 ms while running */
    int (*acquire)(void *ctx, int want, int *leases, long *retry_in_ms);
    void (*release)(void *ctx, int lease);
    void (*idle)(void *ctx);
    void (*on_throttle)(void *ctx, long retry_after_ms);
    /* more_titles: asked with starved = 1 when a slot is free and every title of the run has
     * started (at most every 100 ms while it has none), and with starved = 0 at most every
     * CRAWL_OFFER_EVERY_MS while a slot is free and titles still wait: the caller may then add
     * titles that should take their turn now (a job that just arrived: see tag_of). It may add
     * titles: it returns how many and points *titles at them (the array is read during the call;
     * the strings must stay valid until their results are delivered). Added titles get the next
     * indexes. A run with more_titles ends when every title has its verdict and more_titles has
     * none. */
    size_t (*more_titles)(void *ctx, const char *const **titles, int starved);
    /* tag_of: a title's turn, smaller first (e.g. a virtual time per job, so that the titles of
     * several jobs take turns). With resolve_batch > 0, resolved titles start in the order of
     * their tags (ties: in the order they were resolved). NULL: every title in the order it was
     * added. Fresh titles are resolved in the order added (those more_titles added when not
     * starved at once, beyond the look-ahead), and without resolve_batch every title starts in
     * the order added. */
    unsigned long long (*tag_of)(void *ctx, size_t index);
    /* on_batch: a batch of titles was resolved (resolve_batch > 0), before the verdicts of its
     * missing and invalid titles reach on_result. May be NULL (every existing page is parsed). */
    int (*on_batch)(void *ctx, struct crawl_batch_report *batch);
    void *ctx;
};

struct crawler;

/* How often more_titles is offered to add titles while the run still has some waiting. */
#define CRAWL_OFFER_EVERY_MS 200

/* Prototypes */

/* A crawler keeps its connections (and its html_text extractor) between runs. opts is copied
 * (its strings too): the caller keeps ownership of it. NULL on failure, err filled: WC_EINVAL (a
 * required option is missing, or libcurl refused one), WC_EIO (epoll), WC_ENOMEM. Free with
 * crawl_free(). curl_global_init() must have been called by the process. A crawler is used by one
 * thread at a time. */
struct crawler *crawl_new(const struct crawl_options *opts, struct wc_error *err);

/* Fetch titles[0..n) and call on_result exactly once per title. Verdicts come roughly in completion
 * order: a page's answer waits up to 25 ms to be parsed with others (see crawl.c), while an answer
 * that needs a decision at once (a failed request, a status other than 200, a Retry-After, a
 * batch's answer) is judged when it arrives. The array is copied; the strings are borrowed and must
 * stay valid until their verdicts are delivered (as for more_titles). Returns 0 when every title
 * got its verdict, WC_ESTOP when a callback stopped the run, WC_EINVAL when cb or cb->on_result is
 * NULL, WC_EIO when epoll or libcurl's multi interface failed, WC_ENOMEM; err says which. On any
 * non-zero return the titles without a verdict (in flight, or answered and not yet judged) are
 * dropped and the crawler can run again. */
int crawl_run(struct crawler *c, const char *const *titles, size_t n,
              const struct crawl_callbacks *cb, struct wc_error *err);

/* Close the crawler's connections and free it. NULL is ignored. */
void crawl_free(struct crawler *c);

#endif
