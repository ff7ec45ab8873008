/* api.c - the HTTP front end: libmicrohttpd routes over the Redis job store */
#include "api.h"
#include "auth.h"
#include "buf.h"
#include "chunk.h"
#include "common/jobs.h"
#include "json_write.h"
#include "keys.h"
#include "common/log.h"
#include "common/rconn.h"
#include "retry.h"
#include "submit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <microhttpd.h>

#define MAX_WAIT_SECONDS 60
#define MAX_PAGE_LIMIT 10000
#define STREAM_BATCH 200
#define POLL_INTERVAL_US 100000
#define REDIS_TIMEOUT_MS 10000

struct api_server {
    const struct wc_config *cfg;
    char *openapi;
    size_t openapi_len;
    struct auth *auth; /* NULL: no access control */
    struct MHD_Daemon *daemon;
};

/* One per TCP connection: its thread's Redis connection, made on first use. */
struct conn_ctx {
    redisContext *redis;
};

enum request_kind { REQ_OTHER, REQ_SUBMIT };

/* One per request, for requests that span several handler calls (uploads). */
struct request {
    enum request_kind kind;
    struct submission *submission;
    long long body_bytes;
    int answered; /* a response is queued: discard whatever is still uploaded */
    char idempotency_key[129];
    char owner[AUTH_OWNER_LEN + 1]; /* the API key's owner tag, "" without access control */
    /* An error found while the body still streams is answered once it has been read:
     * libmicrohttpd 0.9.75 cannot queue a response in the middle of an upload. */
    unsigned deferred_status;
    struct wc_buf deferred_body;
    long long discarded;
};

/* Body bytes read and dropped after an error before the connection is simply closed. */
#define MAX_DISCARD_BYTES (64LL << 20)

/* ---- responses --------------------------------------------------------------------------- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
                               const char *body, size_t len, const char *location)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (location)
        MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_json(struct MHD_Connection *c, unsigned status,
                                    const struct wc_buf *body, const char *location)
{
    return respond(c, status, "application/json", body->data ? body->data : "{}",
                   body->data ? body->len : 2, location);
}

static void error_body(struct wc_buf *body, const char *code, const char *message)
{
    wc_buf_puts(body, "{\"error\":{\"code\":");
    json_write_cstring(body, code);
    wc_buf_puts(body, ",\"message\":");
    json_write_cstring(body, message);
    wc_buf_puts(body, "}}");
}

static enum MHD_Result respond_error(struct MHD_Connection *c, unsigned status, const char *code,
                                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void error_vbody(struct wc_buf *body, const char *code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void error_vbody(struct wc_buf *body, const char *code, const char *fmt, va_list ap)
{
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    error_body(body, code, message);
}

static enum MHD_Result respond_error(struct MHD_Connection *c, unsigned status, const char *code,
                                     const char *fmt, ...)
{
    struct wc_buf body = WC_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    error_vbody(&body, code, fmt, ap);
    va_end(ap);
    enum MHD_Result ret = respond_json(c, status, &body, NULL);
    wc_buf_free(&body);
    return ret;
}

/* The error of a request whose body is still arriving: kept until the body has been read. */
static enum MHD_Result defer_error(struct request *req, unsigned status, const char *code,
                                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum MHD_Result defer_error(struct request *req, unsigned status, const char *code,
                                   const char *fmt, ...)
{
    wc_buf_reset(&req->deferred_body);
    va_list ap;
    va_start(ap, fmt);
    error_vbody(&req->deferred_body, code, fmt, ap);
    va_end(ap);
    req->deferred_status = status;
    req->answered = 1;
    return MHD_YES;
}

/* A constant JSON body with one extra header (Allow, WWW-Authenticate). */
static enum MHD_Result respond_static(struct MHD_Connection *c, unsigned status, const char *body,
                                      const char *header, const char *value)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(r, header, value);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_method_not_allowed(struct MHD_Connection *c, const char *allow)
{
    return respond_static(
        c, MHD_HTTP_METHOD_NOT_ALLOWED,
        "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"method not allowed here\"}}",
        MHD_HTTP_HEADER_ALLOW, allow);
}

static enum MHD_Result respond_redis_down(struct MHD_Connection *c, struct conn_ctx *cc,
                                          const struct wc_error *err)
{
    log_event(LOG_WARN, "redis_unavailable", "msg=\"%s\"", err->message);
    if (cc->redis) {
        redisFree(cc->redis);
        cc->redis = NULL;
    }
    return respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "redis_unavailable",
                         "the job store is unreachable; try again shortly");
}

