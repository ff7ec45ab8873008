/* results.c - GET /v1/jobs/{id}/results and /errors: NDJSON pages streamed from Redis streams */
#include "server.h"
#include "common/jobs.h"
#include "common/rconn.h"
#include "keys.h"
#include "request_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One response holds one XRANGE reply at a time and sends the records straight from it: its
 * memory is that reply, which results_batch_count() keeps near RESULTS_BATCH_BYTES. */
struct stream_ctx {
    redisContext *redis; /* the connection's, borrowed */
    char key[KEYS_MAX];
    const char *field;
    long long done;    /* ordinals read so far: the next one is done + 1 (stream id 0-N) */
    long long last;    /* last ordinal to send */
    long count;        /* ordinals the next XRANGE asks for */
    redisReply *batch; /* the reply being sent, NULL before the first */
    size_t entry;      /* the entry of batch being sent */
    size_t sent;       /* bytes of that entry's line (record and newline) already sent */
};

/* The record an XRANGE entry carries in field, or NULL (an entry of another shape is skipped). */
static const redisReply *entry_record(const redisReply *entry, const char *field)
{
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2 ||
        entry->element[1]->type != REDIS_REPLY_ARRAY)
        return NULL;
    const redisReply *fields = entry->element[1];
    for (size_t f = 0; f + 1 < fields->elements; f += 2) {
        if (fields->element[f]->type == REDIS_REPLY_STRING &&
            strcmp(fields->element[f]->str, field) == 0 &&
            fields->element[f + 1]->type == REDIS_REPLY_STRING)
            return fields->element[f + 1];
    }
    return NULL;
}

/* Read the next batch of the page into s->batch. 0 or WC_EREMOTE (Redis failed); the reader can
 * only cut the response short, so no message is kept. */
static int stream_fill(struct stream_ctx *s)
{
    /* The batch sent is freed first: a response never holds two. */
    freeReplyObject(s->batch);
    s->batch = NULL;
    s->entry = 0;
    s->sent = 0;
    /* done < last here, so neither done + 1 nor done + count can overflow. */
    long long upto = s->last - s->done > s->count ? s->done + s->count : s->last;
    char from[32], to[32];
    snprintf(from, sizeof from, "0-%lld", s->done + 1);
    snprintf(to, sizeof to, "0-%lld", upto);
    const char *argv[] = {"XRANGE", s->key, from, to};
    s->batch = rconn_run(s->redis, 4, argv, NULL, NULL);
    if (s->batch == NULL)
        return WC_EREMOTE;
    size_t largest = 0;
    for (size_t i = 0; i < s->batch->elements; i++) {
        const redisReply *record = entry_record(s->batch->element[i], s->field);
        if (record != NULL && record->len + 1 > largest)
            largest = record->len + 1;
    }
    s->count = results_batch_count(s->count, largest);
    /* Entries expired or never written (a cancelled job) end the stream early. */
    s->done = s->batch->elements > 0 ? upto : s->last;
    return 0;
}

/* Copy what fits of the current entry's line (record and newline) to out; 0 when the entry is
 * sent (or carries no record) and the next one is current. */
static size_t stream_copy(struct stream_ctx *s, char *out, size_t max)
{
    const redisReply *record = entry_record(s->batch->element[s->entry], s->field);
    if (record == NULL || s->sent > record->len) {
        s->entry++;
        s->sent = 0;
        return 0;
    }
    size_t n = 0;
    if (s->sent < record->len) {
        n = record->len - s->sent;
        if (n > max)
            n = max;
        memcpy(out, record->str + s->sent, n);
    }
    if (n < max && s->sent + n == record->len)
        out[n++] = '\n';
    s->sent += n;
    return n;
}

/* Fills out as far as it can: one small write per record would cost a system call each. */
static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct stream_ctx *s = cls;
    size_t n = 0;
    while (n < max) {
        if (s->batch != NULL && s->entry < s->batch->elements) {
            n += stream_copy(s, out + n, max - n);
            continue;
        }
        if (s->done >= s->last)
            return n > 0 ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
        if (stream_fill(s) != 0)
            return n > 0 ? (ssize_t)n : MHD_CONTENT_READER_END_WITH_ERROR;
    }
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream_ctx *s = cls;
    freeReplyObject(s->batch);
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
    s->count = RESULTS_BATCH_FIRST;
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
