/* cmd_client.h - `wikicrawl submit|status|results|cancel`: the command-line client of the API */
#ifndef WC_CMD_CLIENT_H
#define WC_CMD_CLIENT_H

/* Exit codes shared by the client commands (each --help lists the ones it uses). */
enum client_exit {
    CLIENT_EXIT_OK = 0,          /* done (submit --wait: the job finished) */
    CLIENT_EXIT_USAGE = 1,       /* bad arguments, or reading/writing a local file failed */
    CLIENT_EXIT_REFUSED = 2,     /* the server refused the request (4xx); its message is printed */
    CLIENT_EXIT_UNREACHABLE = 3, /* the server could not be reached or failed (5xx) */
    CLIENT_EXIT_CANCELLED = 4,   /* the job was cancelled */
};

/* The server is --server URL, else $WIKICRAWL_SERVER, else http://127.0.0.1:8080. argv[0] is
 * the command name. Each returns an enum client_exit value; messages go to stderr. */

/* Prototypes */

/* `submit FILE|- [--format text|idtitle|json] [--wait] [-o FILE]`: upload titles (streamed, with
 * chunked transfer encoding), print the job id; with --wait follow the job with a progress
 * display and write its results to -o FILE as they come. */
int cmd_submit(int argc, char **argv);

/* `status ID [--wait S]`: print the job's status JSON. */
int cmd_status(int argc, char **argv);

/* `results ID [-o FILE] [--errors] [--no-wait]`: stream every result (or error) line of a job,
 * following it until it is done. */
int cmd_results(int argc, char **argv);

/* `cancel ID`: cancel a job and print its status JSON. */
int cmd_cancel(int argc, char **argv);

#endif