/* ---- helpers ----------------------------------------------------------------------------- */

static redisContext *conn_redis(struct api_server *srv, struct conn_ctx *cc, struct wc_error *err)
{
    if (cc->redis && cc->redis->err) {
        redisFree(cc->redis);
        cc->redis = NULL;
    }
    if (cc->redis == NULL)
        cc->redis = rconn_connect(srv->cfg->redis, REDIS_TIMEOUT_MS, err);
    return cc->redis;
}

/* Parse a whole number query parameter. Returns 0 (absent: *out unchanged), 1 (set), -1 (bad). */
static int query_long(struct MHD_Connection *c, const char *name, long min, long max, long *out)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    if (v == NULL)
        return 0;
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end != '\0' || n < min || n > max)
        return -1;
    *out = n;
    return 1;
}

/* Split "/v1/jobs/{id}[/tail]". Returns 1 and fills id/tail when the URL has that shape. */
static int parse_job_url(const char *url, char *id, size_t id_size, const char **tail)
{
    static const char prefix[] = "/v1/jobs/";
    if (strncmp(url, prefix, sizeof prefix - 1) != 0)
        return 0;
    const char *p = url + sizeof prefix - 1;
    const char *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 0 || len >= id_size)
        return 0;
    memcpy(id, p, len);
    id[len] = '\0';
    *tail = slash ? slash : "";
    return 1;
}

/* ---- POST /v1/jobs ----------------------------------------------------------------------- */

