/* sweep.c - entries that name a job in other keys, dropped once the job is gone */
#include "sweep.h"
#include "clock.h"
#include "jobs.h"
#include "keys.h"
#include "queue.h"
#include "rconn.h"
#include "scripts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Entries looked at per step and walk, and the COUNT hint of each SCAN call: a step costs Redis a
 * few milliseconds at most, and a pass over 100,000 entries takes about eight minutes of one
 * worker's steps. */
#define SWEEP_STEP_ENTRIES 1000
#define SWEEP_SCAN_COUNT "250"
/* Owners whose walks one step may finish (the registry holds one per API key). */
#define SWEEP_STEP_OWNERS 16

void sweep_init(struct sweep *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->jobmeta_cursor, sizeof s->jobmeta_cursor, "0");
    snprintf(s->cursor, sizeof s->cursor, "0");
}

/* `CMD key cursor COUNT n`: cursor is advanced; the reply's element[1] holds what was found
 * (caller frees the reply). NULL with err filled when Redis failed. */
static redisReply *scan(redisContext *c, const char *cmd, const char *key, char *cursor,
                        struct wc_error *err)
{
    const char *argv[] = {cmd, key, cursor, "COUNT", SWEEP_SCAN_COUNT};
    redisReply *r = rconn_run(c, 5, argv, NULL, err);
    if (r == NULL)
        return NULL;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
        freeReplyObject(r);
        wc_error_set(err, WC_EREMOTE, "%s answered something else than a page", cmd);
        return NULL;
    }
    snprintf(cursor, SWEEP_CURSOR_MAX, "%s", r->element[0]->str);
    return r;
}

/* The job id of found->element[i * stride], or NULL for an entry that cannot be a job's. */
static const char *entry_id(const redisReply *found, size_t i, size_t stride)
{
    const redisReply *m = found->element[i * stride];
    return m->type == REDIS_REPLY_STRING && keys_job_id_valid(m->str) ? m->str : NULL;
}

/* Drop from key (an index or a set: cmd ZREM or SREM) the entries of found (every stride-th
 * element) whose job hash is gone, asked in one pipelined round trip. Returns the number
 * dropped, or WC_EREMOTE. */
static long long drop_gone(redisContext *c, const char *cmd, const char *key,
                           const redisReply *found, size_t stride, struct wc_error *err)
{
    size_t n = found->elements / stride;
    if (n == 0)
        return 0;
    const char **argv = malloc((n + 2) * sizeof *argv);
    if (argv == NULL)
        return wc_error_set(err, WC_EREMOTE, "out of memory");
    size_t asked = 0;
    for (size_t i = 0; i < n; i++) {
        const char *id = entry_id(found, i, stride);
        char job[KEYS_MAX];
        if (id == NULL)
            continue;
        keys_job(job, sizeof job, id, KEYS_JOB);
        if (redisAppendCommand(c, "EXISTS %s", job) != REDIS_OK)
            break;
        asked++;
    }
    long long rc = 0;
    size_t argc = 2, answered = 0;
    argv[0] = cmd;
    argv[1] = key;
    for (size_t i = 0; i < n; i++) {
        const char *id = entry_id(found, i, stride);
        int gone = 1;
        if (id != NULL) {
            if (answered == asked)
                continue; /* not asked (out of memory): kept for the next pass */
            redisReply *r = rconn_reply(c, rc ? NULL : err);
            answered++;
            if (r == NULL)
                rc = WC_EREMOTE;
            gone = r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer == 0;
            freeReplyObject(r);
            if (c->err)
                break;
        }
        if (gone && found->element[i * stride]->type == REDIS_REPLY_STRING)
            argv[argc++] = found->element[i * stride]->str;
    }
    if (rc == 0 && argc > 2) {
        redisReply *r = rconn_run(c, (int)argc, argv, NULL, err);
        if (r == NULL)
            rc = WC_EREMOTE;
        freeReplyObject(r);
    }
    free(argv);
    return rc ? rc : (long long)(argc - 2);
}

/* A jobmeta entry of a job that is gone or over (its queue_forget() or queue_drop() reply was
 * lost, or a cancel came during its commit): its Idempotency-Key is given the TTL of its results,
 * then it leaves the queue (queue_drop(): its list, its turn, its entry). 0 or WC_EREMOTE. */
