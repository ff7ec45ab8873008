/* cmd_client.c - `wikicrawl submit|status|results|cancel`: the command-line client of the API */
#include "cmd_client.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "client_http.h"
#include "client_progress.h"
#include "keys.h"

#define DEFAULT_PAGE_SIZE 1000L
#define MAX_PAGE_SIZE 10000L /* the API's limit */
/* After the server has answered once, failures that may pass (a restart, a broken transfer) are
 * retried this often, with delays doubling from RETRY_FIRST_MS to RETRY_MAX_MS: about a minute. */
#define RETRY_ATTEMPTS 8
#define RETRY_FIRST_MS 500
#define RETRY_MAX_MS 15000
/* A long poll asks the server to hold the answer this long (s); the request may take longer. */
#define REQUEST_SLACK_S 30L

/* A command's --help: its own text, then the options and exit codes every command shares, then
 * its notes. */
struct usage {
    const char *head;
    const char *notes;
};

static const char common_options[] =
    "  --server URL         the wikicrawl API (default $WIKICRAWL_SERVER, else\n"
    "                       " CLIENT_DEFAULT_SERVER ")\n"
    "  -h, --help           this text\n"
    "\n"
    "A service that requires API keys is sent $WIKICRAWL_API_KEY as a bearer token.\n";

static const char exit_codes[] =
    "Exit status: 0 success; 1 usage error, or a local file could not be read or written;\n"
    "2 the server refused the request (4xx: no such job, malformed titles, too many titles...),\n"
    "its message is printed; 3 the server could not be reached or failed (5xx); 4 the job was\n"
    "cancelled.\n";

static const struct usage submit_usage = {
    "usage: wikicrawl submit FILE|- [--format text|idtitle|json] [--wait] [-o FILE]\n"
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
    "  --page-size N        records fetched per request with -o (default 1000)\n",
    "Interrupting --wait leaves the job running: `wikicrawl results ID` fetches its records\n"
    "later, `wikicrawl cancel ID` stops it. With --wait the exit status tells how the job\n"
    "ended: 0 done, 4 cancelled.\n"};

static const struct usage status_usage = {
    "usage: wikicrawl status ID [--wait S] [--server URL]\n"
    "\n"
    "Prints the status of job ID as JSON: status (queued, running, done, cancelled), titles,\n"
    "chunks, chunks_done, pages, disambiguation, missing, invalid, failed, ...\n"
    "\n"
    "  --wait S             hold the answer up to S seconds (at most 60) until the job ends\n",
    "The exit status is 0 whatever the job's status; status 4 is not used.\n"};

static const struct usage results_usage = {
    "usage: wikicrawl results ID [-o FILE] [--errors] [--no-wait] [--server URL]\n"
    "\n"
    "Writes every record of job ID as NDJSON to stdout or FILE, page by page (the whole result\n"
    "set is never held in memory). A job still running is followed until it ends.\n"
    "\n"
    "  -o, --output FILE    write to FILE instead of stdout\n"
    "  --errors             the titles without a record ({\"title\",\"outcome\",\"detail\"})\n"
    "                       instead of the records\n"
    "  --no-wait            stop at what is there now, even if the job is still running\n"
    "  --page-size N        lines fetched per request (default 1000)\n",
    "Exit status 4: the job was cancelled; everything it wrote before that was written.\n"};

static const struct usage cancel_usage = {
    "usage: wikicrawl cancel ID [--server URL]\n"
    "\n"
    "Cancels job ID: queued chunks are dropped, running ones stop at their next title; the\n"
    "results written so far stay readable. Prints the status JSON after the cancel (a job that\n"
    "had already finished stays done).\n"
    "\n",
    NULL};

static void usage_print(FILE *out, const struct usage *u)
{
    fputs(u->head, out);
    fputs(common_options, out);
    fputc('\n', out);
    fputs(exit_codes, out);
    if (u->notes) {
        fputc('\n', out);
        fputs(u->notes, out);
    }
}

/* ---- shared ------------------------------------------------------------------------------ */

/* One command's connection to the server, and whether it has answered yet: only after a first
 * answer are failures retried (an unreachable server on the first try is reported at once). */
