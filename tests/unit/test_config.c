/* test_config.c - the settings table: defaults per role, environment and flags, what is refused */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <getopt.h>

#include "common/config.h"
#include "wc_error.h"

/* The variables these tests set; the runner's own environment must not leak in either. */
static const char *const env_used[] = {
    "WIKICRAWL_CONCURRENCY", "WIKICRAWL_MAXLAG",  "WIKICRAWL_LISTEN",
    "WIKICRAWL_REDIS",       "WIKICRAWL_WIKI",    "WIKICRAWL_RETRY_MAX_MS",
    "WIKICRAWL_CHUNK_SIZE",  "WIKICRAWL_WORKERS", "WIKICRAWL_LOG_LEVEL",
    "WIKICRAWL_WIKIS",       "WIKICRAWL_RATE",    "WIKICRAWL_MAX_INFLIGHT"};

static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof env_used / sizeof env_used[0]; i++)
        unsetenv(env_used[i]);
    return 0;
}

#define N_ARGS(argv) ((int)(sizeof argv / sizeof argv[0]))

static void wikis_come_from_the_list_a_file_or_wiki_alone(void **state)
{
    (void)state;
    struct wc_config cfg;
    struct wc_error err = {0};
    /* --wiki alone: one wiki named default, with the fleet's budget */
    char *alone[] = {"worker", "--wiki", "http://w.example/api.php", "--rate", "7"};
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(alone), alone, &err), 0);
    assert_int_equal(cfg.wikis.n, 1);
    assert_string_equal(cfg.wikis.wiki[0].name, "default");
    assert_string_equal(cfg.wikis.wiki[0].api_url, "http://w.example/api.php");
    assert_int_equal(cfg.wikis.wiki[0].rate, 7);
    assert_int_equal(cfg.wikis.wiki[0].inflight, 16);
    /* the list, from the environment; an entry's own budget wins over the flags' */
    setenv("WIKICRAWL_WIKIS", "en=https://en.example/api.php,de=https://de.example/api.php;rate=3",
           1);
    char *served[] = {"api", "--max-inflight", "4"}; /* the api shows them: GET /v1/wikis */
    assert_int_equal(config_parse(&cfg, CONFIG_API, N_ARGS(served), served, &err), 0);
    assert_int_equal(cfg.wikis.n, 2);
    assert_string_equal(cfg.wikis.wiki[1].name, "de");
    assert_int_equal(cfg.wikis.wiki[1].rate, 3);
    assert_int_equal(cfg.wikis.wiki[1].inflight, 4);
    unsetenv("WIKICRAWL_WIKIS");
    /* a file of them */
    char path[] = "/tmp/wc-test-wikis-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("# corpus "
          "wikis\nja=https://ja.example/api.php;inflight=2\n\nfr=https://fr.example/api.php\n",
          f);
    fclose(f);
    char *from_file[] = {"worker", "--wikis", path};
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(from_file), from_file, &err), 0);
    assert_int_equal(cfg.wikis.n, 2);
    assert_string_equal(cfg.wikis.wiki[0].name, "ja");
    assert_int_equal(cfg.wikis.wiki[0].inflight, 2);
    unlink(path);
    /* a file that is not there, and a bad list: refused with the reason */
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(from_file), from_file, &err),
                     WC_EINVAL);
    assert_non_null(strstr(err.message, "--wikis: cannot read"));
    char *bad[] = {"worker", "--wikis", "EN=https://x/api.php"};
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(bad), bad, &err), WC_EINVAL);
    assert_non_null(strstr(err.message, "--wikis: "));
}

static void defaults_depend_on_the_role(void **state)
{
    (void)state;
    struct wc_config cfg;
    struct wc_error err = {0};
    char *api[] = {"api"};
    assert_int_equal(config_parse(&cfg, CONFIG_API, N_ARGS(api), api, &err), 0);
    assert_string_equal(cfg.listen, "127.0.0.1:8080");
    assert_int_equal(cfg.chunk_size, 50);
    assert_string_equal(cfg.redis, "redis://127.0.0.1:6379/0");

    char *serve[] = {"serve"};
    assert_int_equal(config_parse(&cfg, CONFIG_SERVE, N_ARGS(serve), serve, &err), 0);
    assert_string_equal(cfg.redis, ""); /* serve starts its own Redis */
    assert_true(cfg.workers >= 1);      /* 0 means one per CPU */

    char *fetch[] = {"fetch"};
    assert_int_equal(config_parse(&cfg, CONFIG_FETCH, N_ARGS(fetch), fetch, &err), 0);
    assert_string_equal(cfg.wiki, "https://en.wikipedia.org/w/api.php");
    assert_string_equal(cfg.user_agent, CONFIG_DEFAULT_USER_AGENT);
    assert_int_equal(cfg.concurrency, 8);
    assert_int_equal(cfg.max_attempts, 5);
    assert_int_equal(cfg.timeout_ms, 60000);
    assert_int_equal(cfg.connect_timeout_ms, 10000);
    assert_int_equal(cfg.retry_base_ms, 500);
    assert_int_equal(cfg.retry_max_ms, 30000);
    assert_int_equal(cfg.maxlag, 5);
}

