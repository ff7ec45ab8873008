/* jobs_list.c - GET /v1/jobs: the caller's jobs, newest first, paged by a cursor */
#include "server.h"
#include "common/jobs.h"
#include "common/rconn.h"
#include "job_options.h"
#include "keys.h"
#include "num.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT_LIMIT 100
#define LIST_MAX_LIMIT 1000
/* Index entries read per round trip, and at most per page: with filters that match little, a
 * page stops after this many and may hold fewer than limit jobs (Next-Cursor says where to go
 * on), so that one request never walks a whole index. */
#define LIST_BATCH 200
#define LIST_MAX_EXAMINED 2000
/* "MS-ID": the created time and id of the last job a page looked at. */
#define LIST_CURSOR_MAX (24 + KEYS_JOB_ID_LEN)

struct list_query {
    const char *status; /* NULL: any */
    const char *label;  /* NULL: any */
    long limit;
    int has_cursor;
    long long cursor_ms;
    char cursor_id[KEYS_JOB_ID_LEN + 1];
};

/* The index position after which a page starts. 0 or WC_EINVAL. */
static int parse_cursor(const char *text, struct list_query *q)
{
    const char *dash = strchr(text, '-');
    char ms[24];
    if (dash == NULL || (size_t)(dash - text) >= sizeof ms)
        return WC_EINVAL;
    memcpy(ms, text, (size_t)(dash - text));
    ms[dash - text] = '\0';
    if (num_parse_ll(ms, 0, (long long)1 << 53, &q->cursor_ms) != 0 || !keys_job_id_valid(dash + 1))
        return WC_EINVAL;
    snprintf(q->cursor_id, sizeof q->cursor_id, "%s", dash + 1);
    q->has_cursor = 1;
    return 0;
}

static int status_matches(const struct job_status *st, const char *want)
{
    if (want == NULL)
        return 1;
    const char *shown = st->status;
    if (strcmp(shown, JOB_RECEIVING) == 0 || strcmp(shown, JOB_COMMITTING) == 0)
        shown = JOB_QUEUED;
    return strcmp(shown, want) == 0;
}

/* Percent-encode s into out for a query string (RFC 3986 unreserved bytes stay). */
static int query_escape(struct wc_buf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~';
        int rc = plain ? wc_buf_putc(out, (char)*p) : wc_buf_printf(out, "%%%02X", *p);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int next_link(struct wc_buf *link, const struct list_query *q, const char *cursor)
{
    int rc = wc_buf_printf(link, "</v1/jobs?cursor=%s&limit=%ld", cursor, q->limit);
    if (rc == 0 && q->status)
        rc = wc_buf_printf(link, "&status=%s", q->status);
    if (rc == 0 && q->label)
        rc = wc_buf_puts(link, "&label=");
    if (rc == 0 && q->label)
        rc = query_escape(link, q->label);
    if (rc == 0)
        rc = wc_buf_puts(link, ">; rel=\"next\"");
    return rc;
}

/* Drop the index entries of jobs that are gone (expired or purged). */
static void prune(redisContext *redis, const char *index, char **gone, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *argv[] = {"ZREM", index, gone[i]};
        freeReplyObject(rconn_run(redis, 3, argv, NULL, NULL));
    }
}

/* Walk the index from the cursor, appending the jobs that match to body (a JSON array's
 * elements). *next receives the cursor of the following page, "" when the index is exhausted.
 * 0, WC_EREMOTE or WC_ENOMEM. */
