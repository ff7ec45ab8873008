/* cache.c - the cross-job cache: titles of unchanged pages answered from any earlier job's lines */
#include "worker_internal.h"
#include "crawl.h"
#include "gzip_member.h"
#include "num.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The cache holds no copy of a line. Its entry for a title, "OUTCOME\nJOBID\nORDINAL\nFP" under
 * keys_cache_title(), says where the title's line (a gzip member) was last recorded: the entry
 * 0-ORDINAL of that job's results stream (ORDINAL > 0) or errors stream (ORDINAL < 0, entry
 * 0-(-ORDINAL)), and FP, the fingerprint of the page it was made from (mwquery_fingerprint():
 * pageid, lastrevid, touched, redirect). A title is answered from its entry only when this job's
 * resolution of it gives the same fingerprint, however old the entry: the page has not changed,
 * so its parse would give the same line. A hit copies that member into the new job as it is, and
 * the entry then points at the new copy. An entry whose job has expired or been deleted since is
 * a miss: the title is parsed again. Keeping one copy is what keeps a finished job's memory
 * under half the NDJSON it serves (BENCHMARKS.md); the cost is that an entry lasts no longer
 * than the results it points at (--result-ttl) as well as --cache-ttl. Entries of earlier
 * layouts (without FP, or "wikicrawl:{cache}:t:" with a copy of the line) never match: they
 * expire on their own. */

/* A cache entry read: where the line is, and what it was made from. */
struct cache_ref {
    char outcome[32];
    char job_id[KEYS_JOB_ID_LEN + 1];
    long long ordinal; /* 0: no usable entry */
    page_fingerprint fp;
};

/* The next line of [*at, end) into out (at most size - 1 bytes): 0, or -1 when there is no
 * newline left (last) or the line does not fit. */
static int next_line(const char **at, const char *end, char *out, size_t size, int last)
{
    const char *nl = last ? end : memchr(*at, '\n', (size_t)(end - *at));
    if (nl == NULL || (size_t)(nl - *at) >= size || nl == *at)
        return -1;
    memcpy(out, *at, (size_t)(nl - *at));
    out[nl - *at] = '\0';
    *at = nl + (last ? 0 : 1);
    return 0;
}

static void parse_ref(const redisReply *r, struct cache_ref *ref)
{
    ref->ordinal = 0;
    if (r == NULL || r->type != REDIS_REPLY_STRING)
        return;
    const char *at = r->str, *end = r->str + r->len;
    char ordinal[24];
    long long n;
    if (next_line(&at, end, ref->outcome, sizeof ref->outcome, 0) != 0 ||
        next_line(&at, end, ref->job_id, sizeof ref->job_id, 0) != 0 ||
        next_line(&at, end, ordinal, sizeof ordinal, 0) != 0 ||
        next_line(&at, end, ref->fp, sizeof ref->fp, 1) != 0 ||
        strlen(ref->fp) != MWQUERY_FINGERPRINT_LEN || !keys_job_id_valid(ref->job_id) ||
        num_parse_ll(ordinal, -LLONG_MAX, LLONG_MAX, &n) != 0)
        return;
    ref->ordinal = n;
}

/* The member an XRANGE reply of one entry carries, or NULL. */
static const redisReply *ref_member(const redisReply *r)
{
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 1)
        return NULL;
    const redisReply *entry = r->element[0];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY || entry->element[1]->elements != 2)
        return NULL;
    const redisReply *value = entry->element[1]->element[1];
    if (value->type != REDIS_REPLY_STRING || !gzip_is_member(value->str, value->len))
        return NULL;
    return value;
}

/* The open chunk of a page and its fingerprint, when the chunk may read the cache. */
static struct chunk_run *page_run(struct worker *w, const struct crawl_page *page, const char **fp)
{
    struct chunk_run *run = chunk_run_of(w, page->index);
    if (run == NULL || !run->use_cache)
        return NULL;
    *fp = run->fp[page->index - run->first_index];
    return (*fp)[0] ? run : NULL;
}

/* Round trip 1: the cache entries of the batch's pages into refs. 0 or WC_EREMOTE. */
static int read_refs(struct worker *w, const struct crawl_batch_report *batch,
                     struct cache_ref *refs)
{
    redisContext *c = w->redis;
    struct wc_buf key = WC_BUF_INIT;
    for (size_t i = 0; i < batch->n_pages; i++) {
        const char *fp = NULL;
        const struct chunk_run *run = page_run(w, &batch->pages[i], &fp);
        if (run == NULL)
            continue;
        /* A title is the same page only on the same wiki: each wiki has its own entries. */
        const char *title = batch->pages[i].page->submitted;
        if (keys_cache_title(&key, RUN_WIKI(run), title, strlen(title)) != 0)
            break;
        const char *argv[] = {"GET", key.data};
        size_t argl[] = {3, key.len};
        if (redisAppendCommandArgv(c, 2, argv, argl) != REDIS_OK)
            break;
        refs[i].ordinal = 1; /* asked */
    }
    wc_buf_free(&key);
    for (size_t i = 0; i < batch->n_pages; i++) {
        if (refs[i].ordinal == 0)
            continue;
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK)
            return WC_EREMOTE; /* the connection is unusable: nothing more to read */
        const char *fp = NULL;
        parse_ref(r, &refs[i]);
        freeReplyObject(r);
        if (page_run(w, &batch->pages[i], &fp) == NULL || strcmp(fp, refs[i].fp) != 0)
            refs[i].ordinal = 0; /* the page changed since: parse it */
    }
    return 0;
}

