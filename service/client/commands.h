/* commands.h - `wikicrawl submit|status|results|cancel|list|retry`: the command-line client of the
 * API */
#ifndef WC_CLIENT_COMMANDS_H
#define WC_CLIENT_COMMANDS_H

/* The server is --server URL, else $WIKICRAWL_SERVER, else http://127.0.0.1:8080. argv[0] is
 * the command name. Each returns an enum client_exit value (session.h); messages go to stderr. */

/* Prototypes */

/* `submit FILE|- [--format text|idtitle|json] [--wait] [-o FILE] [--label L]... [--priority P]`:
 * upload titles (streamed, with
 * chunked transfer encoding), print the job id; with --wait follow the job with a progress
 * display and write its results to -o FILE as they come. (submit.c) */
int cmd_submit(int argc, char **argv);

/* `status ID [--wait S]`: print the job's status JSON. (status.c) */
int cmd_status(int argc, char **argv);

/* `results ID [-o FILE] [--errors] [--no-wait]`: stream every result (or error) line of a job,
 * following it until it is done. (results.c) */
int cmd_results(int argc, char **argv);

/* `cancel ID`: cancel a job and print its status JSON. (cancel.c) */
int cmd_cancel(int argc, char **argv);

/* `list [--status S] [--label L] [--limit N] [--json]`: the caller's jobs, newest first, following
 * the pages to the end (or N jobs): a table on a terminal, else (or with --json) one status JSON
 * per line. (list.c) */
int cmd_list(int argc, char **argv);

/* `retry ID`: submit the failed titles of a finished job as a new job; print its summary JSON.
 * (retry.c) */
int cmd_retry(int argc, char **argv);

#endif
