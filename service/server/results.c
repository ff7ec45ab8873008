/* results.c - GET /v1/jobs/{id}/results and /errors: NDJSON pages streamed from Redis streams */
#include "server.h"
#include "common/jobs.h"
#include "common/rconn.h"
#include "keys.h"
#include "request_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM_BATCH 200

struct stream_ctx {
    redisContext *redis; /* the connection's, borrowed */
    char key[KEYS_MAX];
    const char *field;
    long long done; /* ordinals read so far: the next one is done + 1 (stream id 0-N) */
    long long last; /* last ordinal to send */
    struct wc_buf buf;
    size_t sent;
};

/* Read the next batch of the page into s->buf. 0, WC_EREMOTE (Redis failed) or WC_ENOMEM; the
 * reader can only cut the response short, so no message is kept. */
static int stream_fill(struct stream_ctx *s)
{
    wc_buf_reset(&s->buf);
    s->sent = 0;
    /* done < last here, so neither done + 1 nor done + STREAM_BATCH can overflow. */
    long long upto = s->last - s->done > STREAM_BATCH ? s->done + STREAM_BATCH : s->last;
    char from[32], to[32];
    snprintf(from, sizeof from, "0-%lld", s->done + 1);
    snprintf(to, sizeof to, "0-%lld", upto);
    const char *argv[] = {"XRANGE", s->key, from, to};
    redisReply *r = rconn_run(s->redis, 4, argv, NULL, NULL);
    if (r == NULL)
        return WC_EREMOTE;
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
                rc = WC_ENOMEM;
        }
    }
    /* Entries expired or never written (a cancelled job) end the stream early. */
    s->done = r->elements > 0 ? upto : s->last;
    freeReplyObject(r);
    return rc;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct stream_ctx *s = cls;
    while (s->sent == s->buf.len) {
        if (s->done >= s->last)
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

enum MHD_Result job_stream(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc,
                           const char *id, int errors)
{
    struct results_page page;
    struct wc_error err = {0};
    if (parse_results_page(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cursor"),
                           MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit"), &page,
                           &err) != 0)
        return respond_error(c, MHD_HTTP_BAD_REQUEST, "bad_parameter", "%s", err.message);
    long cursor = page.cursor, limit = page.limit;
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
    long long end = results_page_end(&page, available);

    struct stream_ctx *s = calloc(1, sizeof *s);
    if (s == NULL)
        return MHD_NO;
    s->redis = redis;
    keys_job(s->key, sizeof s->key, id, errors ? KEYS_ERRORS : KEYS_RESULTS);
    s->field = errors ? "e" : "r";
    s->done = cursor;
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
