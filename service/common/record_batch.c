/* record_batch.c - the (title, outcome, payload) arguments of the record script */
#include "record_batch.h"
#include "common/rconn.h"
#include "common/scripts.h"
#include "gzip_member.h"

#include <stdlib.h>

/* Room for one more argument: its end, and its place in the argv layout. */
static int grow_ends(struct record_batch *b)
{
    if (b->n_args == b->cap_args) {
        size_t cap = b->cap_args ? b->cap_args * 2 : 48;
        size_t *ends = realloc(b->ends, cap * sizeof *ends);
        if (ends != NULL)
            b->ends = ends;
        const char **argv = realloc(b->argv, cap * sizeof *argv);
        if (argv != NULL)
            b->argv = argv;
        size_t *lens = realloc(b->lens, cap * sizeof *lens);
        if (lens != NULL)
            b->lens = lens;
        if (ends == NULL || argv == NULL || lens == NULL)
            return WC_ENOMEM; /* what grew is kept; cap_args says what all three hold */
        b->cap_args = cap;
    }
    return 0;
}

static int push(struct record_batch *b, const char *s, size_t len)
{
    if (grow_ends(b) != 0 || wc_buf_append(&b->text, s, len) != 0)
        return WC_ENOMEM;
    b->ends[b->n_args++] = b->text.len;
    return 0;
}

int record_batch_add_member(struct record_batch *b, const char *title, size_t title_len,
                            const char *outcome, size_t outcome_len, const char *member,
                            size_t member_len)
{
    size_t n_args = b->n_args, text_len = b->text.len;
    if (push(b, title, title_len) != 0 || push(b, outcome, outcome_len) != 0 ||
        push(b, member, member_len) != 0) {
        b->n_args = n_args; /* all three or none */
        b->text.len = text_len;
        return WC_ENOMEM;
    }
    return 0;
}

int record_batch_add(struct record_batch *b, struct gzip_writer *gz, const char *title,
                     size_t title_len, const char *outcome, size_t outcome_len, const char *payload,
                     size_t payload_len)
{
    size_t n_args = b->n_args, text_len = b->text.len;
    if (push(b, title, title_len) != 0 || push(b, outcome, outcome_len) != 0)
        goto undo;
    /* Compressed straight into the arguments: the line is never copied uncompressed. */
    if (grow_ends(b) != 0 ||
        gzip_writer_member(gz, &b->text, payload, payload_len, "\n", 1, NULL) != 0)
        goto undo;
    b->ends[b->n_args++] = b->text.len;
    return 0;
undo:
    b->n_args = n_args; /* all three or none */
    b->text.len = text_len;
    return WC_ENOMEM;
}

size_t record_batch_count(const struct record_batch *b)
{
    return b->n_args / 3;
}

void record_batch_argv(struct record_batch *b, const char ***args, const size_t **lens)
{
    /* laid out now, not as arguments are added: text may move while it grows */
    size_t start = 0;
    for (size_t i = 0; i < b->n_args; i++) {
        b->argv[i] = b->text.data + start;
        b->lens[i] = b->ends[i] - start;
        start = b->ends[i];
    }
    *args = b->argv;
    *lens = b->lens;
}

/* KEYS of the record script: job outcome results errors. */
static void record_keys(const struct job_keys *k, const char *keys[4])
{
    keys[0] = k->ptr[KEYS_JOB];
    keys[1] = k->ptr[KEYS_OUTCOME];
    keys[2] = k->ptr[KEYS_RESULTS];
    keys[3] = k->ptr[KEYS_ERRORS];
}

/* The script answers {written, ordinal...} (one per title), or a bare RECORD_JOB_* integer. */
static int read_answer(const redisReply *r, size_t n_titles, long long *answer, long long *ordinals,
                       struct wc_error *err)
{
    if (ordinals)
        for (size_t i = 0; i < n_titles; i++)
            ordinals[i] = 0;
    if (r->type == REDIS_REPLY_INTEGER) {
        *answer = r->integer;
        return 0;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != n_titles + 1)
        return wc_error_set(err, WC_EREMOTE, "record: unexpected reply type %d", r->type);
    for (size_t i = 0; i < r->elements; i++)
        if (r->element[i]->type != REDIS_REPLY_INTEGER)
            return wc_error_set(err, WC_EREMOTE, "record: unexpected reply");
    *answer = r->element[0]->integer;
    if (ordinals)
        for (size_t i = 0; i < n_titles; i++)
            ordinals[i] = r->element[i + 1]->integer;
    return 0;
}

int record_batch_write(redisContext *c, const struct job_keys *k, struct record_batch *b,
                       long long *answer, long long *ordinals, struct wc_error *err)
{
    const char **args;
    const size_t *lens;
    record_batch_argv(b, &args, &lens);
    const char *keys[4];
    record_keys(k, keys);
    int rc = 0;
    redisReply *r = rconn_eval(c, JOBS_SCRIPT_RECORD, 4, keys, (int)b->n_args, args, lens, err);
    if (r == NULL)
        rc = WC_EREMOTE;
    else
        rc = read_answer(r, record_batch_count(b), answer, ordinals, err);
    freeReplyObject(r);
    return rc;
}

int record_batch_append(redisContext *c, const struct job_keys *k, struct record_batch *b)
{
    const char **args;
    const size_t *lens;
    record_batch_argv(b, &args, &lens);
    const char *keys[4];
    record_keys(k, keys);
    int rc = rconn_append_eval(c, JOBS_SCRIPT_RECORD, 4, keys, (int)b->n_args, args, lens);
    return rc;
}

void record_batch_reset(struct record_batch *b)
{
    b->n_args = 0;
    wc_buf_reset(&b->text);
}

void record_batch_free(struct record_batch *b)
{
    wc_buf_free(&b->text);
    free(b->ends);
    free(b->argv);
    free(b->lens);
    b->ends = NULL;
    b->argv = NULL;
    b->lens = NULL;
    b->n_args = b->cap_args = 0;
}
