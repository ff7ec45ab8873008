/* jobs.c - a job's life in Redis: status, the scripts that move it, the queue of chunks */
#include "jobs.h"
#include "clock.h"
#include "export_request.h"
#include "json_write.h"
#include "log.h"
#include "provenance.h"
#include "num.h"
#include "queue.h"
#include "rconn.h"
#include "scripts.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void jobs_keys(struct job_keys *k, const char *id)
{
    for (int part = 0; part < KEYS_JOB_PARTS; part++) {
        keys_job(k->key[part], sizeof k->key[part], id, (enum keys_job_part)part);
        k->ptr[part] = k->key[part];
    }
}

/* The job hash's fields and where each goes in struct job_status: one table, so that a field is
 * added in one place (as config.c does for settings). */
enum job_field_type { FIELD_LL, FIELD_STRING };

struct job_field {
    const char *name;
    enum job_field_type type;
    size_t offset;
    size_t size; /* FIELD_STRING: the room at offset */
};

#define LL_FIELD(name)                                                                             \
    {                                                                                              \
#name, FIELD_LL, offsetof(struct job_status, name), 0                                      \
    }
#define STRING_FIELD(name)                                                                         \
    {                                                                                              \
#name, FIELD_STRING, offsetof(struct job_status, name),                                    \
            sizeof(((struct job_status *)0)->name)                                                 \
    }

static const struct job_field job_fields[] = {
    STRING_FIELD(status), /* first: a job without it does not exist */
    LL_FIELD(titles),         LL_FIELD(duplicates), LL_FIELD(chunks),
    LL_FIELD(chunks_done),    LL_FIELD(pages),      LL_FIELD(disambiguation),
    LL_FIELD(missing),        LL_FIELD(invalid),    LL_FIELD(failed),
    LL_FIELD(cache_hits),     LL_FIELD(created),    LL_FIELD(started),
    LL_FIELD(finished),       LL_FIELD(chunk_size), STRING_FIELD(owner),
    LL_FIELD(n_results),      LL_FIELD(n_errors),   STRING_FIELD(labels),
    STRING_FIELD(priority),   LL_FIELD(committed),  LL_FIELD(requests_parse),
    LL_FIELD(requests_query), STRING_FIELD(idem),   STRING_FIELD(wiki),
    STRING_FIELD(fields),
};
/* A job's export (docs/export.md): the front end's request, then the exporter's state. Read with
 * the fields above, in the same HMGET. */
static const struct job_field export_fields[] = {
    STRING_FIELD(export_to),       STRING_FIELD(export_keep),  STRING_FIELD(export_folder),
    STRING_FIELD(export_location), STRING_FIELD(export_state), LL_FIELD(export_parts),
    LL_FIELD(export_records),      STRING_FIELD(export_error),
};
enum { N_JOB_FIELDS = sizeof job_fields / sizeof job_fields[0] };
enum { N_EXPORT_FIELDS = sizeof export_fields / sizeof export_fields[0] };

/* Store one HMGET value; a field not set (nil) leaves the zero that memset put there. */
static void store_field(struct job_status *out, const struct job_field *f, const redisReply *v)
{
    if (v->type != REDIS_REPLY_STRING)
        return;
    char *at = (char *)out + f->offset;
    if (f->type == FIELD_STRING)
        snprintf(at, f->size, "%s", v->str);
    else
        *(long long *)at = atoll(v->str);
}