static void the_flag_wins_over_the_environment(void **state)
{
    (void)state;
    struct wc_config cfg;
    struct wc_error err = {0};
    setenv("WIKICRAWL_CONCURRENCY", "12", 1);
    char *plain[] = {"worker"};
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(plain), plain, &err), 0);
    assert_int_equal(cfg.concurrency, 12);
    char *flagged[] = {"worker", "--concurrency", "3"};
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(flagged), flagged, &err), 0);
    assert_int_equal(cfg.concurrency, 3);
    char *equals[] = {"fetch", "--concurrency=4"};
    assert_int_equal(config_parse(&cfg, CONFIG_FETCH, N_ARGS(equals), equals, &err), 0);
    assert_int_equal(cfg.concurrency, 4);
}

static void numbers_out_of_range_or_malformed_are_refused(void **state)
{
    (void)state;
    struct wc_config cfg;
    struct wc_error err = {0};
    char *zero[] = {"worker", "--concurrency", "0"};
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(zero), zero, &err), WC_EINVAL);
    assert_string_equal(err.message, "--concurrency must be a whole number from 1 to 256, not '0'");
    const char *bad[] = {"257", "x", "", " 5", "+5", "5 ", "1e3", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"fetch", "--concurrency", (char *)bad[i]};
        assert_int_equal(config_parse(&cfg, CONFIG_FETCH, N_ARGS(argv), argv, &err), WC_EINVAL);
    }
    char *lag[] = {"fetch", "--maxlag", "-2"};
    assert_int_equal(config_parse(&cfg, CONFIG_FETCH, N_ARGS(lag), lag, &err), WC_EINVAL);
    char *no_lag[] = {"fetch", "--maxlag", "-1"};
    assert_int_equal(config_parse(&cfg, CONFIG_FETCH, N_ARGS(no_lag), no_lag, &err), 0);
    assert_int_equal(cfg.maxlag, -1);

    /* A malformed variable is refused too, named as the variable. */
    setenv("WIKICRAWL_MAXLAG", "soon", 1);
    char *plain[] = {"worker"};
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(plain), plain, &err), WC_EINVAL);
    assert_string_equal(err.message,
                        "WIKICRAWL_MAXLAG must be a whole number from -1 to 3600, not 'soon'");
}

/* A log level is one of four names, in any case, stored in lower case for log_setup(); anything
 * else is refused like a number out of range (issue 25: `--log-level loud` silenced the process).
 */
static void log_levels_are_four_names_in_any_case(void **state)
{
    (void)state;
    struct wc_config cfg;
    struct wc_error err = {0};
    const char *ok[][2] = {
        {"debug", "debug"}, {"INFO", "info"}, {"Warn", "warn"}, {"ERROR", "error"}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *argv[] = {"api", "--log-level", (char *)ok[i][0]};
        assert_int_equal(config_parse(&cfg, CONFIG_API, N_ARGS(argv), argv, &err), 0);
        assert_string_equal(cfg.log_level, ok[i][1]);
    }
    char *loud[] = {"worker", "--log-level", "loud"};
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(loud), loud, &err), WC_EINVAL);
    assert_string_equal(err.message,
                        "--log-level must be debug, info, warn or error (in any case), not 'loud'");
    const char *bad[] = {"", "information", "err", "debug "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"serve", "--log-level", (char *)bad[i]};
        assert_int_equal(config_parse(&cfg, CONFIG_SERVE, N_ARGS(argv), argv, &err), WC_EINVAL);
    }
    setenv("WIKICRAWL_LOG_LEVEL", "verbose", 1);
    char *plain[] = {"api"};
    assert_int_equal(config_parse(&cfg, CONFIG_API, N_ARGS(plain), plain, &err), WC_EINVAL);
    assert_string_equal(err.message, "WIKICRAWL_LOG_LEVEL must be debug, info, warn or error (in "
                                     "any case), not 'verbose'");
}

static void unknown_flags_and_flags_of_other_roles_are_refused(void **state)
{
    (void)state;
    struct wc_config cfg;
    struct wc_error err = {0};
    char *unknown[] = {"api", "--nope"};
    assert_int_equal(config_parse(&cfg, CONFIG_API, N_ARGS(unknown), unknown, &err), WC_EINVAL);
    assert_string_equal(err.message, ""); /* getopt has said which; the usage is the answer */
    char *listen[] = {"worker", "--listen", "127.0.0.1:1"};
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(listen), listen, &err), WC_EINVAL);
    char *rate[] = {"fetch", "--rate", "5"}; /* the fleet's limiter, which fetch has not */
    assert_int_equal(config_parse(&cfg, CONFIG_FETCH, N_ARGS(rate), rate, &err), WC_EINVAL);
    char *cap[] = {"api", "--retry-max-ms",
                   "50"}; /* the workers' and fetch's, not the front end's */
    assert_int_equal(config_parse(&cfg, CONFIG_API, N_ARGS(cap), cap, &err), WC_EINVAL);
}

