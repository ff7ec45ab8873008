/* config.c - settings of the service processes: flags, WIKICRAWL_* environment, defaults */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "num.h"

enum option_type { OPT_STRING, OPT_INT, OPT_LONG, OPT_BYTES /* a long, in Redis's units too */ };

/* Roles a setting applies to. */
#define FOR_API 1
#define FOR_WORKER 2
#define FOR_SERVE 4
#define FOR_FETCH 8
#define FOR_EXPORTER 16
/* the service's processes, not fetch */
#define FOR_ALL (FOR_API | FOR_WORKER | FOR_SERVE | FOR_EXPORTER)

struct option_spec {
    const char *flag;
    const char *env;
    enum option_type type;
    size_t offset;
    size_t size; /* for strings */
    const char *fallback;
    long min, max;
    int roles;
    const char *help;
};

#define STR(field)                                                                                 \
    OPT_STRING, offsetof(struct wc_config, field), sizeof(((struct wc_config *)0)->field)
#define INT(field) OPT_INT, offsetof(struct wc_config, field), 0
#define LONG(field) OPT_LONG, offsetof(struct wc_config, field), 0
#define BYTES(field) OPT_BYTES, offsetof(struct wc_config, field), 0

static const struct option_spec specs[] = {
    {"listen", "WIKICRAWL_LISTEN", STR(listen), "127.0.0.1:8080", 0, 0, FOR_API | FOR_SERVE,
     "HTTP address to listen on, host:port"},
    {"redis", "WIKICRAWL_REDIS", STR(redis), "", 0, 0, FOR_ALL,
     "redis://[:password@]host:port/db or a unix socket path; empty: serve starts its own "
     "redis-server in --data-dir (api and worker then use redis://127.0.0.1:6379/0)"},
    {"workers", "WIKICRAWL_WORKERS", INT(workers), "0", 0, 1024, FOR_WORKER | FOR_SERVE,
     "worker processes; 0 means one per CPU"},
    {"wiki", "WIKICRAWL_WIKI", STR(wiki), "https://en.wikipedia.org/w/api.php", 0, 0,
     FOR_API | FOR_WORKER | FOR_SERVE | FOR_FETCH,
     "MediaWiki api.php URL (server configuration only): the one wiki, named default, when "
     "--wikis is not set"},
    {"wikis", "WIKICRAWL_WIKIS", STR(wikis_spec), "", 0, 0, FOR_API | FOR_WORKER | FOR_SERVE,
     "wikis jobs may name: NAME=API_URL[;rate=N;inflight=N] entries separated by commas, or the "
     "path of a file of them, one per line (# comments); the first is the default; rate and "
     "inflight default to --rate and --max-inflight; empty: --wiki alone"},
    {"chunk-size", "WIKICRAWL_CHUNK_SIZE", INT(chunk_size), "50", 1, 1000, FOR_API | FOR_SERVE,
     "default titles per chunk (a job may ask for 1..1000)"},
    {"result-ttl", "WIKICRAWL_RESULT_TTL", LONG(result_ttl), "604800", 60, 315360000, FOR_ALL,
     "seconds a finished job and its results are kept: the value of the front end the job was "
     "submitted to, stored with the job (a worker's applies only to jobs without one)"},
    {"user-agent", "WIKICRAWL_USER_AGENT", STR(user_agent), CONFIG_DEFAULT_USER_AGENT, 0, 0,
     FOR_WORKER | FOR_SERVE | FOR_FETCH,
     "User-Agent sent to the wiki; name a contact, as Wikimedia asks"},
    {"data-dir", "WIKICRAWL_DATA_DIR", STR(data_dir), "./var", 0, 0, FOR_SERVE,
     "directory of the embedded Redis (socket, AOF, log)"},
    {"concurrency", "WIKICRAWL_CONCURRENCY", INT(concurrency), "8", 1, 256,
     FOR_WORKER | FOR_SERVE | FOR_FETCH, "requests in flight per worker"},
    {"max-attempts", "WIKICRAWL_MAX_ATTEMPTS", INT(max_attempts), "5", 1, 100,
     FOR_WORKER | FOR_SERVE | FOR_FETCH, "requests per title before it is recorded as failed"},
    {"timeout-ms", "WIKICRAWL_TIMEOUT_MS", LONG(timeout_ms), "60000", 100, 3600000,
     FOR_WORKER | FOR_SERVE | FOR_FETCH, "whole-request timeout"},
    {"connect-timeout-ms", "WIKICRAWL_CONNECT_TIMEOUT_MS", LONG(connect_timeout_ms), "10000", 100,
     600000, FOR_WORKER | FOR_SERVE | FOR_FETCH, "connect timeout"},
    {"retry-base-ms", "WIKICRAWL_RETRY_BASE_MS", LONG(retry_base_ms), "500", 1, 600000,
     FOR_WORKER | FOR_SERVE | FOR_FETCH,
     "retry backoff base (full jitter, doubling, capped at --retry-max-ms)"},
    {"retry-max-ms", "WIKICRAWL_RETRY_MAX_MS", LONG(retry_max_ms), "30000", 1, 3600000,
     FOR_WORKER | FOR_SERVE | FOR_FETCH, "retry backoff cap"},
    {"maxlag", "WIKICRAWL_MAXLAG", INT(maxlag), "5", -1, 3600, FOR_WORKER | FOR_SERVE | FOR_FETCH,
     "maxlag sent with every request; -1 to not send it"},
    {"recycle-after", "WIKICRAWL_RECYCLE_AFTER", INT(recycle_after), "1000", 0, INT_MAX,
     FOR_WORKER | FOR_SERVE, "chunks a worker handles before it is replaced; 0 never"},
    {"rate", "WIKICRAWL_RATE", INT(rate), "50", 0, 100000, FOR_API | FOR_WORKER | FOR_SERVE,
     "requests per second to the wiki for the whole fleet (all workers sharing the Redis); 0: "
     "no limit"},
    {"total-rate", "WIKICRAWL_TOTAL_RATE", INT(total_rate), "0", 0, 100000,
     FOR_API | FOR_WORKER | FOR_SERVE,
     "requests per second to all the wikis of --wikis together, for the whole fleet (Wikimedia "
     "counts one client across its wikis), on top of each wiki's own rate; 0: no such cap"},
    {"max-inflight", "WIKICRAWL_MAX_INFLIGHT", INT(max_inflight), "16", 0, 100000,
     FOR_API | FOR_WORKER | FOR_SERVE,
     "requests in flight to the wiki for the whole fleet; 0: no cap (only --concurrency)"},
    {"cache-ttl", "WIKICRAWL_CACHE_TTL", LONG(cache_ttl), "604800", 0, 315360000,
     FOR_WORKER | FOR_SERVE,
     "seconds the cache keeps where a title's outcome is, for later jobs to reuse while the "
     "page's revision is unchanged; 0: no cache"},
    {"resolve-batch", "WIKICRAWL_RESOLVE_BATCH", INT(resolve_batch), "50", 0, 500,
     FOR_WORKER | FOR_SERVE,
     "titles resolved per action=query request before parsing (missing and unchanged pages "
     "then cost no parse); above 50 needs the apihighlimits right; 0: parse every title"},
    {"redis-max-memory", "WIKICRAWL_REDIS_MAX_MEMORY", BYTES(redis_max_memory), "0", 0, LONG_MAX,
     FOR_ALL,
     "bytes (or 512mb, 4gb) of Redis memory to respect when Redis has no maxmemory of its own "
     "(new jobs get 507 above 85%, workers stop claiming above 92%); 0: Redis's maxmemory only. "
     "serve gives its "
     "embedded Redis this maxmemory, or by default half of the machine's (or container's) memory"},
    {"export-dir", "WIKICRAWL_EXPORT_DIR", STR(export_dir), "", 0, 0,
     FOR_API | FOR_SERVE | FOR_EXPORTER,
     "directory that enables the export sink dir: jobs asking for it get their results written "
     "there as parts (docs/export.md); empty: no dir sink"},
    {"export-part-records", "WIKICRAWL_EXPORT_PART_RECORDS", LONG(export_part_size), "32768", 1,
     10000000, FOR_SERVE | FOR_EXPORTER, "records per exported part file"},
    {"s3-bucket", "WIKICRAWL_S3_BUCKET", STR(s3_bucket), "", 0, 0,
     FOR_API | FOR_SERVE | FOR_EXPORTER,
     "bucket that enables the export sink s3 (credentials from AWS_ACCESS_KEY_ID, "
     "AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN); empty: no s3 sink"},
    {"s3-endpoint", "WIKICRAWL_S3_ENDPOINT", STR(s3_endpoint), "", 0, 0, FOR_SERVE | FOR_EXPORTER,
     "S3 endpoint URL for another S3 server (addressed path style); empty: AWS, "
     "https://s3.REGION.amazonaws.com"},
    {"s3-region", "WIKICRAWL_S3_REGION", STR(s3_region), "us-east-1", 0, 0,
     FOR_SERVE | FOR_EXPORTER, "S3 region the requests are signed for"},
    {"api-keys", "WIKICRAWL_API_KEYS", STR(api_keys), "", 0, 0, FOR_API | FOR_SERVE,
     "file of API keys, one per line, \"high\" after a key lets it submit priority=high; when "
     "set every /v1 request needs Authorization: Bearer KEY (/healthz, /readyz, /metrics and "
     "/openapi.yaml stay open)"},
    {"max-jobs-per-key", "WIKICRAWL_MAX_JOBS_PER_KEY", INT(max_jobs_per_key), "0", 0, 1000000,
     FOR_API | FOR_SERVE, "unfinished jobs one API key may have (429 beyond); 0: no limit"},
    {"max-body-bytes", "WIKICRAWL_MAX_BODY_BYTES", LONG(max_body_bytes), "1073741824", 1, LONG_MAX,
     FOR_API | FOR_SERVE, "largest POST /v1/jobs body"},
    {"max-titles", "WIKICRAWL_MAX_TITLES", LONG(max_titles), "10000000", 1, LONG_MAX,
     FOR_API | FOR_SERVE, "most titles in one job"},
    {"max-title-bytes", "WIKICRAWL_MAX_TITLE_BYTES", INT(max_title_bytes), "255", 1, 4096,
     FOR_API | FOR_SERVE, "longest title accepted (MediaWiki's limit is 255)"},
    {"max-connections", "WIKICRAWL_MAX_CONNECTIONS", INT(max_connections), "512", 1, 65536,
     FOR_API | FOR_SERVE, "concurrent HTTP connections"},
    {"connection-timeout", "WIKICRAWL_CONNECTION_TIMEOUT", INT(connection_timeout), "30", 1, 3600,
     FOR_API | FOR_SERVE, "seconds an idle or stalled HTTP connection is kept"},
    {"max-connections-per-ip", "WIKICRAWL_MAX_CONNECTIONS_PER_IP", INT(max_connections_per_ip),
     "64", 1, 65536, FOR_API | FOR_SERVE,
     "concurrent HTTP connections from one client address (more are closed at once); at or "
     "above --max-connections: no per-address limit (behind a reverse proxy)"},
    {"header-timeout-ms", "WIKICRAWL_HEADER_TIMEOUT_MS", LONG(header_timeout_ms), "10000", 100,
     3600000, FOR_API | FOR_SERVE,
     "milliseconds a connection may take to send a request's headers, however slowly they "
     "trickle in (an idle keep-alive connection included); a body keeps --connection-timeout"},
    {"log-level", "WIKICRAWL_LOG_LEVEL", STR(log_level), "info", 0, 0, FOR_ALL,
     "debug, info, warn or error (in any case)"},
};

