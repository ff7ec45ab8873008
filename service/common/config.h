/* config.h - settings of the service processes and of fetch: flags, WIKICRAWL_* environment,
 * defaults */
#ifndef WC_CONFIG_H
#define WC_CONFIG_H

#include <stdio.h>

#include "wc_error.h"
#include "wikis.h"

/* What the workers (and `wikicrawl fetch`) send unless told otherwise: the project and where to
 * reach it, as Wikimedia's User-Agent policy asks. Operators should name their own contact. */
#define CONFIG_DEFAULT_USER_AGENT                                                                  \
    "wikicrawl/0.1 (https://github.com/wikicrawl/wikicrawl; set --user-agent to your contact)"

/* Every setting has a flag and an environment variable; the flag wins, then the variable, then
 * the default. The table in config.c is the single source: --help and the README are written from
 * it. */
struct wc_config {
    char listen[256];           /* --listen host:port (127.0.0.1:8080) */
    char redis[1024];           /* --redis URL or unix socket path; "" = embedded (serve only) */
    int workers;                /* --workers (number of CPUs) */
    char wiki[1024];            /* --wiki api.php URL */
    int chunk_size;             /* --chunk-size (50) */
    long result_ttl;            /* --result-ttl seconds (604800) */
    char user_agent[512];       /* --user-agent */
    char data_dir[1024];        /* --data-dir (./var) for the embedded Redis */
    int concurrency;            /* --concurrency per worker (8) */
    int max_attempts;           /* --max-attempts (5) */
    long timeout_ms;            /* --timeout-ms per request (60000) */
    long connect_timeout_ms;    /* --connect-timeout-ms (10000) */
    long retry_base_ms;         /* --retry-base-ms (500) */
    long retry_max_ms;          /* --retry-max-ms backoff cap (30000) */
    int maxlag;                 /* --maxlag (5) */
    int recycle_after;          /* --recycle-after chunks per worker (1000) */
    long max_body_bytes;        /* --max-body-bytes (1 GiB) */
    long max_titles;            /* --max-titles per job (10,000,000) */
    int max_title_bytes;        /* --max-title-bytes (255) */
    int max_connections;        /* --max-connections (512) */
    int connection_timeout;     /* --connection-timeout seconds (30) */
    int max_connections_per_ip; /* --max-connections-per-ip from one address (64) */
    long header_timeout_ms;     /* --header-timeout-ms for a request's headers (10000) */
    char log_level[16];         /* --log-level debug|info|warn|error, lower case (info) */
    int rate;                   /* --rate fleet-wide requests/s (50; 0 = unlimited) */
    int max_inflight;           /* --max-inflight fleet-wide requests in flight (16; 0 = no cap) */
    int total_rate;             /* --total-rate requests/s to all wikis together (0 = no cap) */
    char api_keys[1024];        /* --api-keys FILE: one key per line; "" = no access control */
    int max_jobs_per_key;       /* --max-jobs-per-key unfinished jobs per API key (0 = no limit) */
    long cache_ttl;             /* --cache-ttl seconds a cache entry is kept (604800; 0 = off) */
    int resolve_batch;          /* --resolve-batch titles per action=query request (50; 0 = off) */
    long redis_max_memory;      /* --redis-max-memory bytes, "512mb" too (0: Redis's own; serve: a
                                 * share) */
    char export_dir[1024];      /* --export-dir: enables the export sink "dir" ("" = off) */
    long export_part_size;      /* --export-part-records records per exported part (32768) */
    char s3_bucket[256];        /* --s3-bucket: enables the export sink "s3" ("" = off) */
    char s3_endpoint[1024];     /* --s3-endpoint ("" = AWS's endpoint of --s3-region) */
    char s3_region[64];         /* --s3-region (us-east-1) */
    char wikis_spec[8192];      /* --wikis: the list, or the path of a file of it ("" = --wiki) */
    /* The wikis a job may name, read from --wikis (or --wiki alone, named "default"), with their
     * budgets: never "" (config_parse() fills it). */
    struct wikis wikis;
};

/* Which command reads the settings: the flags that apply differ. */
enum config_role {
    CONFIG_SERVE,
    CONFIG_API,
    CONFIG_WORKER,
    CONFIG_FETCH,    /* `wikicrawl fetch`: the crawl settings of a worker, without Redis */
    CONFIG_EXPORTER, /* `wikicrawl exporter`: writes exporting jobs' results to their sink */
};

/* What config_parse() returns when argv asks for --help. */
#define CONFIG_HELP 1

/* Prototypes */

/* Defaults, then environment, then argv (getopt_long from argv[1]); prints nothing. Returns 0,
 * CONFIG_HELP when --help was given (the rest of cfg is then unspecified), or WC_EINVAL with err
 * saying which value is wrong. Arguments that are not options are refused, but for CONFIG_FETCH's
 * one (FILE), left at argv[optind] (optind == argc: none). err's message is empty when an option is
 * unknown or not one of role's (getopt has printed which): the usage is the answer then. */
int config_parse(struct wc_config *cfg, enum config_role role, int argc, char **argv,
                 struct wc_error *err);

/* config_parse() for a command line: prints --help on stdout, or the problem (or the usage) on
 * stderr. Returns 0, 1 when --help was printed, or -1 after a usage error. */
int config_load(struct wc_config *cfg, enum config_role role, int argc, char **argv);

/* Print role's --help: a usage line, what the command does, and config_print_options(). */
void config_print_help(FILE *out, enum config_role role);

/* Print the options of role (flag, variable, default, description) as --help text, for a
 * command that writes its own usage above them. */
void config_print_options(FILE *out, enum config_role role);

/* Print the options table as a Markdown table (used to keep the README honest). */
void config_print_markdown(FILE *out);

#endif
