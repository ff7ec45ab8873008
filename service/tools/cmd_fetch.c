/* cmd_fetch.c - `wikicrawl fetch`: crawl a list of titles straight from a wiki, without Redis */
#include "cmd_fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "crawl.h"

/* Titles are crawled this many at a time, so that a list of any length runs in bounded memory
 * while the slow tail of one batch (retries) rarely holds up the next. */
#define FETCH_BATCH_TITLES 50000

/* What fetch does; its options come from the settings table (config_print_options). */
static const char usage_head[] =
    "usage: wikicrawl fetch [OPTIONS] [FILE|-]\n"
    "\n"
    "Fetches every title of FILE (or stdin) from a MediaWiki API, without Redis, and prints\n"
    "each record as one NDJSON line on stdout, in completion order. Every other outcome\n"
    "(disambiguation, missing, invalid, failed) is one JSON line on stderr:\n"
    "{\"title\",\"outcome\",\"detail\"}. FILE has one title per line (UTF-8; CRLF, blank\n"
    "lines, surrounding blanks and a byte order mark are fine); each line is sent as it is,\n"
    "and the wiki says which are not valid titles.\n"
    "\n";

static const char usage_exit[] =
    "\nExit status: 0 every title got an outcome; 1 usage, read or write error.\n";

static void print_usage(FILE *out)
{
    fputs(usage_head, out);
    config_print_options(out, CONFIG_FETCH);
    fputs(usage_exit, out);
}

struct fetch_state {
    int write_failed;
};

static int print_result(void *ctx, const struct crawl_result *res)
{
    struct fetch_state *st = ctx;
    FILE *out = res->outcome == WC_OUTCOME_OK ? stdout : stderr;
    if (fwrite(res->payload, 1, res->payload_len, out) != res->payload_len ||
        putc('\n', out) == EOF) {
        st->write_failed = 1;
        return 1;
    }
    return 0;
}

/* The title of one line: blanks and the line end (LF or CRLF) trimmed; "" for a blank line. */
static char *trim_line(char *line)
{
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ' ||
                       line[len - 1] == '\t'))
        line[--len] = '\0';
    while (*line == ' ' || *line == '\t')
        line++;
    return line;
}

static void free_titles(char **titles, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(titles[i]);
}

/* Read up to FETCH_BATCH_TITLES titles into titles[]. Returns how many, or -1 after printing why
 * not. Every line is passed on as it is (trimmed): what is a valid title is the wiki's to say, as
 * it was for the notebook ("Page#Section" is the page, for one). */
static long read_batch(FILE *in, char **titles, char **line, size_t *line_cap, int *first_line)
{
    size_t n = 0;
    while (n < FETCH_BATCH_TITLES) {
        if (getline(line, line_cap, in) < 0) {
            if (ferror(in)) {
                perror("wikicrawl fetch: reading titles");
                free_titles(titles, n);
                return -1;
            }
            break;
        }
        char *title = *line;
        /* A UTF-8 byte order mark, as some editors write one. */
        if (*first_line && strncmp(title, "\xEF\xBB\xBF", 3) == 0)
            title += 3;
        *first_line = 0;
        title = trim_line(title);
        if (*title == '\0')
            continue;
        titles[n] = strdup(title);
        if (titles[n] == NULL) {
            fprintf(stderr, "wikicrawl fetch: out of memory\n");
            free_titles(titles, n);
            return -1;
        }
        n++;
    }
    return (long)n;
}

int cmd_fetch(int argc, char **argv)
{
    struct wc_config cfg;
    struct wc_error err = {0};
    int rc = config_parse(&cfg, CONFIG_FETCH, argc, argv, &err);
    if (rc == CONFIG_HELP) {
        print_usage(stdout);
        return 0;
    }
    if (rc != 0) {
        if (err.message[0] != '\0')
            fprintf(stderr, "wikicrawl fetch: %s\n", err.message);
        print_usage(stderr);
        return 1;
    }
    if (cfg.wiki[0] == '\0' || cfg.user_agent[0] == '\0') {
        fprintf(stderr, "wikicrawl fetch: --wiki and --user-agent must not be empty\n");
        return 1;
    }
    struct crawl_options opts = {
        .api_url = cfg.wiki,
        .user_agent = cfg.user_agent,
        .concurrency = cfg.concurrency,
        .max_attempts = cfg.max_attempts,
        .connect_timeout_ms = cfg.connect_timeout_ms,
        .timeout_ms = cfg.timeout_ms,
        .retry_base_ms = cfg.retry_base_ms,
        .retry_max_ms = cfg.retry_max_ms,
        .maxlag = cfg.maxlag,
    };
    int code = 1;
    FILE *in = stdin;
    struct crawler *crawler = NULL;
    char **titles = NULL;
    char *line = NULL;
    size_t line_cap = 0;
    struct fetch_state st = {0};
    int curl_ready = 0;

    /* FILE, the one operand config_parse() lets through for fetch, comes after the options. */
    const char *path = optind < argc ? argv[optind] : "-";
    if (strcmp(path, "-") != 0) {
        in = fopen(path, "rb");
        if (in == NULL) {
            fprintf(stderr, "wikicrawl fetch: %s: %s\n", path, strerror(errno));
            goto out;
        }
    }
    titles = malloc(FETCH_BATCH_TITLES * sizeof *titles);
    if (titles == NULL) {
        fprintf(stderr, "wikicrawl fetch: out of memory\n");
        goto out;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "wikicrawl fetch: libcurl could not be initialised\n");
        goto out;
    }
    curl_ready = 1;
    crawler = crawl_new(&opts, &err);
    if (crawler == NULL) {
        fprintf(stderr, "wikicrawl fetch: %s\n", err.message);
        goto out;
    }

    struct crawl_callbacks cb = {.on_result = print_result, .ctx = &st};
    int first_line = 1;
    for (;;) {
        long n = read_batch(in, titles, &line, &line_cap, &first_line);
        if (n < 0)
            goto out;
        if (n == 0)
            break;
        rc = crawl_run(crawler, (const char *const *)titles, (size_t)n, &cb, &err);
        free_titles(titles, (size_t)n);
        if (rc != 0) {
            if (st.write_failed)
                perror("wikicrawl fetch: writing results");
            else
                fprintf(stderr, "wikicrawl fetch: %s\n", err.message);
            goto out;
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("wikicrawl fetch: writing results");
        goto out;
    }
    code = 0;
out:
    crawl_free(crawler);
    if (curl_ready)
        curl_global_cleanup();
    if (in && in != stdin)
        fclose(in);
    free(titles);
    free(line);
    return code;
}