static int settle_over(redisContext *c, const char *id, struct wc_error *err)
{
    struct job_status st;
    int got = jobs_get(c, id, &st, err);
    if (got < 0)
        return got;
    if (got == 0 && st.idem[0]) {
        long long left = (st.expires - clock_wall_ms()) / 1000;
        if (jobs_idempotency_keep(c, st.idem, id, left > 0 ? (long)left : 1, err) != 0)
            return WC_EREMOTE;
    }
    return queue_drop(c, id, err) < 0 ? WC_EREMOTE : 0;
}

/* True when an HMGET status idem reply is of a job that exists and is not over. */
static int job_live(const redisReply *meta)
{
    const redisReply *st = meta->element[0];
    return st->type == REDIS_REPLY_STRING && strcmp(st->str, JOB_DONE) != 0 &&
           strcmp(st->str, JOB_CANCELLED) != 0;
}

/* One page of jobmeta (found: field, value...): the jobs' status and Idempotency-Key read in one
 * pipelined round trip, the keys of those still queued or running renewed in a second, the few
 * that are gone or over settled one at a time. A renewal or settling that Redis refuses is counted
 * in *failed and the page goes on (the entry is looked at again next pass). Returns the entries
 * dropped, or WC_EREMOTE (the statuses could not be read, or the connection broke). */
static long long sweep_jobmeta_page(redisContext *c, const redisReply *found, long result_ttl,
                                    size_t *failed, struct wc_error *err)
{
    size_t n = found->elements / 2;
    redisReply **meta = calloc(n ? n : 1, sizeof *meta);
    if (meta == NULL)
        return wc_error_set(err, WC_EREMOTE, "out of memory");
    long long rc = 0, dropped = 0;
    size_t asked = 0, answered = 0, kept = 0;
    for (size_t i = 0; i < n; i++) {
        const char *id = entry_id(found, i, 2);
        char job[KEYS_MAX];
        if (id == NULL)
            continue;
        keys_job(job, sizeof job, id, KEYS_JOB);
        if (redisAppendCommand(c, "HMGET %s status idem", job) != REDIS_OK)
            break;
        asked++;
    }
    for (size_t i = 0; i < n && answered < asked; i++) {
        if (entry_id(found, i, 2) == NULL)
            continue;
        meta[i] = rconn_reply(c, rc ? NULL : err);
        answered++;
        if (meta[i] == NULL)
            rc = WC_EREMOTE;
        else if (meta[i]->type != REDIS_REPLY_ARRAY || meta[i]->elements != 2)
            rc = wc_error_set(err, WC_EREMOTE, "HMGET answered something else than 2 fields");
        if (c->err)
            break;
    }
    if (rc != 0)
        goto out;
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%ld", result_ttl);
    for (size_t i = 0; i < n; i++) {
        if (meta[i] == NULL || !job_live(meta[i]))
            continue;
        const redisReply *idem = meta[i]->element[1];
        if (idem->type != REDIS_REPLY_STRING ||
            strncmp(idem->str, KEYS_IDEM_PREFIX, sizeof KEYS_IDEM_PREFIX - 1) != 0)
            continue;
        const char *keys[] = {idem->str};
        const char *args[] = {entry_id(found, i, 2), ttl};
        if (rconn_append_eval(c, JOBS_SCRIPT_IDEMPOTENCY_KEEP, 1, keys, 2, args, NULL) != 0)
            break;
        kept++;
    }
    for (size_t k = 0; k < kept; k++) {
        redisReply *r = rconn_reply(c, err);
        *failed += r == NULL;
        freeReplyObject(r);
        if (c->err) {
            rc = WC_EREMOTE;
            goto out;
        }
    }
    for (size_t i = 0; i < n && c->err == 0; i++) {
        if (meta[i] == NULL || job_live(meta[i]))
            continue;
        if (settle_over(c, entry_id(found, i, 2), err) == 0)
            dropped++;
        else
            ++*failed;
    }
    if (c->err)
        rc = WC_EREMOTE;
out:
    for (size_t i = 0; i < n; i++)
        freeReplyObject(meta[i]);
    free(meta);
    return rc ? rc : dropped;
}

static long long sweep_jobmeta(struct sweep *s, redisContext *c, long result_ttl,
                               struct wc_error *err)
{
    char jobmeta[KEYS_MAX];
    keys_queue(jobmeta, sizeof jobmeta, "jobmeta");
    long long dropped = 0;
    size_t examined = 0;
    do {
        redisReply *r = scan(c, "HSCAN", jobmeta, s->jobmeta_cursor, err);
        if (r == NULL)
            return WC_EREMOTE;
        long long n = sweep_jobmeta_page(c, r->element[1], result_ttl, &s->failed, err);
        examined += r->element[1]->elements / 2;
        freeReplyObject(r);
        if (n < 0)
            return WC_EREMOTE;
        dropped += n;
    } while (strcmp(s->jobmeta_cursor, "0") != 0 && examined < SWEEP_STEP_ENTRIES);
    return dropped;
}

