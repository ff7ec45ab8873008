/* server.h - internal to service/server/: the front end's shared structs and handlers */
#ifndef WC_SERVER_H
#define WC_SERVER_H

/* Not an API. main.c, the supervisor and the tests use api.h; this header is how the front end's
 * files (reply, connection, route, upload, job_handlers, results, metrics, conn_report, mhd_log,
 * listen, api) reach each other. Every handler answers the request itself and returns what
 * libmicrohttpd expects of the access handler: MHD_YES, or MHD_NO to drop the connection. */

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <hiredis.h>
#include <microhttpd.h>

#include "addr_limit.h"
#include "auth.h"
#include "buf.h"
#include "common/config.h"
#include "common/jobs.h"
#include "common/mem_probe.h"
#include "header_deadline.h"
#include "submit.h"
#include "wc_error.h"

/* The rate of libmicrohttpd's own messages (mhd_log.c). */
struct mhd_log {
    pthread_mutex_t lock;
    long long last_ms;  /* CLOCK_MONOTONIC of the last line written */
    long long left_out; /* messages since then, not written */
};

struct api_server {
    const struct wc_config *cfg;
    struct mhd_log mhd_log;
    struct auth *auth; /* NULL: no access control */
    struct MHD_Daemon *daemon;
    struct addr_limit *addr_limit;           /* NULL: no per-address limit */
    struct header_deadline *header_deadline; /* NULL only while the daemon starts or stops */
    struct mem_probe mem; /* Redis's memory, shared by the connections' threads */
};

/* Seconds a client is told to wait when the store is full: memory comes back as jobs finish and
 * are purged or expire, not within a second. */
#define STORE_FULL_RETRY_AFTER "30"

/* One per TCP connection: its thread's Redis connection, made on first use, and its place in
 * the front end's connection bookkeeping (connection.c). */
struct conn_ctx {
    redisContext *redis;
    int fd; /* the socket, libmicrohttpd's: for header_deadline's shutdown(2) only */
    struct header_wait header_wait;
    struct sockaddr_storage addr; /* the client's, when counted in srv->addr_limit */
    int addr_counted;
};

enum request_kind { REQ_OTHER, REQ_SUBMIT };

/* Longest Idempotency-Key accepted, in bytes. */
#define IDEMPOTENCY_KEY_MAX 128

/* One per request, for requests that span several handler calls (uploads). */
struct request {
    enum request_kind kind;
    struct submission *submission;
    long long body_bytes;           /* of the body as sent, and as inflated when it is gzip */
    struct gzip_reader *gunzip;     /* Content-Encoding: gzip (upload.c), freed with the request */
    int answered;                   /* a response is queued: discard whatever is still uploaded */
    char idempotency_key[KEYS_MAX]; /* the Redis key of the request's Idempotency-Key, or "" */
    char owner[AUTH_OWNER_LEN + 1]; /* the API key's owner tag, "" without access control */
    unsigned may; /* the API key's AUTH_MAY_*; all of them without access control */
    /* An error found while the body still streams is answered once it has been read:
     * libmicrohttpd 0.9.75 cannot queue a response in the middle of an upload. */
    unsigned deferred_status;
    struct wc_buf deferred_body;
    const char *deferred_retry_after; /* its Retry-After (a constant), or NULL */
    long long discarded;
};

/* Prototypes */

/* reply.c - answers. Bodies are copied (respond, respond_json) or must be constants
 * (respond_static). */
enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
                        const char *body, size_t len, const char *location);
enum MHD_Result respond_json(struct MHD_Connection *c, unsigned status, const struct wc_buf *body,
                             const char *location);
/* {"error":{"code":CODE,"message":...}} with a printf-style message. */
enum MHD_Result respond_error(struct MHD_Connection *c, unsigned status, const char *code,
                              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The error of a request whose body is still arriving: kept in req until the body has been read,
 * then answered by on_request(). Marks req answered. */
enum MHD_Result defer_error(struct request *req, unsigned status, const char *code, const char *fmt,
                            ...) __attribute__((format(printf, 4, 5)));
/* defer_error() of 507 store_full, with its Retry-After (respond_store_full()'s answer). */
enum MHD_Result defer_store_full(struct request *req);
/* 429 too_many_jobs: the API key has live unfinished jobs, max_jobs allowed. */
enum MHD_Result respond_too_many_jobs(struct MHD_Connection *c, long long live, int max_jobs);
/* A JSON body (copied) with extra headers: name, value pairs ending with a NULL name; a pair
 * whose value is NULL is left out (an optional header). */
enum MHD_Result respond_json_headers(struct MHD_Connection *c, unsigned status,
                                     const struct wc_buf *body, const char *const *headers);
/* A constant JSON body with one extra header (Allow, WWW-Authenticate). */
enum MHD_Result respond_static(struct MHD_Connection *c, unsigned status, const char *body,
                               const char *header, const char *value);
enum MHD_Result respond_method_not_allowed(struct MHD_Connection *c, const char *allow);
/* 503 redis_unavailable: logs err and drops the connection's Redis link so the next request
 * makes a new one. When err is Redis refusing a write at its memory limit (rconn_full()), 507
 * store_full instead, and the link is kept: Redis answered. */
enum MHD_Result respond_redis_down(struct MHD_Connection *c, struct conn_ctx *cc,
                                   const struct wc_error *err);

/* connection.c - a connection's life: its context, its address's count, its header deadline. */
/* The accept policy (MHD_AcceptPolicyCallback): --max-connections-per-ip. */
enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
/* MHD_OPTION_NOTIFY_CONNECTION: makes the conn_ctx (freed when the connection closes). */
void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                   enum MHD_ConnectionNotificationCode toe);
/* A request's headers are complete (the access handler's first call): its deadline is off. */
void connection_headers_done(struct api_server *srv, struct conn_ctx *cc);
/* A request ended (MHD_OPTION_NOTIFY_COMPLETED): a keep-alive connection's next request has
 * --header-timeout-ms from now for its headers. */
