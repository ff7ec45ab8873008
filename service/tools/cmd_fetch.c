/* cmd_fetch.c - `wikicrawl fetch`: crawl a list of titles straight from a wiki, without Redis */
#include "cmd_fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "crawl.h"

#define DEFAULT_WIKI "https://en.wikipedia.org/w/api.php"

/* Titles are crawled this many at a time, so that a list of any length runs in bounded memory
 * while the slow tail of one batch (retries) rarely holds up the next. */
#define FETCH_BATCH_TITLES 50000

static const char usage[] =
    "usage: wikicrawl fetch [OPTIONS] [FILE|-]\n"
    "\n"
    "Fetches every title of FILE (or stdin) from a MediaWiki API, without Redis, and prints\n"
    "each record as one NDJSON line on stdout, in completion order. Every other outcome\n"
    "(disambiguation, missing, invalid, failed) is one JSON line on stderr:\n"
    "{\"title\",\"outcome\",\"detail\"}. FILE has one title per line (UTF-8; CRLF, blank\n"
    "lines, surrounding blanks and a byte order mark are fine); each line is sent as it is,\n"
    "and the wiki says which are not valid titles.\n"
    "\n"
    "  --wiki URL               api.php URL (" DEFAULT_WIKI ")\n"
    "  --user-agent UA          User-Agent; put your contact in it (Wikimedia policy)\n"
    "  --concurrency N          requests in flight (8)\n"
    "  --max-attempts N         attempts per title before it is failed (5)\n"
    "  --timeout-ms N           whole request (60000)\n"
    "  --connect-timeout-ms N   connection set-up (10000)\n"
    "  --retry-base-ms N        backoff base: retry k waits random(0, base*2^k) (500)\n"
    "  --retry-max-ms N         backoff cap (30000)\n"
    "  --maxlag N               seconds sent as maxlag=; negative: not sent (5)\n"
    "\n"
    "Exit status: 0 every title got an outcome; 1 usage, read or write error.\n";

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

/* A whole decimal number in [min, max] from a flag's argument. */
static int parse_long(const char *flag, const char *arg, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "wikicrawl fetch: --%s wants a number from %ld to %ld, not '%s'\n", flag,
                min, max, arg);
        return -1;
    }
    *out = v;
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
    static const struct option options[] = {
        {"wiki", required_argument, NULL, 'w'},
        {"user-agent", required_argument, NULL, 'u'},
        {"concurrency", required_argument, NULL, 'c'},
        {"max-attempts", required_argument, NULL, 'a'},
        {"timeout-ms", required_argument, NULL, 't'},
        {"connect-timeout-ms", required_argument, NULL, 'C'},
        {"retry-base-ms", required_argument, NULL, 'b'},
        {"retry-max-ms", required_argument, NULL, 'm'},
        {"maxlag", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct crawl_options opts = {
        .api_url = DEFAULT_WIKI,
        .user_agent = CONFIG_DEFAULT_USER_AGENT,
        .concurrency = 8,
        .max_attempts = 5,
        .connect_timeout_ms = 10000,
        .timeout_ms = 60000,
        .retry_base_ms = 500,
        .retry_max_ms = 30000,
        .maxlag = 5,
    };
    long v = 0;
    int opt, bad = 0;
    optind = 1;
    while (!bad && (opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case 'w':
            opts.api_url = optarg;
            break;
        case 'u':
            opts.user_agent = optarg;
            break;
        case 'c':
            bad = parse_long("concurrency", optarg, 1, 1024, &v);
            opts.concurrency = (int)v;
            break;
        case 'a':
            bad = parse_long("max-attempts", optarg, 1, 100, &v);
            opts.max_attempts = (int)v;
            break;
        case 't':
            bad = parse_long("timeout-ms", optarg, 1, LONG_MAX, &opts.timeout_ms);
            break;
        case 'C':
            bad = parse_long("connect-timeout-ms", optarg, 1, LONG_MAX, &opts.connect_timeout_ms);
            break;
        case 'b':
            bad = parse_long("retry-base-ms", optarg, 1, 3600000, &opts.retry_base_ms);
            break;
        case 'm':
            bad = parse_long("retry-max-ms", optarg, 1, 3600000, &opts.retry_max_ms);
            break;
        case 'l':
            bad = parse_long("maxlag", optarg, INT_MIN, INT_MAX, &v);
            opts.maxlag = (int)v;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        default:
            bad = 1;
            break;
        }
    }
    if (bad || argc - optind > 1) {
        fputs(usage, stderr);
        return 1;
    }
    if (opts.api_url[0] == '\0' || opts.user_agent[0] == '\0') {
        fprintf(stderr, "wikicrawl fetch: --wiki and --user-agent must not be empty\n");
        return 1;
    }

    int code = 1;
    FILE *in = stdin;
    struct crawler *crawler = NULL;
    char **titles = NULL;
    char *line = NULL;
    size_t line_cap = 0;
    struct fetch_state st = {0};
    struct wc_error err = {0};
    int curl_ready = 0;

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
        int rc = crawl_run(crawler, (const char *const *)titles, (size_t)n, &cb, &err);
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
