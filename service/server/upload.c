/* upload.c - POST /v1/jobs: a streamed upload of titles becoming a job, idempotency keys */
#include "server.h"
#include "chunk.h"
#include "common/jobs.h"
#include "common/log.h"
#include "common/rconn.h"
#include "gzip_member.h"
#include "keys.h"
#include "num.h"
#include "provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int media_type_is(const char *content_type, const char *want)
{
    size_t n = strlen(want);
    return strncasecmp(content_type, want, n) == 0 &&
           (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

/* A failed upload: undo what it wrote and answer the error, now (the body is complete) or once
 * the rest of the body has been read (mid_upload). */
static enum MHD_Result upload_error(struct MHD_Connection *c, struct conn_ctx *cc,
                                    struct request *req, int rc, const struct wc_error *err,
                                    int mid_upload)
{
    submit_abort(req->submission);
    submit_free(req->submission);
    req->submission = NULL;
    if (rconn_full(err)) { /* Redis answered -OOM: the job is undone, the link is fine */
        log_event(LOG_WARN, "store_full", "msg=\"%s\"", err->message);
        if (mid_upload)
            return defer_store_full(req);
        req->answered = 1;
        return respond_store_full(c, MHD_HTTP_INSUFFICIENT_STORAGE);
    }
    unsigned status = MHD_HTTP_SERVICE_UNAVAILABLE;
    const char *code = "internal";
    const char *message = err->message;
    switch (rc) {
    case WC_EPARSE:
        status = MHD_HTTP_BAD_REQUEST, code = "malformed_body";
        break;
    case WC_ELIMIT:
        status = MHD_HTTP_CONTENT_TOO_LARGE, code = "too_many_titles";
        break;
    case WC_EINVAL:
        status = MHD_HTTP_UNPROCESSABLE_CONTENT, code = "invalid_option";
        break;
    case WC_EDENIED:
        status = MHD_HTTP_FORBIDDEN, code = "priority_not_allowed";
        break;
    case WC_EREMOTE:
        log_event(LOG_WARN, "redis_unavailable", "msg=\"%s\"", err->message);
        if (cc->redis) {
            redisFree(cc->redis);
            cc->redis = NULL;
        }
        code = "redis_unavailable";
        message = "the job store is unreachable; try again shortly";
        break;
    default:
        break;
    }
    if (mid_upload)
        return defer_error(req, status, code, "%s", message);
    req->answered = 1;
    return respond_error(c, status, code, "%s", message);
}

static enum MHD_Result respond_existing(struct MHD_Connection *c, redisContext *redis,
                                        const char *id)
{
    struct job_status st;
    struct wc_error err = {0};
    if (jobs_get(redis, id, &st, &err) != 0)
        return respond_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such job");
    struct wc_buf body = WC_BUF_INIT;
    jobs_status_json(&st, &body);
    char location[128];
    snprintf(location, sizeof location, "/v1/jobs/%s", id);
    enum MHD_Result ret = respond_json(c, MHD_HTTP_OK, &body, location);
    wc_buf_free(&body);
    return ret;
}

enum MHD_Result respond_accepted(struct MHD_Connection *c, const struct submit_summary *sum)
{
    log_event(LOG_INFO, "job_submitted",
              "job=%s titles=%lld chunks=%lld duplicates=%lld invalid=%lld", sum->id, sum->titles,
              sum->chunks, sum->duplicates, sum->invalid);
    struct wc_buf body = WC_BUF_INIT;
    wc_buf_printf(&body,
                  "{\"id\":\"%s\",\"status\":\"%s\",\"titles\":%lld,\"chunks\":%lld,"
                  "\"duplicates\":%lld,\"invalid\":%lld}",
                  sum->id, sum->chunks ? JOB_QUEUED : JOB_DONE, sum->titles, sum->chunks,
                  sum->duplicates, sum->invalid);
    char location[128];
    snprintf(location, sizeof location, "/v1/jobs/%s", sum->id);
    enum MHD_Result ret = respond_json(c, MHD_HTTP_ACCEPTED, &body, location);
    wc_buf_free(&body);
    return ret;
}

struct submit_options default_submit_options(const struct wc_config *cfg, const struct request *req,
                                             int use_cache)
{
    struct submit_options opts = {
        .format = TITLES_FORMAT_TEXT,
        .chunk_size = cfg->chunk_size,
        .max_titles = cfg->max_titles,
        .max_title_bytes = cfg->max_title_bytes,
        .result_ttl = cfg->result_ttl,
        .owner = req->owner,
        .use_cache = use_cache,
        .may_use_high = (req->may & AUTH_MAY_HIGH) != 0,
        .export_sinks = (cfg->export_dir[0] ? EXPORT_SINK_BIT(EXPORT_SINK_DIR) : 0) |
                        (cfg->s3_bucket[0] ? EXPORT_SINK_BIT(EXPORT_SINK_S3) : 0),
        .export_dir = cfg->export_dir,
        .s3_bucket = cfg->s3_bucket,
        .wikis = &cfg->wikis,
    };
    return opts;
}

/* The repeated ?label= of a request. */
struct query_labels {
    struct job_labels labels;
    struct wc_error err;
    int failed;
};

static enum MHD_Result collect_label(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    struct query_labels *q = cls;
    if (strcmp(key, "label") != 0)
        return MHD_YES;
    /* "?label" without "=" has no value: an empty label, refused like one */
    const char *text = value ? value : "";
    if (job_labels_add(&q->labels, text, strlen(text), &q->err) != 0) {
        q->failed = 1;
        return MHD_NO;
    }
    return MHD_YES;
}

enum MHD_Result upload_start(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                             struct request *req)
{
    const struct wc_config *cfg = srv->cfg;
    struct submit_options opts = default_submit_options(cfg, req, 1);
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
    const char *encoding = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Encoding");
    req->answered = 1; /* unless we get to the end of this function */
    /* gzip bodies are inflated as they arrive; the size limits hold for the inflated bytes. */
    int gzip =
        encoding && (strcasecmp(encoding, "gzip") == 0 || strcasecmp(encoding, "x-gzip") == 0);
    if (encoding && !gzip && strcasecmp(encoding, "identity") != 0)
        return respond_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_content_encoding",
                             "Content-Encoding %.100s is not accepted: use gzip or none", encoding);
    if (type == NULL)
        return respond_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                             "send Content-Type: application/json or text/plain");
    if (media_type_is(type, "application/json")) {
        opts.format = TITLES_FORMAT_JSON;
    } else if (media_type_is(type, "text/plain")) {
        opts.format = TITLES_FORMAT_TEXT;
        if (format && strcmp(format, "idtitle") == 0)
            opts.format = TITLES_FORMAT_IDTITLE;
        else if (format && strcmp(format, "text") != 0)
            return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                                 "format must be text or idtitle");
    } else {
        return respond_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                             "Content-Type %.100s is not accepted: use application/json or "
                             "text/plain",
                             type);
    }
    /* A declared length over the limit is refused before a byte of the body is read.
     * libmicrohttpd has already refused a Content-Length that is not a number (when no
     * Transfer-Encoding overrides it), so what fails to parse here is mostly one too large even
     * for a long long. */
    const char *length =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    long long declared;
    if (length && num_parse_ll(length, 0, cfg->max_body_bytes, &declared) != 0)
        return respond_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                             "the body is larger than %ld bytes", cfg->max_body_bytes);
    long chunk_size = cfg->chunk_size;
    if (query_long(c, "chunk_size", 1, CHUNK_MAX_SIZE, &chunk_size) < 0)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                             "chunk_size must be a whole number from 1 to %d", CHUNK_MAX_SIZE);
    opts.chunk_size = (int)chunk_size;
    const char *cache = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cache");
    if (cache && strcmp(cache, "true") != 0 && strcmp(cache, "false") != 0)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                             "cache must be true or false");
    opts.use_cache = cache == NULL || strcmp(cache, "true") == 0;
    const char *priority = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "priority");
    if (priority) {
        opts.priority = job_priority_parse(priority, strlen(priority));
        if (opts.priority == NULL)
            return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                                 "priority must be high, normal or low");
        if (strcmp(opts.priority, JOB_PRIORITY_HIGH) == 0 && !opts.may_use_high)
            return respond_error(c, MHD_HTTP_FORBIDDEN, "priority_not_allowed",
                                 PRIORITY_HIGH_DENIED);
    }
    const char *wiki = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "wiki");
    struct wc_error bad_wiki = {0};
    if (wiki && submit_wiki_pick(opts.wikis, wiki, strlen(wiki), &opts.wiki, &bad_wiki) != 0)
        return respond_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid_option", "%s",
                             bad_wiki.message);
    const char *fields = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "fields");
    if (fields && provenance_parse_list(fields, strlen(fields), &opts.fields, &bad_wiki) != 0)
        return respond_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid_option", "%s",
                             bad_wiki.message);
    struct query_labels labels = {{0}, {0}, 0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_label, &labels);
    if (labels.failed)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter", "%s", labels.err.message);
    opts.labels = &labels.labels;
    /* ?export=SINK&export_prefix=P, for every upload format; refused like the JSON form (422) */
    const char *export_to = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "export");
    const char *export_prefix =
        MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "export_prefix");
    struct export_request export = {0};
    const char *keep = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "keep");
    struct wc_error bad_keep = {0};
    if (keep && export_keep_set(&export, keep, strlen(keep), &bad_keep) != 0)
        return respond_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid_option", "%s",
                             bad_keep.message);
    if (keep)
        opts.export = &export; /* checked with the body's export at its end */
    if (export_to || export_prefix) {
        struct wc_error bad = {0};
        if (export_to == NULL || export_prefix == NULL)
            return respond_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid_option",
                                 "export and export_prefix go together");
        if (export_request_set(&export, export_to, strlen(export_to), export_prefix,
                               strlen(export_prefix), opts.export_sinks, &bad) != 0)
            return respond_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "invalid_option", "%s",
                                 bad.message);
        opts.export = &export;
    }

    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    if (redis == NULL)
        return respond_redis_down(c, cc, &err);
    const char *idem = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
    if (idem) {
        if (strlen(idem) == 0 || strlen(idem) > IDEMPOTENCY_KEY_MAX)
            return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_header",
                                 "Idempotency-Key must be 1 to %d bytes", IDEMPOTENCY_KEY_MAX);
        keys_idempotency(req->idempotency_key, sizeof req->idempotency_key, req->owner, idem);
        char existing[KEYS_JOB_ID_LEN + 1];
        if (submit_idempotency_lookup(redis, req->idempotency_key, existing, sizeof existing,
                                      &err) != 0)
            return respond_redis_down(c, cc, &err);
        if (existing[0])
            return respond_existing(c, redis, existing);
        opts.idempotency_key = req->idempotency_key;
    }
    /* Above the high-water mark a new job would take the room the running ones need to finish:
     * refused before a byte of it is stored. An idempotent repeat (above) costs nothing. */
    if (store_admission_shut(srv, redis))
        return respond_store_full(c, MHD_HTTP_INSUFFICIENT_STORAGE);
    if (gzip) {
        req->gunzip = gzip_reader_new();
        if (req->gunzip == NULL)
            return MHD_NO;
    }
    req->submission = submit_begin(redis, &opts, &err);
    if (req->submission == NULL)
        return respond_redis_down(c, cc, &err);
    /* The job counts against its key's limit from its first byte: parallel uploads of one key
     * cannot all pass a check made before any of them is counted. */
    if (srv->auth) {
        long long live;
        int rc = auth_admit_job(redis, req->owner, submit_job_id(req->submission),
                                cfg->max_jobs_per_key, &live, &err);
        if (rc != AUTH_ADMITTED) {
            submit_abort(req->submission);
            submit_free(req->submission);
            req->submission = NULL;
            if (rc < 0)
                return respond_redis_down(c, cc, &err);
            return respond_too_many_jobs(c, live, cfg->max_jobs_per_key);
        }
    }
    req->answered = 0;
    return MHD_YES;
}

