/* id_args.h - the arguments of the client commands that name one job: status, results, cancel */
#ifndef WC_CLIENT_ID_ARGS_H
#define WC_CLIENT_ID_ARGS_H

#include "session.h"

/* One table of options serves the three commands; each takes only those its usage names
 * (status: --wait; results: -o, --errors, --no-wait, --page-size; all: --server, --help).
 * Strings point into argv. */
struct id_args {
    const char *id;
    const char *server;
    const char *output;
    long wait_s;
    long page_size;
    int errors;
    int no_wait;
};

/* Prototypes */

/* Parse argv (argv[0] is command) into a. Returns 0; -1 when --help was printed on stdout; or
 * CLIENT_EXIT_USAGE after a usage error on stderr. */
int id_args_parse(int argc, char **argv, const char *command, const struct client_usage *usage,
                  const char *short_options, struct id_args *a);

/* The whole of a command that sends one request about one job and prints the answer's body:
 * parse argv, then method on "/v1/jobs/ID" + path_suffix ("" or "/retry"). Returns the
 * command's exit status. */
int id_args_run_request(int argc, char **argv, const char *command,
                        const struct client_usage *usage, const char *method,
                        const char *path_suffix);

#endif