static void operands_are_refused_but_fetch_file(void **state)
{
    (void)state;
    struct wc_config cfg;
    struct wc_error err = {0};
    char *api[] = {"api", "extra"};
    assert_int_equal(config_parse(&cfg, CONFIG_API, N_ARGS(api), api, &err), WC_EINVAL);
    assert_string_equal(err.message, "unexpected argument 'extra'");
    char *one[] = {"fetch", "titles.txt", "--maxlag", "3"};
    assert_int_equal(config_parse(&cfg, CONFIG_FETCH, N_ARGS(one), one, &err), 0);
    assert_int_equal(cfg.maxlag, 3);
    assert_int_equal(optind, N_ARGS(one) - 1);
    assert_string_equal(one[optind], "titles.txt");
    char *two[] = {"fetch", "a", "b"};
    assert_int_equal(config_parse(&cfg, CONFIG_FETCH, N_ARGS(two), two, &err), WC_EINVAL);
    assert_string_equal(err.message, "unexpected argument 'b'");
}

static void strings_too_long_are_refused(void **state)
{
    (void)state;
    struct wc_config cfg;
    struct wc_error err = {0};
    char longest[sizeof cfg.listen], too_long[sizeof cfg.listen + 1];
    memset(longest, 'a', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    memset(too_long, 'a', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    char *fits[] = {"api", "--listen", longest};
    assert_int_equal(config_parse(&cfg, CONFIG_API, N_ARGS(fits), fits, &err), 0);
    assert_string_equal(cfg.listen, longest);
    char *over[] = {"api", "--listen", too_long};
    assert_int_equal(config_parse(&cfg, CONFIG_API, N_ARGS(over), over, &err), WC_EINVAL);
    assert_string_equal(err.message, "--listen is too long (at most 255 bytes)");
}

/* What config_print_help(role) writes, in a buffer the caller frees. */
static char *help_text(enum config_role role)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    config_print_help(out, role);
    fclose(out);
    return text;
}

static void help_is_asked_for_and_lists_the_roles_options(void **state)
{
    (void)state;
    struct wc_config cfg;
    struct wc_error err = {0};
    char *help[] = {"worker", "--concurrency", "3", "--help"};
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(help), help, &err), CONFIG_HELP);
    char *h[] = {"fetch", "-h"};
    assert_int_equal(config_parse(&cfg, CONFIG_FETCH, N_ARGS(h), h, &err), CONFIG_HELP);

    char *worker = help_text(CONFIG_WORKER);
    assert_non_null(strstr(worker, "usage: wikicrawl worker [OPTIONS]"));
    assert_non_null(strstr(worker, "--concurrency"));
    assert_non_null(strstr(worker, "WIKICRAWL_CONCURRENCY (default: 8)"));
    assert_null(strstr(worker, "--listen"));
    free(worker);
    char *fetch = help_text(CONFIG_FETCH);
    assert_non_null(strstr(fetch, "--retry-max-ms"));
    assert_non_null(strstr(fetch, "--wiki"));
    assert_null(strstr(fetch, "--rate"));
    assert_null(strstr(fetch, "--redis"));
    free(fetch);
}

static void sizes_take_redis_units(void **state)
{
    (void)state;
    struct wc_config cfg;
    struct wc_error err = {0};
    char *mb[] = {"worker", "--redis-max-memory", "512mb"};
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(mb), mb, &err), 0);
    assert_int_equal(cfg.redis_max_memory, 512L << 20);
    char *bytes[] = {"api", "--redis-max-memory", "1000000"};
    assert_int_equal(config_parse(&cfg, CONFIG_API, N_ARGS(bytes), bytes, &err), 0);
    assert_int_equal(cfg.redis_max_memory, 1000000);
    char *bad[] = {"worker", "--redis-max-memory", "1tb"};
    assert_int_equal(config_parse(&cfg, CONFIG_WORKER, N_ARGS(bad), bad, &err), WC_EINVAL);
    assert_non_null(strstr(err.message, "--redis-max-memory must be a size"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(sizes_take_redis_units, clear_env),
        cmocka_unit_test_setup(defaults_depend_on_the_role, clear_env),
        cmocka_unit_test_setup(wikis_come_from_the_list_a_file_or_wiki_alone, clear_env),
        cmocka_unit_test_setup(the_flag_wins_over_the_environment, clear_env),
        cmocka_unit_test_setup(numbers_out_of_range_or_malformed_are_refused, clear_env),
        cmocka_unit_test_setup(log_levels_are_four_names_in_any_case, clear_env),
        cmocka_unit_test_setup(unknown_flags_and_flags_of_other_roles_are_refused, clear_env),
        cmocka_unit_test_setup(operands_are_refused_but_fetch_file, clear_env),
        cmocka_unit_test_setup(strings_too_long_are_refused, clear_env),
        cmocka_unit_test_setup(help_is_asked_for_and_lists_the_roles_options, clear_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