/* Move to the owner after s->owner in the registry (in byte order, back to the first after the
 * last). 1, 0 (the registry is empty), or WC_EREMOTE. */
static int next_owner(struct sweep *s, redisContext *c, struct wc_error *err)
{
    char owners[KEYS_MAX];
    keys_queue(owners, sizeof owners, "owners");
    const char *argv[] = {"SMEMBERS", owners};
    redisReply *r = rconn_run(c, 2, argv, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    const char *first = NULL, *next = NULL;
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        const char *o = r->element[i]->str;
        if (r->element[i]->type != REDIS_REPLY_STRING || strlen(o) >= SWEEP_OWNER_MAX)
            continue;
        if (first == NULL || strcmp(o, first) < 0)
            first = o;
        if (s->has_owner && strcmp(o, s->owner) > 0 && (next == NULL || strcmp(o, next) < 0))
            next = o;
    }
    if (next == NULL)
        next = first;
    int rc = next != NULL;
    if (next != NULL) {
        snprintf(s->owner, sizeof s->owner, "%s", next);
        s->has_owner = 1;
        s->walking = 1;
        snprintf(s->cursor, sizeof s->cursor, "0");
    }
    freeReplyObject(r);
    return rc;
}

/* An owner whose index and set are both gone leaves the registry (JOBS_SCRIPT_OWNER_FORGET), so
 * that it holds the owners with jobs. 0 or WC_EREMOTE. */
static int forget_owner(redisContext *c, const char *owner, struct wc_error *err)
{
    char owners[KEYS_MAX], index[KEYS_MAX], set[KEYS_MAX];
    keys_queue(owners, sizeof owners, "owners");
    keys_jobs_index(index, sizeof index, owner);
    keys_owner_jobs(set, sizeof set, owner);
    const char *keys[] = {owners, index, set};
    const char *args[] = {owner};
    long long forgot = 0;
    return rconn_eval_integer(c, JOBS_SCRIPT_OWNER_FORGET, 3, keys, 1, args, NULL, &forgot, err);
}

static long long sweep_owners(struct sweep *s, redisContext *c, struct wc_error *err)
{
    long long dropped = 0;
    size_t examined = 0;
    int finished = 0;
    while (examined < SWEEP_STEP_ENTRIES && finished < SWEEP_STEP_OWNERS) {
        if (s->walking == 0) {
            int rc = next_owner(s, c, err);
            if (rc <= 0)
                return rc < 0 ? WC_EREMOTE : dropped;
        }
        char key[KEYS_MAX];
        if (s->walking == 1)
            keys_jobs_index(key, sizeof key, s->owner);
        else
            keys_owner_jobs(key, sizeof key, s->owner);
        redisReply *r = scan(c, s->walking == 1 ? "ZSCAN" : "SSCAN", key, s->cursor, err);
        if (r == NULL)
            return WC_EREMOTE;
        size_t stride = s->walking == 1 ? 2 : 1;
        long long n =
            drop_gone(c, s->walking == 1 ? "ZREM" : "SREM", key, r->element[1], stride, err);
        examined += r->element[1]->elements / stride;
        freeReplyObject(r);
        if (n < 0)
            return WC_EREMOTE;
        dropped += n;
        if (strcmp(s->cursor, "0") == 0) {
            s->walking = s->walking == 1 ? 2 : 0;
            finished += s->walking == 0;
        }
        if (s->walking == 0 && forget_owner(c, s->owner, err) != 0) {
            if (c->err)
                return WC_EREMOTE;
            s->failed++; /* the owner stays in the registry until its next walk */
        }
    }
    return dropped;
}

long long sweep_step(struct sweep *s, redisContext *c, long result_ttl, struct wc_error *err)
{
    s->failed = 0;
    /* The owners' walk does not depend on jobmeta's: a failed page there is no reason to skip it,
     * unless the connection is gone. */
    long long from_jobmeta = sweep_jobmeta(s, c, result_ttl, err);
    if (from_jobmeta < 0 && c->err)
        return from_jobmeta;
    long long from_owners = sweep_owners(s, c, err);
    if (from_jobmeta < 0 || from_owners < 0)
        return WC_EREMOTE;
    return from_jobmeta + from_owners;
}
