/* exporter.c - the exporter process: follows exporting jobs and writes their parts to the sink */
#include "exporter.h"
#include "export_backoff.h"
#include "export_buffer.h"
#include "export_manifest.h"
#include "export_request.h"
#include "provenance.h"
#include "export_sink.h"
#include "clock.h"
#include "common/jobs.h"
#include "common/log.h"
#include "common/rconn.h"
#include "common/scripts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REDIS_TIMEOUT_MS 10000
/* Stream entries read per XRANGE while a part is written. */
#define READ_BATCH 256
/* How often an idle exporter looks for new results. */
#define IDLE_MS 200
/* One PUT of a part (about 128 MB at the default size) may take this long. */
#define S3_TIMEOUT_MS 600000
#define S3_CONNECT_TIMEOUT_MS 10000

struct exporter {
    const struct wc_config *cfg;
    volatile sig_atomic_t *stop;
    redisContext *redis;
    struct export_sink *dir; /* NULL when --export-dir is not set */
    struct export_sink *s3;  /* NULL when --s3-bucket is not set */
    char exports_key[KEYS_MAX];
    /* the jobs whose last step failed (their sink, or Redis refusing a write at its maxmemory):
     * each waits on its own while the others go on */
    struct export_backoff stalled;
};

/* One job being looked at. */
struct export_job {
    struct job_status st;
    struct job_keys keys; /* keys.key[KEYS_EXPORT]: the exporter's progress */
    struct export_sink *sink;
    /* Records per part, fixed for the job at its first step (its export hash's part_records):
     * an exporter restarted with another --export-part-records must cut the same parts. */
    long long per_part;
};

/* Run the progress script: jobf (n_jobf field/value pairs) into the job hash, expf (n_expf pairs)
 * into the export hash. 0, 1 when the job is gone, or WC_EREMOTE. */
static int record_progress(struct exporter *ex, struct export_job *j, const char **jobf, int n_jobf,
                           const char **expf, int n_expf, struct wc_error *err)
{
    char n[16];
    snprintf(n, sizeof n, "%d", n_jobf);
    const char *args[1 + 2 * 8];
    int n_args = 0;
    args[n_args++] = n;
    for (int i = 0; i < 2 * n_jobf; i++)
        args[n_args++] = jobf[i];
    for (int i = 0; i < 2 * n_expf; i++)
        args[n_args++] = expf[i];
    const char *keys[] = {j->keys.key[KEYS_JOB], j->keys.key[KEYS_EXPORT]};
    long long written;
    int rc = rconn_eval_integer(ex->redis, EXPORT_SCRIPT_PROGRESS, 2, keys, n_args, args, NULL,
                                &written, err);
    if (rc != 0)
        return rc;
    return written == 1 ? 0 : 1;
}

/* XTRIM stream part of the job (KEYS_RESULTS or KEYS_ERRORS) to the entries after its first
 * n_exported ones (ids are ordinals). 0 or WC_EREMOTE. */
static int trim_stream(struct exporter *ex, struct export_job *j, enum keys_job_part part,
                       long long n_exported, struct wc_error *err)
{
    char min_id[32];
    snprintf(min_id, sizeof min_id, "0-%lld", n_exported + 1);
    const char *argv[] = {"XTRIM", j->keys.key[part], "MINID", min_id};
    redisReply *r = rconn_run(ex->redis, 4, argv, NULL, err);
    freeReplyObject(r);
    return r ? 0 : WC_EREMOTE;
}

/* An export that is over leaves the exports set once what it held is let go: a failed one's
 * parked chunks are queued again (the crawl goes on; a finished job's are dropped), a done
 * keep=export one's error lines leave Redis (only now: until its state says done, /errors and
 * retry serve them from Redis, and a failed export keeps them there). The state is recorded
 * first, so a step refused here (Redis full: queue_push is not allow-oom) is taken again at the
 * next pass, the job kept in the set meanwhile. 0 or WC_EREMOTE. */