struct session {
    struct client_http http;
    struct client_progress progress; /* submit --wait's display, when progress_on */
    int progress_on;
    int contacted;
};

struct job_view {
    char id[KEYS_JOB_ID_LEN + 1];
    char status[16];
    long long titles, chunks, chunks_done, pages, disambiguation, missing, invalid, failed;
    long long duplicates;
};

static int exit_for(int rc)
{
    switch (rc) {
    case 0:
        return CLIENT_EXIT_OK;
    case WC_EINVAL:
        return CLIENT_EXIT_REFUSED;
    case WC_EREMOTE:
        return CLIENT_EXIT_UNREACHABLE;
    default:
        return CLIENT_EXIT_USAGE;
    }
}

static void complain(struct session *s, const char *command, const char *message)
{
    if (s && s->progress_on)
        client_progress_break(&s->progress);
    fprintf(stderr, "wikicrawl %s: %s\n", command, message);
}

/* A usage error: the message (getopt has printed its own when message is NULL), the synopsis,
 * and where to read more. */
static int usage_error(const struct usage *usage, const char *command, const char *message)
{
    if (message)
        fprintf(stderr, "wikicrawl %s: %s\n", command, message);
    const char *blank = strstr(usage->head, "\n\n");
    int len = blank ? (int)(blank - usage->head + 1) : (int)strlen(usage->head);
    fprintf(stderr, "%.*s`wikicrawl %s --help` tells more.\n", len, usage->head, command);
    return CLIENT_EXIT_USAGE;
}

static const char *server_url(const char *flag)
{
    if (flag)
        return flag;
    const char *env = getenv("WIKICRAWL_SERVER");
    return env && env[0] ? env : CLIENT_DEFAULT_SERVER;
}

static int session_open(struct session *s, const char *server, const char *command)
{
    memset(s, 0, sizeof *s);
    struct wc_error err = {0};
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        complain(NULL, command, "cannot initialise libcurl");
        return -1;
    }
    if (client_http_init(&s->http, server, getenv("WIKICRAWL_API_KEY"), &err) != 0) {
        complain(NULL, command, err.message);
        client_http_free(&s->http);
        curl_global_cleanup();
        return -1;
    }
    return 0;
}

static void session_close(struct session *s)
{
    client_http_free(&s->http);
    curl_global_cleanup();
}

/* After a failed request: 1 when it is worth another try (then the pause has been taken). */
static int session_retry(struct session *s, const char *command, int rc, int *attempt,
                         const struct wc_error *err)
{
    if (rc != WC_EREMOTE || !s->contacted || *attempt >= RETRY_ATTEMPTS)
        return 0;
    long delay_ms = RETRY_FIRST_MS;
    for (int i = 0; i < *attempt && delay_ms < RETRY_MAX_MS; i++)
        delay_ms *= 2;
    if (delay_ms > RETRY_MAX_MS)
        delay_ms = RETRY_MAX_MS;
    (*attempt)++;
    char message[512];
    snprintf(message, sizeof message, "%s; retrying in %.1f s (%d/%d)", err->message,
             (double)delay_ms / 1000.0, *attempt, RETRY_ATTEMPTS);
    complain(s, command, message);
    usleep((useconds_t)delay_ms * 1000);
    return 1;
}