#define N_SPECS (sizeof specs / sizeof specs[0])

/* String settings that take one of a few names: matched in any case, stored as spelled here (as
 * log_setup() knows them), anything else refused like a number out of range. */
static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};
static const struct {
    const char *flag;
    const char *const *names;
} choice_specs[] = {{"log-level", log_levels}};

static const char *const *choices_of(const struct option_spec *s)
{
    for (size_t i = 0; i < sizeof choice_specs / sizeof choice_specs[0]; i++)
        if (strcmp(choice_specs[i].flag, s->flag) == 0)
            return choice_specs[i].names;
    return NULL;
}

static int role_bit(enum config_role role)
{
    switch (role) {
    case CONFIG_API:
        return FOR_API;
    case CONFIG_WORKER:
        return FOR_WORKER;
    case CONFIG_FETCH:
        return FOR_FETCH;
    case CONFIG_EXPORTER:
        return FOR_EXPORTER;
    default:
        return FOR_SERVE;
    }
}

static int set_value(struct wc_config *cfg, const struct option_spec *s, const char *value,
                     const char *source, struct wc_error *err)
{
    char *field = (char *)cfg + s->offset;
    const char *const *choices = choices_of(s);
    if (choices != NULL) {
        for (size_t i = 0; choices[i] != NULL; i++) {
            if (strcasecmp(value, choices[i]) == 0) {
                snprintf(field, s->size, "%s", choices[i]);
                return 0;
            }
        }
        return wc_error_set(err, WC_EINVAL, "%s must be %s, not '%s'", source, s->help, value);
    }
    if (s->type == OPT_STRING) {
        if (strlen(value) >= s->size)
            return wc_error_set(err, WC_EINVAL, "%s is too long (at most %zu bytes)", source,
                                s->size - 1);
        memcpy(field, value, strlen(value) + 1);
        return 0;
    }
    if (s->type == OPT_BYTES) {
        long long bytes = 0;
        if (num_parse_bytes(value, s->min, s->max, &bytes) != 0)
            return wc_error_set(err, WC_EINVAL,
                                "%s must be a size in bytes, or with a unit (kb, mb, gb; k, m, g "
                                "count in thousands), not '%s'",
                                source, value);
        *(long *)field = (long)bytes;
        return 0;
    }
    long n = 0;
    if (num_parse_long(value, s->min, s->max, &n) != 0)
        return wc_error_set(err, WC_EINVAL, "%s must be a whole number from %ld to %ld, not '%s'",
                            source, s->min, s->max, value);
    if (s->type == OPT_INT)
        *(int *)field = (int)n;
    else
        *(long *)field = n;
    return 0;
}

