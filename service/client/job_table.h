/* job_table.h - `wikicrawl list`'s table: one row per job status, for people at a terminal */
#ifndef WC_CLIENT_JOB_TABLE_H
#define WC_CLIENT_JOB_TABLE_H

#include <stddef.h>

#include <jansson.h>

#include "table.h"

/* Prototypes */

/* An empty table with the columns ID STATUS WIKI TITLES PAGES FAILED CREATED LABELS. 0 or
 * WC_ENOMEM; the caller frees it with table_free(). */
int job_table_init(struct table *t);

/* Append the row of one job status object (as GET /v1/jobs lists it): a field that is absent or
 * of another type shows as "-" (a server without per-job wikis sends no "wiki"), labels are
 * joined with commas ("-" when none), created is shortened by job_table_time(). 0 or
 * WC_ENOMEM. */
int job_table_add(struct table *t, const json_t *job);

/* A status timestamp ("2026-11-25T10:00:00.125Z", always UTC) as "2026-11-25 10:00:00", to the
 * second, as `docker ps --format '{{.CreatedAt}}'` writes times; anything else is copied as given.
 * out (size bytes, at least 1) always ends up NUL-terminated. */
void job_table_time(const char *iso, char *out, size_t size);

#endif