static int media_type_is(const char *content_type, const char *want)
{
    size_t n = strlen(want);
    return strncasecmp(content_type, want, n) == 0 &&
           (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

/* A failed upload: undo what it wrote and answer the error, now (the body is complete) or once
 * the rest of the body has been read (mid_upload). */
static enum MHD_Result submit_error(struct MHD_Connection *c, struct conn_ctx *cc,
                                    struct request *req, int rc, const struct wc_error *err,
                                    int mid_upload)
{
    submit_abort(req->submission);
    submit_free(req->submission);
    req->submission = NULL;
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

static enum MHD_Result submit_existing(struct MHD_Connection *c, redisContext *redis,
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

/* 202 for a job just queued: its summary and where to find it. */
static enum MHD_Result respond_accepted(struct MHD_Connection *c, const struct submit_summary *sum)
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

/* A new job's options from the server's settings (the request may then override some). */
static struct submit_options default_submit_options(const struct wc_config *cfg, const char *owner,
                                                    int use_cache)
{
    struct submit_options opts = {
        .format = TITLES_FORMAT_TEXT,
        .chunk_size = cfg->chunk_size,
        .max_titles = cfg->max_titles,
        .max_title_bytes = cfg->max_title_bytes,
        .result_ttl = cfg->result_ttl,
        .owner = owner,
        .use_cache = use_cache,
    };
    return opts;
}

static enum MHD_Result submit_start(struct api_server *srv, struct MHD_Connection *c,
                                    struct conn_ctx *cc, struct request *req)
{
    const struct wc_config *cfg = srv->cfg;
    struct submit_options opts = default_submit_options(cfg, req->owner, 1);
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
    req->answered = 1; /* unless we get to the end of this function */
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
    /* A declared length over the limit is refused before a byte of the body is read. */
    const char *length =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length && strtoll(length, NULL, 10) > cfg->max_body_bytes)
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

    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    if (redis == NULL)
        return respond_redis_down(c, cc, &err);
    if (srv->auth && cfg->max_jobs_per_key > 0) {
        long long live = auth_jobs_in_flight(redis, req->owner, &err);
        if (live < 0)
            return respond_redis_down(c, cc, &err);
        if (live >= cfg->max_jobs_per_key)
            return respond_error(c, MHD_HTTP_TOO_MANY_REQUESTS, "too_many_jobs",
                                 "this API key has %lld unfinished jobs (the limit is %d)", live,
                                 cfg->max_jobs_per_key);
    }

    const char *idem = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
    if (idem) {
        if (strlen(idem) == 0 || strlen(idem) >= sizeof req->idempotency_key)
            return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_header",
                                 "Idempotency-Key must be 1 to 128 bytes");
        snprintf(req->idempotency_key, sizeof req->idempotency_key, "%s", idem);
        char key[KEYS_MAX];
        keys_idempotency(key, sizeof key, idem);
        const char *argv[] = {"GET", key};
        redisReply *r = rconn_run(redis, 2, argv, NULL, &err);
        if (r == NULL)
            return respond_redis_down(c, cc, &err);
        if (r->type == REDIS_REPLY_STRING) {
            enum MHD_Result ret = submit_existing(c, redis, r->str);
            freeReplyObject(r);
            return ret;
        }
        freeReplyObject(r);
    }
    req->submission = submit_begin(redis, &opts, &err);
    if (req->submission == NULL)
        return respond_redis_down(c, cc, &err);
    req->answered = 0;
    return MHD_YES;
}

static enum MHD_Result submit_data(struct api_server *srv, struct MHD_Connection *c,
                                   struct conn_ctx *cc, struct request *req, const char *data,
                                   size_t len)
{
    req->body_bytes += (long long)len;
    if (req->body_bytes > srv->cfg->max_body_bytes) {
        submit_abort(req->submission);
        submit_free(req->submission);
        req->submission = NULL;
        return defer_error(req, MHD_HTTP_CONTENT_TOO_LARGE, "body_too_large",
                           "the body is larger than %ld bytes", srv->cfg->max_body_bytes);
    }
    struct wc_error err = {0};
    int rc = submit_feed(req->submission, data, len, &err);
    if (rc != 0)
        return submit_error(c, cc, req, rc, &err, 1);
    return MHD_YES;
}

static enum MHD_Result submit_end(struct api_server *srv, struct MHD_Connection *c,
                                  struct conn_ctx *cc, struct request *req)
{
    struct wc_error err = {0};
    struct submit_summary sum;
    int rc = submit_finish(req->submission, &sum, &err);
    if (rc != 0)
        return submit_error(c, cc, req, rc, &err, 0);
    if (sum.titles == 0) {
        wc_error_set(&err, WC_EINVAL, "the body holds no titles");
        return submit_error(c, cc, req, WC_EINVAL, &err, 0);
    }
    if (req->idempotency_key[0]) {
        /* Two uploads with one key racing: the first to commit wins, the other is undone. */
        char key[KEYS_MAX], ttl[32];
        keys_idempotency(key, sizeof key, req->idempotency_key);
        snprintf(ttl, sizeof ttl, "%ld", srv->cfg->result_ttl);
        const char *argv[] = {"SET", key, sum.id, "NX", "EX", ttl};
        redisReply *r = rconn_run(cc->redis, 6, argv, NULL, &err);
        if (r == NULL)
            return submit_error(c, cc, req, WC_EREMOTE, &err, 0);
        int won = r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
        if (!won) {
            char status[16];
            jobs_cancel(cc->redis, sum.id, 60, status, sizeof status, &err);
            const char *get[] = {"GET", key};
            r = rconn_run(cc->redis, 2, get, NULL, &err);
            enum MHD_Result ret =
                r && r->type == REDIS_REPLY_STRING
                    ? submit_existing(c, cc->redis, r->str)
                    : respond_error(c, MHD_HTTP_CONFLICT, "conflict", "retry the request");
            freeReplyObject(r);
            submit_free(req->submission);
            req->submission = NULL;
            req->answered = 1;
            return ret;
        }
    }
    submit_free(req->submission);
    req->submission = NULL;
    req->answered = 1;
    if (srv->auth && auth_track_job(cc->redis, req->owner, sum.id, &err) != 0)
        log_event(LOG_WARN, "track_job_failed", "job=%s msg=\"%s\"", sum.id, err.message);
    return respond_accepted(c, &sum);
}

/* ---- GET /v1/jobs/{id} and DELETE -------------------------------------------------------- */

static enum MHD_Result job_status(struct api_server *srv, struct MHD_Connection *c,
                                  struct conn_ctx *cc, const char *id, int may_wait)
{
    long wait = 0;
    if (may_wait && query_long(c, "wait", 0, MAX_WAIT_SECONDS, &wait) < 0)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                             "wait must be a whole number of seconds from 0 to %d",
                             MAX_WAIT_SECONDS);
    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    if (redis == NULL)
        return respond_redis_down(c, cc, &err);
    long long deadline = rconn_now_ms() + wait * 1000;
    struct job_status st;
    for (;;) {
        int rc = jobs_get(redis, id, &st, &err);
        if (rc < 0)
            return respond_redis_down(c, cc, &err);
        if (rc == 1)
            return respond_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no job %s", id);
        if (jobs_is_final(&st) || rconn_now_ms() >= deadline)
            break;
        usleep(POLL_INTERVAL_US);
    }
    struct wc_buf body = WC_BUF_INIT;
    jobs_status_json(&st, &body);
    enum MHD_Result ret = respond_json(c, MHD_HTTP_OK, &body, NULL);
    wc_buf_free(&body);
    return ret;
}

static enum MHD_Result job_cancel(struct api_server *srv, struct MHD_Connection *c,
                                  struct conn_ctx *cc, const char *id)
{
    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    if (redis == NULL)
        return respond_redis_down(c, cc, &err);
    char status[16];
    int rc = jobs_cancel(redis, id, srv->cfg->result_ttl, status, sizeof status, &err);
    if (rc < 0)
        return respond_redis_down(c, cc, &err);
    if (rc == 1)
        return respond_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no job %s", id);
    log_event(LOG_INFO, "job_cancel", "job=%s status=%s", id, status);
    return job_status(srv, c, cc, id, 0);
}

/* ---- POST /v1/jobs/{id}/retry ----------------------------------------------------------- */

static enum MHD_Result job_retry(struct api_server *srv, struct MHD_Connection *c,
                                 struct conn_ctx *cc, struct request *req, const char *id)
{
    const struct wc_config *cfg = srv->cfg;
    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    if (redis == NULL)
        return respond_redis_down(c, cc, &err);
    struct submit_options opts = default_submit_options(cfg, req->owner, 0);
    struct submit_summary sum;
    int rc = retry_failed_titles(redis, id, &opts, &sum, &err);
    switch (rc) {
    case RETRY_SUBMITTED:
        log_event(LOG_INFO, "job_retry", "job=%s new_job=%s", id, sum.id);
        if (srv->auth && auth_track_job(redis, req->owner, sum.id, &err) != 0)
            log_event(LOG_WARN, "track_job_failed", "job=%s msg=\"%s\"", sum.id, err.message);
        return respond_accepted(c, &sum);
    case RETRY_NO_JOB:
        return respond_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no job %s", id);
    case RETRY_NOT_FINISHED:
        return respond_error(c, MHD_HTTP_CONFLICT, "job_not_finished",
                             "job %s is still running: retry it once it is done", id);
    case RETRY_NOTHING:
        return respond_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "nothing_to_retry",
                             "no title of job %s failed", id);
    case WC_EREMOTE:
        return respond_redis_down(c, cc, &err);
    default:
        return respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "internal", "%s", err.message);
    }
}

