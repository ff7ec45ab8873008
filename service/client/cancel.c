/* cancel.c - `wikicrawl cancel ID`: cancel a job */
#include <stdio.h>

#include "commands.h"
#include "id_args.h"
#include "session.h"

static const struct client_usage cancel_usage = {
    "usage: wikicrawl cancel ID [--server URL]\n"
    "\n"
    "Cancels job ID: queued chunks are dropped, running ones stop at their next title; the\n"
    "results written so far stay readable. Prints the status JSON after the cancel (a job that\n"
    "had already finished stays done).\n"
    "\n",
    NULL};

int cmd_cancel(int argc, char **argv)
{
    struct id_args a;
    int rc = id_args_parse(argc, argv, "cancel", &cancel_usage, "h", &a);
    if (rc != 0)
        return rc < 0 ? CLIENT_EXIT_OK : rc;
    struct session s;
    if (session_open(&s, session_server_url(a.server), "cancel") != 0)
        return CLIENT_EXIT_USAGE;
    struct client_reply reply = {0};
    struct wc_error err = {0};
    char path[128];
    snprintf(path, sizeof path, "/v1/jobs/%s", a.id);
    rc = client_http_json(&s.http, "DELETE", path, CLIENT_REQUEST_SLACK_S, &reply, &err);
    int code;
    if (rc == 0) {
        code = client_print_body(&reply, "cancel");
    } else {
        client_complain(NULL, "cancel", err.message);
        code = client_exit_for(rc);
    }
    client_reply_free(&reply);
    session_close(&s);
    return code;
}