static int parse_job_view(const struct client_reply *reply, struct job_view *v)
{
    memset(v, 0, sizeof *v);
    json_t *root = reply->body.data ? json_loadb(reply->body.data, reply->body.len, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(root, "id"));
    const char *status = json_string_value(json_object_get(root, "status"));
    if (id == NULL || status == NULL) {
        json_decref(root);
        return -1;
    }
    snprintf(v->id, sizeof v->id, "%s", id);
    snprintf(v->status, sizeof v->status, "%s", status);
    struct {
        const char *name;
        long long *value;
    } fields[] = {{"titles", &v->titles},
                  {"chunks", &v->chunks},
                  {"chunks_done", &v->chunks_done},
                  {"pages", &v->pages},
                  {"disambiguation", &v->disambiguation},
                  {"missing", &v->missing},
                  {"invalid", &v->invalid},
                  {"failed", &v->failed},
                  {"duplicates", &v->duplicates}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        *fields[i].value = (long long)json_integer_value(json_object_get(root, fields[i].name));
    json_decref(root);
    return 0;
}

static int job_final(const struct job_view *v)
{
    return strcmp(v->status, "done") == 0 || strcmp(v->status, "cancelled") == 0;
}

static long long job_accounted(const struct job_view *v)
{
    return v->pages + v->disambiguation + v->missing + v->invalid + v->failed;
}

/* GET the status, holding it up to wait_s seconds (a long poll); retried after a first answer. */
static int fetch_status(struct session *s, const char *command, const char *id, long wait_s,
                        struct client_reply *reply, struct job_view *view)
{
    char path[128];
    if (wait_s > 0)
        snprintf(path, sizeof path, "/v1/jobs/%s?wait=%ld", id, wait_s);
    else
        snprintf(path, sizeof path, "/v1/jobs/%s", id);
    struct wc_error err = {0};
    int rc, attempt = 0;
    do {
        rc = client_http_json(&s->http, "GET", path, wait_s + REQUEST_SLACK_S, reply, &err);
    } while (rc != 0 && session_retry(s, command, rc, &attempt, &err));
    if (rc == 0 && view && parse_job_view(reply, view) != 0) {
        rc = WC_EREMOTE;
        wc_error_set(&err, rc, "the status answer is not what the API sends");
    }
    if (rc != 0) {
        complain(s, command, err.message);
        return rc;
    }
    s->contacted = 1;
    return 0;
}

static int valid_id(const struct usage *usage, const char *command, const char *id)
{
    if (keys_job_id_valid(id))
        return 1;
    char message[128];
    snprintf(message, sizeof message, "'%.40s' is not a job id (32 hex digits)", id);
    usage_error(usage, command, message);
    return 0;
}

static int parse_page_size(const char *arg, long *out)
{
    char *end;
    errno = 0;
    long n = strtol(arg, &end, 10);
    if (errno || end == arg || *end != '\0' || n < 1 || n > MAX_PAGE_SIZE)
        return -1;
    *out = n;
    return 0;
}

/* ---- paging through results -------------------------------------------------------------- */

/* Reads a job's results (or errors) stream from a cursor on, writing each line to out. */
struct pager {
    struct session *session;
    const char *command;
    const char *job_id;
    const char *what; /* "results" or "errors" */
    long page_size;
    long long cursor; /* entries written so far */
    int finished;     /* the server sent no Next-Cursor: nothing more will come */
    FILE *out;
    const char *out_name;
    int write_errno;
};

static int pager_write_line(void *ctx, const char *line, size_t len)
{
    struct pager *pg = ctx;
    if (fwrite(line, 1, len, pg->out) != len || putc('\n', pg->out) == EOF) {
        pg->write_errno = errno ? errno : EIO;
        return WC_EIO;
    }
    return 0;
}

/* Fetch pages until caught up: until the server says nothing more will come (finished), or a
 * page holds fewer lines than asked for (the rest is not written yet). A transfer that breaks
 * is resumed after its last complete line: cursors count entries, one entry per line. */
static int pager_drain(struct pager *pg)
{
    struct client_reply reply = {0};
    struct wc_error err = {0};
    int rc = 0, attempt = 0;
    while (!pg->finished) {
        char path[256];
        snprintf(path, sizeof path, "/v1/jobs/%s/%s?cursor=%lld&limit=%ld", pg->job_id, pg->what,
                 pg->cursor, pg->page_size);
        long long n = 0;
        rc = client_http_lines(&pg->session->http, path, pager_write_line, pg, &n, &reply, &err);
        pg->cursor += n;
        if (rc == 0 || n > 0)
            attempt = 0;
        if (rc != 0) {
            if (session_retry(pg->session, pg->command, rc, &attempt, &err))
                continue;
            break;
        }
        pg->session->contacted = 1;
        if (fflush(pg->out) != 0) {
            pg->write_errno = errno;
            rc = WC_EIO;
            break;
        }
        if (reply.next_cursor[0] == '\0') {
            pg->finished = 1;
            break;
        }
        char *end;
        long long next = strtoll(reply.next_cursor, &end, 10);
        if (*end == '\0' && next > pg->cursor)
            pg->cursor = next; /* entries that expired are skipped by the server */
        if (n < pg->page_size)
            break;
    }
    if (rc == WC_EIO && pg->write_errno) {
        char message[512];
        snprintf(message, sizeof message, "cannot write %s: %s", pg->out_name,
                 strerror(pg->write_errno));
        complain(pg->session, pg->command, message);
    } else if (rc != 0) {
        complain(pg->session, pg->command, err.message);
    }
    client_reply_free(&reply);
    return rc;
}

/* ---- submit ------------------------------------------------------------------------------ */

struct submit_options {
    const char *file;
    const char *format;
    const char *output;
    const char *server;
    const char *idempotency_key;
    long chunk_size;
    long page_size;
    int wait;
};

static int submit_parse(int argc, char **argv, struct submit_options *o)
{
    enum { OPT_FORMAT = 256, OPT_WAIT, OPT_SERVER, OPT_CHUNK, OPT_IDEM, OPT_PAGE };
    static const struct option options[] = {{"format", required_argument, NULL, OPT_FORMAT},
                                            {"wait", no_argument, NULL, OPT_WAIT},
                                            {"output", required_argument, NULL, 'o'},
                                            {"server", required_argument, NULL, OPT_SERVER},
                                            {"chunk-size", required_argument, NULL, OPT_CHUNK},
                                            {"idempotency-key", required_argument, NULL, OPT_IDEM},
                                            {"page-size", required_argument, NULL, OPT_PAGE},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->format = "text";
    o->page_size = DEFAULT_PAGE_SIZE;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        char *end;
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
            errno = 0;
            o->chunk_size = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end != '\0' || o->chunk_size < 1)
                return usage_error(&submit_usage, "submit", "--chunk-size takes a number > 0");
            break;
        case OPT_IDEM:
            o->idempotency_key = optarg;
            break;
        case OPT_PAGE:
            if (parse_page_size(optarg, &o->page_size) != 0)
                return usage_error(&submit_usage, "submit", "--page-size takes 1 to 10000");
            break;
        case 'h':
            usage_print(stdout, &submit_usage);
            return -1;
        default:
            return usage_error(&submit_usage, "submit", NULL);
        }
    }
    if (argc - optind != 1)
        return usage_error(&submit_usage, "submit", "give exactly one FILE (or - for stdin)");
    o->file = argv[optind];
    if (strcmp(o->format, "text") != 0 && strcmp(o->format, "idtitle") != 0 &&
        strcmp(o->format, "json") != 0)
        return usage_error(&submit_usage, "submit", "--format is text, idtitle or json");
    if (o->idempotency_key && (o->idempotency_key[0] == '\0' || strlen(o->idempotency_key) > 128 ||
                               strpbrk(o->idempotency_key, "\r\n")))
        return usage_error(&submit_usage, "submit", "--idempotency-key takes 1 to 128 bytes");
    return 0;
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
    double started = client_progress_now();
    struct client_reply reply = {0};
    struct job_view view = *accepted;
    int code = CLIENT_EXIT_OK;
    for (;;) {
        struct client_progress_sample sample = {view.id, view.status, job_accounted(&view),
                                                view.titles, view.pages};
        client_progress_show(progress, &sample, job_final(&view));
        if (job_final(&view))
            break;
        int rc = pg ? pager_drain(pg) : 0;
        if (rc == 0)
            rc = fetch_status(s, "submit", view.id, wait_s, &reply, &view);
        if (rc != 0) {
            code = exit_for(rc);
            goto out;
        }
    }
    /* The job has ended: what it wrote since the last page is fetched to the end. */
    while (pg && !pg->finished) {
        long long before = pg->cursor;
        int rc = pager_drain(pg);
        if (rc != 0) {
            code = exit_for(rc);
            goto out;
        }
        if (!pg->finished && pg->cursor == before) {
            complain(s, "submit", "the server still offers more records of a job that ended");
            code = CLIENT_EXIT_UNREACHABLE;
            goto out;
        }
    }
    client_progress_break(progress);
    fprintf(stderr,
            "wikicrawl: job %s %s in %.1f s: %lld pages, %lld disambiguation, %lld missing, "
            "%lld invalid, %lld failed\n",
            view.id, view.status, client_progress_now() - started, view.pages, view.disambiguation,
            view.missing, view.invalid, view.failed);
    if (strcmp(view.status, "cancelled") == 0)
        code = CLIENT_EXIT_CANCELLED;