/* ---- GET /v1/jobs/{id}/results and /errors: NDJSON streamed from Redis streams ------------ */

struct stream_ctx {
    redisContext *redis; /* the connection's, borrowed */
    char key[KEYS_MAX];
    const char *field;
    long long next; /* next ordinal to read (stream id 0-next) */
    long long last; /* last ordinal to send */
    struct wc_buf buf;
    size_t sent;
};

static int stream_fill(struct stream_ctx *s)
{
    wc_buf_reset(&s->buf);
    s->sent = 0;
    long long upto = s->next + STREAM_BATCH - 1;
    if (upto > s->last)
        upto = s->last;
    char from[32], to[32];
    snprintf(from, sizeof from, "0-%lld", s->next);
    snprintf(to, sizeof to, "0-%lld", upto);
    const char *argv[] = {"XRANGE", s->key, from, to};
    redisReply *r = rconn_run(s->redis, 4, argv, NULL, NULL);
    if (r == NULL)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < r->elements; i++) {
        redisReply *entry = r->element[i];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2)
            continue;
        redisReply *fields = entry->element[1];
        for (size_t f = 0; f + 1 < fields->elements; f += 2) {
            if (strcmp(fields->element[f]->str, s->field) != 0)
                continue;
            if (wc_buf_append(&s->buf, fields->element[f + 1]->str, fields->element[f + 1]->len) ||
                wc_buf_putc(&s->buf, '\n'))
                rc = -1;
        }
    }
    /* Entries expired or never written (a cancelled job) end the stream early. */
    s->next = r->elements > 0 ? upto + 1 : s->last + 1;
    freeReplyObject(r);
    return rc;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct stream_ctx *s = cls;
    while (s->sent == s->buf.len) {
        if (s->next > s->last)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (stream_fill(s) != 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t n = s->buf.len - s->sent;
    if (n > max)
        n = max;
    memcpy(out, s->buf.data + s->sent, n);
    s->sent += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream_ctx *s = cls;
    wc_buf_free(&s->buf);
    free(s);
}

static enum MHD_Result job_stream(struct api_server *srv, struct MHD_Connection *c,
                                  struct conn_ctx *cc, const char *id, int errors)
{
    long cursor = 0, limit = -1;
    if (query_long(c, "cursor", 0, 0x7fffffffffffffffL, &cursor) < 0)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                             "cursor must be the Next-Cursor of an earlier page");
    if (query_long(c, "limit", 1, MAX_PAGE_LIMIT, &limit) < 0)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                             "limit must be a whole number from 1 to %d", MAX_PAGE_LIMIT);
    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    if (redis == NULL)
        return respond_redis_down(c, cc, &err);
    struct job_status st;
    int rc = jobs_get(redis, id, &st, &err);
    if (rc < 0)
        return respond_redis_down(c, cc, &err);
    if (rc == 1)
        return respond_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no job %s", id);

    long long available = errors ? st.n_errors : st.n_results;
    long long end = available;
    if (limit > 0 && cursor + limit < end)
        end = cursor + limit;
    if (end < cursor)
        end = cursor;

    struct stream_ctx *s = calloc(1, sizeof *s);
    if (s == NULL)
        return MHD_NO;
    s->redis = redis;
    keys_job(s->key, sizeof s->key, id, errors ? KEYS_ERRORS : KEYS_RESULTS);
    s->field = errors ? "e" : "r";
    s->next = cursor + 1;
    s->last = end;
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, s, stream_free);
    if (r == NULL) {
        stream_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson");
    /* More may come while the job runs, or past this page. */
    if (!jobs_is_final(&st) || end < available) {
        char next[32], link[256];
        snprintf(next, sizeof next, "%lld", end);
        snprintf(link, sizeof link, "</v1/jobs/%s/%s?cursor=%lld%s%ld>; rel=\"next\"", id,
                 errors ? "errors" : "results", end, limit > 0 ? "&limit=" : "",
                 limit > 0 ? limit : 0L);
        if (limit <= 0) /* no limit: "&limit=0" must not appear */
            snprintf(link, sizeof link, "</v1/jobs/%s/%s?cursor=%lld>; rel=\"next\"", id,
                     errors ? "errors" : "results", end);
        MHD_add_response_header(r, "Next-Cursor", next);
        MHD_add_response_header(r, "Link", link);
    }
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- health, readiness, metrics, spec ---------------------------------------------------- */

static long long count_live_workers(redisContext *redis, struct wc_error *err)
{
    char workers[KEYS_MAX], min[32];
    keys_queue(workers, sizeof workers, "workers");
    snprintf(min, sizeof min, "%lld", rconn_now_ms() - WORKER_DEAD_AFTER_MS);
    const char *argv[] = {"ZCOUNT", workers, min, "+inf"};
    redisReply *r = rconn_run(redis, 4, argv, NULL, err);
    if (r == NULL)
        return -1;
    long long n = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return n;
}

static enum MHD_Result readyz(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc)
{
    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    long long workers = redis ? count_live_workers(redis, &err) : -1;
    if (workers < 0)
        return respond_redis_down(c, cc, &err);
    if (workers == 0)
        return respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no_workers",
                             "Redis is reachable but no worker has reported in the last %d s",
                             WORKER_DEAD_AFTER_MS / 1000);
    struct wc_buf body = WC_BUF_INIT;
    wc_buf_printf(&body, "{\"status\":\"ready\",\"redis\":\"ok\",\"workers\":%lld}", workers);
    enum MHD_Result ret = respond_json(c, MHD_HTTP_OK, &body, NULL);
    wc_buf_free(&body);
    return ret;
}

