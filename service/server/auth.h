/* auth.h - optional API keys: Authorization: Bearer KEY on every /v1 request */
#ifndef WC_AUTH_H
#define WC_AUTH_H

#include <hiredis.h>

#include "wc_error.h"

/* The keys file holds one key per line; blank lines and lines starting with '#' are skipped,
 * surrounding white space is trimmed. A key has no white space in it; after it, separated by
 * white space, a line may name what else the key may do: `high` (submit priority=high jobs,
 * AUTH_MAY_HIGH). Only SHA-256 digests of the keys are kept in memory, a presented key is
 * compared by digest in constant time, and a key is never logged: jobs and logs name a key by its
 * owner tag, the first 16 hex digits of its digest. */

#define AUTH_OWNER_LEN 16

/* What a key may do beyond the common (the keys file's second column). */
#define AUTH_MAY_HIGH 1u /* submit jobs of priority high */

enum auth_verdict {
    AUTH_OK = 0,
    AUTH_MISSING, /* no Authorization header, or not "Bearer ..." */
    AUTH_UNKNOWN, /* a key that is not in the file */
};

struct auth;

/* Prototypes */

/* Load the keys file. NULL with err filled when it cannot be read, holds no key (WC_EIO,
 * WC_EINVAL), or a line's second column is not a known mark (WC_EINVAL: the line number). */
struct auth *auth_load(const char *path, struct wc_error *err);

/* Check an Authorization header value (may be NULL). On AUTH_OK, owner (AUTH_OWNER_LEN + 1
 * bytes) receives the key's owner tag and *may its marks (AUTH_MAY_*). */
enum auth_verdict auth_check(const struct auth *a, const char *authorization, char *owner,
                             unsigned *may);

/* Number of keys loaded. */
int auth_count(const struct auth *a);

void auth_free(struct auth *a);

/* Jobs of one owner that are not finished yet (queued or running), pruning finished or expired
 * ones from the owner's set (keys_owner_jobs()). Returns the count or WC_EREMOTE. */
long long auth_jobs_in_flight(redisContext *c, const char *owner, struct wc_error *err);

/* Add a job to its owner's set. 0 or WC_EREMOTE. */
int auth_track_job(redisContext *c, const char *owner, const char *job_id, struct wc_error *err);

enum auth_admission { AUTH_ADMITTED = 0, AUTH_REFUSED = 1 };

/* Count a new job (already created, not yet committed) against its owner's limit of unfinished
 * jobs: it is added to the owner's set first, then the set is counted, so of uploads racing for
 * the last places none passes a count that the others are missing from (under contention some
 * may be refused that a slower arrival would have let in: never more than max_jobs pass). A
 * refused job leaves the set. max_jobs <= 0: tracked, never refused. Returns AUTH_ADMITTED,
 * AUTH_REFUSED (*others_live: the owner's other unfinished jobs) or WC_EREMOTE. */
int auth_admit_job(redisContext *c, const char *owner, const char *job_id, int max_jobs,
                   long long *others_live, struct wc_error *err);

#endif
