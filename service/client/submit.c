/* submit.c - `wikicrawl submit FILE|-`: upload titles as a job, optionally follow it to its end */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client_progress.h"
#include "clock.h"
#include "commands.h"
#include "job_view.h"
#include "num.h"
#include "pager.h"
#include "session.h"

static const struct client_usage submit_usage = {
    "usage: wikicrawl submit FILE|- [--format text|idtitle|json] [--wait] [-o FILE]\n"
    "                        [--label L]... [--priority P] [--wiki NAME] [--fields F,...]\n"
    "                        [--export SINK --export-prefix P [--keep redis|export]]\n"
    "                        [--server URL]\n"
    "\n"
    "Uploads the titles in FILE (- reads stdin) as a new job and prints its id on stdout. The\n"
    "file is streamed (chunked transfer encoding), never read whole, so it may be of any size.\n"
    "\n"
    "  --format F           text: one title per line (default); idtitle: \"ID; TITLE\" lines;\n"
    "                       json: [\"title\", ...] or {\"titles\": [...], \"chunk_size\": N}\n"
    "  --wait               follow the job until it ends: a progress bar on stderr (titles done,\n"
    "                       pages/s, ETA) when stderr is a terminal, else a line every 5 s\n"
    "  -o, --output FILE    with --wait (implied): write the job's records to FILE as NDJSON\n"
    "                       as they become available (- for stdout: the id then goes to stderr)\n"
    "  --chunk-size N       titles per chunk (the server's default otherwise)\n"
    "  --idempotency-key K  submitting again with the same K returns the first job, not a new\n"
    "                       one: safe to repeat after a failure\n"
    "  --page-size N        records fetched per request with -o (default 1000)\n"
    "  --label L            a label for the job (repeat for more: at most 10 of 1 to 64 bytes);\n"
    "                       `wikicrawl list --label L` finds it\n"
    "  --priority P         high, normal (default) or low\n"
    "  --wiki NAME          the wiki to crawl, one of the server's (GET /v1/wikis; the first\n"
    "                       by default)\n"
    "  --fields F,...       provenance after the 8 record fields, in the order wiki,\n"
    "                       revision_id, wikidata_id, touched (any of them)\n"
    "  --export SINK        write the job's records, as it runs, to the server's sink SINK (dir\n"
    "                       or s3) under --export-prefix P/JOB_ID/ (docs/export.md); with --wait\n"
    "                       the export is followed to its end too and its location printed\n"
    "  --keep K             redis (default): records stay readable through the API too;\n"
    "                       export: they leave Redis once exported (not with -o)\n",
    "Interrupting --wait leaves the job running: `wikicrawl results ID` fetches its records\n"
    "later, `wikicrawl cancel ID` stops it. With --wait the exit status tells how the job\n"
    "ended: 0 done, 4 cancelled, 5 done but its export failed.\n"};

/* The server takes at most 10 labels (job_options.h); more are refused here already. */
#define SUBMIT_MAX_LABELS 10

/* submit's command line (strings point into argv). Not the server's struct submit_options,
 * which is how a job is cut into chunks. */
struct submit_args {
    const char *file;
    const char *format;
    const char *output;
    const char *server;
    const char *idempotency_key;
    const char *priority;
    const char *wiki, *fields;
    const char *export_to, *export_prefix, *keep;
    const char *labels[SUBMIT_MAX_LABELS];
    int n_labels;
    long chunk_size;
    long page_size;
    int wait;
};