static enum MHD_Result metrics(struct api_server *srv, struct MHD_Connection *c,
                               struct conn_ctx *cc)
{
    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    if (redis == NULL)
        return respond_redis_down(c, cc, &err);
    char stats[KEYS_MAX], pending[KEYS_MAX];
    keys_queue(stats, sizeof stats, "stats");
    keys_queue(pending, sizeof pending, "pending");
    const char *hgetall[] = {"HGETALL", stats};
    redisReply *h = rconn_run(redis, 2, hgetall, NULL, &err);
    if (h == NULL)
        return respond_redis_down(c, cc, &err);
    const char *llen[] = {"LLEN", pending};
    redisReply *q = rconn_run(redis, 2, llen, NULL, &err);
    long long workers = count_live_workers(redis, &err);
    struct wc_buf out = WC_BUF_INIT;
    wc_buf_printf(&out,
                  "# HELP wikicrawl_queue_chunks Chunks waiting for a worker.\n"
                  "# TYPE wikicrawl_queue_chunks gauge\nwikicrawl_queue_chunks %lld\n",
                  q && q->type == REDIS_REPLY_INTEGER ? q->integer : 0);
    wc_buf_printf(&out,
                  "# HELP wikicrawl_workers_alive Workers with a recent heartbeat.\n"
                  "# TYPE wikicrawl_workers_alive gauge\nwikicrawl_workers_alive %lld\n",
                  workers < 0 ? 0 : workers);
    /* Fleet counters: "name" -> wikicrawl_name_total; histogram fields carry their labels
     * after a '|' ("fetch_seconds_bucket|le=\"0.1\""). */
    for (size_t i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2) {
        const char *name = h->element[i]->str;
        const char *bar = strchr(name, '|');
        if (bar)
            wc_buf_printf(&out, "wikicrawl_%.*s{%s} %s\n", (int)(bar - name), name, bar + 1,
                          h->element[i + 1]->str);
        else if (strncmp(name, "fetch_seconds", 13) == 0)
            wc_buf_printf(&out, "wikicrawl_%s %s\n", name, h->element[i + 1]->str);
        else
            wc_buf_printf(&out, "wikicrawl_%s_total %s\n", name, h->element[i + 1]->str);
    }
    freeReplyObject(h);
    freeReplyObject(q);
    enum MHD_Result ret =
        respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4", out.data, out.len, NULL);
    wc_buf_free(&out);
    return ret;
}

