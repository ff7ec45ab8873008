/* session.h - what every client command shares: the server, one session with retries, exit
 * codes, messages and usage text */
#ifndef WC_CLIENT_SESSION_H
#define WC_CLIENT_SESSION_H

#include <stdio.h>

#include "client_http.h"
#include "client_progress.h"
#include "wc_error.h"

/* Exit codes shared by the client commands (each --help lists the ones it uses). */
enum client_exit {
    CLIENT_EXIT_OK = 0,          /* done (submit --wait: the job finished) */
    CLIENT_EXIT_USAGE = 1,       /* bad arguments, or reading/writing a local file failed */
    CLIENT_EXIT_REFUSED = 2,     /* the server refused the request (4xx); its message is printed */
    CLIENT_EXIT_UNREACHABLE = 3, /* the server could not be reached or failed (5xx) */
    CLIENT_EXIT_CANCELLED = 4,   /* the job was cancelled */
    CLIENT_EXIT_EXPORT_FAILED = 5, /* submit --wait --export: the job ended, its export failed */
};

/* A long poll asks the server to hold the answer this long (s); the request may take longer. */
#define CLIENT_REQUEST_SLACK_S 30L
#define CLIENT_DEFAULT_PAGE_SIZE 1000L
#define CLIENT_MAX_PAGE_SIZE 10000L /* the API's limit */

/* A command's --help: its own text (head), then the options and exit codes every command
 * shares, then its notes (NULL: none). Both are static strings. */
struct client_usage {
    const char *head;
    const char *notes;
};

/* One command's connection to the server, and whether it has answered yet: only after a first
 * answer are failures retried (an unreachable server on the first try is reported at once). */
struct session {
    struct client_http http;
    struct client_progress progress; /* submit --wait's display, when progress_on */
    int progress_on;
    int contacted;
};

/* Prototypes */

/* Print a command's whole --help to out. */
void client_usage_print(FILE *out, const struct client_usage *usage);

/* A usage error: message on stderr (NULL when getopt has printed its own), the synopsis, and
 * where to read more. Returns CLIENT_EXIT_USAGE. */
int client_usage_error(const struct client_usage *usage, const char *command, const char *message);

/* 1 when id is a job id; else 0 after a usage error saying so. */
int client_valid_id(const struct client_usage *usage, const char *command, const char *id);

/* --page-size's argument: 0 and *out set, or -1 when it is not a number in
 * [1, CLIENT_MAX_PAGE_SIZE]. */
int client_parse_page_size(const char *arg, long *out);

/* The exit code for a request's return code (0 or a WC_E* code, see client_http.h). */
int client_exit_for(int rc);

/* "wikicrawl COMMAND: message" on stderr, after ending s's progress line (s may be NULL). */
void client_complain(struct session *s, const char *command, const char *message);

/* Print a JSON answer as one line on stdout. Returns CLIENT_EXIT_OK or CLIENT_EXIT_USAGE (stdout
 * could not be written, said on stderr). */
int client_print_body(const struct client_reply *reply, const char *command);

/* The server: flag when not NULL, else $WIKICRAWL_SERVER when set, else CLIENT_DEFAULT_SERVER.
 * The string is the caller's, the environment's or static: never freed. */
const char *session_server_url(const char *flag);

/* Initialise libcurl and s for server, with $WIKICRAWL_API_KEY as bearer token. Returns 0, or -1
 * after saying why on stderr (then nothing is held). On 0, call session_close(). */
int session_open(struct session *s, const char *server, const char *command);

/* Release what session_open() set up. */
void session_close(struct session *s);

/* After a request failed with rc: 1 when it is worth another try (then the pause, doubling with
 * *attempt, has been taken and said on stderr), 0 when not. Only WC_EREMOTE is retried, and only
 * once the server has answered (s->contacted). */
int session_retry(struct session *s, const char *command, int rc, int *attempt,
                  const struct wc_error *err);

#endif