static int submit_parse(int argc, char **argv, struct submit_args *o)
{
    enum {
        OPT_FORMAT = 256,
        OPT_WAIT,
        OPT_SERVER,
        OPT_CHUNK,
        OPT_IDEM,
        OPT_PAGE,
        OPT_LABEL,
        OPT_PRIORITY,
        OPT_EXPORT,
        OPT_EXPORT_PREFIX,
        OPT_KEEP,
        OPT_WIKI,
        OPT_FIELDS
    };
    static const struct option options[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"wait", no_argument, NULL, OPT_WAIT},
        {"output", required_argument, NULL, 'o'},
        {"server", required_argument, NULL, OPT_SERVER},
        {"chunk-size", required_argument, NULL, OPT_CHUNK},
        {"idempotency-key", required_argument, NULL, OPT_IDEM},
        {"page-size", required_argument, NULL, OPT_PAGE},
        {"label", required_argument, NULL, OPT_LABEL},
        {"priority", required_argument, NULL, OPT_PRIORITY},
        {"export", required_argument, NULL, OPT_EXPORT},
        {"export-prefix", required_argument, NULL, OPT_EXPORT_PREFIX},
        {"keep", required_argument, NULL, OPT_KEEP},
        {"wiki", required_argument, NULL, OPT_WIKI},
        {"fields", required_argument, NULL, OPT_FIELDS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->format = "text";
    o->page_size = CLIENT_DEFAULT_PAGE_SIZE;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        switch (opt) {
        case OPT_FORMAT:
            o->format = optarg;
            break;
        case OPT_WAIT:
            o->wait = 1;
            break;
        case 'o':
            o->output = optarg;
            o->wait = 1;
            break;
        case OPT_SERVER:
            o->server = optarg;
            break;
        case OPT_CHUNK:
            if (num_parse_long(optarg, 1, LONG_MAX, &o->chunk_size) != 0)
                return client_usage_error(&submit_usage, "submit",
                                          "--chunk-size takes a number > 0");
            break;
        case OPT_IDEM:
            o->idempotency_key = optarg;
            break;
        case OPT_PAGE:
            if (client_parse_page_size(optarg, &o->page_size) != 0)
                return client_usage_error(&submit_usage, "submit", "--page-size takes 1 to 10000");
            break;
        case OPT_LABEL:
            if (o->n_labels == SUBMIT_MAX_LABELS)
                return client_usage_error(&submit_usage, "submit", "at most 10 --label");
            o->labels[o->n_labels++] = optarg;
            break;
        case OPT_PRIORITY:
            o->priority = optarg;
            break;
        case OPT_WIKI:
            o->wiki = optarg;
            break;
        case OPT_FIELDS:
            o->fields = optarg;
            break;
        case OPT_EXPORT:
            o->export_to = optarg;
            break;
        case OPT_EXPORT_PREFIX:
            o->export_prefix = optarg;
            break;
        case OPT_KEEP:
            o->keep = optarg;
            break;
        case 'h':
            client_usage_print(stdout, &submit_usage);
            return -1;
        default:
            return client_usage_error(&submit_usage, "submit", NULL);
        }
    }
    if (argc - optind != 1)
        return client_usage_error(&submit_usage, "submit",
                                  "give exactly one FILE (or - for stdin)");
    o->file = argv[optind];
    if (strcmp(o->format, "text") != 0 && strcmp(o->format, "idtitle") != 0 &&
        strcmp(o->format, "json") != 0)
        return client_usage_error(&submit_usage, "submit", "--format is text, idtitle or json");
    if (o->idempotency_key && (o->idempotency_key[0] == '\0' || strlen(o->idempotency_key) > 128 ||
                               strpbrk(o->idempotency_key, "\r\n")))
        return client_usage_error(&submit_usage, "submit",
                                  "--idempotency-key takes 1 to 128 bytes");
    if (!o->export_to != !o->export_prefix)
        return client_usage_error(&submit_usage, "submit",
                                  "--export and --export-prefix go together");
    /* the records of a keep=export job leave Redis: -o could not read them all */
    if (o->output && o->keep && strcmp(o->keep, "export") == 0)
        return client_usage_error(&submit_usage, "submit",
                                  "-o reads the records through the API: not with --keep export");
    return 0;
}

/* Follow a job's export to its end (the job is over), then say where it is. Returns the exit
 * code. */