/* ---- routing ----------------------------------------------------------------------------- */

static int is_method(const char *method, const char *want)
{
    return strcmp(method, want) == 0;
}

/* With access control on, a job belongs to the key that created it. True when req's key is not
 * the owner of job id (a job that does not exist is left to the handler: 404). */
static int job_forbidden(struct api_server *srv, struct conn_ctx *cc, struct request *req,
                         const char *id)
{
    if (srv->auth == NULL)
        return 0;
    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    if (redis == NULL)
        return 0; /* the handler reports Redis down */
    char key[KEYS_MAX];
    keys_job(key, sizeof key, id, KEYS_JOB);
    redisReply *r = redisCommand(redis, "HGET %s owner", key);
    int forbidden = r && r->type == REDIS_REPLY_STRING && strcmp(r->str, req->owner) != 0;
    freeReplyObject(r);
    return forbidden;
}

static enum MHD_Result respond_unauthorized(struct MHD_Connection *c, enum auth_verdict v)
{
    static const char missing[] =
        "{\"error\":{\"code\":\"unauthorized\",\"message\":\"send Authorization: Bearer "
        "KEY\"}}";
    static const char unknown[] =
        "{\"error\":{\"code\":\"unauthorized\",\"message\":\"unknown API key\"}}";
    return respond_static(c, MHD_HTTP_UNAUTHORIZED, v == AUTH_MISSING ? missing : unknown,
                          MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"wikicrawl\"");
}

static enum MHD_Result route(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                             struct request *req, const char *url, const char *method)
{
    int get = is_method(method, MHD_HTTP_METHOD_GET) || is_method(method, MHD_HTTP_METHOD_HEAD);
    if (strcmp(url, "/healthz") == 0) {
        if (!get)
            return respond_method_not_allowed(c, "GET, HEAD");
        return respond(c, MHD_HTTP_OK, "application/json", "{\"status\":\"ok\"}", 15, NULL);
    }
    if (strcmp(url, "/readyz") == 0)
        return get ? readyz(srv, c, cc) : respond_method_not_allowed(c, "GET, HEAD");
    if (strcmp(url, "/metrics") == 0)
        return get ? metrics(srv, c, cc) : respond_method_not_allowed(c, "GET, HEAD");
    if (strcmp(url, "/openapi.yaml") == 0) {
        if (!get)
            return respond_method_not_allowed(c, "GET, HEAD");
        if (srv->openapi == NULL)
            return respond_error(c, MHD_HTTP_NOT_FOUND, "not_found",
                                 "openapi.yaml was not found next to the program");
        return respond(c, MHD_HTTP_OK, "application/yaml", srv->openapi, srv->openapi_len, NULL);
    }
    if (strcmp(url, "/v1/jobs") == 0)
        return respond_method_not_allowed(c, "POST");