void connection_request_done(struct api_server *srv, struct MHD_Connection *c);

/* store_full with Retry-After: Redis is at its memory limit, no new job is taken. status is 507
 * (MHD_HTTP_INSUFFICIENT_STORAGE) for a refused job, 503 for /readyz. */
enum MHD_Result respond_store_full(struct MHD_Connection *c, unsigned status);
/* Is admission shut (Redis above the high-water mark, lib/mem_watermark.h)? Reads the cached
 * level, asking Redis when it is stale. */
int store_admission_shut(struct api_server *srv, redisContext *redis);

/* route.c - the libmicrohttpd callbacks (srv is their closure), and what handlers share. */
enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                           const char *version, const char *upload_data, size_t *upload_data_size,
                           void **req_cls);
void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                  enum MHD_RequestTerminationCode toe);
/* The connection's Redis link, (re)connected when needed; owned by cc. NULL with err filled. */
redisContext *conn_redis(struct api_server *srv, struct conn_ctx *cc, struct wc_error *err);
/* A whole number query parameter in [min, max]. Returns 0 (absent: *out unchanged), 1 (set) or
 * WC_EINVAL (anything else: the caller answers 400 with its own message). */
int query_long(struct MHD_Connection *c, const char *name, long min, long max, long *out);

/* upload.c - POST /v1/jobs: the body streams through upload_body() between the two others. */
enum MHD_Result upload_start(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                             struct request *req);
enum MHD_Result upload_body(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                            struct request *req, const char *data, size_t len);
enum MHD_Result upload_end(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                           struct request *req);
/* A new job's options from the server's settings and the request's API key (the request may
 * then override some). */
struct submit_options default_submit_options(const struct wc_config *cfg, const struct request *req,
                                             int use_cache);
/* 202 for a job just queued: its summary and where to find it. */
enum MHD_Result respond_accepted(struct MHD_Connection *c, const struct submit_summary *sum);

/* job_handlers.c - GET and DELETE /v1/jobs/{id}, POST /v1/jobs/{id}/retry. id is valid. */
enum MHD_Result job_status(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                           const char *id, int may_wait);
enum MHD_Result job_cancel(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                           const char *id);
/* DELETE /v1/jobs/{id}?purge=true: 204 once every key of a finished job is gone. */
enum MHD_Result job_purge(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                          const char *id);
enum MHD_Result job_retry(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                          struct request *req, const char *id);

/* jobs_list.c - GET /v1/jobs: the caller's jobs (all of them without API keys), newest first. */
enum MHD_Result jobs_list(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                          struct request *req);

/* wikis_list.c - GET /v1/wikis: the wikis of --wikis, their public API URL and budget, and
 * --total-rate. */
enum MHD_Result wikis_list(struct api_server *srv, struct MHD_Connection *c);

/* results.c - GET /v1/jobs/{id}/results (errors 0) and /errors (errors 1) as NDJSON. */
enum MHD_Result job_stream(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                           const char *id, int errors);

/* exported.c - with keep=export, the lines of a job that left Redis for its export: their count
 * (lines 1..N are gone; 0 for a job that keeps them), and the 410 exported answer for a page
 * that starts among them, with the export's location and a Link to its manifest. */
long long exported_lines(const struct job_status *st, int errors);
enum MHD_Result respond_exported(struct MHD_Connection *c, const struct job_status *st, int errors,
                                 long long exported);

/* metrics.c - GET /readyz and /metrics. */
enum MHD_Result readyz(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc);
enum MHD_Result metrics(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc);

/* conn_report.c - what the connection guards did (refusals of --max-connections-per-ip, shut-downs
 * of --header-timeout-ms), logged at most once a second so that the log cannot become the attack,
 * and added to the fleet's stats hash (/metrics). */
struct conn_report {
    redisContext *redis;        /* made when there is something to add; owned */
    long long refused, expired; /* counted here, not yet in the stats hash */
};
/* Call about once a second. Redis being away only delays the counting. */
void conn_report_tick(struct api_server *srv, struct conn_report *rep);
/* Frees what rep holds (what could not be added is lost). */
void conn_report_free(struct conn_report *rep);

/* mhd_log.c - libmicrohttpd's messages (MHD_OPTION_EXTERNAL_LOGGER, ml its closure) as
 * event=http_server lines, at most one a second; the next line says how many were left out. */
void mhd_log_init(struct mhd_log *ml);
void mhd_log_destroy(struct mhd_log *ml);
void mhd_log_message(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* listen.c - "host:port" or "[v6]:port" (empty host: every address) into addr. 0, or
 * WC_EINVAL when it has no port or does not resolve (the caller logs the setting). */
int resolve_listen(const char *listen, struct sockaddr_storage *addr, int *is_v6);

#endif
