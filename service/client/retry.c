/* retry.c - `wikicrawl retry ID`: the failed titles of a finished job become a new job */
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
    return id_args_run_request(argc, argv, "retry", &retry_usage, "POST", "/retry");
}
