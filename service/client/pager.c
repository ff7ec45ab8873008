/* pager.c - paging through a job's results (or errors) stream with cursors */
#include "pager.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "num.h"

static int pager_write_line(void *ctx, const char *line, size_t len)
{
    struct pager *pg = ctx;
    if (fwrite(line, 1, len, pg->out) != len || putc('\n', pg->out) == EOF) {
        pg->write_errno = errno ? errno : EIO;
        return WC_EIO;
    }
    return 0;
}

int pager_drain(struct pager *pg)
{
    struct client_reply reply = {0};
    struct wc_error err = {0};
    int rc = 0, attempt = 0;
    while (!pg->finished) {
        char path[256];
        snprintf(path, sizeof path, "/v1/jobs/%s/%s?cursor=%lld&limit=%ld", pg->job_id, pg->what,
                 pg->cursor, pg->page_size);
        long long n = 0;
        rc = client_http_lines(&pg->session->http, path, pager_write_line, pg, &n, &reply, &err);
        pg->cursor += n;
        if (rc == 0 || n > 0)
            attempt = 0;
        if (rc != 0) {
            if (session_retry(pg->session, pg->command, rc, &attempt, &err))
                continue;
            break;
        }
        pg->session->contacted = 1;
        if (fflush(pg->out) != 0) {
            pg->write_errno = errno;
            rc = WC_EIO;
            break;
        }
        if (reply.next_cursor[0] == '\0') {
            pg->finished = 1;
            break;
        }
        long long next = 0;
        if (num_parse_ll(reply.next_cursor, 0, LLONG_MAX, &next) == 0 && next > pg->cursor)
            pg->cursor = next; /* entries that expired are skipped by the server */
        if (n < pg->page_size)
            break;
    }
    if (rc == WC_EIO && pg->write_errno) {
        char message[512];
        snprintf(message, sizeof message, "cannot write %s: %s", pg->out_name,
                 strerror(pg->write_errno));
        client_complain(pg->session, pg->command, message);
    } else if (rc != 0) {
        client_complain(pg->session, pg->command, err.message);
    }
    client_reply_free(&reply);
    return rc;
}
