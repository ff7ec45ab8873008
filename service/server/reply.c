/* reply.c - the front end's answers: JSON bodies, error bodies, errors deferred past an upload */
#include "server.h"
#include "json_write.h"
#include "common/log.h"
#include "common/rconn.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
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

enum MHD_Result respond_json(struct MHD_Connection *c, unsigned status, const struct wc_buf *body,
                             const char *location)
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

static void error_vbody(struct wc_buf *body, const char *code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void error_vbody(struct wc_buf *body, const char *code, const char *fmt, va_list ap)
{
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    error_body(body, code, message);
}

enum MHD_Result respond_error(struct MHD_Connection *c, unsigned status, const char *code,
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

enum MHD_Result defer_error(struct request *req, unsigned status, const char *code, const char *fmt,
                            ...)
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

/* A JSON body (len bytes, copied or kept as mode says) with extra headers: name, value pairs
 * ending with a NULL name; a pair whose value is NULL is left out. */
static enum MHD_Result respond_with_headers(struct MHD_Connection *c, unsigned status,
                                            const char *body, size_t len,
                                            enum MHD_ResponseMemoryMode mode,
                                            const char *const *headers)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, mode);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    for (size_t i = 0; headers[i] != NULL; i += 2)
        if (headers[i + 1] != NULL)
            MHD_add_response_header(r, headers[i], headers[i + 1]);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result respond_with_header(struct MHD_Connection *c, unsigned status,
                                           const char *body, size_t len,
                                           enum MHD_ResponseMemoryMode mode, const char *header,
                                           const char *value)
{
    const char *headers[] = {header, value, NULL};
    return respond_with_headers(c, status, body, len, mode, headers);
}

enum MHD_Result respond_json_headers(struct MHD_Connection *c, unsigned status,
                                     const struct wc_buf *body, const char *const *headers)
{
    return respond_with_headers(c, status, body->data ? body->data : "", body->len,
                                MHD_RESPMEM_MUST_COPY, headers);
}

enum MHD_Result respond_static(struct MHD_Connection *c, unsigned status, const char *body,
                               const char *header, const char *value)
{
    return respond_with_header(c, status, body, strlen(body), MHD_RESPMEM_PERSISTENT, header,
                               value);
}

enum MHD_Result respond_method_not_allowed(struct MHD_Connection *c, const char *allow)
{
    return respond_static(
        c, MHD_HTTP_METHOD_NOT_ALLOWED,
        "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"method not allowed here\"}}",
        MHD_HTTP_HEADER_ALLOW, allow);
}

#define STORE_FULL_MESSAGE                                                                         \
    "Redis is full (at its memory limit): no new job is taken until running jobs finish and "      \
    "finished ones are purged or expire"

enum MHD_Result defer_store_full(struct request *req)
{
    wc_buf_reset(&req->deferred_body);
    error_body(&req->deferred_body, "store_full", STORE_FULL_MESSAGE);
    req->deferred_status = MHD_HTTP_INSUFFICIENT_STORAGE;
    req->deferred_retry_after = STORE_FULL_RETRY_AFTER;
    req->answered = 1;
    return MHD_YES;
}

enum MHD_Result respond_store_full(struct MHD_Connection *c, unsigned status)
{
    struct wc_buf body = WC_BUF_INIT;
    error_body(&body, "store_full", STORE_FULL_MESSAGE);
    enum MHD_Result ret = respond_with_header(c, status, body.data ? body.data : "{}",
                                              body.data ? body.len : 2, MHD_RESPMEM_MUST_COPY,
                                              MHD_HTTP_HEADER_RETRY_AFTER, STORE_FULL_RETRY_AFTER);
    wc_buf_free(&body);
    return ret;
}

int store_admission_shut(struct api_server *srv, redisContext *redis)
{
    return mem_probe_level(&srv->mem, redis, 0, NULL) >= MEM_ADMISSION_SHUT;
}

enum MHD_Result respond_redis_down(struct MHD_Connection *c, struct conn_ctx *cc,
                                   const struct wc_error *err)
{
    if (rconn_full(err)) {
        log_event(LOG_WARN, "store_full", "msg=\"%s\"", err->message);
        return respond_store_full(c, MHD_HTTP_INSUFFICIENT_STORAGE);
    }
    log_event(LOG_WARN, "redis_unavailable", "msg=\"%s\"", err->message);
    if (cc->redis) {
        redisFree(cc->redis);
        cc->redis = NULL;
    }
    return respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "redis_unavailable",
                         "the job store is unreachable; try again shortly");
}

enum MHD_Result respond_too_many_jobs(struct MHD_Connection *c, long long live, int max_jobs)
{
    return respond_error(c, MHD_HTTP_TOO_MANY_REQUESTS, "too_many_jobs",
                         "this API key has %lld unfinished jobs (the limit is %d)", live, max_jobs);
}
