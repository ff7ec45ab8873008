/* queue.c - the chunk queue: one list per job, fair turns between owners and their jobs */
#include "queue.h"
#include "chunk.h"
#include "jobs.h"
#include "keys.h"
#include "rconn.h"
#include "scripts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_STR_(x) #x
#define QUEUE_STR(x) QUEUE_STR_(x)

static const char *const priority_names[QUEUE_PRIORITIES] = {
    JOB_PRIORITY_HIGH,
    JOB_PRIORITY_NORMAL,
    JOB_PRIORITY_LOW,
};

const char *queue_priority_name(int level)
{
    return level >= 0 && level < QUEUE_PRIORITIES ? priority_names[level] : NULL;
}

int queue_priority_valid(const char *priority)
{
    if (priority == NULL)
        return 1;
    for (int i = 0; i < QUEUE_PRIORITIES; i++)
        if (strcmp(priority, priority_names[i]) == 0)
            return 1;
    return 0;
}

int queue_push(redisContext *c, const char *job_id, const char *priority, const char *owner,
               int titles_per_chunk, const char *const *refs, size_t n, struct wc_error *err)
{
    if (!queue_priority_valid(priority))
        return wc_error_set(err, WC_EINVAL, "priority must be high, normal or low");
    if (n == 0)
        return 0;
    char jobq[KEYS_MAX], jobmeta[KEYS_MAX], bell[KEYS_MAX];
    keys_job_queue(jobq, sizeof jobq, job_id);
    keys_queue(jobmeta, sizeof jobmeta, "jobmeta");
    keys_queue(bell, sizeof bell, "bell");
    const char *keys[] = {jobq, jobmeta, bell};
    const char **args = malloc((5 + n) * sizeof *args);
    if (args == NULL)
        return wc_error_set(err, WC_ENOMEM, "out of memory");
    char titles[16];
    snprintf(titles, sizeof titles, "%d", titles_per_chunk);
    args[0] = job_id;
    args[1] = priority ? priority : JOB_PRIORITY_NORMAL;
    args[2] = owner ? owner : "";
    args[3] = KEYS_TURNS_PREFIX;
    args[4] = titles;
    memcpy(args + 5, refs, n * sizeof *refs);
    redisReply *r = rconn_eval(c, QUEUE_SCRIPT_PUSH, 3, keys, (int)(5 + n), args, NULL, err);
    free(args);
    if (r == NULL)
        return WC_EREMOTE;
    freeReplyObject(r);
    return 0;
}

int queue_claim(redisContext *c, const char *processing, const struct queue_ask *a, char *ref,
                size_t size, size_t *len, int *level, struct wc_error *err)
{
    char pending[KEYS_MAX], jobmeta[KEYS_MAX], turn_titles[KEYS_MAX];
    keys_queue(pending, sizeof pending, "pending");
    keys_queue(jobmeta, sizeof jobmeta, "jobmeta");
    keys_queue(turn_titles, sizeof turn_titles, "turn_titles");
    const char *keys[] = {processing, pending, jobmeta, turn_titles};
    const char *args[5 + QUEUE_HELD_MAX] = {KEYS_JOBQ_PREFIX, KEYS_TURNS_PREFIX,
                                            QUEUE_STR(CHUNK_TURN_TITLES),
                                            QUEUE_STR(QUEUE_AGE_EVERY)};
    int n_args = 4;
    char top_level[16];
    if (a != NULL && a->top_level > 0) {
        if (a->n_held > QUEUE_HELD_MAX)
            return wc_error_set(err, WC_EINVAL, "a claim names at most %d held jobs",
                                QUEUE_HELD_MAX);
        snprintf(top_level, sizeof top_level, "%d", a->top_level);
        args[n_args++] = top_level;
        for (size_t i = 0; i < a->n_held; i++)
            args[n_args++] = a->held[i];
    }
    redisReply *r = rconn_eval(c, QUEUE_SCRIPT_CLAIM, 4, keys, n_args, args, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    int claimed = r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
                  r->element[0]->type == REDIS_REPLY_STRING &&
                  r->element[1]->type == REDIS_REPLY_INTEGER && size > 0;
    if (claimed) {
        const redisReply *got = r->element[0];
        *len = got->len < size ? got->len : size - 1;
        memcpy(ref, got->str, *len);
        ref[*len] = '\0';
        *level = (int)r->element[1]->integer - 1;
    }
    freeReplyObject(r);
    return claimed;
}

int queue_wait(redisContext *c, int seconds, struct wc_error *err)
{
    char bell[KEYS_MAX], timeout[16];
    keys_queue(bell, sizeof bell, "bell");
    snprintf(timeout, sizeof timeout, "%d", seconds);
    const char *argv[] = {"BLPOP", bell, timeout};
    redisReply *r = rconn_run(c, 3, argv, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    freeReplyObject(r);
    return 0;
}

long long queue_drop(redisContext *c, const char *job_id, struct wc_error *err)
{
    char jobq[KEYS_MAX], jobmeta[KEYS_MAX], turn_titles[KEYS_MAX], parked[KEYS_MAX];
    keys_job_queue(jobq, sizeof jobq, job_id);
    keys_queue(jobmeta, sizeof jobmeta, "jobmeta");
    keys_queue(turn_titles, sizeof turn_titles, "turn_titles");
    keys_export_parked(parked, sizeof parked, job_id);
    const char *keys[] = {jobq, jobmeta, turn_titles, parked};
    const char *args[] = {job_id, KEYS_TURNS_PREFIX};
    long long dropped = 0;
    int rc = rconn_eval_integer(c, QUEUE_SCRIPT_DROP, 4, keys, 2, args, NULL, &dropped, err);
    return rc ? rc : dropped;
}

int queue_forget(redisContext *c, const char *job_id, struct wc_error *err)
{
    char jobmeta[KEYS_MAX];
    keys_queue(jobmeta, sizeof jobmeta, "jobmeta");
    const char *argv[] = {"HDEL", jobmeta, job_id};
    redisReply *r = rconn_run(c, 3, argv, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    freeReplyObject(r);
    return 0;
}

int queue_depth(redisContext *c, long long depth[QUEUE_PRIORITIES], struct wc_error *err)
{
    char pending[KEYS_MAX];
    keys_queue(pending, sizeof pending, "pending");
    const char *keys[] = {pending};
    const char *args[] = {KEYS_JOBQ_PREFIX, KEYS_TURNS_PREFIX};
    redisReply *r = rconn_eval(c, QUEUE_SCRIPT_DEPTH, 1, keys, 2, args, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    int rc = 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != QUEUE_PRIORITIES)
        rc = wc_error_set(err, WC_EREMOTE, "queue depth: unexpected reply");
    for (int i = 0; rc == 0 && i < QUEUE_PRIORITIES; i++)
        depth[i] = r->element[i]->type == REDIS_REPLY_INTEGER ? r->element[i]->integer : 0;
    freeReplyObject(r);
    return rc;
}