static int settle_export(struct exporter *ex, struct export_job *j, struct wc_error *err)
{
    int rc = 0;
    /* a job over has no chunk to run: what is parked (a reference queued twice) is dropped */
    if (jobs_is_final(&j->st))
        rc = export_buffer_drop(ex->redis, j->st.id, err);
    else if (strcmp(j->st.export_state, JOB_EXPORT_FAILED) == 0 &&
             export_buffer_release(ex->redis, &j->st, err) < 0)
        rc = WC_EREMOTE;
    if (rc == 0 && strcmp(j->st.export_state, JOB_EXPORT_DONE) == 0 &&
        strcmp(j->st.export_keep, EXPORT_KEEP_EXPORT) == 0)
        rc = trim_stream(ex, j, KEYS_ERRORS, j->st.n_errors, err);
    if (rc != 0)
        return rc;
    const char *srem[] = {"SREM", ex->exports_key, j->st.id};
    redisReply *r = rconn_run(ex->redis, 3, srem, NULL, err);
    freeReplyObject(r);
    return r ? 0 : WC_EREMOTE;
}

/* The job's export ends (done or failed): its state, then settle_export(). */
static int finish_export(struct exporter *ex, struct export_job *j, const char *state,
                         const char *error, struct wc_error *err)
{
    const char *jobf[] = {"export_state", state, "export_error", error ? error : ""};
    int rc = record_progress(ex, j, jobf, 2, NULL, 0, err);
    if (rc < 0)
        return rc;
    log_event(strcmp(state, JOB_EXPORT_DONE) == 0 ? LOG_INFO : LOG_WARN, "export_over",
              "job=%s state=%s location=\"%s\" error=\"%s\"", j->st.id, state,
              j->st.export_location, error ? error : "");
    snprintf(j->st.export_state, sizeof j->st.export_state, "%s", state);
    return rc == 1 ? 0 : settle_export(ex, j, err); /* 1: the job is gone, the next pass drops it */
}

/* Copy entries first..last (ordinals, 1-based) of a stream (field) into o, hashed by b. Redis
 * failures are WC_EREMOTE; an entry missing from the stream WC_EPARSE (the record script writes
 * an entry before it counts it, and only exported entries are trimmed, so it was lost: a Redis
 * restarted without its AOF); the sink's failures its own code. */
