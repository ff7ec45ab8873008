/* retry.h - a new job from the titles of a finished job that failed */
#ifndef WC_RETRY_H
#define WC_RETRY_H

#include <hiredis.h>

#include "submit.h"
#include "wc_error.h"

enum retry_result {
    RETRY_SUBMITTED = 0,
    RETRY_NO_JOB = 1,      /* no such job (or it expired) */
    RETRY_NOT_FINISHED,    /* still queued or running: its failures are not known yet */
    RETRY_NOTHING,         /* no title of it failed */
    RETRY_TOO_MANY,        /* the owner's limit of unfinished jobs is reached (*live: theirs) */
    RETRY_EXPORTED,        /* keep=export: its error lines left Redis for its export */
    RETRY_PRIORITY_DENIED, /* a high job, and the key is no longer marked high */
};

/* Who asks, for the per-key limit of unfinished jobs: the new job counts from its creation. */
struct retry_admission {
    const char *owner; /* NULL: no API keys, nothing counted */
    int max_jobs;      /* <= 0: no limit (the job is still tracked for its owner) */
    long long live;    /* out: the owner's other unfinished jobs, for RETRY_TOO_MANY */
};

/* Prototypes */

/* Read job id's errors stream and submit every title whose outcome is "failed" as a new job with
 * opts (the format is forced to text). Returns an enum retry_result (out filled for
 * RETRY_SUBMITTED) or a negative WC_E* with err filled. Memory stays flat: the errors are read in
 * batches and streamed into the new submission. */
int retry_failed_titles(redisContext *c, const char *id, const struct submit_options *opts,
                        struct retry_admission *admission, struct submit_summary *out,
                        struct wc_error *err);

#endif
