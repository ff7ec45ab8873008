/* status.c - `wikicrawl status ID [--wait S]`: print a job's status */
#include "commands.h"
#include "id_args.h"
#include "job_view.h"
#include "session.h"

static const struct client_usage status_usage = {
    "usage: wikicrawl status ID [--wait S] [--server URL]\n"
    "\n"
    "Prints the status of job ID as JSON: status (queued, running, done, cancelled), titles,\n"
    "chunks, chunks_done, pages, disambiguation, missing, invalid, failed, ...\n"
    "\n"
    "  --wait S             hold the answer up to S seconds (at most 60) until the job ends\n",
    "The exit status is 0 whatever the job's status; status 4 is not used.\n"};

int cmd_status(int argc, char **argv)
{
    struct id_args a;
    int rc = id_args_parse(argc, argv, "status", &status_usage, "h", &a);
    if (rc != 0)
        return rc < 0 ? CLIENT_EXIT_OK : rc;
    struct session s;
    if (session_open(&s, session_server_url(a.server), "status") != 0)
        return CLIENT_EXIT_USAGE;
    struct client_reply reply = {0};
    rc = job_view_fetch(&s, "status", a.id, a.wait_s, &reply, NULL);
    int code = rc == 0 ? client_print_body(&reply, "status") : client_exit_for(rc);
    client_reply_free(&reply);
    session_close(&s);
    return code;
}
