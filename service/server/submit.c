/* submit.c - one streaming upload of titles becoming a queued job */
#include "submit.h"
#include "clock.h"
#include "buf.h"
#include "chunk.h"
#include "common/jobs.h"
#include "common/queue.h"
#include "error_line.h"
#include "gzip_member.h"
#include "num.h"
#include "provenance.h"
#include "common/rconn.h"
#include "common/record_batch.h"
#include "common/scripts.h"
#include "common/stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* Titles checked against the job's SET in one round trip. Bigger batches mean fewer round trips;
 * the memory held is about BATCH_TITLES * max_title_bytes. */
#define BATCH_TITLES 1000
/* Chunk references queued per script call at commit. */
#define COMMIT_REFS_PER_PUSH 1000
/* How long an upload whose Idempotency-Key is held by another one's commit waits for that commit
 * (a commit takes well under a second), and how often it looks. */
#define IDEMPOTENCY_COMMIT_WAIT_MS 30000
#define IDEMPOTENCY_POLL_MS 50

struct batch_entry {
    size_t offset, len; /* in batch_text */
    uint64_t position;
    enum titles_invalid_reason reason; /* 0: a valid title */
};

struct submission {
    char id[KEYS_JOB_ID_LEN + 1];
    redisContext *redis;
    struct submit_options opts;
    struct job_keys keys;
    struct titles_reader *reader;
    struct wc_buf batch_text;
    struct batch_entry batch[BATCH_TITLES];
    size_t n_batch;
    struct chunk_builder chunk;
    long long titles, duplicates, invalid, chunks;
    long long first_seq; /* chunks are first_seq .. first_seq + chunks - 1 */
    int seen_title;
    int late_chunk_size; /* a "chunk_size" after titles: the chunks are cut again at the end */
    struct job_labels labels;
    struct export_request export;
    int late_meta;     /* the body named labels or a priority: stored again before the commit */
    long long created; /* ms, the job hash's "created" and its score in the owner's index */
    /* Compresses invalid entries' error lines; made at the first one. Per upload, not per
     * process: each connection has its own thread and a compressor is not shared between them. */
    struct gzip_writer *gz;
    struct wc_error *err; /* the caller's, while inside feed/finish */
};