static int submit_follow_export(struct session *s, struct job_view *view)
{
    struct client_reply reply = {0};
    int code = CLIENT_EXIT_OK;
    while (!job_view_export_over(view)) {
        sleep(1);
        int rc = job_view_fetch(s, "submit", view->id, 0, &reply, view);
        if (rc != 0) {
            code = client_exit_for(rc);
            goto out;
        }
    }
    if (view->export_state[0])
        fprintf(stderr, "wikicrawl: export %s: %s%s%s\n", view->export_state, view->export_location,
                view->export_error[0] ? ": " : "", view->export_error);
    if (strcmp(view->export_state, "failed") == 0)
        code = CLIENT_EXIT_EXPORT_FAILED;
out:
    client_reply_free(&reply);
    return code;
}

/* Follow a job to its end: progress on stderr, records to pg (when not NULL) as they come.
 * Returns the exit code. */
static int submit_follow(struct session *s, const struct job_view *accepted, struct pager *pg,
                         int tty)
{
    struct client_progress *progress = &s->progress;
    client_progress_init(progress, stderr, tty);
    s->progress_on = 1;
    /* The long poll answers at once when the job ends, else after wait_s: the display's pace. */
    long wait_s = tty ? 1 : pg ? 2 : 5;
    double started = clock_monotonic_s();
    struct client_reply reply = {0};
    struct job_view view = *accepted;
    int code = CLIENT_EXIT_OK;
    for (;;) {
        struct client_progress_sample sample = {view.id, view.status, job_view_accounted(&view),
                                                view.titles, view.pages};
        client_progress_show(progress, &sample, job_view_final(&view));
        if (job_view_final(&view))
            break;
        int rc = pg ? pager_drain(pg) : 0;
        if (rc == 0)
            rc = job_view_fetch(s, "submit", view.id, wait_s, &reply, &view);
        if (rc != 0) {
            code = client_exit_for(rc);
            goto out;
        }
    }
    /* The job has ended: what it wrote since the last page is fetched to the end. */
    while (pg && !pg->finished) {
        long long before = pg->cursor;
        int rc = pager_drain(pg);
        if (rc != 0) {
            code = client_exit_for(rc);
            goto out;
        }
        if (!pg->finished && pg->cursor == before) {
            client_complain(s, "submit",
                            "the server still offers more records of a job that ended");
            code = CLIENT_EXIT_UNREACHABLE;
            goto out;
        }
    }
    client_progress_break(progress);
    fprintf(stderr,
            "wikicrawl: job %s %s in %.1f s: %lld pages, %lld disambiguation, %lld missing, "
            "%lld invalid, %lld failed\n",
            view.id, view.status, clock_monotonic_s() - started, view.pages, view.disambiguation,
            view.missing, view.invalid, view.failed);
    if (strcmp(view.status, "cancelled") == 0)
        code = CLIENT_EXIT_CANCELLED;
    else
        code = submit_follow_export(s, &view);
out:
    client_progress_break(progress);
    s->progress_on = 0;
    client_reply_free(&reply);
    return code;
}