out:
    client_progress_break(progress);
    s->progress_on = 0;
    client_reply_free(&reply);
    return code;
}

int cmd_submit(int argc, char **argv)
{
    struct submit_options o;
    int rc = submit_parse(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? CLIENT_EXIT_OK : rc;

    int code = CLIENT_EXIT_USAGE;
    struct session s;
    struct client_reply reply = {0};
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
    if (session_open(&s, server_url(o.server), "submit") != 0)
        goto out;
    session_up = 1;

    char path[128], idem_header[160];
    snprintf(path, sizeof path, "/v1/jobs");
    if (strcmp(o.format, "idtitle") == 0)
        snprintf(path, sizeof path, "/v1/jobs?format=idtitle");
    if (o.chunk_size > 0) {
        size_t len = strlen(path);
        snprintf(path + len, sizeof path - len, "%cchunk_size=%ld", strchr(path, '?') ? '&' : '?',
                 o.chunk_size);
    }
    if (o.idempotency_key)
        snprintf(idem_header, sizeof idem_header, "Idempotency-Key: %s", o.idempotency_key);
    const char *type =
        strcmp(o.format, "json") == 0 ? "application/json" : "text/plain; charset=utf-8";
    struct wc_error err = {0};
    rc = client_http_upload(&s.http, path, type, o.idempotency_key ? idem_header : NULL, in, &reply,
                            &err);
    struct job_view accepted;
    if (rc == 0 && parse_job_view(&reply, &accepted) != 0) {
        rc = WC_EREMOTE;
        wc_error_set(&err, rc, "the answer to the upload is not what the API sends");
    }
    if (rc != 0) {
        complain(NULL, "submit", err.message);
        code = exit_for(rc);
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

/* ---- status, results, cancel ------------------------------------------------------------- */

/* Options shared by status, results and cancel. */
struct id_options {
    const char *id;
    const char *server;
    const char *output;
    long wait_s;
    long page_size;
    int errors;
    int no_wait;
};

static int id_parse(int argc, char **argv, const char *command, const struct usage *usage,
                    const char *short_options, struct id_options *o)
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
    memset(o, 0, sizeof *o);
    o->page_size = DEFAULT_PAGE_SIZE;
    int opt;
    optind = 1;
    int longindex = 0;
    while ((opt = getopt_long(argc, argv, short_options, options, &longindex)) != -1) {
        char *end;
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
            return usage_error(usage, command, message);
        }
        switch (opt) {
        case OPT_SERVER:
            o->server = optarg;
            break;
        case OPT_WAIT:
            errno = 0;
            o->wait_s = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end != '\0' || o->wait_s < 0 || o->wait_s > 60)
                return usage_error(usage, command, "--wait takes 0 to 60 seconds");
            break;
        case OPT_ERRORS:
            o->errors = 1;
            break;
        case OPT_NO_WAIT:
            o->no_wait = 1;
            break;
        case OPT_PAGE:
            if (parse_page_size(optarg, &o->page_size) != 0)
                return usage_error(usage, command, "--page-size takes 1 to 10000");
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'h':
            usage_print(stdout, usage);
            return -1;
        default:
            return usage_error(usage, command, NULL);
        }
    }
    if (argc - optind != 1)
        return usage_error(usage, command, "give exactly one job ID");
    o->id = argv[optind];
    if (!valid_id(usage, command, o->id))
        return CLIENT_EXIT_USAGE;
    return 0;
}