/* Count len more bytes of the body; 0, or 1 when it is now over the limit (answered: 413) or
 * Redis has crossed the high-water mark meanwhile (answered: 507). Either way the upload is undone.
 */
static int body_refused(struct api_server *srv, struct conn_ctx *cc, struct request *req,
                        size_t len)
{
    req->body_bytes += (long long)len;
    int too_large = req->body_bytes > srv->cfg->max_body_bytes;
    if (!too_large && !(cc->redis && store_admission_shut(srv, cc->redis)))
        return 0;
    submit_abort(req->submission);
    submit_free(req->submission);
    req->submission = NULL;
    if (too_large)
        defer_error(req, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                    "the body is larger than %ld bytes", srv->cfg->max_body_bytes);
    else
        defer_store_full(req);
    return 1;
}

/* Inflate a piece of a gzip body and feed what comes out, counted against the limit as it comes:
 * a small body that inflates to gigabytes is refused after max_body_bytes of them. */
static enum MHD_Result upload_inflate(struct api_server *srv, struct MHD_Connection *c,
                                      struct conn_ctx *cc, struct request *req, const char *data,
                                      size_t len)
{
    char out[16 * 1024];
    struct wc_error err = {0};
    while (len > 0 || !gzip_reader_complete(req->gunzip)) {
        size_t used, produced;
        int rc = gzip_reader_run(req->gunzip, data, len, &used, out, sizeof out, &produced, &err);
        if (rc == WC_EPARSE)
            wc_error_set(&err, rc, "the body is not valid gzip");
        if (rc != 0)
            return upload_error(c, cc, req, rc, &err, 1);
        data += used;
        len -= used;
        if (produced == 0)
            break; /* everything taken: the rest of the stream is still to come */
        if (body_refused(srv, cc, req, produced))
            return MHD_YES;
        rc = submit_feed(req->submission, out, produced, &err);
        if (rc != 0)
            return upload_error(c, cc, req, rc, &err, 1);
    }
    return MHD_YES;
}