int submit_new_job_id(char *out, size_t size)
{
    unsigned char raw[KEYS_JOB_ID_LEN / 2];
    if (size < KEYS_JOB_ID_LEN + 1 || getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return WC_EIO;
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

const char *submit_job_id(const struct submission *s)
{
    return s->id;
}

static int add_entry(struct submission *s, const char *text, size_t len, uint64_t position,
                     enum titles_invalid_reason reason);

/* What a callback hands the titles reader back: WC_EFULL rather than WC_EREMOTE when Redis refused
 * a write for lack of memory, so that the reader keeps err as it is (it keeps a callback's message
 * only under the code returned) and the front end answers 507, not 503. */
static int callback_result(struct submission *s, int rc)
{
    return rc == WC_EREMOTE && rconn_full(s->err) ? WC_EFULL : rc;
}

static int on_title(void *ctx, const char *title, size_t len, uint64_t position)
{
    return callback_result(ctx, add_entry(ctx, title, len, position, 0));
}

static int on_invalid(void *ctx, const char *raw, size_t len, uint64_t position,
                      enum titles_invalid_reason reason)
{
    return callback_result(ctx, add_entry(ctx, raw, len, position, reason));
}

static int on_option(void *ctx, const char *key, const char *value, size_t value_len)
{
    struct submission *s = ctx;
    if (strcmp(key, "cache") == 0) {
        int is_true = value_len == 4 && memcmp(value, "true", 4) == 0;
        if (!is_true && !(value_len == 5 && memcmp(value, "false", 5) == 0))
            return wc_error_set(s->err, WC_EINVAL, "cache must be true or false");
        s->opts.use_cache = is_true;
        return 0;
    }
    if (strcmp(key, "labels") == 0) {
        s->late_meta = 1;
        return job_labels_parse_json(&s->labels, value, value_len, s->err);
    }
    if (strcmp(key, "export") == 0)
        return export_request_parse_json(&s->export, value, value_len, s->opts.export_sinks,
                                         s->err);
    if (strcmp(key, "keep") == 0) {
        /* a JSON string of one of the names: no escape can spell one differently */
        if (value_len < 2 || value[0] != '"' || value[value_len - 1] != '"')
            return wc_error_set(s->err, WC_EINVAL, "keep must be redis or export");
        return export_keep_set(&s->export, value + 1, value_len - 2, s->err);
    }
    if (strcmp(key, "fields") == 0)
        return provenance_parse_json(value, value_len, &s->opts.fields, s->err);
    if (strcmp(key, "wiki") == 0) {
        /* a JSON string of a name: no escape can spell one (lib/wikis.h) */
        int quoted = value_len >= 2 && value[0] == '"' && value[value_len - 1] == '"';
        return submit_wiki_pick(s->opts.wikis, value + quoted, value_len - 2 * (size_t)quoted,
                                &s->opts.wiki, s->err);
    }
    if (strcmp(key, "priority") == 0) {
        /* a JSON string of one of the names: no escape can spell one differently */
        const char *p = NULL;
        if (value_len >= 2 && value[0] == '"' && value[value_len - 1] == '"')
            p = job_priority_parse(value + 1, value_len - 2);
        if (p == NULL)
            return wc_error_set(s->err, WC_EINVAL, "priority must be high, normal or low");
        if (strcmp(p, JOB_PRIORITY_HIGH) == 0 && !s->opts.may_use_high)
            return wc_error_set(s->err, WC_EDENIED, PRIORITY_HIGH_DENIED);
        s->opts.priority = p;
        s->late_meta = 1;
        return 0;
    }
    if (strcmp(key, "chunk_size") != 0)
        return 0; /* unknown members are ignored, as JSON APIs usually do */
    long n;
    if (num_parse_long_n(value, value_len, 1, CHUNK_MAX_SIZE, &n) != 0)
        return wc_error_set(s->err, WC_EINVAL, "chunk_size must be a whole number from 1 to %d",
                            CHUNK_MAX_SIZE);
    if (s->seen_title)
        s->late_chunk_size =
            chunk_titles_for(n); /* titles already went into chunks of the old size */
    else
        s->opts.chunk_size = chunk_titles_for(n);
    return 0;
}

/* Read n pipelined replies, failing on the first error. */
static int drain_replies(struct submission *s, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        redisReply *r = rconn_reply(s->redis, rc ? NULL : s->err);
        if (r == NULL) {
            if (s->redis->err)
                return WC_EREMOTE;
            rc = WC_EREMOTE;
        }
        freeReplyObject(r);
    }
    return rc;
}

static int queue_chunk_body(struct submission *s, size_t *n_pending)
{
    size_t len;
    const char *body = chunk_builder_data(&s->chunk, &len);
    char seq[32];
    snprintf(seq, sizeof seq, "%lld", s->first_seq + s->chunks);
    const char *argv[] = {"HSET", s->keys.key[KEYS_CHUNKS], seq, body};
    size_t lens[] = {4, strlen(argv[1]), strlen(seq), len};
    if (redisAppendCommandArgv(s->redis, 4, argv, lens) != REDIS_OK)
        return wc_error_set(s->err, WC_ENOMEM, "out of memory");
    (*n_pending)++;
    s->chunks++;
    chunk_builder_reset(&s->chunk);
    return 0;
}

/* An invalid entry becomes an "invalid" outcome with its position and reason. */
static int invalid_payload(struct submission *s, const struct batch_entry *e, struct wc_buf *out)
{
    const char *text = s->batch_text.data + e->offset;
    char detail[256];
    int n = snprintf(detail, sizeof detail, "%s %llu: %s",
                     s->opts.format == TITLES_FORMAT_JSON ? "index" : "line",
                     (unsigned long long)e->position, titles_invalid_reason_message(e->reason));
    /* The library's message cannot know the limit this service was given. */
    if (e->reason == TITLES_TOO_LONG && n > 0 && (size_t)n < sizeof detail)
        snprintf(detail + n, sizeof detail - (size_t)n, "; this service's limit is %d bytes",
                 s->opts.max_title_bytes);
    return error_line_append(out, text, e->len, WC_OUTCOME_INVALID, NULL, detail);
}

static int flush_batch(struct submission *s)
{
    int rc = 0;
    struct wc_buf payload = WC_BUF_INIT;
    struct record_batch invalid = RECORD_BATCH_INIT;
    if (s->n_batch == 0)
        return 0;

    /* Round trip 1: which entries are new to this job? Valid titles and invalid entries are
     * deduplicated in two sets: an invalid entry (the number 42, a line without its id) says
     * nothing about the valid title with the same text, which must still be crawled. */
    for (size_t i = 0; i < s->n_batch; i++) {
        enum keys_job_part set = s->batch[i].reason == 0 ? KEYS_SEEN : KEYS_SEEN_INVALID;
        const char *argv[] = {"SADD", s->keys.key[set], s->batch_text.data + s->batch[i].offset};
        size_t lens[] = {4, strlen(argv[1]), s->batch[i].len};
        if (redisAppendCommandArgv(s->redis, 3, argv, lens) != REDIS_OK) {
            drain_replies(s, i); /* the connection must not keep answers nobody reads */
            return wc_error_set(s->err, WC_ENOMEM, "out of memory");
        }
    }
    int is_new[BATCH_TITLES];
    for (size_t i = 0; i < s->n_batch; i++) {
        redisReply *r = rconn_reply(s->redis, rc ? NULL : s->err);
        if (r == NULL && s->redis->err)
            return WC_EREMOTE;
        if (r == NULL)
            rc = WC_EREMOTE;
        is_new[i] = r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
        freeReplyObject(r);
    }
    if (rc)
        return rc;

    /* Round trip 2: chunk bodies, invalid outcomes, TTLs, all pipelined. */
    size_t n_pending = 0;
    for (size_t i = 0; i < s->n_batch; i++) {
        const struct batch_entry *e = &s->batch[i];
        if (!is_new[i]) {
            s->duplicates++;
            continue;
        }
        if (++s->titles > s->opts.max_titles) {
            rc = wc_error_set(s->err, WC_ELIMIT, "more than %ld titles in one job",
                              s->opts.max_titles);
            goto out;
        }
        if (e->reason != 0) {
            /* The exactly-once guard of an invalid entry is its position, which no valid title
             * can spell ('#' is refused in titles): its text may be a valid title's too. */
            char guard[JOBS_INVALID_GUARD_MAX];
            int guard_len = snprintf(guard, sizeof guard, JOBS_INVALID_GUARD_FORMAT,
                                     (unsigned long long)e->position);
            const char *outcome = wc_outcome_name(WC_OUTCOME_INVALID);
            wc_buf_reset(&payload);
            if (s->gz == NULL)
                s->gz = gzip_writer_new(GZIP_MEMBER_LEVEL);
            if (s->gz == NULL || invalid_payload(s, e, &payload) != 0 ||
                record_batch_add(&invalid, s->gz, guard, (size_t)guard_len, outcome,
                                 strlen(outcome), payload.data, payload.len) != 0) {
                rc = wc_error_set(s->err, WC_ENOMEM, "out of memory");
                goto out;
            }
            s->invalid++;
            continue;
        }
        if (chunk_builder_add(&s->chunk, s->batch_text.data + e->offset, e->len) != 0) {
            rc = wc_error_set(s->err, WC_ENOMEM, "out of memory");
            goto out;
        }
        if (s->chunk.n_titles >= (size_t)s->opts.chunk_size) {
            rc = queue_chunk_body(s, &n_pending);
            if (rc)
                goto out;
        }
    }
    if (record_batch_count(&invalid) > 0) {
        if (record_batch_append(s->redis, &s->keys, &invalid) != 0) {
            rc = wc_error_set(s->err, WC_ENOMEM, "out of memory");
            goto out;
        }
        n_pending++;
    }
    /* Until the commit every key lives only JOB_UPLOAD_TTL: a front end that dies mid-upload
     * leaves nothing behind for long. Each batch renews them all, the job hash included, so an
     * upload that streams for longer than that keeps every key of its job. */
    static const enum keys_job_part touched[] = {KEYS_JOB,     KEYS_CHUNKS, KEYS_SEEN,
                                                 KEYS_OUTCOME, KEYS_ERRORS, KEYS_SEEN_INVALID};
    for (size_t i = 0; i < sizeof touched / sizeof touched[0]; i++) {
        if (redisAppendCommand(s->redis, "EXPIRE %s %d", s->keys.key[touched[i]], JOB_UPLOAD_TTL) !=
            REDIS_OK) {
            rc = wc_error_set(s->err, WC_ENOMEM, "out of memory");
            goto out;
        }
        n_pending++;
    }
out:
    if (n_pending > 0) {
        int drained = drain_replies(s, n_pending);
        if (rc == 0)
            rc = drained;
    }
    s->n_batch = 0;
    wc_buf_reset(&s->batch_text);
    wc_buf_free(&payload);
    record_batch_free(&invalid);
    return rc;
}

static int add_entry(struct submission *s, const char *text, size_t len, uint64_t position,
                     enum titles_invalid_reason reason)
{
    s->seen_title = 1;
    struct batch_entry *e = &s->batch[s->n_batch];
    e->offset = s->batch_text.len;
    e->len = len;
    e->position = position;
    e->reason = reason;
    /* Keep a NUL after each entry so it can be used as a C string too. */
    if (wc_buf_append(&s->batch_text, text, len) != 0 || wc_buf_putc(&s->batch_text, '\0') != 0)
        return wc_error_set(s->err, WC_ENOMEM, "out of memory");
    if (++s->n_batch == BATCH_TITLES)
        return flush_batch(s);
    return 0;
}

int submit_wiki_pick(const struct wikis *wikis, const char *name, size_t len, int *wiki,
                     struct wc_error *err)
{
    int found = wikis_find(wikis, name, len);
    if (found >= 0) {
        *wiki = found;
        return 0;
    }
    char allowed[WIKIS_MAX * (WIKI_NAME_MAX + 2) + 1] = "";
    size_t at = 0;
    for (size_t i = 0; i < wikis->n && at < sizeof allowed; i++)
        at += (size_t)snprintf(allowed + at, sizeof allowed - at, "%s%s", i ? ", " : "",
                               wikis->wiki[i].name);
    return wc_error_set(err, WC_EINVAL, "wiki '%.*s' is unknown: use one of %s",
                        (int)(len > WIKI_NAME_MAX ? WIKI_NAME_MAX : len), name, allowed);
}

struct submission *submit_begin(redisContext *c, const struct submit_options *opts,
                                struct wc_error *err)
{
    if (!queue_priority_valid(opts->priority)) {
        wc_error_set(err, WC_EINVAL, "priority must be high, normal or low");
        return NULL;
    }
    struct submission *s = calloc(1, sizeof *s);
    if (s == NULL) {
        wc_error_set(err, WC_ENOMEM, "out of memory");
        return NULL;
    }
    s->redis = c;
    s->opts = *opts;
    s->opts.chunk_size = chunk_titles_for(opts->chunk_size);
    if (opts->labels)
        s->labels = *opts->labels;
    s->opts.labels = NULL; /* s->labels from now on */
    if (opts->export)
        s->export = *opts->export;
    s->opts.export = NULL; /* s->export from now on */
    if (s->opts.priority == NULL)
        s->opts.priority = JOB_PRIORITY_NORMAL;
    chunk_builder_init(&s->chunk);
    char id[KEYS_JOB_ID_LEN + 1];
    if (submit_new_job_id(id, sizeof id) != 0) {
        wc_error_set(err, WC_EIO, "no randomness for a job id");
        goto fail;
    }
    jobs_keys(&s->keys, id);
    memcpy(s->id, id, sizeof s->id);
    struct titles_options topts = {opts->format, (size_t)opts->max_title_bytes};
    struct titles_callbacks cb = {on_title, on_invalid, on_option, s};
    s->reader = titles_reader_new(&topts, &cb);
    if (s->reader == NULL) {
        wc_error_set(err, WC_ENOMEM, "out of memory");
        goto fail;
    }
    char now[32], chunk_size[16], upload_ttl[16], result_ttl[32];
    s->created = clock_wall_ms();
    snprintf(now, sizeof now, "%lld", s->created);
    snprintf(chunk_size, sizeof chunk_size, "%d", s->opts.chunk_size);
    snprintf(upload_ttl, sizeof upload_ttl, "%d", JOB_UPLOAD_TTL);
    snprintf(result_ttl, sizeof result_ttl, "%ld", opts->result_ttl);
    struct wc_buf labels = WC_BUF_INIT;
    if (job_labels_json(&s->labels, &labels) != 0) {
        wc_buf_free(&labels);
        wc_error_set(err, WC_ENOMEM, "out of memory");
        goto fail;
    }
    /* result_ttl goes with the job: its keys expire after this front end's --result-ttl,
     * whichever worker finishes it or front end cancels it. */
    const char *args[] = {
        upload_ttl,       now,       chunk_size, opts->owner ? opts->owner : "", labels.data,
        s->opts.priority, result_ttl};
    redisReply *r = rconn_eval(c, JOBS_SCRIPT_CREATE, 1, s->keys.ptr, 7, args, NULL, err);
    wc_buf_free(&labels);
    if (r == NULL)
        goto fail;
    int created = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    if (!created) {
        wc_error_set(err, WC_EREMOTE, "job id %s is taken", id);
        goto fail;
    }
    return s;
fail:
    submit_free(s);
    return NULL;
}

int submit_feed(struct submission *s, const char *data, size_t len, struct wc_error *err)
{
    s->err = err;
    int rc = titles_reader_feed(s->reader, data, len, err);
    s->err = NULL;
    return rc;
}

/* Queue every chunk in the job's own list and give the job its turn (common/queue.h). */
static int push_refs(struct submission *s)
{
    const char *id = submit_job_id(s);
    char refs[COMMIT_REFS_PER_PUSH][KEYS_JOB_ID_LEN + 24];
    const char *batch[COMMIT_REFS_PER_PUSH];
    long long end = s->first_seq + s->chunks;
    for (long long seq = s->first_seq; seq < end;) {
        size_t n = 0;
        for (; n < COMMIT_REFS_PER_PUSH && seq < end; n++, seq++) {
            chunk_ref_format(refs[n], sizeof refs[n], id, (uint64_t)seq);
            batch[n] = refs[n];
        }
        int rc = queue_push(s->redis, id, s->opts.priority, s->opts.owner, s->opts.chunk_size,
                            batch, n, s->err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The body named its chunk_size after some titles: read the chunks back one at a time and cut them
 * again, numbered after the old ones, then drop the old ones. Memory stays one chunk. */
static int rechunk(struct submission *s)
{
    long long old_chunks = s->chunks;
    s->opts.chunk_size = s->late_chunk_size;
    s->chunks = 0;
    s->first_seq = old_chunks;
    int rc = 0;
    size_t n_pending = 0;
    for (long long seq = 0; seq < old_chunks && rc == 0; seq++) {
        char field[32];
        snprintf(field, sizeof field, "%lld", seq);
        const char *argv[] = {"HGET", s->keys.key[KEYS_CHUNKS], field};
        redisReply *r = rconn_run(s->redis, 3, argv, NULL, s->err);
        if (r == NULL)
            return WC_EREMOTE;
        struct chunk *c = NULL;
        if (r->type != REDIS_REPLY_STRING || chunk_decode(r->str, r->len, &c, s->err) != 0)
            rc = wc_error_set(s->err, WC_EREMOTE, "chunk %lld of the upload is gone", seq);
        freeReplyObject(r);
        for (size_t i = 0; rc == 0 && c && i < c->n_titles; i++) {
            if (chunk_builder_add(&s->chunk, c->titles[i], c->lens[i]) != 0)
                rc = wc_error_set(s->err, WC_ENOMEM, "out of memory");
            else if (s->chunk.n_titles >= (size_t)s->opts.chunk_size)
                rc = queue_chunk_body(s, &n_pending);
        }
        chunk_free(c);
        const char *del[] = {"HDEL", s->keys.key[KEYS_CHUNKS], field};
        if (rc == 0 && redisAppendCommandArgv(s->redis, 3, del, NULL) == REDIS_OK)
            n_pending++;
        /* the next HGET waits for its own reply: read what is pipelined first */
        int drained = drain_replies(s, n_pending);
        n_pending = 0;
        if (rc == 0)
            rc = drained;
    }
    if (rc == 0 && s->chunk.n_titles > 0)
        rc = queue_chunk_body(s, &n_pending);
    int drained = drain_replies(s, n_pending);
    return rc ? rc : drained;
}

/* True for a job whose chunks are all queued (or that is over): one that will run or has run.
 * "running" alone does not say it: a worker starts a job from its first references while the
 * front end still pushes the others, and that front end may die before the last. */
static int job_committed(const struct job_status *st)
{
    return strcmp(st->status, JOB_QUEUED) == 0 || jobs_is_final(st) ||
           (strcmp(st->status, JOB_RUNNING) == 0 && st->committed == 1);
}

/* The job id an Idempotency-Key names, in holder (KEYS_JOB_ID_LEN + 1 bytes; "" when the key is
 * free). 0 or WC_EREMOTE. */
static int read_holder(redisContext *c, const char *key, char *holder, struct wc_error *err)
{
    holder[0] = '\0';
    const char *get[] = {"GET", key};
    redisReply *r = rconn_run(c, 2, get, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    if (r->type == REDIS_REPLY_STRING)
        snprintf(holder, KEYS_JOB_ID_LEN + 1, "%s", r->str);
    freeReplyObject(r);
    return 0;
}

int submit_idempotency_lookup(redisContext *c, const char *key, char *job_id, size_t size,
                              struct wc_error *err)
{
    job_id[0] = '\0';
    char holder[KEYS_JOB_ID_LEN + 1];
    if (read_holder(c, key, holder, err) != 0)
        return WC_EREMOTE;
    if (!keys_job_id_valid(holder))
        return 0;
    struct job_status st;
    int rc = jobs_get(c, holder, &st, err);
    if (rc < 0)
        return rc;
    if (rc == 0 && job_committed(&st))
        snprintf(job_id, size, "%s", holder);
    return 0;
}

/* Claim the request's Idempotency-Key for this job before anything is queued. Returns 0 (ours,
 * or *winner filled with the committed job that holds it) or WC_EREMOTE. Of two uploads racing
 * with one key, the first to get here queues its job and the other is answered with it: the
 * holder is claimed just before its commit, so the other waits (up to IDEMPOTENCY_COMMIT_WAIT_MS)
 * for that commit to end. A holder whose job is gone, or that has not committed by then (its
 * front end died mid-commit), is taken over with a compare-and-set: the client is retrying, and
 * that job will never be answered. */
static int claim_idempotency(struct submission *s, char *winner, size_t winner_size)
{
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%ld", s->opts.result_ttl);
    const char *key = s->opts.idempotency_key;
    winner[0] = '\0';
    long long deadline = clock_monotonic_ms() + IDEMPOTENCY_COMMIT_WAIT_MS;
    for (;;) {
        const char *set[] = {"SET", key, s->id, "NX", "EX", ttl};
        redisReply *r = rconn_run(s->redis, 6, set, NULL, s->err);
        if (r == NULL)
            return WC_EREMOTE;
        int claimed = r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
        if (claimed)
            return 0;
        char holder[KEYS_JOB_ID_LEN + 1];
        if (read_holder(s->redis, key, holder, s->err) != 0)
            return WC_EREMOTE;
        if (holder[0] == '\0')
            continue; /* expired meanwhile: SET NX again */
        struct job_status st;
        int rc = keys_job_id_valid(holder) ? jobs_get(s->redis, holder, &st, s->err) : 1;
        if (rc < 0)
            return rc;
        if (rc == 0 && job_committed(&st)) {
            snprintf(winner, winner_size, "%s", holder);
            return 0;
        }
        if (rc == 0 && clock_monotonic_ms() < deadline) {
            usleep(IDEMPOTENCY_POLL_MS * 1000); /* its commit is under way */
            continue;
        }
        const char *args[] = {holder, s->id, ttl};
        r = rconn_eval(s->redis, JOBS_SCRIPT_IDEMPOTENCY_TAKEOVER, 1, &key, 3, args, NULL, s->err);
        if (r == NULL)
            return WC_EREMOTE;
        int taken = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
        freeReplyObject(r);
        if (taken)
            return 0;
        if (clock_monotonic_ms() >= deadline + IDEMPOTENCY_COMMIT_WAIT_MS)
            return wc_error_set(s->err, WC_EREMOTE, "the Idempotency-Key keeps changing hands");
    }
}

/* Where the export a job asked for goes: its folder (the exporter reads it) and the location its
 * status shows. Written to the job hash by jobs_counted.lua, with the counters, so that a hash
 * cancelled and purged during the upload is not made again with only these fields. */
struct export_place {
    char folder[EXPORT_FOLDER_MAX];
    char location[sizeof((struct job_status *)0)->export_location];
};

/* 0, or WC_EINVAL (the prefix was checked, the owner tag and id are hex: not expected). */
static int export_place_of(const struct submission *s, struct export_place *p)
{
    if (export_folder(p->folder, sizeof p->folder, s->opts.owner, s->export.prefix, s->id) < 0)
        return WC_EINVAL;
    if (s->export.to == EXPORT_SINK_S3)
        snprintf(p->location, sizeof p->location, "s3://%s/%s/",
                 s->opts.s3_bucket ? s->opts.s3_bucket : "", p->folder);
    else
        snprintf(p->location, sizeof p->location, "%s/%s/",
                 s->opts.export_dir ? s->opts.export_dir : "", p->folder);
    return 0;
}

/* The job's entry in its owner's index (GET /v1/jobs), written now that the upload is whole so
 * that a failed one is never listed, the owner in the registry the sweep walks, and the job in the
 * set the exporter follows when it asked for an export (the exporter leaves a job alone until it
 * is committed, and drops an entry whose job is gone). These are under {queue}, another slot than
 * the job: an entry whose job expires or is purged is pruned by the sweep (common/sweep.h). */
static int store_meta(struct submission *s)
{
    const char *owner = s->opts.owner ? s->opts.owner : "";
    char index[KEYS_MAX], owners[KEYS_MAX], score[32];
    keys_jobs_index(index, sizeof index, owner);
    keys_queue(owners, sizeof owners, "owners");
    snprintf(score, sizeof score, "%lld", s->created);
    const char *zadd[] = {"ZADD", index, score, s->id};
    const char *sadd[] = {"SADD", owners, owner};
    size_t n_pending = 0, n_expected = 2;
    char exports[KEYS_MAX];
    keys_queue(exports, sizeof exports, "exports");
    const char *exported[] = {"SADD", exports, s->id};
    if (s->export.to != EXPORT_SINK_NONE) {
        n_expected++;
        if (redisAppendCommandArgv(s->redis, 3, exported, NULL) == REDIS_OK)
            n_pending++;
    }
    if (redisAppendCommandArgv(s->redis, 4, zadd, NULL) == REDIS_OK)
        n_pending++;
    if (redisAppendCommandArgv(s->redis, 3, sadd, NULL) == REDIS_OK)
        n_pending++;
    if (n_pending != n_expected) {
        drain_replies(s, n_pending);
        return wc_error_set(s->err, WC_ENOMEM, "out of memory");
    }
    return drain_replies(s, n_pending);
}

int submit_finish(struct submission *s, struct submit_summary *out, struct wc_error *err)
{
    s->err = err;
    int rc = titles_reader_finish(s->reader, err);
    if (rc == 0)
        rc = flush_batch(s);
    size_t n_pending = 0;
    if (rc == 0 && s->chunk.n_titles > 0)
        rc = queue_chunk_body(s, &n_pending);
    if (rc == 0 && n_pending > 0)
        rc = drain_replies(s, n_pending);
    if (rc == 0 && s->late_chunk_size && s->late_chunk_size != s->opts.chunk_size)
        rc = rechunk(s);
    if (rc != 0)
        goto out;

    memset(out, 0, sizeof *out);
    /* An upload without a single entry is refused before it can claim an Idempotency-Key or be
     * counted anywhere. */
    if (s->titles == 0) {
        rc = wc_error_set(err, WC_EINVAL, "the body holds no titles");
        goto out;
    }
    /* A body the export check refuses (422) must not claim the Idempotency-Key either. */
    rc = export_request_check(&s->export, err);
    if (rc != 0)
        goto out;
    struct export_place place = {.folder = ""};
    if (s->export.to != EXPORT_SINK_NONE && export_place_of(s, &place) != 0) {
        rc = wc_error_set(err, WC_EINVAL, "no export folder for this job");
        goto out;
    }
    if (s->opts.idempotency_key) {
        rc = claim_idempotency(s, out->existing_id, sizeof out->existing_id);
        if (rc != 0)
            goto out;
        if (out->existing_id[0]) {
            submit_abort(s);
            goto out;
        }
    }

    rc = store_meta(s);
    if (rc != 0)
        goto out;

    /* committing: counters known, chunks being queued. A job without any valid title is done. */
    char titles[32], duplicates[32], chunks[32], now[32], ttl[32];
    snprintf(titles, sizeof titles, "%lld", s->titles);
    snprintf(duplicates, sizeof duplicates, "%lld", s->duplicates);
    snprintf(chunks, sizeof chunks, "%lld", s->chunks);
    snprintf(now, sizeof now, "%lld", clock_wall_ms());
    snprintf(ttl, sizeof ttl, "%ld", s->opts.result_ttl);
    /* With the counters: labels and priority a body named (after the job hash was made), and
     * the name of the Idempotency-Key, which the job's end and the sweep keep alive as long as
     * its results. */
    struct wc_buf labels = WC_BUF_INIT, fields = WC_BUF_INIT;
    if ((s->late_meta && job_labels_json(&s->labels, &labels) != 0) ||
        (s->opts.fields != 0 && provenance_list(s->opts.fields, &fields) != 0)) {
        wc_buf_free(&labels);
        wc_buf_free(&fields);
        rc = wc_error_set(err, WC_ENOMEM, "out of memory");
        goto out;
    }
    const char *counted[27] = {titles,
                               duplicates,
                               chunks,
                               now,
                               s->opts.use_cache ? "1" : "0",
                               "wiki",
                               s->opts.wikis->wiki[s->opts.wiki].name};
    int n_counted = 7;
    if (s->late_meta) {
        counted[n_counted++] = "labels";
        counted[n_counted++] = labels.data;
        counted[n_counted++] = "priority";
        counted[n_counted++] = s->opts.priority;
    }
    if (s->opts.idempotency_key) {
        counted[n_counted++] = "idem";
        counted[n_counted++] = s->opts.idempotency_key;
    }
    /* Before the chunks are queued: a worker reads it as it opens one. */
    if (s->opts.fields != 0) {
        counted[n_counted++] = "fields";
        counted[n_counted++] = fields.data;
    }
    if (s->export.to != EXPORT_SINK_NONE) {
        counted[n_counted++] = "export_keep";
        counted[n_counted++] = s->export.keep_export ? EXPORT_KEEP_EXPORT : EXPORT_KEEP_REDIS;
        counted[n_counted++] = "export_to";
        counted[n_counted++] = export_sink_name(s->export.to);
        counted[n_counted++] = "export_folder";
        counted[n_counted++] = place.folder;
        counted[n_counted++] = "export_location";
        counted[n_counted++] = place.location;
        counted[n_counted++] = "export_state";
        counted[n_counted++] = JOB_EXPORT_EXPORTING;
    }
    redisReply *r =
        rconn_eval(s->redis, JOBS_SCRIPT_COUNTED, 1, s->keys.ptr, n_counted, counted, NULL, err);
    wc_buf_free(&labels);
    wc_buf_free(&fields);
    if (r == NULL) {
        rc = WC_EREMOTE;
        goto out;
    }
    int gone = r->type != REDIS_REPLY_STRING;
    freeReplyObject(r);
    if (gone) {
        rc = wc_error_set(err, WC_ESTOP,
                          "the job was cancelled, or its keys expired, during the upload");
        goto out;
    }
    if (s->chunks == 0) {
        for (int part = 0; part < KEYS_JOB_PARTS; part++) {
            r = redisCommand(s->redis, "EXPIRE %s %s", s->keys.key[part], ttl);
            freeReplyObject(r);
        }
    } else {
        rc = push_refs(s);
        if (rc != 0)
            goto out;
        char upload_ttl[16];
        snprintf(upload_ttl, sizeof upload_ttl, "%d", JOB_UPLOAD_TTL);
        const char *args[] = {upload_ttl};
        r = rconn_eval(s->redis, JOBS_SCRIPT_COMMITTED, KEYS_JOB_PARTS, s->keys.ptr, 1, args, NULL,
                       err);
        if (r == NULL) {
            rc = WC_EREMOTE;
            goto out;
        }
        freeReplyObject(r);
    }
    /* The dedup SET has done its work; the fleet counts the job (/metrics). */
    r = redisCommand(s->redis, "DEL %s %s", s->keys.key[KEYS_SEEN], s->keys.key[KEYS_SEEN_INVALID]);
    freeReplyObject(r);
    char stats[KEYS_MAX];
    keys_queue(stats, sizeof stats, "stats");
    struct wc_error stats_err = {0}; /* a lost count is not worth failing the accepted job */
    stats_read_replies(s->redis, stats_append_count(s->redis, stats, STATS_JOBS_SUBMITTED),
                       &stats_err);

    snprintf(out->id, sizeof out->id, "%s", submit_job_id(s));
    out->titles = s->titles;
    out->chunks = s->chunks;
    out->duplicates = s->duplicates;
    out->invalid = s->invalid;
out:
    s->err = NULL;
    return rc;
}

void submit_abort(struct submission *s)
{
    if (s == NULL || s->redis == NULL || s->redis->err)
        return;
    for (int part = 0; part < KEYS_JOB_PARTS; part++) {
        redisReply *r = redisCommand(s->redis, "DEL %s", s->keys.key[part]);
        freeReplyObject(r);
    }
}

void submit_free(struct submission *s)
{
    if (s == NULL)
        return;
    titles_reader_free(s->reader);
    chunk_builder_free(&s->chunk);
    wc_buf_free(&s->batch_text);
    gzip_writer_free(s->gz);
    free(s);
}
