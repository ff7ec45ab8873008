/* submit.h - one streaming upload of titles becoming a queued job */
#ifndef WC_SUBMIT_H
#define WC_SUBMIT_H

#include <stddef.h>

#include <hiredis.h>

#include "export_request.h"
#include "job_options.h"
#include "keys.h"
#include "titles.h"
#include "wc_error.h"

/* The upload is parsed as it arrives; titles are deduplicated in Redis (a SET per job) and written
 * as chunk bodies in batches, so the front end's memory does not depend on the upload's size.
 * Nothing is queued for the workers until submit_finish(): a rejected upload leaves no job. */

/* The message of a refused priority=high (403 priority_not_allowed), query or body alike. */
#define PRIORITY_HIGH_DENIED "priority high is not allowed for this API key"

struct submit_options {
    enum titles_format format;
    int chunk_size;  /* 1..CHUNK_MAX_SIZE; a JSON body's "chunk_size" may override it */
    long max_titles; /* distinct entries (valid or not) */
    int max_title_bytes;
    long result_ttl;   /* seconds, for a job that is done at once (no valid title) */
    const char *owner; /* API key owner tag or "" */
    int use_cache;     /* reuse recent outcomes of the same titles; a JSON "cache" may override */
    /* Redis key of the request's Idempotency-Key (keys_idempotency()), or NULL: claimed for this
     * job just before its chunks are queued, so that a crash can never leave a queued job that
     * the key does not name. */
    const char *idempotency_key;
    /* "high", "normal" or "low" (JOB_PRIORITY_*, job_options.h); NULL means "normal". A JSON
     * body's "priority" may override it. */
    const char *priority;
    /* The API key may submit priority high (auth.h, AUTH_MAY_HIGH): a JSON body's "priority":
     * "high" is refused with WC_EDENIED otherwise. */
    int may_use_high;
    /* The job's labels (copied by submit_begin()), or NULL for none; a JSON body's "labels"
     * replaces them. */
    const struct job_labels *labels;
    /* The sinks the server has (a set of EXPORT_SINK_BIT) and where they write (--export-dir,
     * --s3-bucket). A job that names another sink is refused (WC_EINVAL). */
    unsigned export_sinks;
    const char *export_dir, *s3_bucket;
    /* The export of the query string (copied by submit_begin()), or NULL for none; a JSON body's
     * "export" replaces it. */
    const struct export_request *export;
    /* The wikis a job may name (--wikis) and the one it names now, an index of them (0: the
     * first, the default); a JSON body's "wiki" may name another. */
    const struct wikis *wikis;
    int wiki;
    /* The provenance the records carry (lib/provenance.h); a JSON body's "fields" replaces it. */
    unsigned fields;
};

struct submit_summary {
    char id[KEYS_JOB_ID_LEN + 1];
    long long titles; /* distinct entries, invalid ones included */
    long long chunks;
    long long duplicates;
    long long invalid;
    /* Not "": another job already holds the Idempotency-Key; this upload was undone and the
     * request is answered with that job (id is then ""). */
    char existing_id[KEYS_JOB_ID_LEN + 1];
};

struct submission;

/* Prototypes */

/* Create the job (status receiving, with a TTL until committed). The connection and the strings
 * of opts are borrowed for the submission's life. NULL with err filled on failure (WC_EINVAL for
 * an unknown priority). */
/* The index in wikis of the wiki named name[0..len) into *wiki. 0, or WC_EINVAL with err naming
 * the wikis allowed (the front end answers 422). */
int submit_wiki_pick(const struct wikis *wikis, const char *name, size_t len, int *wiki,
                     struct wc_error *err);

struct submission *submit_begin(redisContext *c, const struct submit_options *opts,
                                struct wc_error *err);

/* The new job's id. */
const char *submit_job_id(const struct submission *s);

/* Feed upload bytes. Returns 0; WC_EPARSE (malformed JSON), WC_ELIMIT (too many titles),
 * WC_EINVAL (a bad option in the body: chunk_size, cache, labels, priority, export), WC_EREMOTE
 * (Redis failed) with err filled. */
int submit_feed(struct submission *s, const char *data, size_t len, struct wc_error *err);

/* End of upload: write what is left and queue every chunk. The job is accepted only when this
 * returns 0 with out->existing_id "" (see struct submit_summary). Same errors as submit_feed(). */
int submit_finish(struct submission *s, struct submit_summary *out, struct wc_error *err);

/* The committed job (queued, running or over) that the Idempotency-Key stored under key names, in
 * job_id (KEYS_JOB_ID_LEN + 1 bytes); "" when none does (the key is free, or names an upload that
 * never committed, which a new upload may take over). 0 or WC_EREMOTE. */
int submit_idempotency_lookup(redisContext *c, const char *key, char *job_id, size_t size,
                              struct wc_error *err);

/* Delete everything the submission wrote (after an error). */
void submit_abort(struct submission *s);

void submit_free(struct submission *s);

/* A new random job id (KEYS_JOB_ID_LEN hex digits + NUL). 0 or WC_EIO. */
int submit_new_job_id(char *out, size_t size);

#endif