/* The wikis of --wikis (a list, or the path of a file of one: a list has '='), or --wiki alone,
 * named WIKI_DEFAULT_NAME, with --rate and --max-inflight as its budget. */
static int load_wikis(struct wc_config *cfg, struct wc_error *err)
{
    const char *spec = cfg->wikis_spec;
    if (spec[0] == '\0') {
        struct wiki *wk = &cfg->wikis.wiki[0];
        cfg->wikis.n = 1;
        snprintf(wk->name, sizeof wk->name, "%s", WIKI_DEFAULT_NAME);
        snprintf(wk->api_url, sizeof wk->api_url, "%s", cfg->wiki);
        wk->rate = cfg->rate;
        wk->inflight = cfg->max_inflight;
        return 0;
    }
    char file_text[sizeof cfg->wikis_spec];
    if (strchr(spec, '=') == NULL) {
        FILE *f = fopen(spec, "r");
        if (f == NULL)
            return wc_error_set(err, WC_EINVAL, "--wikis: cannot read %s: %s", spec,
                                strerror(errno));
        size_t n = fread(file_text, 1, sizeof file_text, f);
        int bad = ferror(f) || n == sizeof file_text;
        fclose(f);
        if (bad)
            return wc_error_set(err, WC_EINVAL, "--wikis: %s is unreadable or over %zu bytes", spec,
                                sizeof file_text - 1);
        file_text[n] = '\0';
        spec = file_text;
    }
    struct wc_error why = {0};
    if (wikis_parse(&cfg->wikis, spec, strlen(spec), cfg->rate, cfg->max_inflight, &why) != 0)
        return wc_error_set(err, WC_EINVAL, "--wikis: %s", why.message);
    return 0;
}

