/* cache.c - the cross-job cache: titles crawled recently by any job, answered from Redis */
#include "worker_internal.h"

#include <stdio.h>
#include <string.h>

int cache_job_uses(struct worker *w, struct chunk_run *run)
{
    redisReply *r = redisCommand(w->redis, "HGET %s cache", run->keys.key[KEYS_JOB]);
    int yes = r && r->type == REDIS_REPLY_STRING && strcmp(r->str, "0") != 0;
    freeReplyObject(r);
    return yes;
}

size_t cache_answer(struct chunk_run *run, const char **todo, size_t n_todo)
{
    redisContext *c = run->w->redis;
    struct wc_buf key = {0};
    for (size_t i = 0; i < n_todo; i++) {
        if (keys_cache_title(&key, todo[i], strlen(todo[i])) != 0) {
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
            if (outcome_add(run, todo[i], strlen(todo[i]), r->str, olen, nl + 1,
                            r->len - olen - 1) != 0)
                run->failed = 1;
            else if (o >= 0)
                run->stats.outcomes[o]++;
            run->cache_hits++;
        }
        freeReplyObject(r);
    }
    return left;
}

/* Store final outcomes (not failures: those are worth trying again) in the cross-job cache, one
 * pipelined SET per title: "<outcome>\n<payload>" under keys_cache_title(). */
int cache_store(struct chunk_run *run, const char **args, const size_t *lens, size_t n_args)
{
    redisContext *c = run->w->redis;
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%ld", run->w->cfg->cache_ttl);
    struct wc_buf key = {0}, value = {0};
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i + 2 < n_args; i += 3) {
        if (lens[i + 1] == 6 && memcmp(args[i + 1], "failed", 6) == 0)
            continue;
        wc_buf_reset(&value);
        if (keys_cache_title(&key, args[i], lens[i]) != 0 ||
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