    char id[KEYS_JOB_ID_LEN + 8];
    const char *tail;
    if (!parse_job_url(url, id, sizeof id, &tail))
        return respond_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such resource");
    int known_tail = tail[0] == '\0' || strcmp(tail, "/results") == 0 ||
                     strcmp(tail, "/errors") == 0 || strcmp(tail, "/retry") == 0;
    if (!known_tail)
        return respond_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no such resource");
    if (!keys_job_id_valid(id))
        return respond_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no job %.40s", id);
    if (job_forbidden(srv, cc, req, id))
        return respond_error(c, MHD_HTTP_FORBIDDEN, "forbidden",
                             "job %s belongs to another API key", id);
    if (tail[0] == '\0') {
        if (get)
            return job_status(srv, c, cc, id, 1);
        if (is_method(method, MHD_HTTP_METHOD_DELETE))
            return job_cancel(srv, c, cc, id);
        return respond_method_not_allowed(c, "GET, HEAD, DELETE");
    }
    if (strcmp(tail, "/retry") == 0)
        return is_method(method, MHD_HTTP_METHOD_POST) ? job_retry(srv, c, cc, req, id)
                                                       : respond_method_not_allowed(c, "POST");
    if (!get)
        return respond_method_not_allowed(c, "GET, HEAD");
    return job_stream(srv, c, cc, id, strcmp(tail, "/errors") == 0);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    (void)version;
    struct api_server *srv = cls;
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn_ctx *cc = info ? info->socket_context : NULL;
    if (cc == NULL)
        return MHD_NO;
    struct request *req = *req_cls;
    if (req == NULL) {
        req = calloc(1, sizeof *req);
        if (req == NULL)
            return MHD_NO;
        *req_cls = req;
        if (srv->auth && strncmp(url, "/v1/", 4) == 0) {
            const char *authorization =
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
            enum auth_verdict v = auth_check(srv->auth, authorization, req->owner);
            if (v != AUTH_OK) {
                req->answered = 1;
                return respond_unauthorized(c, v);
            }
        }
        if (strcmp(url, "/v1/jobs") == 0 && is_method(method, MHD_HTTP_METHOD_POST)) {
            req->kind = REQ_SUBMIT;
            return submit_start(srv, c, cc, req);
        }
        if (*upload_data_size == 0)
            return route(srv, c, cc, req, url, method);
        /* A body on a request that takes none: answer, and let MHD drop the body. */
        req->answered = 1;
        return route(srv, c, cc, req, url, method);
    }
    if (req->answered) {
        if (*upload_data_size > 0) {
            req->discarded += (long long)*upload_data_size;
            *upload_data_size = 0;
            /* A client that keeps sending after its error is cut off. */
            return req->discarded > MAX_DISCARD_BYTES ? MHD_NO : MHD_YES;
        }
        if (req->deferred_status) {
            unsigned status = req->deferred_status;
            req->deferred_status = 0;
            return respond_json(c, status, &req->deferred_body, NULL);
        }
        return MHD_YES;
    }
    if (req->kind == REQ_SUBMIT) {
        if (*upload_data_size > 0) {
            size_t len = *upload_data_size;
            *upload_data_size = 0;
            return submit_data(srv, c, cc, req, upload_data, len);
        }
        return submit_end(srv, c, cc, req);
    }
    *upload_data_size = 0;
    return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct request *req = *req_cls;
    if (req == NULL)
        return;
    if (req->submission) { /* the client went away mid-upload */
        submit_abort(req->submission);
        submit_free(req->submission);
    }
    wc_buf_free(&req->deferred_body);
    free(req);
    *req_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls, (void)c;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = calloc(1, sizeof(struct conn_ctx));
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct conn_ctx *cc = *socket_context;
        if (cc && cc->redis)
            redisFree(cc->redis);
        free(cc);
        *socket_context = NULL;
    }
}

