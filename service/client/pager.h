/* pager.h - paging through a job's results (or errors) stream with cursors */
#ifndef WC_CLIENT_PAGER_H
#define WC_CLIENT_PAGER_H

#include <stdio.h>

#include "session.h"

/* Reads a job's results (or errors) stream from a cursor on, writing each line to out. The
 * caller fills the first block (the strings and out stay the caller's, and must outlive the
 * pager); the rest starts at 0 and is the pager's. */
struct pager {
    struct session *session;
    const char *command;
    const char *job_id;
    const char *what; /* "results" or "errors" */
    long page_size;
    FILE *out;
    const char *out_name; /* how out is named in messages */

    long long cursor; /* entries written so far */
    int finished;     /* the server sent no Next-Cursor: nothing more will come */
    int write_errno;
};

/* Prototypes */

/* Fetch pages until caught up: until the server says nothing more will come (pg->finished), or
 * a page holds fewer lines than asked for (the rest is not written yet). A transfer that breaks
 * is resumed after its last complete line: cursors count entries, one entry per line. Returns 0,
 * or a WC_E* code (WC_EIO: out could not be written) after saying why on stderr. */
int pager_drain(struct pager *pg);

#endif