/* Print a JSON answer as one line on stdout. */
static int print_body(const struct client_reply *reply, const char *command)
{
    if (reply->body.len > 0)
        fwrite(reply->body.data, 1, reply->body.len, stdout);
    putchar('\n');
    if (fflush(stdout) != 0) {
        fprintf(stderr, "wikicrawl %s: cannot write stdout: %s\n", command, strerror(errno));
        return CLIENT_EXIT_USAGE;
    }
    return CLIENT_EXIT_OK;
}

int cmd_status(int argc, char **argv)
{
    struct id_options o;
    int rc = id_parse(argc, argv, "status", &status_usage, "h", &o);
    if (rc != 0)
        return rc < 0 ? CLIENT_EXIT_OK : rc;
    struct session s;
    if (session_open(&s, server_url(o.server), "status") != 0)
        return CLIENT_EXIT_USAGE;
    struct client_reply reply = {0};
    rc = fetch_status(&s, "status", o.id, o.wait_s, &reply, NULL);
    int code = rc == 0 ? print_body(&reply, "status") : exit_for(rc);
    client_reply_free(&reply);
    session_close(&s);
    return code;
}

int cmd_cancel(int argc, char **argv)
{
    struct id_options o;
    int rc = id_parse(argc, argv, "cancel", &cancel_usage, "h", &o);
    if (rc != 0)
        return rc < 0 ? CLIENT_EXIT_OK : rc;
    struct session s;
    if (session_open(&s, server_url(o.server), "cancel") != 0)
        return CLIENT_EXIT_USAGE;
    struct client_reply reply = {0};
    struct wc_error err = {0};
    char path[128];
    snprintf(path, sizeof path, "/v1/jobs/%s", o.id);
    rc = client_http_json(&s.http, "DELETE", path, REQUEST_SLACK_S, &reply, &err);
    int code;
    if (rc == 0) {
        code = print_body(&reply, "cancel");
    } else {
        complain(NULL, "cancel", err.message);
        code = exit_for(rc);
    }
    client_reply_free(&reply);
    session_close(&s);
    return code;
}

