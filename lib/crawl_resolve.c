/* crawl_resolve.c - batched title resolution inside a crawl run: fresh titles go to the wiki in
 * batches (one action=query request each); an answer settles the missing and invalid titles, lets
 * the caller answer existing pages, and queues the rest for their parse request */
#include "crawl_internal.h"
#include "crawl_retry.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A batch's request is a GET up to this URL length and a POST above it: 8 KB is the request-line
 * limit of common front ends (Apache's LimitRequestLine, nginx's large_client_header_buffers),
 * and 50 titles of 255 bytes of UTF-8 percent-encode to ~38 KB. */
#define GET_MAX_URL_BYTES 7000

static size_t batch_size(const struct run *r)
{
    return (size_t)r->c->opts.resolve_batch;
}

/* Look ahead no further than one batch beyond what keeps every slot busy: titles resolved long
 * before their parse would only stand in front of a newly claimed chunk's titles. */
static int may_start_batch(const struct run *r, size_t queued, size_t resolving)
{
    return queued + resolving < batch_size(r) + (size_t)r->c->opts.concurrency;
}

/* Titles the caller added while others waited (more_titles not starved: a job that just arrived)
 * are resolved now, beyond the look-ahead: else they would wait for the whole queue ahead of them
 * before their tags could put them in their turn. O(1): the loop asks this all the time. */
static int fresh_goes_first(const struct run *r)
{
    return r->next_fresh < r->offered_end;
}

/* Queue a title for its parse, with its turn: a title's tag does not change once its chunk is
 * added, so it is asked for once here, not at every pop. */
static void enqueue_parse(struct run *r, size_t title)
{
    r->parse_tags[r->pq_tail] = r->cb->tag_of ? r->cb->tag_of(r->cb->ctx, title) : 0;
    r->parse_queue[r->pq_tail++] = title;
}

/* Take the queued title whose turn comes first (the head when there are no tags: all are 0),
 * keeping the others in order. */
static size_t pop_parse(struct run *r)
{
    size_t pick = r->pq_head;
    for (size_t i = r->pq_head + 1; i < r->pq_tail; i++)
        if (r->parse_tags[i] < r->parse_tags[pick])
            pick = i;
    size_t title = r->parse_queue[pick];
    size_t before = pick - r->pq_head;
    memmove(r->parse_queue + r->pq_head + 1, r->parse_queue + r->pq_head,
            before * sizeof *r->parse_queue);
    memmove(r->parse_tags + r->pq_head + 1, r->parse_tags + r->pq_head,
            before * sizeof *r->parse_tags);
    r->pq_head++;
    return title;
}

int resolve_reserve(struct run *r, size_t cap)
{
    if (batch_size(r) == 0)
        return 0;
    size_t *queue = realloc(r->parse_queue, cap * sizeof *queue);
    if (queue == NULL)
        return WC_ENOMEM;
    r->parse_queue = queue;
    unsigned long long *tags = realloc(r->parse_tags, cap * sizeof *tags);
    if (tags == NULL)
        return WC_ENOMEM;
    r->parse_tags = tags;
    return 0;
}

void resolve_free(struct run *r)
{
    for (size_t i = 0; i < r->n_batch_slots; i++) {
        free(r->batches[i].titles);
        free(r->batches[i].names);
    }
    free(r->batches);
    free(r->parse_queue);
    free(r->parse_tags);
    r->batches = NULL;
    r->n_batch_slots = 0;
    r->parse_queue = NULL;
    r->parse_tags = NULL;
}

int *resolve_attempts(struct run *r, size_t batch)
{
    return &r->batches[batch].attempts;
}

int resolve_count_startable(const struct run *r, int due_retries, int limit)
{
    size_t queued = r->pq_tail - r->pq_head, fresh = r->n - r->next_fresh;
    size_t resolving = r->resolving;
    int n = due_retries;
    int urgent = fresh_goes_first(r);
    while (n < limit) {
        if (fresh > 0 && (urgent || may_start_batch(r, queued, resolving))) {
            size_t take = fresh < batch_size(r) ? fresh : batch_size(r);
            fresh -= take;
            resolving += take;
        } else if (queued > 0) {
            queued--;
        } else {
            break;
        }
        n++;
    }
    return n;
}

