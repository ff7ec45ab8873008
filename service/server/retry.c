/* retry.c - a new job from the failed titles of a finished one (POST /v1/jobs/{id}/retry) */
#include "retry.h"
#include "auth.h"
#include "server.h"
#include "common/jobs.h"
#include "gzip_member.h"
#include "keys.h"
#include "common/rconn.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define RETRY_BATCH 500

/* Feed the failed titles of one XRANGE reply as text lines. Returns how many were fed or < 0. */
static long long feed_failed(struct submission *s, redisReply *r, struct wc_error *err)
{
    long long fed = 0;
    struct wc_buf plain = WC_BUF_INIT;
    for (size_t i = 0; i < r->elements; i++) {
        redisReply *entry = r->element[i];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2)
            continue;
        redisReply *fields = entry->element[1];
        for (size_t f = 0; f + 1 < fields->elements; f += 2) {
            redisReply *value = fields->element[f + 1];
            const char *text = value->str;
            size_t len = value->len;
            /* Lines are stored as gzip members; those of jobs from before that, as they are. */
            if (gzip_is_member(value->str, value->len)) {
                wc_buf_reset(&plain);
                if (gzip_inflate_append(value->str, value->len, &plain, NULL) != 0)
                    continue; /* not a line this service wrote */
                text = plain.data;
                len = plain.len;
            }
            json_t *line = json_loadb(text, len, 0, NULL);
            const char *outcome = json_string_value(json_object_get(line, "outcome"));
            json_t *title = json_object_get(line, "title");
            int rc = 0;
            /* Titles never hold a newline (control characters are refused at upload). */
            if (outcome && strcmp(outcome, "failed") == 0 && json_is_string(title)) {
                rc = submit_feed(s, json_string_value(title), json_string_length(title), err);
                if (rc == 0)
                    rc = submit_feed(s, "\n", 1, err);
                fed++;
            }
            json_decref(line);
            if (rc != 0) {
                wc_buf_free(&plain);
                return rc;
            }
        }
    }
    wc_buf_free(&plain);
    return fed;
}

int retry_failed_titles(redisContext *c, const char *id, const struct submit_options *opts,
                        struct retry_admission *admission, struct submit_summary *out,
                        struct wc_error *err)
{
    struct job_status st;
    int rc = jobs_get(c, id, &st, err);
    if (rc != 0)
        return rc == 1 ? RETRY_NO_JOB : rc;
    if (!jobs_is_final(&st))
        return RETRY_NOT_FINISHED;
    if (st.failed == 0)
        return RETRY_NOTHING;

    struct submit_options text = *opts;
    text.format = TITLES_FORMAT_TEXT;
    /* The new job is the old one's continuation: same labels, same priority. High only for a key
     * still allowed it (the keys file may have changed since): refused otherwise, as POST
     * /v1/jobs refuses it, rather than lowered without the answer saying so. */
    struct job_labels labels = {0};
    if (st.labels[0] && job_labels_parse_json(&labels, st.labels, strlen(st.labels), NULL) == 0)
        text.labels = &labels;
    const char *priority = job_priority_parse(st.priority, strlen(st.priority));
    if (priority && strcmp(priority, JOB_PRIORITY_HIGH) == 0 && !opts->may_use_high)
        return RETRY_PRIORITY_DENIED;
    if (priority)
        text.priority = priority;
    struct submission *s = submit_begin(c, &text, err);
    if (s == NULL)
        return err->code ? err->code : WC_EREMOTE;
    if (admission->owner) {
        rc = auth_admit_job(c, admission->owner, submit_job_id(s), admission->max_jobs,
                            &admission->live, err);
        if (rc != AUTH_ADMITTED) {
            submit_abort(s);
            submit_free(s);
            return rc < 0 ? rc : RETRY_TOO_MANY;
        }
    }
    char key[KEYS_MAX];
    keys_job(key, sizeof key, id, KEYS_ERRORS);
    long long fed = 0;
    for (long long next = 1; next <= st.n_errors; next += RETRY_BATCH) {
        char from[32], to[32];
        snprintf(from, sizeof from, "0-%lld", next);
        snprintf(to, sizeof to, "0-%lld", next + RETRY_BATCH - 1);
        const char *argv[] = {"XRANGE", key, from, to};
        redisReply *r = rconn_run(c, 4, argv, NULL, err);
        if (r == NULL) {
            rc = WC_EREMOTE;
            goto fail;
        }
        long long n = feed_failed(s, r, err);
        freeReplyObject(r);
        if (n < 0) {
            rc = (int)n;
            goto fail;
        }
        fed += n;
    }
    if (fed == 0) {
        submit_abort(s);
        submit_free(s);
        /* keep=export: the error lines left Redis once the export was done; they are in it */
        return exported_lines(&st, 1) > 0 ? RETRY_EXPORTED : RETRY_NOTHING;
    }
    rc = submit_finish(s, out, err);
    if (rc != 0)
        goto fail;
    submit_free(s);
    return RETRY_SUBMITTED;
fail:
    submit_abort(s);
    submit_free(s);
    return rc;
}