/* A hit: the member of the line the entry points at becomes this title's outcome. */
static void take_hit(struct worker *w, struct crawl_batch_report *batch, size_t i,
                     const struct cache_ref *ref, const redisReply *member)
{
    const char *fp = NULL;
    struct chunk_run *run = page_run(w, &batch->pages[i], &fp);
    const char *title = batch->pages[i].page->submitted;
    if (outcome_add_member(run, title, strlen(title), ref->outcome, strlen(ref->outcome),
                           member->str, member->len, fp) != 0) {
        run->failed = 1;
        w->stop_run = 1;
        return;
    }
    int o = wc_outcome_from_name(ref->outcome, strlen(ref->outcome));
    if (o >= 0)
        run->stats.outcomes[o]++;
    run->stats.cache_hits++;
    batch->settled[i] = 1;
    worker_title_done(w, run); /* may close run: nothing of it is used after this */
}

void cache_answer_batch(struct worker *w, struct crawl_batch_report *batch)
{
    redisContext *c = w->redis;
    struct cache_ref *refs = calloc(batch->n_pages, sizeof *refs);
    redisReply **replies = calloc(batch->n_pages, sizeof *replies);
    if (refs == NULL || replies == NULL || read_refs(w, batch, refs) != 0) {
        free(refs);
        free(replies);
        w->stop_run = 1;
        return;
    }
    /* Round trip 2: the lines the entries point at. */
    for (size_t i = 0; i < batch->n_pages; i++) {
        if (refs[i].ordinal == 0)
            continue;
        char key[KEYS_MAX], id[32];
        keys_job(key, sizeof key, refs[i].job_id, refs[i].ordinal > 0 ? KEYS_RESULTS : KEYS_ERRORS);
        snprintf(id, sizeof id, "0-%lld", refs[i].ordinal > 0 ? refs[i].ordinal : -refs[i].ordinal);
        const char *argv[] = {"XRANGE", key, id, id};
        if (redisAppendCommandArgv(c, 4, argv, NULL) != REDIS_OK) {
            /* not sent: misses from here on, and the replies below stay in step */
            for (size_t j = i; j < batch->n_pages; j++)
                refs[j].ordinal = 0;
            break;
        }
    }
    /* Every reply is read before any hit is taken: a hit may flush its chunk, a command of its
     * own on this connection, which must not read an XRANGE reply as its answer. */
    for (size_t i = 0; i < batch->n_pages; i++) {
        if (refs[i].ordinal == 0)
            continue;
        if (redisGetReply(c, (void **)&replies[i]) != REDIS_OK) {
            w->stop_run = 1; /* out of step or dropped: the loop reconnects */
            break;
        }
    }
    for (size_t i = 0; i < batch->n_pages; i++) {
        const redisReply *member = ref_member(replies[i]);
        if (member != NULL && !w->stop_run)
            take_hit(w, batch, i, &refs[i], member);
        freeReplyObject(replies[i]);
    }
    free(replies);
    free(refs);
}

/* An outcome a page gives: "ok" or "disambiguation". */
static int is_page_outcome(const char *outcome, size_t len)
{
    int o = wc_outcome_from_name(outcome, len);
    return o == WC_OUTCOME_OK || o == WC_OUTCOME_DISAMBIGUATION;
}

int cache_store(struct chunk_run *run, const char **args, const size_t *lens, size_t n_args,
                const long long *ordinals)
{
    redisContext *c = run->w->redis;
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%ld", run->w->cfg->cache_ttl);
    struct wc_buf key = {0}, value = {0};
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i + 2 < n_args; i += 3) {
        long long ordinal = ordinals[i / 3];
        const char *fp = run->pending_fp[i / 3];
        /* 0: recorded before, by an earlier attempt. Only the outcomes of a page the batch
         * answer found (fp) are kept, and only a page's: a failure is worth trying again, and a
         * parse that said missing or invalid for a page the query had just found (a lagging
         * replica) would otherwise be served until the page changes. */
        if (ordinal == 0 || fp[0] == '\0' || !is_page_outcome(args[i + 1], lens[i + 1]))
            continue;
        wc_buf_reset(&value);
        if (keys_cache_title(&key, RUN_WIKI(run), args[i], lens[i]) != 0 ||
            wc_buf_append(&value, args[i + 1], lens[i + 1]) != 0 ||
            wc_buf_printf(&value, "\n%s\n%lld\n%s", run->job_id, ordinal, fp) != 0) {
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
