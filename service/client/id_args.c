/* id_args.c - the client commands that name one job: their arguments, and the one-request ones */
#include "id_args.h"

#include <getopt.h>
#include <string.h>

#include "num.h"

int id_args_parse(int argc, char **argv, const char *command, const struct client_usage *usage,
                  const char *short_options, struct id_args *a)
{
    enum { OPT_SERVER = 256, OPT_WAIT, OPT_ERRORS, OPT_NO_WAIT, OPT_PAGE };
    static const struct option options[] = {{"server", required_argument, NULL, OPT_SERVER},
                                            {"wait", required_argument, NULL, OPT_WAIT},
                                            {"errors", no_argument, NULL, OPT_ERRORS},
                                            {"no-wait", no_argument, NULL, OPT_NO_WAIT},
                                            {"page-size", required_argument, NULL, OPT_PAGE},
                                            {"output", required_argument, NULL, 'o'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->page_size = CLIENT_DEFAULT_PAGE_SIZE;
    int opt;
    optind = 1;
    int longindex = 0;
    while ((opt = getopt_long(argc, argv, short_options, options, &longindex)) != -1) {
        /* Every command shares the table; each takes only the options its usage names. */
        int is_results = strcmp(command, "results") == 0;
        int allowed = opt == OPT_SERVER || opt == 'h' ||
                      (opt == OPT_WAIT && strcmp(command, "status") == 0) ||
                      ((opt == OPT_ERRORS || opt == OPT_NO_WAIT || opt == OPT_PAGE || opt == 'o') &&
                       is_results);
        if (!allowed && opt != '?') {
            char message[128];
            snprintf(message, sizeof message, "--%s is not an option of %s",
                     options[longindex].name, command);
            return client_usage_error(usage, command, message);
        }
        switch (opt) {
        case OPT_SERVER:
            a->server = optarg;
            break;
        case OPT_WAIT:
            if (num_parse_long(optarg, 0, 60, &a->wait_s) != 0)
                return client_usage_error(usage, command, "--wait takes 0 to 60 seconds");
            break;
        case OPT_ERRORS:
            a->errors = 1;
            break;
        case OPT_NO_WAIT:
            a->no_wait = 1;
            break;
        case OPT_PAGE:
            if (client_parse_page_size(optarg, &a->page_size) != 0)
                return client_usage_error(usage, command, "--page-size takes 1 to 10000");
            break;
        case 'o':
            a->output = optarg;
            break;
        case 'h':
            client_usage_print(stdout, usage);
            return -1;
        default:
            return client_usage_error(usage, command, NULL);
        }
    }
    if (argc - optind != 1)
        return client_usage_error(usage, command, "give exactly one job ID");
    a->id = argv[optind];
    if (!client_valid_id(usage, command, a->id))
        return CLIENT_EXIT_USAGE;
    return 0;
}

int id_args_run_request(int argc, char **argv, const char *command,
                        const struct client_usage *usage, const char *method,
                        const char *path_suffix)
{
    struct id_args a;
    int rc = id_args_parse(argc, argv, command, usage, "h", &a);
    if (rc != 0)
        return rc < 0 ? CLIENT_EXIT_OK : rc;
    struct session s;
    if (session_open(&s, session_server_url(a.server), command) != 0)
        return CLIENT_EXIT_USAGE;
    struct client_reply reply = {0};
    struct wc_error err = {0};
    char path[128];
    snprintf(path, sizeof path, "/v1/jobs/%s%s", a.id, path_suffix);
    rc = client_http_json(&s.http, method, path, CLIENT_REQUEST_SLACK_S, &reply, &err);
    int code;
    if (rc == 0) {
        code = client_print_body(&reply, command);
    } else {
        client_complain(NULL, command, err.message);
        code = client_exit_for(rc);
    }
    client_reply_free(&reply);
    session_close(&s);
    return code;
}