int jobs_get(redisContext *c, const char *id, struct job_status *out, struct wc_error *err)
{
    char key[KEYS_MAX];
    keys_job(key, sizeof key, id, KEYS_JOB);
    const char *argv[2 + N_JOB_FIELDS + N_EXPORT_FIELDS] = {"HMGET", key};
    for (size_t i = 0; i < N_JOB_FIELDS; i++)
        argv[2 + i] = job_fields[i].name;
    for (size_t i = 0; i < N_EXPORT_FIELDS; i++)
        argv[2 + N_JOB_FIELDS + i] = export_fields[i].name;
    /* One round trip: the TTL comes with the fields (a job expires only once it is over, or
     * while its upload streams). */
    if (redisAppendCommandArgv(c, 2 + N_JOB_FIELDS + N_EXPORT_FIELDS, argv, NULL) != REDIS_OK ||
        redisAppendCommand(c, "PTTL %s", key) != REDIS_OK)
        return wc_error_set(err, WC_EREMOTE, "out of memory");
    long long now = clock_wall_ms();
    redisReply *r = rconn_reply(c, err);
    redisReply *ttl = rconn_reply(c, r ? err : NULL);
    if (r == NULL || ttl == NULL) {
        freeReplyObject(r);
        freeReplyObject(ttl);
        return WC_EREMOTE;
    }
    int rc = 1;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == N_JOB_FIELDS + N_EXPORT_FIELDS &&
        r->element[0]->type == REDIS_REPLY_STRING) {
        memset(out, 0, sizeof *out);
        snprintf(out->id, sizeof out->id, "%s", id);
        for (size_t i = 0; i < N_JOB_FIELDS; i++)
            store_field(out, &job_fields[i], r->element[i]);
        for (size_t i = 0; i < N_EXPORT_FIELDS; i++)
            store_field(out, &export_fields[i], r->element[N_JOB_FIELDS + i]);
        if (jobs_is_final(out) && ttl->type == REDIS_REPLY_INTEGER && ttl->integer >= 0)
            out->expires = now + ttl->integer;
        rc = 0;
    }
    freeReplyObject(r);
    freeReplyObject(ttl);
    return rc;
}

int jobs_is_final(const struct job_status *s)
{
    return strcmp(s->status, JOB_DONE) == 0 || strcmp(s->status, JOB_CANCELLED) == 0;
}

/* RFC 3339 in UTC with milliseconds, or null. */
static int write_time(struct wc_buf *out, long long ms)
{
    if (ms <= 0)
        return wc_buf_puts(out, "null");
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    return wc_buf_printf(out, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         (int)(ms % 1000));
}

/* ,"export":{...}: the location and the error are the only free text (paths, a sink's answer). */
static int write_export(struct wc_buf *out, const struct job_status *s)
{
    int rc =
        wc_buf_printf(out, ",\"export\":{\"to\":\"%s\",\"keep\":\"%s\",\"location\":", s->export_to,
                      s->export_keep[0] ? s->export_keep : EXPORT_KEEP_REDIS);
    if (rc == 0)
        rc = json_write_cstring(out, s->export_location);
    if (rc == 0)
        rc = wc_buf_printf(out, ",\"state\":\"%s\",\"parts\":%lld,\"records\":%lld,\"error\":",
                           s->export_state[0] ? s->export_state : JOB_EXPORT_EXPORTING,
                           s->export_parts, s->export_records);
    if (rc == 0)
        rc = json_write_cstring(out, s->export_error[0] ? s->export_error : NULL);
    if (rc == 0)
        rc = wc_buf_putc(out, '}');
    return rc;
}

int jobs_status_json(const struct job_status *s, struct wc_buf *out)
{
    const char *status = s->status;
    if (strcmp(status, JOB_RECEIVING) == 0 || strcmp(status, JOB_COMMITTING) == 0)
        status = JOB_QUEUED;
    int rc = wc_buf_printf(out,
                           "{\"id\":\"%s\",\"status\":\"%s\",\"titles\":%lld,\"chunks\":%lld,"
                           "\"chunks_done\":%lld,\"pages\":%lld,\"disambiguation\":%lld,"
                           "\"missing\":%lld,\"invalid\":%lld,\"failed\":%lld,"
                           "\"duplicates\":%lld,\"cache_hits\":%lld,\"requests_parse\":%lld,"
                           "\"requests_query\":%lld,\"created\":",
                           s->id, status, s->titles, s->chunks, s->chunks_done, s->pages,
                           s->disambiguation, s->missing, s->invalid, s->failed, s->duplicates,
                           s->cache_hits, s->requests_parse, s->requests_query);
    if (rc == 0)
        rc = write_time(out, s->created);
    if (rc == 0)
        rc = wc_buf_puts(out, ",\"started\":");
    if (rc == 0)
        rc = write_time(out, s->started);
    if (rc == 0)
        rc = wc_buf_puts(out, ",\"finished\":");
    if (rc == 0)
        rc = write_time(out, s->finished);
    if (rc == 0)
        rc = wc_buf_puts(out, ",\"expires_at\":");
    if (rc == 0)
        rc = write_time(out, s->expires);
    /* labels is job_labels_json()'s output, written by the front end: JSON already. */
    if (rc == 0)
        rc = wc_buf_printf(out, ",\"labels\":%s,\"priority\":\"%s\"",
                           s->labels[0] ? s->labels : "[]",
                           s->priority[0] ? s->priority : JOB_PRIORITY_NORMAL);
    /* null: a job from before --wikis, crawled from the first wiki */
    if (rc == 0)
        rc = wc_buf_puts(out, ",\"wiki\":");
    if (rc == 0)
        rc = json_write_cstring(out, s->wiki[0] ? s->wiki : NULL);
    /* provenance_list()'s form, written by the front end */
    unsigned fields = provenance_stored(s->fields, strlen(s->fields));
    if (rc == 0)
        rc = wc_buf_puts(out, ",\"fields\":");
    if (rc == 0)
        rc = provenance_json(fields, out);
    if (rc == 0 && s->export_to[0])
        rc = write_export(out, s);
    if (rc == 0)
        rc = wc_buf_putc(out, '}');
    return rc;
}

