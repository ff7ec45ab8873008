/* request_parse.c - the front end's request URLs and results-page parameters */
#include "request_parse.h"
#include "num.h"

#include <limits.h>
#include <string.h>

int parse_job_url(const char *url, char *id, size_t id_size, const char **tail)
{
    static const char prefix[] = "/v1/jobs/";
    if (strncmp(url, prefix, sizeof prefix - 1) != 0)
        return 0;
    const char *p = url + sizeof prefix - 1;
    const char *slash = strchr(p, '/');
    size_t len = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 0 || len >= id_size)
        return 0;
    memcpy(id, p, len);
    id[len] = '\0';
    *tail = slash ? slash : "";
    return 1;
}

int parse_results_page(const char *cursor, const char *limit, struct results_page *page,
                       struct wc_error *err)
{
    page->cursor = 0;
    page->limit = -1;
    if (cursor && num_parse_long(cursor, 0, LONG_MAX, &page->cursor) != 0)
        return wc_error_set(err, WC_EINVAL, "cursor must be the Next-Cursor of an earlier page");
    if (limit && num_parse_long(limit, 1, RESULTS_MAX_PAGE_LIMIT, &page->limit) != 0)
        return wc_error_set(err, WC_EINVAL, "limit must be a whole number from 1 to %d",
                            RESULTS_MAX_PAGE_LIMIT);
    return 0;
}

long long results_page_end(const struct results_page *page, long long available)
{
    if (page->cursor >= available)
        return page->cursor;
    /* available - cursor is positive here; cursor + limit may not fit when cursor is large. */
    if (page->limit > 0 && page->limit < available - page->cursor)
        return page->cursor + page->limit;
    return available;
}

long results_batch_count(long count, size_t largest)
{
    if (largest == 0)
        return count;
    size_t fit = RESULTS_BATCH_BYTES / largest;
    long grown = count < RESULTS_BATCH_MAX / 2 ? count * 2 : RESULTS_BATCH_MAX;
    if (fit < 1)
        return 1;
    return fit < (size_t)grown ? (long)fit : grown;
}