/* A free batch slot's index (its arrays allocated), or SIZE_MAX when out of memory. */
static size_t free_slot(struct run *r)
{
    for (size_t i = 0; i < r->n_batch_slots; i++)
        if (r->batches[i].n == 0)
            return i;
    size_t n = r->n_batch_slots;
    struct crawl_batch *slots = realloc(r->batches, (n + 1) * sizeof *slots);
    if (slots == NULL)
        return SIZE_MAX;
    r->batches = slots;
    struct crawl_batch *b = &slots[n];
    memset(b, 0, sizeof *b);
    b->titles = malloc(batch_size(r) * sizeof *b->titles);
    b->names = malloc(batch_size(r) * sizeof *b->names);
    if (b->titles == NULL || b->names == NULL) {
        free(b->titles);
        free(b->names);
        return SIZE_MAX;
    }
    r->n_batch_slots = n + 1;
    return n;
}

/* Take up to one batch of fresh titles. A title that cannot travel in a titles= list goes to the
 * parse queue. Returns the batch's slot, or SIZE_MAX when no title was batchable (or out of
 * memory: *rc = WC_ENOMEM, and the fresh titles stay where they were). */
static size_t cut_batch(struct run *r, int *rc)
{
    size_t slot = free_slot(r);
    if (slot == SIZE_MAX) {
        *rc = WC_ENOMEM;
        return SIZE_MAX;
    }
    struct crawl_batch *b = &r->batches[slot];
    b->attempts = 0;
    while (b->n < batch_size(r) && r->next_fresh < r->n) {
        size_t title = r->next_fresh++;
        if (mwquery_title_batchable(r->titles[title])) {
            b->titles[b->n] = title;
            b->names[b->n++] = r->titles[title];
        } else {
            enqueue_parse(r, title);
        }
    }
    r->resolving += b->n;
    return b->n > 0 ? slot : SIZE_MAX;
}

size_t resolve_next_item(struct run *r, int *rc)
{
    *rc = 0;
    size_t queued = r->pq_tail - r->pq_head;
    if (r->next_fresh < r->n && (may_start_batch(r, queued, r->resolving) || fresh_goes_first(r))) {
        size_t slot = cut_batch(r, rc);
        if (slot != SIZE_MAX)
            return CRAWL_ITEM_BATCH | slot;
        if (*rc != 0)
            return SIZE_MAX;
    }
    if (r->pq_tail > r->pq_head)
        return pop_parse(r);
    return SIZE_MAX;
}

int resolve_prepare(struct run *r, struct transfer *t, size_t batch, struct wc_error *err)
{
    struct crawler *c = r->c;
    const struct crawl_batch *b = &r->batches[batch];
    struct mwquery_request_options qopts = {
        .maxlag = c->opts.maxlag,
        .apihighlimits = batch_size(r) > MWQUERY_BATCH_DEFAULT,
    };
    wc_buf_reset(&c->url);
    int rc = mwquery_build_url(c->opts.api_url, &qopts, b->names, b->n, &c->url, err);
    if (rc != 0)
        return rc;
    CURLcode crc;
    if (c->url.len <= GET_MAX_URL_BYTES) {
        crc = curl_easy_setopt(t->easy, CURLOPT_URL, c->url.data);
        if (crc == CURLE_OK)
            crc = curl_easy_setopt(t->easy, CURLOPT_HTTPGET, 1L);
    } else {
        /* MediaWiki reads a form body as it reads a query string. */
        wc_buf_reset(&c->post);
        rc = mwquery_build_query(&qopts, b->names, b->n, &c->post, err);
        if (rc != 0)
            return rc;
        crc = curl_easy_setopt(t->easy, CURLOPT_URL, c->opts.api_url);
        if (crc == CURLE_OK)
            crc = curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE, (long)c->post.len);
        if (crc == CURLE_OK) /* copied: the buffer serves the next batch */
            crc = curl_easy_setopt(t->easy, CURLOPT_COPYPOSTFIELDS, c->post.data);
    }
    if (crc != CURLE_OK)
        return wc_error_set(err, WC_EIO, "libcurl refused a query request: %s",
                            curl_easy_strerror(crc));
    return 0;
}

/* The batch's titles leave it (resolving) and its slot is free again. */
static void release_batch(struct run *r, size_t batch)
{
    r->resolving -= r->batches[batch].n;
    r->batches[batch].n = 0;
}