int jobs_cancel(redisContext *c, const char *id, long ttl, char *status_out, size_t size,
                struct wc_error *err)
{
    struct job_keys k = {0};
    jobs_keys(&k, id);
    char now[32], ttls[32];
    snprintf(now, sizeof now, "%lld", clock_wall_ms());
    snprintf(ttls, sizeof ttls, "%ld", ttl);
    const char *args[] = {now, ttls};
    redisReply *r = rconn_eval(c, JOBS_SCRIPT_CANCEL, KEYS_JOB_PARTS, k.ptr, 2, args, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    int rc = 1;
    if (r->type == REDIS_REPLY_STRING) {
        snprintf(status_out, size, "%s", r->str);
        rc = 0;
    }
    freeReplyObject(r);
    if (rc != 0 || strcmp(status_out, JOB_CANCELLED) != 0)
        return rc;
    /* The cancel is done: a key that could not follow the results keeps the TTL its submission
     * or the sweep last gave it, which is no reason to fail the DELETE (nor to skip the drop). */
    struct wc_error follow_err = {0};
    if (jobs_idempotency_follow(c, id, ttl, &follow_err) != 0)
        log_event(LOG_WARN, "idempotency_follow_failed", "job=%s msg=\"%s\"", id,
                  follow_err.message);
    /* Its queued chunks leave the rotation now, not as no-op claims one by one. Another slot
     * ({queue}), hence a second script: a failure here leaves only references that settle as
     * no-ops (the chunk bodies are gone). */
    if (queue_drop(c, id, err) < 0)
        return WC_EREMOTE;
    return 0;
}

int jobs_idempotency_keep(redisContext *c, const char *idem_key, const char *job_id, long ttl,
                          struct wc_error *err)
{
    if (strncmp(idem_key, KEYS_IDEM_PREFIX, sizeof KEYS_IDEM_PREFIX - 1) != 0)
        return 0;
    char ttls[32];
    snprintf(ttls, sizeof ttls, "%ld", ttl);
    const char *keys[] = {idem_key};
    const char *args[] = {job_id, ttls};
    long long kept = 0;
    return rconn_eval_integer(c, JOBS_SCRIPT_IDEMPOTENCY_KEEP, 1, keys, 2, args, NULL, &kept, err);
}

int jobs_idempotency_follow(redisContext *c, const char *id, long ttl, struct wc_error *err)
{
    char key[KEYS_MAX], idem[KEYS_MAX] = "";
    keys_job(key, sizeof key, id, KEYS_JOB);
    const char *argv[] = {"HMGET", key, "idem", "result_ttl"};
    redisReply *r = rconn_run(c, 4, argv, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    /* The job's own result_ttl (the submitting front end's), as the finish and cancel scripts use
     * it; ttl only for a job written before the field existed. */
    long stored = 0;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
        if (r->element[0]->type == REDIS_REPLY_STRING)
            snprintf(idem, sizeof idem, "%s", r->element[0]->str);
        if (r->element[1]->type == REDIS_REPLY_STRING &&
            num_parse_long(r->element[1]->str, 1, 1L << 40, &stored) == 0)
            ttl = stored;
    }
    freeReplyObject(r);
    return idem[0] ? jobs_idempotency_keep(c, idem, id, ttl, err) : 0;
}

int jobs_get_field(redisContext *c, const char *id, const char *field, char *out, size_t size,
                   struct wc_error *err)
{
    char key[KEYS_MAX];
    keys_job(key, sizeof key, id, KEYS_JOB);
    const char *argv[] = {"HGET", key, field};
    redisReply *r = rconn_run(c, 3, argv, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    int rc = r->type == REDIS_REPLY_STRING ? 0 : 1;
    snprintf(out, size, "%s", rc == 0 ? r->str : "");
    freeReplyObject(r);
    return rc;
}

int jobs_purge(redisContext *c, const char *id, struct wc_error *err)
{
    struct job_keys k = {0};
    jobs_keys(&k, id);
    redisReply *r = rconn_eval(c, JOBS_SCRIPT_PURGE, KEYS_JOB_PARTS, k.ptr, 0, NULL, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    int rc = 0;
    char owner[sizeof((struct job_status *)0)->owner] = "";
    if (r->type == REDIS_REPLY_STRING)
        snprintf(owner, sizeof owner, "%s", r->str);
    else
        rc = r->type == REDIS_REPLY_INTEGER && r->integer < 0 ? JOBS_NOT_FINISHED : 1;
    freeReplyObject(r);
    if (rc != 0)
        return rc;
    /* The index and the owner's set live under {queue}, another slot than the job's keys: they
     * are cleaned after it, and an entry left by a failure here is pruned by the sweep (sweep.h).
     */
    char index[KEYS_MAX], set[KEYS_MAX];
    keys_jobs_index(index, sizeof index, owner);
    keys_owner_jobs(set, sizeof set, owner);
    const char *zrem[] = {"ZREM", index, id};
    const char *srem[] = {"SREM", set, id};
    r = rconn_run(c, 3, zrem, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    freeReplyObject(r);
    r = rconn_run(c, 3, srem, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    freeReplyObject(r);
    return 0;
}

/* JOBS_SCRIPT_REAP for worker_id (NULL: every silent worker) and, with ref, only that reference. */
static long long reap(redisContext *c, const char *worker_id, const char *ref, size_t ref_len,
                      struct wc_error *err)
{
    char workers[KEYS_MAX], pending[KEYS_MAX], jobmeta[KEYS_MAX], bell[KEYS_MAX], dead_after[32];
    keys_queue(workers, sizeof workers, "workers");
    keys_queue(pending, sizeof pending, "pending");
    keys_queue(jobmeta, sizeof jobmeta, "jobmeta");
    keys_queue(bell, sizeof bell, "bell");
    snprintf(dead_after, sizeof dead_after, "%d", WORKER_DEAD_AFTER_MS);
    const char *keys[] = {workers, pending, jobmeta, bell};
    const char *args[] = {dead_after,        KEYS_PROCESSING_PREFIX,     KEYS_JOBQ_PREFIX,
                          KEYS_TURNS_PREFIX, worker_id ? worker_id : "", ref ? ref : ""};
    size_t lens[] = {strlen(args[0]), strlen(args[1]), strlen(args[2]),
                     strlen(args[3]), strlen(args[4]), ref ? ref_len : 0};
    long long moved = 0;
    int rc = rconn_eval_integer(c, JOBS_SCRIPT_REAP, 4, keys, 6, args, lens, &moved, err);
    return rc ? rc : moved;
}

long long jobs_reap(redisContext *c, const char *worker_id, struct wc_error *err)
{
    return reap(c, worker_id, NULL, 0, err);
}

long long jobs_hand_back(redisContext *c, const char *worker_id, const char *ref, size_t ref_len,
                         struct wc_error *err)
{
    return reap(c, worker_id, ref, ref_len, err);
}

int jobs_heartbeat(redisContext *c, const char *worker_id, struct wc_error *err)
{
    char workers[KEYS_MAX];
    keys_queue(workers, sizeof workers, "workers");
    const char *keys[] = {workers};
    const char *args[] = {worker_id};
    redisReply *r = rconn_eval(c, JOBS_SCRIPT_HEARTBEAT, 1, keys, 1, args, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    freeReplyObject(r);
    return 0;
}

int jobs_add_counts(redisContext *c, const struct job_keys *k, long long requests_parse,
                    long long requests_query, long long cache_hits, struct wc_error *err)
{
    static const char *const fields[] = {"requests_parse", "requests_query", "cache_hits"};
    const long long values[] = {requests_parse, requests_query, cache_hits};
    char numbers[3][24];
    const char *args[6];
    int n = 0;
    for (int i = 0; i < 3; i++) {
        if (values[i] == 0)
            continue;
        snprintf(numbers[i], sizeof numbers[i], "%lld", values[i]);
        args[n++] = fields[i];
        args[n++] = numbers[i];
    }
    if (n == 0)
        return 0;
    const char *keys[] = {k->key[KEYS_JOB]};
    redisReply *r = rconn_eval(c, JOBS_SCRIPT_ADD_COUNTS, 1, keys, n, args, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    freeReplyObject(r);
    return 0;
}
