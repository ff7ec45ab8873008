/* keys.c - the Redis key layout */
#include "keys.h"
#include "wc_error.h"

#include <stdio.h>
#include <string.h>

static const char *const job_part_names[KEYS_JOB_PARTS] = {
    "job", "chunks", "seen", "outcome", "results", "errors", "done", "seen_invalid",
};

static int fit(int n, size_t size)
{
    return n < 0 || (size_t)n >= size ? WC_ELIMIT : n;
}

int keys_job(char *out, size_t size, const char *job_id, enum keys_job_part part)
{
    if ((unsigned)part >= KEYS_JOB_PARTS)
        return WC_EINVAL;
    return fit(snprintf(out, size, "wikicrawl:{%s}:%s", job_id, job_part_names[part]), size);
}

int keys_queue(char *out, size_t size, const char *name)
{
    return fit(snprintf(out, size, "wikicrawl:{queue}:%s", name), size);
}

int keys_processing(char *out, size_t size, const char *worker_id)
{
    return fit(snprintf(out, size, KEYS_PROCESSING_PREFIX "%s", worker_id), size);
}

int keys_idempotency(char *out, size_t size, const char *owner, const char *key)
{
    return fit(snprintf(out, size, "wikicrawl:{queue}:idem:%s:%s", owner, key), size);
}

int keys_owner_jobs(char *out, size_t size, const char *owner)
{
    return fit(snprintf(out, size, "wikicrawl:{queue}:owner:%s", owner), size);
}

bool keys_job_id_valid(const char *id)
{
    if (id == NULL || strlen(id) != KEYS_JOB_ID_LEN)
        return false;
    for (size_t i = 0; i < KEYS_JOB_ID_LEN; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}