/* ---- start and stop ---------------------------------------------------------------------- */

static int resolve_listen(const char *listen, struct sockaddr_storage *addr, int *is_v6)
{
    char host[256];
    snprintf(host, sizeof host, "%s", listen);
    char *colon = strrchr(host, ':');
    if (colon == NULL)
        return -1;
    *colon = '\0';
    const char *port = colon + 1;
    char *h = host;
    if (h[0] == '[') { /* [::1]:8080 */
        h++;
        char *close = strchr(h, ']');
        if (close)
            *close = '\0';
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (getaddrinfo(h[0] ? h : NULL, port, &hints, &res) != 0 || res == NULL)
        return -1;
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *is_v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
}

/* openapi.yaml is served as a file: next to the working directory, or where WIKICRAWL_OPENAPI
 * says, or installed beside the binary's share directory. */
static char *load_openapi(size_t *len)
{
    const char *candidates[] = {getenv("WIKICRAWL_OPENAPI"), "openapi.yaml",
                                "/usr/share/wikicrawl/openapi.yaml", NULL};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (candidates[i] == NULL)
            continue;
        FILE *f = fopen(candidates[i], "rb");
        if (f == NULL)
            continue;
        struct wc_buf b = WC_BUF_INIT;
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            wc_buf_append(&b, chunk, n);
        fclose(f);
        return wc_buf_detach(&b, len);
    }
    return NULL;
}

struct api_server *api_start(const struct wc_config *cfg, int with_listen_socket)
{
    struct api_server *srv = calloc(1, sizeof *srv);
    struct sockaddr_storage addr;
    int is_v6 = 0;
    if (srv == NULL)
        return NULL;
    srv->cfg = cfg;
    if (cfg->api_keys[0]) {
        struct wc_error err = {0};
        srv->auth = auth_load(cfg->api_keys, &err);
        if (srv->auth == NULL) {
            log_event(LOG_ERROR, "api_keys_invalid", "msg=\"%s\"", err.message);
            goto fail;
        }
        log_event(LOG_INFO, "access_control", "keys=%d", auth_count(srv->auth));
    }
    if (with_listen_socket && resolve_listen(cfg->listen, &addr, &is_v6) != 0) {
        log_event(LOG_ERROR, "listen_invalid", "listen=%s msg=\"use host:port\"", cfg->listen);
        goto fail;
    }
    srv->openapi = load_openapi(&srv->openapi_len);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG | (is_v6 ? MHD_USE_IPv6 : 0);
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: on Linux it sets SO_REUSEPORT, and a second server
     * on the same address would then start without an error and share the traffic. The default
     * SO_REUSEADDR is enough for a restarted front end to bind at once. */
    if (with_listen_socket)
        srv->daemon = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
            MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->connection_timeout,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION,
            on_connection, srv, MHD_OPTION_END);
    else
        srv->daemon =
            MHD_start_daemon(flags | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_request, srv,
                             MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->connection_timeout,
                             MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                             MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        log_event(LOG_ERROR, "listen_failed", "listen=%s msg=\"%s\"", cfg->listen, strerror(errno));
        goto fail;
    }
    if (with_listen_socket) {
        const union MHD_DaemonInfo *di =
            MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
        log_event(LOG_INFO, "listening", "listen=%s port=%u", cfg->listen,
                  di ? (unsigned)di->port : 0u);
    }
    return srv;
fail:
    api_stop(srv);
    return NULL;
}

int api_add_connection(struct api_server *srv, int fd)
{
    struct sockaddr_un local = {.sun_family = AF_UNIX};
    return MHD_add_connection(srv->daemon, fd, (const struct sockaddr *)&local, sizeof local) ==
                   MHD_YES
               ? 0
               : -1;
}

void api_stop(struct api_server *srv)
{
    if (srv == NULL)
        return;
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    free(srv->openapi);
    auth_free(srv->auth);
    free(srv);
}

int api_run(const struct wc_config *cfg, volatile sig_atomic_t *stop)
{
    struct api_server *srv = api_start(cfg, 1);
    if (srv == NULL)
        return -1;
    while (!*stop)
        usleep(100000);
    log_event(LOG_INFO, "stopping", "msg=\"closing connections\"");
    api_stop(srv);
    return 0;
}