enum MHD_Result upload_body(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                            struct request *req, const char *data, size_t len)
{
    if (req->gunzip)
        return upload_inflate(srv, c, cc, req, data, len);
    if (body_refused(srv, cc, req, len))
        return MHD_YES;
    struct wc_error err = {0};
    int rc = submit_feed(req->submission, data, len, &err);
    if (rc != 0)
        return upload_error(c, cc, req, rc, &err, 1);
    return MHD_YES;
}

enum MHD_Result upload_end(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                           struct request *req)
{
    (void)srv; /* the upload handlers share one shape */
    struct wc_error err = {0};
    struct submit_summary sum;
    if (req->gunzip && !gzip_reader_complete(req->gunzip)) {
        wc_error_set(&err, WC_EPARSE, "the gzip body ends before its end (truncated or empty)");
        return upload_error(c, cc, req, WC_EPARSE, &err, 0);
    }
    int rc = submit_finish(req->submission, &sum, &err);
    if (rc != 0) /* a body without titles included: submit_finish() refuses it with WC_EINVAL */
        return upload_error(c, cc, req, rc, &err, 0);
    submit_free(req->submission);
    req->submission = NULL;
    req->answered = 1;
    /* Another upload with the same Idempotency-Key queued its job first: this one was undone. */
    if (sum.existing_id[0])
        return respond_existing(c, cc->redis, sum.existing_id);
    return respond_accepted(c, &sum);
}