int cmd_results(int argc, char **argv)
{
    struct id_options o;
    int rc = id_parse(argc, argv, "results", &results_usage, "o:h", &o);
    if (rc != 0)
        return rc < 0 ? CLIENT_EXIT_OK : rc;
    FILE *out = stdout;
    const char *out_name = "stdout";
    if (o.output && strcmp(o.output, "-") != 0) {
        out = fopen(o.output, "wb");
        out_name = o.output;
        if (out == NULL) {
            fprintf(stderr, "wikicrawl results: cannot create %s: %s\n", o.output, strerror(errno));
            return CLIENT_EXIT_USAGE;
        }
    }
    struct session s;
    if (session_open(&s, server_url(o.server), "results") != 0) {
        if (out != stdout)
            fclose(out);
        return CLIENT_EXIT_USAGE;
    }
    struct client_reply reply = {0};
    struct job_view view;
    struct pager pg = {.session = &s,
                       .command = "results",
                       .job_id = o.id,
                       .what = o.errors ? "errors" : "results",
                       .page_size = o.page_size,
                       .out = out,
                       .out_name = out_name};
    int code = CLIENT_EXIT_OK;
    /* The status first: it tells a job that does not exist from one with nothing yet, and
     * whether the job ends cancelled. */
    rc = fetch_status(&s, "results", o.id, 0, &reply, &view);
    while (rc == 0) {
        rc = pager_drain(&pg);
        if (rc != 0 || pg.finished || o.no_wait)
            break;
        /* Caught up with a running job: wait for more (the long poll ends early if it ends). */
        rc = fetch_status(&s, "results", o.id, 2, &reply, &view);
    }
    /* The last page came after the last status: ask again how the job ended. */
    if (rc == 0 && pg.finished && !job_final(&view))
        rc = fetch_status(&s, "results", o.id, 0, &reply, &view);
    if (rc != 0)
        code = exit_for(rc);
    else if (pg.finished && strcmp(view.status, "cancelled") == 0)
        code = CLIENT_EXIT_CANCELLED;
    client_reply_free(&reply);
    session_close(&s);
    if (out != stdout && fclose(out) != 0 && code == CLIENT_EXIT_OK) {
        fprintf(stderr, "wikicrawl results: cannot write %s: %s\n", out_name, strerror(errno));
        code = CLIENT_EXIT_USAGE;
    }
    return code;
}
