/* list.c - `wikicrawl list`: the caller's jobs, newest first, as a table or one status JSON per
 * line */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "commands.h"
#include "job_table.h"
#include "num.h"
#include "session.h"

static const struct client_usage list_usage = {
    "usage: wikicrawl list [--status S] [--label L] [--limit N] [--json] [--server URL]\n"
    "\n"
    "Prints the jobs the server keeps (with API keys: those of $WIKICRAWL_API_KEY), newest\n"
    "first. On a terminal, a table: ID STATUS WIKI TITLES PAGES FAILED CREATED LABELS, with\n"
    "CREATED in UTC to the second, labels joined with commas and \"-\" for none. With --json,\n"
    "or when stdout is not a terminal (a pipe, a file), one status JSON per line, as\n"
    "`wikicrawl status` shows them.\n"
    "\n"
    "  --status S           only jobs that are queued, running, done or cancelled\n"
    "  --label L            only jobs that carry label L (`wikicrawl submit --label L`)\n"
    "  --limit N            at most N jobs (default: all)\n"
    "  --json               JSON lines on a terminal too\n",
    "The table is printed once every page of jobs has arrived, so that its columns line up.\n"
    "Finished jobs are listed until the server's --result-ttl drops them.\n"};

/* Jobs asked for per request; the server allows up to 1000. */
#define LIST_PAGE 100

struct list_args {
    const char *status;
    const char *label;
    const char *server;
    long limit; /* 0: all */
    int json;   /* JSON lines even on a terminal */
};

static int list_parse(int argc, char **argv, struct list_args *o)
{
    enum { OPT_STATUS = 256, OPT_LABEL, OPT_LIMIT, OPT_JSON, OPT_SERVER };
    static const struct option options[] = {{"status", required_argument, NULL, OPT_STATUS},
                                            {"label", required_argument, NULL, OPT_LABEL},
                                            {"limit", required_argument, NULL, OPT_LIMIT},
                                            {"json", no_argument, NULL, OPT_JSON},
                                            {"server", required_argument, NULL, OPT_SERVER},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case OPT_STATUS:
            o->status = optarg;
            break;
        case OPT_LABEL:
            o->label = optarg;
            break;
        case OPT_LIMIT:
            if (num_parse_long(optarg, 1, LONG_MAX, &o->limit) != 0)
                return client_usage_error(&list_usage, "list", "--limit takes a number > 0");
            break;
        case OPT_JSON:
            o->json = 1;
            break;
        case OPT_SERVER:
            o->server = optarg;
            break;
        case 'h':
            client_usage_print(stdout, &list_usage);
            return -1;
        default:
            return client_usage_error(&list_usage, "list", NULL);
        }
    }
    if (argc != optind)
        return client_usage_error(&list_usage, "list", "list takes no argument");
    return 0;
}

/* Print each job of one page's JSON array on its own line, or add it to table when not NULL;
 * *printed counts them, up to limit (0: no limit). 0, WC_EREMOTE (not the array the API sends),
 * WC_EIO (stdout failed) or WC_ENOMEM. */
static int print_page(const struct client_reply *reply, struct table *table, long limit,
                      long *printed)
{
    json_error_t jerr;
    json_t *page = json_loadb(reply->body.data ? reply->body.data : "", reply->body.len, 0, &jerr);
    int rc = json_is_array(page) ? 0 : WC_EREMOTE;
    for (size_t i = 0; rc == 0 && i < json_array_size(page); i++) {
        if (limit > 0 && *printed >= limit)
            break;
        if (table)
            rc = job_table_add(table, json_array_get(page, i));
        else if (json_dumpf(json_array_get(page, i), stdout, JSON_COMPACT) != 0 ||
                 putchar('\n') == EOF)
            rc = WC_EIO;
        (*printed)++;
    }
    json_decref(page);
    return rc;
}

int cmd_list(int argc, char **argv)
{
    struct list_args o;
    int rc = list_parse(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? CLIENT_EXIT_OK : rc;
    struct session s;
    if (session_open(&s, session_server_url(o.server), "list") != 0)
        return CLIENT_EXIT_USAGE;
    struct client_reply reply = {0};
    struct wc_buf path = WC_BUF_INIT;
    struct wc_error err = {0};
    char cursor[sizeof reply.next_cursor] = "";
    long printed = 0;
    int code = CLIENT_EXIT_OK;
    /* The table holds every page's rows before it is printed: its columns are as wide as their
     * widest cell over all the jobs, not one page's, and a few thousand jobs are a few hundred
     * KiB. JSON lines go out page by page as before. */
    struct table table_rows;
    struct table *table = NULL;
    if (!o.json && isatty(STDOUT_FILENO)) {
        if (job_table_init(&table_rows) != 0) {
            client_complain(NULL, "list", "out of memory");
            session_close(&s);
            return CLIENT_EXIT_USAGE;
        }
        table = &table_rows;
    }
    for (;;) {
        long want = LIST_PAGE;
        if (o.limit > 0 && o.limit - printed < want)
            want = o.limit - printed;
        char limit[32];
        snprintf(limit, sizeof limit, "%ld", want);
        wc_buf_reset(&path);
        rc = wc_buf_puts(&path, "/v1/jobs");
        if (rc == 0)
            rc = client_query_add(&path, "limit", limit);
        if (rc == 0 && o.status)
            rc = client_query_add(&path, "status", o.status);
        if (rc == 0 && o.label)
            rc = client_query_add(&path, "label", o.label);
        if (rc == 0 && cursor[0])
            rc = client_query_add(&path, "cursor", cursor);
        if (rc != 0) {
            client_complain(NULL, "list", "out of memory");
            code = CLIENT_EXIT_USAGE;
            break;
        }
        int attempt = 0;
        do {
            client_reply_free(&reply);
            rc = client_http_json(&s.http, "GET", path.data, CLIENT_REQUEST_SLACK_S, &reply, &err);
        } while (rc != 0 && session_retry(&s, "list", rc, &attempt, &err));
        if (rc != 0) {
            client_complain(NULL, "list", err.message);
            code = client_exit_for(rc);
            break;
        }
        s.contacted = 1;
        rc = print_page(&reply, table, o.limit, &printed);
        if (rc == WC_EREMOTE) {
            client_complain(NULL, "list", "the answer is not the JSON array the API sends");
            code = CLIENT_EXIT_UNREACHABLE;
            break;
        }
        if (rc != 0 || fflush(stdout) != 0) {
            client_complain(NULL, "list",
                            rc == WC_ENOMEM ? "out of memory" : "cannot write stdout");
            code = CLIENT_EXIT_USAGE;
            break;
        }
        if (reply.next_cursor[0] == '\0' || (o.limit > 0 && printed >= o.limit))
            break;
        snprintf(cursor, sizeof cursor, "%s", reply.next_cursor);
    }
    /* What arrived before a failure is shown, as JSON lines show it; a bare header is only
     * printed for a listing that succeeded with no jobs, as `docker ps` does. */
    if (table && (code == CLIENT_EXIT_OK || table->n_rows > 0)) {
        struct wc_buf shown = WC_BUF_INIT;
        rc = table_render(table, &shown);
        if (rc != 0 || fwrite(shown.data, 1, shown.len, stdout) != shown.len ||
            fflush(stdout) != 0) {
            client_complain(NULL, "list", rc != 0 ? "out of memory" : "cannot write stdout");
            code = CLIENT_EXIT_USAGE;
        }
        wc_buf_free(&shown);
    }
    if (table)
        table_free(table);
    client_reply_free(&reply);
    wc_buf_free(&path);
    session_close(&s);
    return code;
}