int config_parse(struct wc_config *cfg, enum config_role role, int argc, char **argv,
                 struct wc_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    struct option long_options[N_SPECS + 2];
    for (size_t i = 0; i < N_SPECS; i++) {
        int rc = set_value(cfg, &specs[i], specs[i].fallback, specs[i].flag, err);
        if (rc != 0)
            return rc;
        const char *env = getenv(specs[i].env);
        if (env) {
            rc = set_value(cfg, &specs[i], env, specs[i].env, err);
            if (rc != 0)
                return rc;
        }
        long_options[i] = (struct option){specs[i].flag, required_argument, NULL, (int)i};
    }
    long_options[N_SPECS] = (struct option){"help", no_argument, NULL, 'h'};
    long_options[N_SPECS + 1] = (struct option){NULL, 0, NULL, 0};

    optind = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", long_options, NULL)) != -1) {
        if (opt == 'h')
            return CONFIG_HELP;
        /* An unknown option (getopt has said which) or one of another role: the usage says
         * which options there are. */
        if (opt < 0 || (size_t)opt >= N_SPECS || !(specs[opt].roles & role_bit(role)))
            return wc_error_set(err, WC_EINVAL, "%s", "");
        char source[64];
        snprintf(source, sizeof source, "--%s", specs[opt].flag);
        int rc = set_value(cfg, &specs[opt], optarg, source, err);
        if (rc != 0)
            return rc;
    }
    /* fetch takes one operand (FILE); the service's processes none. */
    int max_operands = role == CONFIG_FETCH ? 1 : 0;
    if (argc - optind > max_operands)
        return wc_error_set(err, WC_EINVAL, "unexpected argument '%s'",
                            argv[optind + max_operands]);
    if (cfg->workers == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        cfg->workers = cpus > 0 ? (int)cpus : 1;
    }
    if (cfg->redis[0] == '\0' && role != CONFIG_SERVE)
        snprintf(cfg->redis, sizeof cfg->redis, "redis://127.0.0.1:6379/0");
    return load_wikis(cfg, err);
}

