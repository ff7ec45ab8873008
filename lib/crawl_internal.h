/* crawl_internal.h - the crawler's state shared by crawl.c (the loop) and crawl_resolve.c (batched
 * title resolution). Internal to lib/: crawl.h is the API. */
#ifndef WC_CRAWL_INTERNAL_H
#define WC_CRAWL_INTERNAL_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "buf.h"
#include "crawl.h"
#include "crawl_heap.h"
#include "html_text.h"

/* A request is for one title (its index in the run) or for a batch of titles (this bit set, the
 * rest the batch's slot): the retry heap, the transfer slots and the answers carry either. */
#define CRAWL_ITEM_BATCH (~(SIZE_MAX >> 1))

struct run;

/* One transfer slot: a persistent easy handle and the request it is carrying. */
struct transfer {
    CURL *easy;
    struct wc_buf body;
    char errbuf[CURL_ERROR_SIZE];
    int too_large;      /* the body passed CRAWL_MAX_BODY_BYTES and was cut */
    int busy;           /* added to the multi handle */
    int acquired;       /* acquire() granted it: release(lease) is owed */
    int lease;          /* the handle acquire() gave */
    int sends;          /* times libcurl sent this request (see on_send) */
    int resend_refused; /* on_send stopped a re-send: no attempt was left */
    int max_attempts;
    struct run *run; /* the run of the item (its arrays may move as titles are added) */
    size_t item;     /* what is being fetched: a title's index, or CRAWL_ITEM_BATCH | batch */
};

/* A request that ended, waiting for its verdict. It leaves its slot (the body buffers are swapped)
 * so that the slot carries the next request while this answer is parsed: otherwise the parsing
 * time of every answer that arrived together would be added to each slot's round trip. */
struct answer {
    size_t item;
    CURLcode result;
    long status;
    long retry_after_ms;
    long fetch_ms;
    int too_large;
    int resend_refused;
    char errbuf[CURL_ERROR_SIZE];
    struct wc_buf body;
};

struct crawler {
    struct crawl_options opts;
    char *url_prefix; /* api_url + fixed query + "&page=" */
    size_t url_prefix_len;
    CURLM *multi;
    /* libcurl is driven by events (curl_multi_socket_action): it says which sockets to watch and
     * when its next timeout is, so a wakeup costs the sockets that are ready, not every
     * transfer in flight (curl_multi_perform runs them all, and polls each). */
    int epfd;
    long long timer_at_ms; /* when libcurl wants CURL_SOCKET_TIMEOUT; -1: no timer */
    struct epoll_event *events;
    struct transfer *slots;
    int *free_slots; /* stack of idle slot indices */
    int n_free;
    /* Answers waiting for their verdict (crawl.c, judge_due()), at most ANSWERS_CAP(concurrency)
     * of them; the oldest arrived at answers_since_ms. */
    struct answer *answers;
    int *leases; /* acquire()'s answer, one per slot at most */
    int n_answers;
    long long answers_since_ms;
    struct html_text *x;
    struct wc_buf url;
    struct wc_buf post; /* a long query's form body (crawl_resolve.c) */
    struct wc_buf payload;
    uint64_t rng;
};

/* Per-title bookkeeping of one run (when a retry may start is kept in the retry heap). */
struct title_state {
    int attempts;
};

struct run {
    struct crawler *c;
    const char **titles; /* the run's own array: more_titles() may add to it */
    size_t n, cap;
    const struct crawl_callbacks *cb;
    struct title_state *state;
    size_t next_fresh;       /* titles[next_fresh..n) were never requested */
    struct crawl_heap retry; /* titles waiting to be tried again, by due time */
    size_t n_done;
    long long gate_until_ms;  /* acquire() said "not now": no new request before this */
    int idle_owed;            /* a request ended since idle() was last called */
    long long ask_more_at_ms; /* more_titles() had none: ask again at this time */
    long long offer_at_ms;    /* the next time more_titles() is offered to add titles anyway */
    size_t offered_end;       /* titles[..offered_end) that are fresh were added by such an offer */
    long long last_tick_ms;
    /* Batched resolution (crawl_resolve.c), when opts.resolve_batch > 0: fresh titles go to the
     * wiki in batches; what the answers leave to parse waits in parse_queue[pq_head..pq_tail). A
     * title enters the queue once at most (its retries go to the retry heap), so cap entries
     * always do. */
    size_t *parse_queue;
    unsigned long long *parse_tags; /* parse_queue[i]'s tag (cb->tag_of), read once as it enters */
    size_t pq_head, pq_tail;
    struct crawl_batch *batches; /* slots; a free one has n == 0 */
    size_t n_batch_slots;
    size_t resolving; /* titles in batches that have no usable answer yet */
};

/* A batch of titles resolved with one action=query request (crawl_resolve.c). */
struct crawl_batch {
    size_t n;           /* titles in it; 0: the slot is free */
    size_t *titles;     /* their indexes in the run; room for opts.resolve_batch */
    const char **names; /* the same titles' strings, as mwquery wants them */
    int attempts;
};

/* Prototypes */

/* crawl.c: hand the title its verdict (on_result), with the record the payload was made from
 * (OK only; NULL otherwise). 0 or WC_ESTOP. */
int crawl_deliver(struct run *r, size_t title, enum wc_outcome outcome, const char *payload,
                  size_t payload_len, long fetch_ms, const struct wc_record *record);

/* crawl.c: the error line of a title without a record in c->payload. 0 or WC_ENOMEM. */
int crawl_error_payload(struct crawler *c, const char *title, enum wc_outcome outcome,
                        const char *code, const char *detail);

/* crawl.c: after a retryable answer to the attempts-th request for item, schedule the next one
 * (reporting a throttle to the limiter). 1 when scheduled, 0 when the attempts are spent. */
int crawl_retry_later(struct run *r, size_t item, int attempts, long retry_after_ms, int throttled);

/* crawl.c: an answer read, give back its body's memory when it is above
 * CRAWL_ANSWER_KEEP_BYTES: a large answer's buffer is not kept for the next one. */
#define CRAWL_ANSWER_KEEP_BYTES ((size_t)4 << 20)
void crawl_answer_trim(struct answer *a);

/* crawl_resolve.c: the batch part of the run's state; crawl_run() calls these. */
int resolve_reserve(struct run *r, size_t cap);
void resolve_free(struct run *r);
/* Requests of batches and queued parses that could start now in order, at most limit, assuming
 * due_retries retries go first. */
int resolve_count_startable(const struct run *r, int due_retries, int limit);
/* The next item to request after the due retries: a new batch or a queued title, or SIZE_MAX.
 * Out of memory: SIZE_MAX and *rc = WC_ENOMEM. */
size_t resolve_next_item(struct run *r, int *rc);
/* Point the transfer's handle at the batch's request (GET, or POST when long). 0 or WC_ENOMEM. */
int resolve_prepare(struct run *r, struct transfer *t, size_t batch, struct wc_error *err);
/* The verdict on a batch's answer: titles delivered, queued for parse, or the batch retried. */
int resolve_judge(struct run *r, struct answer *a, struct wc_error *err);
/* The attempts counter of a batch. */
int *resolve_attempts(struct run *r, size_t batch);

#endif
