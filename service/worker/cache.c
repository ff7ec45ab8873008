/* cache.c - the cross-job cache: titles crawled recently by any job, answered from Redis */
#include "worker_internal.h"
#include "gzip_member.h"
#include "num.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The cache holds no copy of a line. Its entry for a title, "OUTCOME\nJOBID\nORDINAL" under
 * keys_cache_title(), says where the title's line (a gzip member) was last recorded: the entry
 * 0-ORDINAL of that job's results stream (ORDINAL > 0) or errors stream (ORDINAL < 0, entry
 * 0-(-ORDINAL)). A hit copies that member into the new job as it is. An entry whose job has
 * expired or been deleted since is a miss: the title is crawled again. Keeping one copy is what
 * keeps a finished job's memory under half the NDJSON it serves (BENCHMARKS.md); the cost is that
 * the cache lasts no longer than the results it points at (--result-ttl, a week by default, is
 * longer than --cache-ttl, a day). Entries of the earlier layout ("wikicrawl:{cache}:t:", a copy
 * of the line) are never read: they expire on their own. */

/* A cache entry read: where the line is. */
struct cache_ref {
    char outcome[32];
    char job_id[KEYS_JOB_ID_LEN + 1];
    long long ordinal; /* 0: no usable entry */
};

static void parse_ref(const redisReply *r, struct cache_ref *ref)
{
    ref->ordinal = 0;
    if (r == NULL || r->type != REDIS_REPLY_STRING)
        return;
    const char *end = r->str + r->len;
    const char *nl1 = memchr(r->str, '\n', r->len);
    const char *nl2 = nl1 ? memchr(nl1 + 1, '\n', (size_t)(end - nl1 - 1)) : NULL;
    if (nl2 == NULL)
        return;
    size_t olen = (size_t)(nl1 - r->str), idlen = (size_t)(nl2 - nl1 - 1);
    if (olen == 0 || olen >= sizeof ref->outcome || idlen != KEYS_JOB_ID_LEN)
        return;
    memcpy(ref->outcome, r->str, olen);
    ref->outcome[olen] = '\0';
    memcpy(ref->job_id, nl1 + 1, idlen);
    ref->job_id[idlen] = '\0';
    char ordinal[24];
    size_t nlen = (size_t)(end - nl2 - 1);
    if (nlen == 0 || nlen >= sizeof ordinal || !keys_job_id_valid(ref->job_id))
        return;
    memcpy(ordinal, nl2 + 1, nlen);
    ordinal[nlen] = '\0';
    long long n;
    if (num_parse_ll(ordinal, -LLONG_MAX, LLONG_MAX, &n) == 0)
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

int cache_job_uses(struct worker *w, struct chunk_run *run)
{
    redisReply *r = redisCommand(w->redis, "HGET %s cache", run->keys.key[KEYS_JOB]);
    int yes = r && r->type == REDIS_REPLY_STRING && strcmp(r->str, "0") != 0;
    freeReplyObject(r);
    return yes;
}

/* Round trip 1: the cache entries of todo[0..n_todo) into refs. 0, or sets run->failed. */
static int read_refs(struct chunk_run *run, const char **todo, size_t n_todo,
                     struct cache_ref *refs)
{
    redisContext *c = run->w->redis;
    struct wc_buf key = {0};
    size_t sent = 0;
    for (; sent < n_todo; sent++) {
        if (keys_cache_title(&key, todo[sent], strlen(todo[sent])) != 0)
            break;
        const char *argv[] = {"GET", key.data};
        size_t argl[] = {3, key.len};
        if (redisAppendCommandArgv(c, 2, argv, argl) != REDIS_OK)
            break;
    }
    wc_buf_free(&key);
    int rc = sent < n_todo ? WC_ENOMEM : 0;
    for (size_t i = 0; i < sent; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK)
            return WC_EREMOTE; /* the connection is unusable: nothing more to read */
        parse_ref(r, &refs[i]);
        freeReplyObject(r);
    }
    return rc;
}

size_t cache_answer(struct chunk_run *run, const char **todo, size_t n_todo)
{
    redisContext *c = run->w->redis;
    struct cache_ref *refs = calloc(n_todo ? n_todo : 1, sizeof *refs);
    if (refs == NULL || read_refs(run, todo, n_todo, refs) != 0) {
        free(refs);
        run->failed = 1;
        return n_todo;
    }
    /* Round trip 2: the lines the entries point at. */
    for (size_t i = 0; i < n_todo; i++) {
        if (refs[i].ordinal == 0)
            continue;
        char key[KEYS_MAX], id[32];
        keys_job(key, sizeof key, refs[i].job_id, refs[i].ordinal > 0 ? KEYS_RESULTS : KEYS_ERRORS);
        snprintf(id, sizeof id, "0-%lld", refs[i].ordinal > 0 ? refs[i].ordinal : -refs[i].ordinal);
        const char *argv[] = {"XRANGE", key, id, id};
        if (redisAppendCommandArgv(c, 4, argv, NULL) != REDIS_OK) {
            refs[i].ordinal = 0; /* not sent: a miss, and the replies below stay in step */
            run->failed = 1;
            for (size_t j = i + 1; j < n_todo; j++)
                refs[j].ordinal = 0;
            break;
        }
    }
    size_t left = 0;
    for (size_t i = 0; i < n_todo; i++) {
        redisReply *r = NULL;
        if (refs[i].ordinal != 0 && redisGetReply(c, (void **)&r) != REDIS_OK) {
            run->failed = 1;
            free(refs);
            return n_todo;
        }
        const redisReply *member = ref_member(r);
        if (member == NULL || run->failed) {
            todo[left++] = todo[i];
        } else {
            int o = wc_outcome_from_name(refs[i].outcome, strlen(refs[i].outcome));
            if (record_batch_add_member(&run->pending, todo[i], strlen(todo[i]), refs[i].outcome,
                                        strlen(refs[i].outcome), member->str, member->len) != 0)
                run->failed = 1;
            else if (o >= 0)
                run->stats.outcomes[o]++;
            run->cache_hits++;
        }
        freeReplyObject(r);
    }
    free(refs);
    return left;
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
        /* Failures are worth trying again; 0: recorded before, by an earlier attempt. */
        if (ordinal == 0 || (lens[i + 1] == 6 && memcmp(args[i + 1], "failed", 6) == 0))
            continue;
        wc_buf_reset(&value);
        if (keys_cache_title(&key, args[i], lens[i]) != 0 ||
            wc_buf_append(&value, args[i + 1], lens[i + 1]) != 0 ||
            wc_buf_printf(&value, "\n%s\n%lld", run->job_id, ordinal) != 0) {
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
