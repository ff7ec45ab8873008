/* results.c - GET /v1/jobs/{id}/results and /errors: NDJSON pages streamed from Redis streams */
#include "server.h"
#include "common/jobs.h"
#include "common/rconn.h"
#include "gzip_member.h"
#include "keys.h"
#include "request_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One response holds one XRANGE reply at a time and sends the records straight from it: its
 * memory is that reply, which results_batch_count() keeps near RESULTS_BATCH_BYTES.
 *
 * Entries hold each line (and its newline) as one gzip member (record_batch.h). A client that
 * accepts gzip is sent the members as they are, one gzip stream (RFC 1952); any other is sent
 * each member inflated, straight into the response's buffer. Entries written before lines were
 * compressed (plain JSON, no newline) are sent as they were, compressed for a gzip client. */
enum line_form {
    LINE_COPY,    /* src as it is */
    LINE_COPY_NL, /* src, then a newline */
    LINE_INFLATE, /* src inflated */
};

struct stream_ctx {
    redisContext *redis; /* the connection's, borrowed */
    char key[KEYS_MAX];
    const char *field;
    int gzip;          /* the client accepts gzip */
    long long done;    /* ordinals read so far: the next one is done + 1 (stream id 0-N) */
    long long last;    /* last ordinal to send */
    long count;        /* ordinals the next XRANGE asks for */
    redisReply *batch; /* the reply being sent, NULL before the first */
    size_t entry;      /* the entry of batch being sent */
    int begun;         /* src and form describe that entry */
    const char *src;   /* its line as stored, or scratch */
    size_t src_len;
    enum line_form form;
    size_t sent;                /* bytes of src already taken (LINE_COPY_NL: and its newline) */
    unsigned long long out;     /* bytes of body sent */
    struct gzip_reader *reader; /* made at the first member inflated */
    struct gzip_writer *writer; /* made at the first plain entry sent to a gzip client */
    struct wc_buf scratch;      /* that entry compressed */
};

/* An empty gzip member: the body of an empty page for a gzip client, which must still be gzip. */
static const char empty_member[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3,
                                    3,    0,    0, 0, 0, 0, 0, 0, 0, 0};

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

/* Read the next batch of the page into s->batch. 0, WC_EREMOTE (Redis failed) or WC_ESTOP (the
 * stream is gone); the reader can only cut the response short, so no message is kept. */
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
    /* Every ordinal up to last was written when the page began (the job's counters said so), and
     * ids are ordinals: a batch short of any (none: the job expired or was purged mid-download;
     * its first ones: trimmed once exported, XTRIM MINID; any other) would skip records that
     * Next-Cursor counts. The response is cut without its last chunk, so that every client sees
     * an error, not a page that merely ends early or lacks lines. */
    if (s->batch->elements != (size_t)(upto - s->done)) {
        /* None of it is sent: the reader sends what it holds, then asks again and is cut. */
        freeReplyObject(s->batch);
        s->batch = NULL;
        return WC_ESTOP;
    }
    s->done = upto;
    return 0;
}

static void entry_next(struct stream_ctx *s)
{
    s->entry++;
    s->begun = 0;
    s->sent = 0;
}

/* Decide how the current entry's line is sent. 0, or WC_ENOMEM / WC_EPARSE (cut short). */
static int entry_begin(struct stream_ctx *s, const redisReply *record)
{
    int member = gzip_is_member(record->str, record->len);
    s->src = record->str;
    s->src_len = record->len;
    s->sent = 0;
    s->begun = 1;
    if (s->gzip && member) {
        s->form = LINE_COPY;
    } else if (s->gzip) {
        if (s->writer == NULL)
            s->writer = gzip_writer_new(GZIP_MEMBER_LEVEL);
        wc_buf_reset(&s->scratch);
        if (s->writer == NULL || gzip_writer_member(s->writer, &s->scratch, record->str,
                                                    record->len, "\n", 1, NULL) != 0)
            return WC_ENOMEM;
        s->src = s->scratch.data;
        s->src_len = s->scratch.len;
        s->form = LINE_COPY;
    } else if (member) {
        if (s->reader == NULL)
            s->reader = gzip_reader_new();
        if (s->reader == NULL)
            return WC_ENOMEM;
        gzip_reader_reset(s->reader);
        s->form = LINE_INFLATE;
    } else {
        s->form = LINE_COPY_NL;
    }
    return 0;
}

/* Copy what fits of the current entry's line to out, moving to the next entry once it is sent
 * (or when it carries no record). Returns the bytes written, or < 0 when the response must be cut
 * short (out of memory, a corrupt member). */
static ssize_t stream_copy(struct stream_ctx *s, char *out, size_t max)
{
    const redisReply *record = entry_record(s->batch->element[s->entry], s->field);
    if (record == NULL) {
        entry_next(s);
        return 0;
    }
    if (!s->begun && entry_begin(s, record) != 0)
        return -1;
    if (s->form == LINE_INFLATE) {
        size_t used, produced;
        if (gzip_reader_run(s->reader, s->src + s->sent, s->src_len - s->sent, &used, out, max,
                            &produced, NULL) != 0)
            return -1;
        s->sent += used;
        if (gzip_reader_complete(s->reader) && s->sent == s->src_len)
            entry_next(s);
        else if (used == 0 && produced == 0)
            return -1; /* a member cut short: nothing more can come of it */
        return (ssize_t)produced;
    }
    size_t n = s->sent < s->src_len ? s->src_len - s->sent : 0;
    if (n > max)
        n = max;
    memcpy(out, s->src + s->sent, n);
    s->sent += n;
    if (s->sent == s->src_len && s->form == LINE_COPY) {
        entry_next(s);
    } else if (s->sent == s->src_len && n < max) {
        out[n++] = '\n';
        entry_next(s);
    }
    return (ssize_t)n;
}

/* Fills out as far as it can: one small write per record would cost a system call each. */
static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct stream_ctx *s = cls;
    size_t n = 0;
    while (n < max) {
        if (s->batch != NULL && s->entry < s->batch->elements) {
            ssize_t got = stream_copy(s, out + n, max - n);
            if (got < 0)
                return n > 0 ? (ssize_t)n : MHD_CONTENT_READER_END_WITH_ERROR;
            n += (size_t)got;
            continue;
        }
        if (s->done >= s->last) {
            if (s->gzip && s->out + n == 0 && max >= sizeof empty_member) {
                memcpy(out, empty_member, sizeof empty_member);
                n = sizeof empty_member;
            }
            break;
        }
        if (stream_fill(s) != 0)
            return n > 0 ? (ssize_t)n : MHD_CONTENT_READER_END_WITH_ERROR;
    }
    s->out += n;
    return n > 0 ? (ssize_t)n : MHD_CONTENT_READER_END_OF_STREAM;
}

static void stream_free(void *cls)
{
    struct stream_ctx *s = cls;
    freeReplyObject(s->batch);
    gzip_reader_free(s->reader);
    gzip_writer_free(s->writer);
    wc_buf_free(&s->scratch);
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
    long long exported = exported_lines(&st, errors);
    if (cursor < exported)
        return respond_exported(c, &st, errors, exported);

    long long available = errors ? st.n_errors : st.n_results;
    long long end = results_page_end(&page, available);

    struct stream_ctx *s = calloc(1, sizeof *s);
    if (s == NULL)
        return MHD_NO;
    s->redis = redis;
    keys_job(s->key, sizeof s->key, id, errors ? KEYS_ERRORS : KEYS_RESULTS);
    s->field = errors ? "e" : "r";
    s->gzip = parse_accepts_gzip(
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
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
    if (s->gzip)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
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