int config_load(struct wc_config *cfg, enum config_role role, int argc, char **argv)
{
    struct wc_error err = {0};
    int rc = config_parse(cfg, role, argc, argv, &err);
    if (rc == CONFIG_HELP) {
        config_print_help(stdout, role);
        return 1;
    }
    if (rc != 0) {
        if (err.message[0] != '\0')
            fprintf(stderr, "wikicrawl: %s\n", err.message);
        else
            config_print_help(stderr, role);
        return -1;
    }
    return 0;
}

void config_print_options(FILE *out, enum config_role role)
{
    fputs("Options (flag, environment, default):\n", out);
    for (size_t i = 0; i < N_SPECS; i++) {
        if (!(specs[i].roles & role_bit(role)))
            continue;
        fprintf(out, "  --%-20s %s (default: %s)\n  %-22s   %s\n", specs[i].flag, specs[i].env,
                specs[i].fallback[0] ? specs[i].fallback : "none", "", specs[i].help);
    }
}

void config_print_help(FILE *out, enum config_role role)
{
    static const char *const names[] = {"serve", "api", "worker", "fetch", "exporter"};
    static const char *const what[] = {
        "front end and worker pool in one supervised process tree",
        "HTTP front end only",
        "worker pool only (more machines on the same Redis)",
        "crawl titles straight from a wiki, without Redis",
        "export the results of jobs that ask for it to the configured sink",
    };
    fprintf(out, "usage: wikicrawl %s [OPTIONS]\n\n%s.\n\n", names[role], what[role]);
    config_print_options(out, role);
}

void config_print_markdown(FILE *out)
{
    fprintf(out, "| flag | environment | default | meaning |\n|---|---|---|---|\n");
    for (size_t i = 0; i < N_SPECS; i++)
        fprintf(out, "| `--%s` | `%s` | `%s` | %s |\n", specs[i].flag, specs[i].env,
                specs[i].fallback, specs[i].help);
}
