/* export_buffer.h - Redis as a bounded buffer: a keep=export job's crawl paused while its export
 * lags */
#ifndef WC_EXPORT_BUFFER_H
#define WC_EXPORT_BUFFER_H

#include <hiredis.h>

#include "common/jobs.h"
#include "wc_error.h"

/* A keep=export job holds in Redis the records not yet in a durable part. When those reach
 * EXPORT_BUFFER_PARTS parts (a sink that stalls, or one slower than the crawl), the job's queued
 * chunks are parked and no worker claims them; chunks already claimed run to their end. Once the
 * export is back under EXPORT_BUFFER_PARTS - 1 parts, the chunks are queued again and the job
 * takes its turns as before. The job stays "running" meanwhile: it is paused, not failed. */
#define EXPORT_BUFFER_PARTS 3

/* Prototypes */

/* Park or release st's queued chunks for buffered records (results not yet in a durable part)
 * of parts of per_part records. Returns 1 when it parked or released something, 0 (also when a
 * full Redis refused the release: it is made at a later call), or WC_EREMOTE (err filled). */
int export_buffer_regulate(redisContext *c, const struct job_status *st, long long buffered,
                           long long per_part, struct wc_error *err);

/* Queue every parked chunk of st again (the export is over or failed: the crawl goes on). Returns
 * the number of references queued or WC_EREMOTE (WC_EFULL in err->code when Redis refused at
 * its maxmemory: rconn_full()). */
long long export_buffer_release(redisContext *c, const struct job_status *st, struct wc_error *err);

/* Drop the parked chunks of a cancelled job (its chunk bodies are gone). 0 or WC_EREMOTE. */
int export_buffer_drop(redisContext *c, const char *job_id, struct wc_error *err);

#endif