static int copy_range(struct exporter *ex, struct export_sink *sink, const char *stream,
                      long long first, long long last, struct export_sink_object *o,
                      struct export_part_builder *b, struct wc_error *err)
{
    long long next = first;
    while (next <= last) {
        char from[32], to[32], count[16];
        snprintf(from, sizeof from, "0-%lld", next);
        snprintf(to, sizeof to, "0-%lld", last);
        snprintf(count, sizeof count, "%d", READ_BATCH);
        const char *argv[] = {"XRANGE", stream, from, to, "COUNT", count};
        redisReply *r = rconn_run(ex->redis, 6, argv, NULL, err);
        if (r == NULL)
            return WC_EREMOTE;
        int rc = 0;
        if (r->type != REDIS_REPLY_ARRAY || r->elements == 0)
            rc = wc_error_set(err, WC_EPARSE, "%s has lost its entry 0-%lld", stream, next);
        for (size_t i = 0; rc == 0 && i < r->elements; i++) {
            redisReply *e = r->element[i];
            /* entries are [id, [field, value]]: ids are ordinals, one after the other */
            if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
                e->element[0]->type != REDIS_REPLY_STRING ||
                strncmp(e->element[0]->str, "0-", 2) != 0 ||
                strtoll(e->element[0]->str + 2, NULL, 10) != next ||
                e->element[1]->type != REDIS_REPLY_ARRAY || e->element[1]->elements != 2 ||
                e->element[1]->element[1]->type != REDIS_REPLY_STRING) {
                rc = wc_error_set(err, WC_EPARSE, "%s: entry 0-%lld is lost or malformed", stream,
                                  next);
                break;
            }
            redisReply *v = e->element[1]->element[1];
            rc = sink->write(o, v->str, v->len, err);
            export_part_add(b, v->str, v->len);
            next++;
        }
        freeReplyObject(r);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Write one object of a job: entries first..last of stream (none when first > last) or, when
 * stream is NULL, data[0..len). info receives its counts and digest. 0, WC_EREMOTE (Redis), or
 * the sink's error. */
static int write_object(struct exporter *ex, struct export_job *j, enum export_object kind,
                        long index, const char *stream, long long first, long long last,
                        const char *data, size_t len, struct export_part_info *info,
                        struct wc_error *err)
{
    char name[EXPORT_NAME_MAX];
    if (export_object_name(name, sizeof name, j->st.export_folder, kind, index) < 0)
        return wc_error_set(err, WC_EINVAL, "no object name for folder %s", j->st.export_folder);
    struct export_sink_object *o = NULL;
    int rc = j->sink->open(j->sink, name, &o, err);
    if (rc != 0)
        return rc;
    struct export_part_builder b;
    export_part_begin(&b);
    if (stream) {
        rc = copy_range(ex, j->sink, stream, first, last, o, &b, err);
    } else if (len > 0) {
        rc = j->sink->write(o, data, len, err);
        export_part_add(&b, data, len);
    }
    if (rc != 0) {
        j->sink->abort(o);
        return rc;
    }
    export_part_end(&b, info);
    if (stream == NULL)
        info->records = 0; /* the manifest and _SUCCESS hold no records */
    snprintf(info->name, sizeof info->name, "%s", strrchr(name, '/') + 1);
    return j->sink->commit(o, info->sha256, err);
}

/* keep=export: the records of the parts made durable leave Redis (the error lines leave once
 * the export is done: settle_export()). Called after each part and at each step, so a trim lost
 * to a crash between the record and the trim is made at the next step. 0 or WC_EREMOTE. */
static int trim_exported(struct exporter *ex, struct export_job *j, long long parts,
                         struct wc_error *err)
{
    if (strcmp(j->st.export_keep, EXPORT_KEEP_EXPORT) != 0)
        return 0;
    return trim_stream(ex, j, KEYS_RESULTS, parts * j->per_part, err);
}

/* Part k of the results (kind PART) or of the errors (kind ERRORS), n_total entries so far: write
 * it and record it. 0, 1 (the job is gone), or an error. */
static int export_part(struct exporter *ex, struct export_job *j, enum export_object kind,
                       long long k, long long n_total, struct wc_error *err)
{
    long long per_part = j->per_part;
    long long first = k * per_part + 1;
    long long last = first + per_part - 1 < n_total ? first + per_part - 1 : n_total;
    int results = kind == EXPORT_OBJECT_PART;
    struct export_part_info info;
    int rc = write_object(ex, j, kind, (long)k, j->keys.key[results ? KEYS_RESULTS : KEYS_ERRORS],
                          first, last, NULL, 0, &info, err);
    if (rc != 0)
        return rc;
    struct wc_buf entry = WC_BUF_INIT;
    if (export_part_format(&info, &entry) != 0 || wc_buf_putc(&entry, '\0') != 0) {
        wc_buf_free(&entry);
        return wc_error_set(err, WC_ENOMEM, "out of memory");
    }
    char field[32], count[32], records[32];
    snprintf(field, sizeof field, "%s:%lld", results ? "part" : "errors", k);
    snprintf(count, sizeof count, "%lld", k + 1);
    snprintf(records, sizeof records, "%lld", last);
    const char *expf[] = {field, entry.data, results ? "parts" : "error_parts", count};
    const char *jobf[] = {"export_state", JOB_EXPORT_EXPORTING, "export_error", "", "export_parts",
                          count,          "export_records",     records};
    /* the job hash's counters speak of the results' parts only */
    rc = record_progress(ex, j, jobf, results ? 4 : 2, expf, 2, err);
    wc_buf_free(&entry);
    if (rc == 0 && results)
        rc = trim_exported(ex, j, k + 1, err);
    if (rc == 0)
        log_event(LOG_DEBUG, "export_part", "job=%s object=%s records=%lld bytes=%lld", j->st.id,
                  info.name, info.records, info.bytes);
    return rc;
}

/* Read n part entries (field PREFIX:0 .. PREFIX:n-1) of the export hash into parts. */
static int read_parts(struct exporter *ex, struct export_job *j, const char *prefix, long long n,
                      struct export_part_info *parts, struct wc_error *err)
{
    for (long long i = 0; i < n; i++) {
        char field[32];
        snprintf(field, sizeof field, "%s:%lld", prefix, i);
        const char *argv[] = {"HGET", j->keys.key[KEYS_EXPORT], field};
        redisReply *r = rconn_run(ex->redis, 3, argv, NULL, err);
        if (r == NULL)
            return WC_EREMOTE;
        int rc = r->type == REDIS_REPLY_STRING ? export_part_parse(r->str, r->len, &parts[i])
                                               : WC_EPARSE;
        freeReplyObject(r);
        if (rc != 0)
            return wc_error_set(err, WC_EPARSE, "the export of %s lost its entry %s", j->st.id,
                                field);
    }
    return 0;
}

/* Every part is durable: the manifest, then _SUCCESS, then the state. */
static int export_finish(struct exporter *ex, struct export_job *j, long long parts,
                         long long error_parts, struct wc_error *err)
{
    struct export_part_info *all = calloc((size_t)(parts + error_parts + 1), sizeof *all);
    struct wc_buf manifest = WC_BUF_INIT;
    struct export_part_info info;
    int rc = all ? 0 : wc_error_set(err, WC_ENOMEM, "out of memory");
    if (rc == 0)
        rc = read_parts(ex, j, "part", parts, all, err);
    if (rc == 0)
        rc = read_parts(ex, j, "errors", error_parts, all + parts, err);
    /* the provenance the job's records carry (the front end wrote provenance_list()'s form) */
    unsigned provenance = provenance_stored(j->st.fields, strlen(j->st.fields));
    if (rc == 0 && export_manifest_json(&manifest, j->st.id, provenance, all, (size_t)parts,
                                        all + parts, (size_t)error_parts) != 0)
        rc = wc_error_set(err, WC_ENOMEM, "out of memory");
    if (rc == 0)
        rc = write_object(ex, j, EXPORT_OBJECT_MANIFEST, 0, NULL, 0, 0, manifest.data, manifest.len,
                          &info, err);
    if (rc == 0)
        rc = write_object(ex, j, EXPORT_OBJECT_SUCCESS, 0, NULL, 0, 0, NULL, 0, &info, err);
    if (rc == 0)
        rc = finish_export(ex, j, JOB_EXPORT_DONE, NULL, err);
    wc_buf_free(&manifest);
    free(all);
    return rc;
}

static long long hash_ll(redisReply *r)
{
    return r->type == REDIS_REPLY_STRING ? atoll(r->str) : 0;
}

/* One step of one job's export: a part, or the end. Returns 1 when something was written, 0 when
 * there is nothing to do yet, or an error (Redis: WC_EREMOTE; the sink's otherwise). */
static int export_step(struct exporter *ex, const char *id, struct wc_error *err)
{
    struct export_job j;
    memset(&j, 0, sizeof j);
    int got = jobs_get(ex->redis, id, &j.st, err);
    if (got < 0)
        return got;
    jobs_keys(&j.keys, id);
    if (got == 1) {
        /* gone (expired, purged, an upload undone): not followed any more, and chunks it had
         * parked have no job to run for */
        const char *srem[] = {"SREM", ex->exports_key, id};
        if (export_buffer_drop(ex->redis, id, err) != 0)
            return WC_EREMOTE;
        freeReplyObject(rconn_run(ex->redis, 3, srem, NULL, err));
        return 0;
    }
    if (j.st.export_to[0] == '\0' || strcmp(j.st.export_state, JOB_EXPORT_DONE) == 0 ||
        strcmp(j.st.export_state, JOB_EXPORT_FAILED) == 0)
        return settle_export(ex, &j, err); /* over: what it held is let go, if not yet */
    if (strcmp(j.st.status, JOB_RECEIVING) == 0 || strcmp(j.st.status, JOB_COMMITTING) == 0)
        return 0;
    j.sink = strcmp(j.st.export_to, "dir") == 0  ? ex->dir
             : strcmp(j.st.export_to, "s3") == 0 ? ex->s3
                                                 : NULL;
    if (j.sink == NULL) {
        char why[128];
        snprintf(why, sizeof why, "the sink %s is not configured on the exporter", j.st.export_to);
        return finish_export(ex, &j, JOB_EXPORT_FAILED, why, err);
    }
    if (strcmp(j.st.status, JOB_CANCELLED) == 0)
        return finish_export(ex, &j, JOB_EXPORT_FAILED,
                             "the job was cancelled: its export is left unfinished", err);
    const char *argv[] = {"HMGET", j.keys.key[KEYS_EXPORT], "parts", "error_parts", "part_records"};
    redisReply *r = rconn_run(ex->redis, 5, argv, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    long long parts = 0, error_parts = 0;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 3) {
        parts = hash_ll(r->element[0]);
        error_parts = hash_ll(r->element[1]);
        j.per_part = hash_ll(r->element[2]);
    }
    freeReplyObject(r);
    if (j.per_part <= 0) {
        char n[32];
        j.per_part = ex->cfg->export_part_size;
        snprintf(n, sizeof n, "%lld", j.per_part);
        const char *expf[] = {"part_records", n};
        int fixed = record_progress(ex, &j, NULL, 0, expf, 1, err);
        if (fixed != 0)
            return fixed < 0 ? fixed : 0; /* the job is gone: the next pass drops it */
    }
    long long per_part = j.per_part;
    int done = strcmp(j.st.status, JOB_DONE) == 0;
    int rc = trim_exported(ex, &j, parts, err);
    if (rc != 0)
        return rc;
    /* keep=export: Redis is the buffer; the crawl waits while the export lags too far behind */
    if (!done && strcmp(j.st.export_keep, EXPORT_KEEP_EXPORT) == 0 &&
        export_buffer_regulate(ex->redis, &j.st, j.st.n_results - parts * per_part, per_part, err) <
            0)
        return WC_EREMOTE; /* not for a release a full Redis refused: that waits, the part not */
    /* A part is written once it is full, the last one once the job is done: part k always holds
     * the same records, so writing it again after a crash writes the same bytes. */
    if ((parts + 1) * per_part <= j.st.n_results || (done && parts * per_part < j.st.n_results))
        rc = export_part(ex, &j, EXPORT_OBJECT_PART, parts, j.st.n_results, err);
    else if (!done)
        return 0;
    else if (error_parts * per_part < j.st.n_errors)
        rc = export_part(ex, &j, EXPORT_OBJECT_ERRORS, error_parts, j.st.n_errors, err);
    else
        rc = export_finish(ex, &j, parts, error_parts, err);
    return rc == 0 ? 1 : rc;
}

/* The sink failed for job id. A failure that may pass (WC_EIO) shows as stalled while the
 * exporter backs off; a refusal (WC_EINVAL: credentials, a missing bucket) or records Redis lost
 * (WC_EPARSE) end the export as failed, the records left in Redis. */
static void mark_sink_failure(struct exporter *ex, const char *id, int rc,
                              const struct wc_error *why)
{
    struct export_job j;
    memset(&j, 0, sizeof j);
    jobs_keys(&j.keys, id);
    snprintf(j.st.id, sizeof j.st.id, "%s", id);
    struct wc_error err = {0};
    if (rc == WC_EINVAL || rc == WC_EPARSE) {
        if (jobs_get(ex->redis, id, &j.st, &err) != 0)
            return; /* gone, or Redis failed: the next pass sees to it */
        finish_export(ex, &j, JOB_EXPORT_FAILED, why->message, &err);
        return;
    }
    const char *jobf[] = {"export_state", JOB_EXPORT_STALLED, "export_error", why->message};
    record_progress(ex, &j, jobf, 2, NULL, 0, &err);
}

/* The next wait after a lost connection to Redis: doubling, up to EXPORT_BACKOFF_MAX_MS. */
static long doubled(long ms)
{
    return ms * 2 > EXPORT_BACKOFF_MAX_MS ? EXPORT_BACKOFF_MAX_MS : ms * 2;
}

static void sleep_ms(struct exporter *ex, long ms)
{
    for (long slept = 0; slept < ms && !*ex->stop; slept += 50)
        usleep(50000);
}

/* Jobs that waited but left the exports set (settled by another exporter, or the set lost) wait no
 * more: the table stays as small as the set. */
static void forget_unfollowed(struct exporter *ex, const redisReply *ids)
{
    if (ids->type != REDIS_REPLY_ARRAY)
        return;
    for (size_t e = 0; e < ex->stalled.n;) {
        int followed = 0;
        for (size_t i = 0; !followed && i < ids->elements; i++)
            followed = ids->element[i]->type == REDIS_REPLY_STRING &&
                       strcmp(ids->element[i]->str, ex->stalled.entries[e].id) == 0;
        if (followed) {
            e++;
            continue;
        }
        char id[sizeof ex->stalled.entries[e].id];
        snprintf(id, sizeof id, "%s", ex->stalled.entries[e].id);
        export_backoff_clear(&ex->stalled, id); /* moves the last entry to e */
    }
}

/* One pass over the exporting jobs, a step each. A job whose step fails (its sink, or Redis
 * refusing a write) backs off on its own and the pass goes on to the next: one stalled export,
 * or one a full Redis refuses, must not hold up the others, whose trimming is what frees Redis.
 * Returns the steps that wrote something, or -1 when the connection to Redis failed (logged, and
 * shown in the job's status when the sink failed). */
static int export_pass(struct exporter *ex)
{
    struct wc_error err = {0};
    const char *argv[] = {"SMEMBERS", ex->exports_key};
    redisReply *ids = rconn_run(ex->redis, 2, argv, NULL, &err);
    if (ids == NULL) {
        log_event(LOG_WARN, "redis_unavailable", "msg=\"%s\"", err.message);
        return -1;
    }
    int wrote = 0;
    for (size_t i = 0; ids->type == REDIS_REPLY_ARRAY && i < ids->elements && !*ex->stop; i++) {
        const char *id = ids->element[i]->str;
        if (ids->element[i]->type != REDIS_REPLY_STRING || !keys_job_id_valid(id))
            continue;
        long long now = clock_monotonic_ms();
        if (!export_backoff_due(&ex->stalled, id, now))
            continue;
        err = (struct wc_error){0};
        int rc = export_step(ex, id, &err);
        if (rc >= 0) {
            export_backoff_clear(&ex->stalled, id);
            wrote += rc > 0;
            continue;
        }
        long long wait = export_backoff_failed(&ex->stalled, id, now);
        log_event(LOG_WARN, "export_failed", "job=%s retry_ms=%lld msg=\"%s\"", id, wait,
                  err.message);
        if (rc != WC_EREMOTE)
            mark_sink_failure(ex, id, rc, &err);
        if (rc == WC_EREMOTE && ex->redis->err) {
            wrote = -1; /* the connection is lost: every job waits for it */
            break;
        }
    }
    forget_unfollowed(ex, ids);
    freeReplyObject(ids);
    return wrote;
}

int exporter_run(const struct wc_config *cfg, volatile sig_atomic_t *stop)
{
    struct exporter ex = {.cfg = cfg, .stop = stop};
    keys_queue(ex.exports_key, sizeof ex.exports_key, "exports");
    if (cfg->export_dir[0]) {
        ex.dir = export_dir_sink_new(cfg->export_dir);
        if (ex.dir == NULL)
            return 1;
    }
    if (cfg->s3_bucket[0]) {
        const char *access = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
        const char *token = getenv("AWS_SESSION_TOKEN");
        struct export_s3_config s3 = {
            cfg->s3_bucket,       cfg->s3_endpoint,   cfg->s3_region, access ? access : "",
            secret ? secret : "", token ? token : "", S3_TIMEOUT_MS,  S3_CONNECT_TIMEOUT_MS};
        if (access == NULL || secret == NULL)
            log_event(LOG_WARN, "s3_no_credentials",
                      "msg=\"AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set\"");
        ex.s3 = export_s3_sink_new(&s3);
        if (ex.s3 == NULL)
            return 1;
    }
    log_event(LOG_INFO, "exporter_started", "dir=\"%s\" s3_bucket=\"%s\" part_records=%ld",
              cfg->export_dir, cfg->s3_bucket, cfg->export_part_size);
    long backoff_ms = EXPORT_BACKOFF_MIN_MS;
    while (!*stop) {
        if (ex.redis == NULL || ex.redis->err) {
            if (ex.redis)
                redisFree(ex.redis);
            struct wc_error err = {0};
            ex.redis = rconn_connect(cfg->redis, REDIS_TIMEOUT_MS, &err);
            if (ex.redis == NULL) {
                log_event(LOG_WARN, "redis_unavailable", "retry_ms=%ld msg=\"%s\"", backoff_ms,
                          err.message);
                sleep_ms(&ex, backoff_ms);
                backoff_ms = doubled(backoff_ms);
                continue;
            }
        }
        int wrote = export_pass(&ex);
        if (wrote < 0) {
            /* Redis failed: back off, doubling, before the next pass */
            sleep_ms(&ex, backoff_ms);
            backoff_ms = doubled(backoff_ms);
            continue;
        }
        backoff_ms = EXPORT_BACKOFF_MIN_MS;
        if (wrote == 0)
            sleep_ms(&ex, IDLE_MS);
    }
    if (ex.redis)
        redisFree(ex.redis);
    if (ex.dir)
        ex.dir->free(ex.dir);
    if (ex.s3)
        ex.s3->free(ex.s3);
    export_backoff_free(&ex.stalled);
    log_event(LOG_INFO, "exporter_stopped", "msg=\"signal\"");
    return 0;
}
