/* request_parse.h - the front end's request URLs and results-page parameters, as pure functions */
#ifndef WC_REQUEST_PARSE_H
#define WC_REQUEST_PARSE_H

#include <stddef.h>

#include "wc_error.h"

/* The largest ?limit= of a results or errors page. */
#define RESULTS_MAX_PAGE_LIMIT 10000

/* A streaming page reads its records in batches (XRANGE) of an adaptive count, so that one
 * batch, the memory one response holds, stays near RESULTS_BATCH_BYTES whatever the records'
 * sizes (from a hundred bytes to a few MB). */
#define RESULTS_BATCH_BYTES (256 * 1024)
#define RESULTS_BATCH_FIRST 16 /* the first batch's count: nothing is known of the sizes yet */
#define RESULTS_BATCH_MAX 1024 /* small records: fewer round trips stop paying beyond this */

/* Where a page of /v1/jobs/{id}/results (or /errors) starts and how long it may be. Records are
 * numbered from 1; the page holds ordinals cursor + 1 .. results_page_end(). */
struct results_page {
    long cursor; /* records already read: the Next-Cursor of the previous page, 0 at first */
    long limit;  /* 1..RESULTS_MAX_PAGE_LIMIT, or -1: up to the last record written */
};

/* Prototypes */

/* Split "/v1/jobs/{id}[/tail]": id (id_size bytes) receives the path segment after "/v1/jobs/",
 * and *tail points into url at what follows it ("" or "/..."). Whether the segment is a job id
 * (keys_job_id_valid()) and the tail a known one is the caller's check. Returns 1 when url has
 * that shape with a segment of 1 to id_size - 1 bytes, 0 otherwise (id and *tail untouched). */
int parse_job_url(const char *url, char *id, size_t id_size, const char **tail);

/* The ?cursor= and ?limit= of a results page (NULL: parameter absent) into page. Returns 0, or
 * WC_EINVAL with err holding the message to answer (the cursor is checked first). */
int parse_results_page(const char *cursor, const char *limit, struct results_page *page,
                       struct wc_error *err);

/* The last ordinal of the page when available records exist: never past available nor past
 * cursor + limit, and never before cursor (an empty page). Cursors are positions, so one past
 * available (a client's own plan, or records yet to come) is an empty page, not an error. Any
 * cursor from parse_results_page() and available >= 0: no overflow. */
long long results_page_end(const struct results_page *page, long long available);

/* The count of the next batch after one whose largest record (its newline included) took largest
 * bytes (0: the batch was empty): as many records of that size as RESULTS_BATCH_BYTES holds, at
 * least 1, and at most twice count (the sizes seen so far may not last) and RESULTS_BATCH_MAX. */
long results_batch_count(long count, size_t largest);

/* Whether an Accept-Encoding header (NULL: absent) accepts gzip (RFC 9110 12.5.3): "gzip" or
 * "x-gzip" with a q above 0, or "*" with a q above 0 when gzip is not named. Tokens are matched
 * without regard to case. */
int parse_accepts_gzip(const char *accept_encoding);

#endif
