/* cmd_parse.c - `wikicrawl parse`: one action=parse answer to one NDJSON record */
#include "cmd_parse.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json_write.h"
#include "mwparse.h"
#include "num.h"
#include "record_json.h"

static const char usage[] =
    "usage: wikicrawl parse [--title TITLE] [--status HTTP_STATUS] [FILE]\n"
    "\n"
    "Reads one MediaWiki action=parse answer (JSON, formatversion 1 or 2) from FILE or stdin\n"
    "and prints its record as one NDJSON line, exactly as the workers store it.\n"
    "\n"
    "  --title TITLE        the title as submitted (page_title); default: the answer's\n"
    "                       redirect source, else its title\n"
    "  --status N           the HTTP status the answer came with (default 200)\n"
    "\n"
    "Exit status: 0 record printed; 2 disambiguation, missing or invalid; 3 retryable;\n"
    "4 failed; 1 usage or read error. Non-record outcomes are described on stderr as JSON.\n";

static int read_all(FILE *in, struct wc_buf *out)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0)
        if (wc_buf_append(out, chunk, n) != 0)
            return WC_EIO;
    return ferror(in) ? -1 : 0;
}

/* The title the answer itself names, for when --title is not given. */
static char *title_from_answer(const char *body, size_t len)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    json_t *parse = json_object_get(root, "parse");
    const char *title = json_string_value(
        json_object_get(json_array_get(json_object_get(parse, "redirects"), 0), "from"));
    if (title == NULL)
        title = json_string_value(json_object_get(parse, "title"));
    char *copy = strdup(title ? title : "");
    json_decref(root);
    return copy;
}

static int exit_code_for(enum wc_outcome outcome)
{
    switch (outcome) {
    case WC_OUTCOME_OK:
        return 0;
    case WC_OUTCOME_DISAMBIGUATION:
    case WC_OUTCOME_MISSING:
    case WC_OUTCOME_INVALID:
        return 2;
    case WC_OUTCOME_RETRYABLE:
        return 3;
    case WC_OUTCOME_FAILED:
        return 4;
    }
    return 4;
}

int cmd_parse(int argc, char **argv)
{
    static const struct option options[] = {{"title", required_argument, NULL, 't'},
                                            {"status", required_argument, NULL, 's'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    const char *title_arg = NULL;
    long status = 200;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "t:s:h", options, NULL)) != -1) {
        switch (opt) {
        case 't':
            title_arg = optarg;
            break;
        case 's':
            if (num_parse_long(optarg, 100, 599, &status) != 0) {
                fputs(usage, stderr);
                return 1;
            }
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            fputs(usage, stderr);
            return 1;
        }
    }
    if (argc - optind > 1) {
        fputs(usage, stderr);
        return 1;
    }

    int code = 1;
    struct wc_buf body = WC_BUF_INIT, line = WC_BUF_INIT;
    struct html_text *x = NULL;
    struct wc_record *record = NULL;
    char *title = NULL;
    FILE *in = stdin;
    if (optind < argc && strcmp(argv[optind], "-") != 0) {
        in = fopen(argv[optind], "rb");
        if (in == NULL) {
            perror(argv[optind]);
            goto out;
        }
    }
    if (read_all(in, &body) != 0) {
        fprintf(stderr, "wikicrawl parse: cannot read the answer\n");
        goto out;
    }
    title = title_arg ? strdup(title_arg) : title_from_answer(body.data ? body.data : "", body.len);
    x = html_text_new();
    if (title == NULL || x == NULL) {
        fprintf(stderr, "wikicrawl parse: out of memory\n");
        goto out;
    }
    struct mw_result res;
    struct wc_error err = {0};
    if (mwparse_answer(x, body.data ? body.data : "", body.len, status, title, &record, &res,
                       &err) != 0) {
        fprintf(stderr, "wikicrawl parse: %s\n", err.message);
        goto out;
    }
    if (res.outcome == WC_OUTCOME_OK) {
        if (record_json_append(&line, record) != 0 || wc_buf_putc(&line, '\n') != 0)
            goto out;
        fwrite(line.data, 1, line.len, stdout);
    } else {
        wc_buf_puts(&line, "{\"title\":");
        json_write_cstring(&line, title);
        wc_buf_puts(&line, ",\"outcome\":");
        json_write_cstring(&line, wc_outcome_name(res.outcome));
        wc_buf_puts(&line, ",\"code\":");
        json_write_cstring(&line, res.code);
        wc_buf_puts(&line, ",\"detail\":");
        json_write_cstring(&line, res.detail);
        wc_buf_puts(&line, "}\n");
        fwrite(line.data, 1, line.len, stderr);
    }
    code = fflush(stdout) == 0 ? exit_code_for(res.outcome) : 1;
out:
    if (in && in != stdin)
        fclose(in);
    wc_record_free(record);
    html_text_free(x);
    free(title);
    wc_buf_free(&body);
    wc_buf_free(&line);
    return code;
}
