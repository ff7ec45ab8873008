/* request_parse.c - the front end's request URLs and results-page parameters */
#include "request_parse.h"
#include "num.h"

#include <limits.h>
#include <string.h>
#include <strings.h>

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

/* The q of one Accept-Encoding element's parameters ";q=0.5" (p..end): above 0 unless it says 0. */
static int q_above_zero(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            p += 2;
            /* q is 0, 0., 0.0, ... or a positive value up to 1. */
            if (p < end && *p == '0') {
                p++;
                if (p < end && *p == '.')
                    p++;
                while (p < end && *p == '0')
                    p++;
                return p < end && *p >= '1' && *p <= '9';
            }
            return 1;
        }
        while (p < end && *p != ';')
            p++;
    }
    return 1;
}

int parse_accepts_gzip(const char *accept_encoding)
{
    if (accept_encoding == NULL)
        return 0;
    int gzip = -1, star = -1; /* -1: not named */
    const char *p = accept_encoding;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *elem = p;
        while (*p && *p != ',')
            p++;
        const char *tok_end = elem;
        while (tok_end < p && *tok_end != ';' && *tok_end != ' ' && *tok_end != '\t')
            tok_end++;
        size_t tok_len = (size_t)(tok_end - elem);
        int accepted = q_above_zero(tok_end, p);
        if ((tok_len == 4 && strncasecmp(elem, "gzip", 4) == 0) ||
            (tok_len == 6 && strncasecmp(elem, "x-gzip", 6) == 0))
            gzip = gzip == 1 ? 1 : accepted;
        else if (tok_len == 1 && *elem == '*')
            star = accepted;
    }
    if (gzip >= 0)
        return gzip;
    return star == 1;
}
