/* cancel.c - `wikicrawl cancel ID`: cancel a job */
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
    return id_args_run_request(argc, argv, "cancel", &cancel_usage, "DELETE", "");
}
