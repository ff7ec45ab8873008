/* job_handlers.c - GET /v1/jobs/{id} (long poll), DELETE /v1/jobs/{id} (cancel, purge), POST
 * .../retry */
#include "server.h"
#include "clock.h"
#include "common/jobs.h"
#include "common/log.h"
#include "common/rconn.h"
#include "retry.h"

#include <unistd.h>

#define MAX_WAIT_SECONDS 60
#define POLL_INTERVAL_US 100000

enum MHD_Result job_status(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                           const char *id, int may_wait)
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
    long long deadline = clock_monotonic_ms() + wait * 1000;
    struct job_status st;
    for (;;) {
        int rc = jobs_get(redis, id, &st, &err);
        if (rc < 0)
            return respond_redis_down(c, cc, &err);
        if (rc == 1)
            return respond_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no job %s", id);
        if (jobs_is_final(&st) || clock_monotonic_ms() >= deadline)
            break;
        usleep(POLL_INTERVAL_US);
    }
    struct wc_buf body = WC_BUF_INIT;
    jobs_status_json(&st, &body);
    enum MHD_Result ret = respond_json(c, MHD_HTTP_OK, &body, NULL);
    wc_buf_free(&body);
    return ret;
}

enum MHD_Result job_cancel(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                           const char *id)
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

enum MHD_Result job_purge(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                          const char *id)
{
    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    if (redis == NULL)
        return respond_redis_down(c, cc, &err);
    int rc = jobs_purge(redis, id, &err);
    if (rc < 0)
        return respond_redis_down(c, cc, &err);
    if (rc == 1)
        return respond_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no job %s", id);
    if (rc == JOBS_NOT_FINISHED)
        return respond_error(c, MHD_HTTP_CONFLICT, "job_not_finished",
                             "job %s is still queued or running: cancel it first, then purge it",
                             id);
    log_event(LOG_INFO, "job_purge", "job=%s", id);
    return respond(c, MHD_HTTP_NO_CONTENT, "application/json", "", 0, NULL);
}

enum MHD_Result job_retry(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                          struct request *req, const char *id)
{
    const struct wc_config *cfg = srv->cfg;
    struct wc_error err = {0};
    redisContext *redis = conn_redis(srv, cc, &err);
    if (redis == NULL)
        return respond_redis_down(c, cc, &err);
    if (store_admission_shut(srv, redis))
        return respond_store_full(c, MHD_HTTP_INSUFFICIENT_STORAGE);
    struct submit_options opts = default_submit_options(cfg, req, 0);
    struct submit_summary sum;
    struct retry_admission admission = {srv->auth ? req->owner : NULL, cfg->max_jobs_per_key, 0};
    int rc = retry_failed_titles(redis, id, &opts, &admission, &sum, &err);
    switch (rc) {
    case RETRY_SUBMITTED:
        log_event(LOG_INFO, "job_retry", "job=%s new_job=%s", id, sum.id);
        return respond_accepted(c, &sum);
    case RETRY_TOO_MANY:
        return respond_too_many_jobs(c, admission.live, cfg->max_jobs_per_key);
    case RETRY_NO_JOB:
        return respond_error(c, MHD_HTTP_NOT_FOUND, "not_found", "no job %s", id);
    case RETRY_NOT_FINISHED:
        return respond_error(c, MHD_HTTP_CONFLICT, "job_not_finished",
                             "job %s is still queued or running: retry it once it is done", id);
    case RETRY_NOTHING:
        return respond_error(c, MHD_HTTP_UNPROCESSABLE_CONTENT, "nothing_to_retry",
                             "no title of job %s failed", id);
    case RETRY_EXPORTED: {
        struct job_status st;
        if (jobs_get(redis, id, &st, &err) != 0)
            return respond_redis_down(c, cc, &err);
        return respond_exported(c, &st, 1, exported_lines(&st, 1));
    }
    case RETRY_PRIORITY_DENIED:
        return respond_error(c, MHD_HTTP_FORBIDDEN, "priority_not_allowed",
                             PRIORITY_HIGH_DENIED " (job %s is high)", id);
    case WC_EREMOTE:
    case WC_EFULL:
        return respond_redis_down(c, cc, &err); /* 507 when Redis refused with -OOM */
    default:
        return respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "internal", "%s", err.message);
    }
}