int cmd_submit(int argc, char **argv)
{
    struct submit_args o;
    int rc = submit_parse(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? CLIENT_EXIT_OK : rc;

    int code = CLIENT_EXIT_USAGE;
    struct session s;
    struct client_reply reply = {0};
    struct wc_buf path = WC_BUF_INIT;
    FILE *in = stdin, *out = NULL;
    int session_up = 0;
    const char *out_name = o.output;
    if (strcmp(o.file, "-") != 0) {
        in = fopen(o.file, "rb");
        if (in == NULL) {
            fprintf(stderr, "wikicrawl submit: cannot open %s: %s\n", o.file, strerror(errno));
            goto out;
        }
    }
    /* The output is opened before the job exists: a bad path must not leave a job behind. */
    if (o.output && strcmp(o.output, "-") == 0) {
        out = stdout;
        out_name = "stdout";
    } else if (o.output) {
        out = fopen(o.output, "wb");
        if (out == NULL) {
            fprintf(stderr, "wikicrawl submit: cannot create %s: %s\n", o.output, strerror(errno));
            goto out;
        }
    }
    if (session_open(&s, session_server_url(o.server), "submit") != 0)
        goto out;
    session_up = 1;

    char idem_header[160], chunk_size[32];
    int path_rc = wc_buf_puts(&path, "/v1/jobs");
    if (path_rc == 0 && strcmp(o.format, "idtitle") == 0)
        path_rc = client_query_add(&path, "format", "idtitle");
    snprintf(chunk_size, sizeof chunk_size, "%ld", o.chunk_size);
    if (path_rc == 0 && o.chunk_size > 0)
        path_rc = client_query_add(&path, "chunk_size", chunk_size);
    /* The server checks labels and priority (400 with its message): one place for the rules. */
    for (int i = 0; path_rc == 0 && i < o.n_labels; i++)
        path_rc = client_query_add(&path, "label", o.labels[i]);
    if (path_rc == 0 && o.priority)
        path_rc = client_query_add(&path, "priority", o.priority);
    /* the server checks both too (422 with the names allowed) */
    if (path_rc == 0 && o.wiki)
        path_rc = client_query_add(&path, "wiki", o.wiki);
    if (path_rc == 0 && o.fields)
        path_rc = client_query_add(&path, "fields", o.fields);
    if (path_rc == 0 && o.export_to)
        path_rc = client_query_add(&path, "export", o.export_to);
    if (path_rc == 0 && o.export_prefix)
        path_rc = client_query_add(&path, "export_prefix", o.export_prefix);
    if (path_rc == 0 && o.keep)
        path_rc = client_query_add(&path, "keep", o.keep);
    if (path_rc != 0) {
        fprintf(stderr, "wikicrawl submit: out of memory\n");
        goto out;
    }
    if (o.idempotency_key)
        snprintf(idem_header, sizeof idem_header, "Idempotency-Key: %s", o.idempotency_key);
    const char *type =
        strcmp(o.format, "json") == 0 ? "application/json" : "text/plain; charset=utf-8";
    struct wc_error err = {0};
    rc = client_http_upload(&s.http, path.data, type, o.idempotency_key ? idem_header : NULL, in,
                            &reply, &err);
    struct job_view accepted;
    if (rc == 0 && job_view_parse(&reply, &accepted) != 0) {
        rc = WC_EREMOTE;
        wc_error_set(&err, rc, "the answer to the upload is not what the API sends");
    }
    if (rc != 0) {
        client_complain(NULL, "submit", err.message);
        code = client_exit_for(rc);
        goto out;
    }
    s.contacted = 1;
    /* stdout carries the id, unless the records go there. */
    fprintf(out == stdout ? stderr : stdout, "%s\n", accepted.id);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "wikicrawl submit: cannot write stdout: %s\n", strerror(errno));
        goto out;
    }
    if (!o.wait) {
        code = CLIENT_EXIT_OK;
        goto out;
    }
    fprintf(stderr,
            "wikicrawl: job %s: %lld titles in %lld chunks (%lld duplicates, %lld invalid)\n",
            accepted.id, accepted.titles, accepted.chunks, accepted.duplicates, accepted.invalid);
    struct pager pg = {.session = &s,
                       .command = "submit",
                       .job_id = accepted.id,
                       .what = "results",
                       .page_size = o.page_size,
                       .out = out,
                       .out_name = out_name};
    code = submit_follow(&s, &accepted, out ? &pg : NULL, isatty(STDERR_FILENO));
out:
    client_reply_free(&reply);
    wc_buf_free(&path);
    if (session_up)
        session_close(&s);
    if (in && in != stdin)
        fclose(in);
    if (out && out != stdout && fclose(out) != 0 && code == CLIENT_EXIT_OK) {
        fprintf(stderr, "wikicrawl submit: cannot write %s: %s\n", o.output, strerror(errno));
        code = CLIENT_EXIT_USAGE;
    }
    return code;
}