static int report(struct run *r, struct crawl_batch_report *rep)
{
    if (r->cb->on_batch == NULL)
        return 0;
    return r->cb->on_batch(r->cb->ctx, rep) != 0 ? WC_ESTOP : 0;
}

/* No usable answer: every title of the batch is parsed, as without resolution. */
static int fall_back(struct run *r, size_t batch, long fetch_ms)
{
    struct crawl_batch *b = &r->batches[batch];
    struct crawl_batch_report rep = {
        .first_index = b->titles[0],
        .n_titles = b->n,
        .attempts = b->attempts,
        .fetch_ms = fetch_ms,
        .fell_back = 1,
    };
    for (size_t i = 0; i < b->n; i++)
        enqueue_parse(r, b->titles[i]);
    release_batch(r, batch);
    return report(r, &rep);
}

/* A query answer: existing pages offered to on_batch, missing and invalid titles delivered, the
 * rest queued for parse. */
static int settle(struct run *r, size_t batch, const struct mwquery_batch *answer, long fetch_ms,
                  struct wc_error *err)
{
    struct crawler *c = r->c;
    struct crawl_batch *b = &r->batches[batch];
    size_t n = b->n;
    struct crawl_page *pages = malloc(n * sizeof *pages);
    unsigned char *settled = calloc(n, 1);
    size_t *titles = malloc(n * sizeof *titles);
    int rc = 0;
    if (pages == NULL || settled == NULL || titles == NULL) {
        rc = wc_error_set(err, WC_ENOMEM, "out of memory reading a query answer");
        goto out;
    }
    /* The slot may be reused by the callbacks' runs below: keep the batch's titles here. */
    memcpy(titles, b->titles, n * sizeof *titles);
    struct crawl_batch_report rep = {
        .first_index = titles[0],
        .n_titles = n,
        .attempts = b->attempts,
        .fetch_ms = fetch_ms,
        .pages = pages,
        .settled = settled,
    };
    release_batch(r, batch);
    for (size_t i = 0; i < n; i++)
        if (answer->items[i].status == MWQUERY_EXISTS)
            pages[rep.n_pages++] = (struct crawl_page){titles[i], &answer->items[i]};
    rc = report(r, &rep);
    size_t page = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct mwquery_resolution *res = &answer->items[i];
        if (res->status == MWQUERY_EXISTS && settled[page++]) {
            r->n_done++;
        } else if (res->status == MWQUERY_MISSING || res->status == MWQUERY_INVALID) {
            rc = crawl_error_payload(c, r->titles[titles[i]], res->verdict.outcome,
                                     res->verdict.code, res->verdict.detail);
            if (rc != 0)
                rc = wc_error_set(err, WC_ENOMEM, "out of memory writing a verdict");
            else
                rc = crawl_deliver(r, titles[i], res->verdict.outcome, c->payload.data,
                                   c->payload.len, 0, NULL);
        } else {
            enqueue_parse(r, titles[i]);
        }
    }
out:
    free(pages);
    free(settled);
    free(titles);
    return rc;
}

int resolve_judge(struct run *r, struct answer *a, struct wc_error *err)
{
    size_t batch = a->item & ~CRAWL_ITEM_BATCH;
    int attempts = r->batches[batch].attempts;
    if (a->result != CURLE_OK) {
        struct crawl_curl_verdict v;
        crawl_curl_verdict(a->result, a->too_large, a->resend_refused, a->errbuf, &v);
        if (!v.final && crawl_retry_later(r, a->item, attempts, 0, 0))
            return 0;
        return fall_back(r, batch, a->fetch_ms);
    }
    struct mwquery_batch answer = MWQUERY_BATCH_INIT;
    struct mw_result verdict;
    const struct crawl_batch *b = &r->batches[batch];
    int rc = mwquery_parse(a->body.data ? a->body.data : "", a->body.len, a->status, b->names, b->n,
                           &answer, &verdict, err);
    crawl_answer_trim(a);
    if (rc == WC_ENOMEM)
        return rc;
    if (rc != 0) {
        int throttled = crawl_answer_is_throttle(a->status, verdict.code);
        if (verdict.outcome == WC_OUTCOME_RETRYABLE &&
            crawl_retry_later(r, a->item, attempts, a->retry_after_ms, throttled))
            return 0;
        return fall_back(r, batch, a->fetch_ms);
    }
    rc = settle(r, batch, &answer, a->fetch_ms, err);
    mwquery_batch_free(&answer);
    return rc;
}