static int list_page(redisContext *redis, const char *index, const struct list_query *q,
                     struct wc_buf *body, char *next, size_t next_size, struct wc_error *err)
{
    char max[32];
    snprintf(max, sizeof max, "%lld", q->has_cursor ? q->cursor_ms : 0);
    if (!q->has_cursor)
        snprintf(max, sizeof max, "+inf");
    char *gone[LIST_MAX_EXAMINED];
    size_t n_gone = 0;
    long n_listed = 0, examined = 0, offset = 0;
    int rc = 0, exhausted = 0;
    next[0] = '\0';
    while (rc == 0 && !exhausted && n_listed < q->limit && examined < LIST_MAX_EXAMINED) {
        char off[32], count[32];
        snprintf(off, sizeof off, "%ld", offset);
        snprintf(count, sizeof count, "%d", LIST_BATCH);
        const char *argv[] = {"ZREVRANGEBYSCORE", index,   max, "-inf",
                              "WITHSCORES",       "LIMIT", off, count};
        redisReply *r = rconn_run(redis, 8, argv, NULL, err);
        if (r == NULL)
            return WC_EREMOTE;
        size_t n = r->type == REDIS_REPLY_ARRAY ? r->elements / 2 : 0;
        exhausted = n < LIST_BATCH;
        offset += (long)n;
        size_t i = 0;
        for (; i < n && rc == 0; i++) {
            if (n_listed == q->limit || examined == LIST_MAX_EXAMINED)
                break;
            const char *id = r->element[2 * i]->str;
            long long score = atoll(r->element[2 * i + 1]->str);
            /* Equal scores come in reverse order of id: those at or above the cursor's were
             * on the previous page. */
            if (q->has_cursor && score == q->cursor_ms && strcmp(id, q->cursor_id) >= 0)
                continue;
            examined++;
            snprintf(next, next_size, "%lld-%s", score, id);
            struct job_status st;
            int got = keys_job_id_valid(id) ? jobs_get(redis, id, &st, err) : 1;
            if (got < 0) {
                rc = got;
            } else if (got == 1) {
                gone[n_gone] = strdup(id);
                if (gone[n_gone])
                    n_gone++;
            } else if (status_matches(&st, q->status) &&
                       (q->label == NULL || job_labels_json_has(st.labels, q->label))) {
                if ((n_listed > 0 && wc_buf_putc(body, ',') != 0) ||
                    jobs_status_json(&st, body) != 0)
                    rc = wc_error_set(err, WC_ENOMEM, "out of memory");
                n_listed++;
            }
        }
        /* Entries left in this batch, or a full batch: more may follow. */
        if (i < n)
            exhausted = 0;
        freeReplyObject(r);
    }
    if (rc == 0 && exhausted)
        next[0] = '\0';
    if (rc == 0)
        prune(redis, index, gone, n_gone);
    for (size_t i = 0; i < n_gone; i++)
        free(gone[i]);
    return rc;
}

enum MHD_Result jobs_list(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                          struct request *req)
{
    struct list_query q = {0};
    q.status = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status");
    if (q.status && strcmp(q.status, JOB_QUEUED) != 0 && strcmp(q.status, JOB_RUNNING) != 0 &&
        strcmp(q.status, JOB_DONE) != 0 && strcmp(q.status, JOB_CANCELLED) != 0)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                             "status must be queued, running, done or cancelled");
    q.label = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "label");
    struct job_labels check = {0};
    struct wc_error err = {0};
    if (q.label && job_labels_add(&check, q.label, strlen(q.label), &err) != 0)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter", "%s", err.message);
    q.limit = LIST_DEFAULT_LIMIT;
    if (query_long(c, "limit", 1, LIST_MAX_LIMIT, &q.limit) < 0)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                             "limit must be a whole number from 1 to %d", LIST_MAX_LIMIT);
    const char *cursor = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cursor");
    if (cursor && parse_cursor(cursor, &q) != 0)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter",
                             "cursor must be the Next-Cursor of an earlier page");

    redisContext *redis = conn_redis(srv, cc, &err);
    if (redis == NULL)
        return respond_redis_down(c, cc, &err);
    char index[KEYS_MAX];
    /* Without --api-keys, the index of keyless jobs only, never every key's: on an open front end
     * an id is all it takes to read or purge a job, so listing keyed jobs there would give their
     * ids away (openapi.yaml says so). */
    keys_jobs_index(index, sizeof index, srv->auth ? req->owner : "");
    struct wc_buf body = WC_BUF_INIT;
    char next[LIST_CURSOR_MAX];
    enum MHD_Result ret = MHD_NO;
    int rc = wc_buf_putc(&body, '[');
    if (rc == 0)
        rc = list_page(redis, index, &q, &body, next, sizeof next, &err);
    if (rc == WC_EREMOTE) {
        wc_buf_free(&body);
        return respond_redis_down(c, cc, &err);
    }
    if (rc != 0 || wc_buf_putc(&body, ']') != 0)
        goto out;
    struct wc_buf link = WC_BUF_INIT;
    int has_link = next[0] && next_link(&link, &q, next) == 0;
    const char *headers[] = {"Next-Cursor", next[0] ? next : NULL, "Link",
                             has_link ? link.data : NULL, NULL};
    ret = respond_json_headers(c, MHD_HTTP_OK, &body, headers);
    wc_buf_free(&link);
out:
    wc_buf_free(&body);
    return ret;
}
