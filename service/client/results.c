/* results.c - `wikicrawl results ID`: stream a job's records (or errors) as NDJSON */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "id_args.h"
#include "job_view.h"
#include "pager.h"
#include "session.h"

static const struct client_usage results_usage = {
    "usage: wikicrawl results ID [-o FILE] [--errors] [--no-wait] [--server URL]\n"
    "\n"
    "Writes every record of job ID as NDJSON to stdout or FILE, page by page (the whole result\n"
    "set is never held in memory). A job still running is followed until it ends.\n"
    "\n"
    "  -o, --output FILE    write to FILE instead of stdout\n"
    "  --errors             the titles without a record ({\"title\",\"outcome\",\"detail\"})\n"
    "                       instead of the records\n"
    "  --no-wait            stop at what is there now, even if the job is still running\n"
    "  --page-size N        lines fetched per request (default 1000)\n",
    "Exit status 4: the job was cancelled; everything it wrote before that was written.\n"};

int cmd_results(int argc, char **argv)
{
    struct id_args a;
    int rc = id_args_parse(argc, argv, "results", &results_usage, "o:h", &a);
    if (rc != 0)
        return rc < 0 ? CLIENT_EXIT_OK : rc;
    FILE *out = stdout;
    const char *out_name = "stdout";
    if (a.output && strcmp(a.output, "-") != 0) {
        out = fopen(a.output, "wb");
        out_name = a.output;
        if (out == NULL) {
            fprintf(stderr, "wikicrawl results: cannot create %s: %s\n", a.output, strerror(errno));
            return CLIENT_EXIT_USAGE;
        }
    }
    struct session s;
    if (session_open(&s, session_server_url(a.server), "results") != 0) {
        if (out != stdout)
            fclose(out);
        return CLIENT_EXIT_USAGE;
    }
    struct client_reply reply = {0};
    struct job_view view;
    struct pager pg = {.session = &s,
                       .command = "results",
                       .job_id = a.id,
                       .what = a.errors ? "errors" : "results",
                       .page_size = a.page_size,
                       .out = out,
                       .out_name = out_name};
    int code = CLIENT_EXIT_OK;
    /* The status first: it tells a job that does not exist from one with nothing yet, and
     * whether the job ends cancelled. */
    rc = job_view_fetch(&s, "results", a.id, 0, &reply, &view);
    while (rc == 0) {
        rc = pager_drain(&pg);
        if (rc != 0 || pg.finished || a.no_wait)
            break;
        /* Caught up with a running job: wait for more (the long poll ends early if it ends). */
        rc = job_view_fetch(&s, "results", a.id, 2, &reply, &view);
    }
    /* The last page came after the last status: ask again how the job ended. */
    if (rc == 0 && pg.finished && !job_view_final(&view))
        rc = job_view_fetch(&s, "results", a.id, 0, &reply, &view);
    if (rc != 0)
        code = client_exit_for(rc);
    else if (pg.finished && strcmp(view.status, "cancelled") == 0)
        code = CLIENT_EXIT_CANCELLED;
    client_reply_free(&reply);
    session_close(&s);
    if (out != stdout && fclose(out) != 0 && code == CLIENT_EXIT_OK) {
        fprintf(stderr, "wikicrawl results: cannot write %s: %s\n", out_name, strerror(errno));
        code = CLIENT_EXIT_USAGE;
    }
    return code;
}
