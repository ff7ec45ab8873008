/* retry.c - `wikicrawl retry ID`: the failed titles of a finished job become a new job */
#include <stdio.h>

#include "commands.h"
#include "id_args.h"
#include "session.h"

static const struct client_usage retry_usage = {
    "usage: wikicrawl retry ID [--server URL]\n"
    "\n"
    "Submits the titles of the finished job ID that failed (outcome failed: the wiki did not\n"
    "answer in time, or answered an error) as a new job with the same labels and priority, and\n"
    "prints its summary JSON ({\"id\",\"status\",\"titles\",...}). Job ID is left as it is.\n"
    "\n",
    "A job still running, or one without failed titles, is refused (exit status 2).\n"};

int cmd_retry(int argc, char **argv)
{
    struct id_args a;
    int rc = id_args_parse(argc, argv, "retry", &retry_usage, "h", &a);
    if (rc != 0)
        return rc < 0 ? CLIENT_EXIT_OK : rc;
    struct session s;
    if (session_open(&s, session_server_url(a.server), "retry") != 0)
        return CLIENT_EXIT_USAGE;
    struct client_reply reply = {0};
    struct wc_error err = {0};
    char path[128];
    snprintf(path, sizeof path, "/v1/jobs/%s/retry", a.id);
    rc = client_http_json(&s.http, "POST", path, CLIENT_REQUEST_SLACK_S, &reply, &err);
    int code;
    if (rc == 0) {
        code = client_print_body(&reply, "retry");
    } else {
        client_complain(NULL, "retry", err.message);
        code = client_exit_for(rc);
    }
    client_reply_free(&reply);
    session_close(&s);
    return code;
}
