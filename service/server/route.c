/* route.c - request dispatch: libmicrohttpd's callbacks, access checks, routing by URL */
#include "server.h"
#include "openapi.h"
#include "common/jobs.h"
#include "common/rconn.h"
#include "gzip_member.h"
#include "keys.h"
#include "num.h"
#include "request_parse.h"

#include <stdlib.h>
#include <string.h>

#define REDIS_TIMEOUT_MS 10000

/* Body bytes read and dropped after an error before the connection is simply closed. */
#define MAX_DISCARD_BYTES (64LL << 20)

redisContext *conn_redis(struct api_server *srv, struct conn_ctx *cc, struct wc_error *err)
{
    if (cc->redis && cc->redis->err) {
        redisFree(cc->redis);
        cc->redis = NULL;
    }
    if (cc->redis == NULL)
        cc->redis = rconn_connect(srv->cfg->redis, REDIS_TIMEOUT_MS, err);
    return cc->redis;
}

int query_long(struct MHD_Connection *c, const char *name, long min, long max, long *out)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
    if (v == NULL)
        return 0;
    int rc = num_parse_long(v, min, max, out);
    return rc == 0 ? 1 : rc;
}

static int is_method(const char *method, const char *want)
{
    return strcmp(method, want) == 0;
}

/* With access control on, a job belongs to the key that created it. True when req's key is not
 * the owner of job id (a job that does not exist is left to the handler: 404). */
/* Does job id belong to another API key? 0 (no, or no such job: the handler says 404), 1 (yes),
 * or WC_EREMOTE (err filled) when the owner could not be read: the caller must then refuse, never
 * serve the job (fail closed). */
static int job_forbidden(struct api_server *srv, struct conn_ctx *cc, struct request *req,
                         const char *id, struct wc_error *err)
{
    if (srv->auth == NULL)
        return 0;
    redisContext *redis = conn_redis(srv, cc, err);
    if (redis == NULL)
        return WC_EREMOTE;
    char owner[sizeof((struct job_status *)0)->owner];
    int rc = jobs_get_field(redis, id, "owner", owner, sizeof owner, err);
    if (rc < 0)
        return rc;
    return rc == 0 && strcmp(owner, req->owner) != 0;
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
        return respond(c, MHD_HTTP_OK, "application/yaml", OPENAPI_YAML, OPENAPI_YAML_LEN, NULL);
    }
    if (strcmp(url, "/v1/wikis") == 0)
        return get ? wikis_list(srv, c) : respond_method_not_allowed(c, "GET, HEAD");
    if (strcmp(url, "/v1/jobs") == 0)
        return get ? jobs_list(srv, c, cc, req) : respond_method_not_allowed(c, "GET, HEAD, POST");

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
    struct wc_error err = {0};
    int forbidden = job_forbidden(srv, cc, req, id, &err);
    if (forbidden < 0)
        return respond_redis_down(c, cc, &err);
    if (forbidden)
        return respond_error(c, MHD_HTTP_FORBIDDEN, "forbidden",
                             "job %s belongs to another API key", id);
    if (tail[0] == '\0') {
        if (get)
            return job_status(srv, c, cc, id, 1);
        if (is_method(method, MHD_HTTP_METHOD_DELETE)) {
            const char *purge = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "purge");
            if (purge && strcmp(purge, "true") != 0 && strcmp(purge, "false") != 0)
                return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                                     "purge must be true or false");
            if (purge && strcmp(purge, "true") == 0)
                return job_purge(srv, c, cc, id);
            return job_cancel(srv, c, cc, id);
        }
        return respond_method_not_allowed(c, "GET, HEAD, DELETE");
    }
    if (strcmp(tail, "/retry") == 0)
        return is_method(method, MHD_HTTP_METHOD_POST) ? job_retry(srv, c, cc, req, id)
                                                       : respond_method_not_allowed(c, "POST");
    if (!get)
        return respond_method_not_allowed(c, "GET, HEAD");
    return job_stream(srv, c, cc, id, strcmp(tail, "/errors") == 0);
}

enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                           const char *version, const char *upload_data, size_t *upload_data_size,
                           void **req_cls)
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
        connection_headers_done(srv, cc);
        req = calloc(1, sizeof *req);
        if (req == NULL)
            return MHD_NO;
        *req_cls = req;
        req->may = AUTH_MAY_HIGH; /* without API keys, anyone may do anything */
        if (srv->auth && strncmp(url, "/v1/", 4) == 0) {
            const char *authorization =
                MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
            enum auth_verdict v = auth_check(srv->auth, authorization, req->owner, &req->may);
            if (v != AUTH_OK) {
                req->answered = 1;
                return respond_unauthorized(c, v);
            }
        }
        if (strcmp(url, "/v1/jobs") == 0 && is_method(method, MHD_HTTP_METHOD_POST)) {
            req->kind = REQ_SUBMIT;
            return upload_start(srv, c, cc, req);
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
            const char *headers[] = {MHD_HTTP_HEADER_RETRY_AFTER, req->deferred_retry_after, NULL};
            return respond_json_headers(c, status, &req->deferred_body, headers);
        }
        return MHD_YES;
    }
    if (req->kind == REQ_SUBMIT) {
        if (*upload_data_size > 0) {
            size_t len = *upload_data_size;
            *upload_data_size = 0;
            return upload_body(srv, c, cc, req, upload_data, len);
        }
        return upload_end(srv, c, cc, req);
    }
    *upload_data_size = 0;
    return MHD_YES;
}

void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                  enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    connection_request_done(cls, c);
    struct request *req = *req_cls;
    if (req == NULL)
        return;
    if (req->submission) { /* the client went away mid-upload */
        submit_abort(req->submission);
        submit_free(req->submission);
    }
    gzip_reader_free(req->gunzip);
    wc_buf_free(&req->deferred_body);
    free(req);
    *req_cls = NULL;
}
