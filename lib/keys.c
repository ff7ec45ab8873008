/* keys.c - the Redis key layout */
#include "keys.h"
#include "wc_error.h"

#include <stdio.h>
#include <string.h>

static const char *const job_part_names[KEYS_JOB_PARTS] = {
    "job", "chunks", "seen", "outcome", "results", "errors", "done", "seen_invalid", "export",
};

static const char *const limiter_part_names[KEYS_LIMITER_PARTS] = {
    "limiter",
    "inflight",
    "waiting",
    "waiting_until",
};

#define KEYS_CACHE_TITLE_PREFIX "wikicrawl:{cache}:p:"
/* A wiki name has no ':' (lib/wikis.h), so "w:NAME:TITLE" never reads as another wiki's title. */
#define KEYS_CACHE_WIKI_PREFIX "wikicrawl:{cache}:w:"

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

int keys_export_parked(char *out, size_t size, const char *job_id)
{
    return fit(snprintf(out, size, "wikicrawl:{queue}:parked:%s", job_id), size);
}

int keys_queue(char *out, size_t size, const char *name)
{
    return fit(snprintf(out, size, "wikicrawl:{queue}:%s", name), size);
}

int keys_processing(char *out, size_t size, const char *worker_id)
{
    return fit(snprintf(out, size, KEYS_PROCESSING_PREFIX "%s", worker_id), size);
}

int keys_job_queue(char *out, size_t size, const char *job_id)
{
    return fit(snprintf(out, size, KEYS_JOBQ_PREFIX "%s", job_id), size);
}

int keys_idempotency(char *out, size_t size, const char *owner, const char *key)
{
    return fit(snprintf(out, size, KEYS_IDEM_PREFIX "%s:%s", owner, key), size);
}

int keys_owner_jobs(char *out, size_t size, const char *owner)
{
    return fit(snprintf(out, size, "wikicrawl:{queue}:owner:%s", owner), size);
}

int keys_jobs_index(char *out, size_t size, const char *owner)
{
    return fit(snprintf(out, size, "wikicrawl:{queue}:jobs:%s", owner), size);
}

/* The one wiki of a deployment with --wiki alone keeps the names it had before --wikis. */
static bool is_default_wiki(const char *wiki)
{
    return wiki == NULL || strcmp(wiki, KEYS_DEFAULT_WIKI) == 0;
}

int keys_limiter(char *out, size_t size, const char *wiki, enum keys_limiter_part part)
{
    if ((unsigned)part >= KEYS_LIMITER_PARTS)
        return WC_EINVAL;
    if (is_default_wiki(wiki))
        return keys_queue(out, size, limiter_part_names[part]);
    return fit(snprintf(out, size, "wikicrawl:{queue}:%s:%s", limiter_part_names[part], wiki),
               size);
}

int keys_cache_title(struct wc_buf *out, const char *wiki, const char *title, size_t len)
{
    wc_buf_reset(out);
    int rc = is_default_wiki(wiki)
                 ? wc_buf_append(out, KEYS_CACHE_TITLE_PREFIX, sizeof KEYS_CACHE_TITLE_PREFIX - 1)
                 : wc_buf_printf(out, KEYS_CACHE_WIKI_PREFIX "%s:", wiki);
    if (rc != 0 || wc_buf_append(out, title, len) != 0) {
        wc_buf_reset(out);
        return WC_ENOMEM;
    }
    return 0;
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
