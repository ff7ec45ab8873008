/* main.c - the wikicrawl command: a table of subcommands, their dispatch and the usage text */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "client/commands.h"
#include "common/config.h"
#include "exporter/exporter.h"
#include "serve/supervisor.h"
#include "server/api.h"
#include "tools/cmd_fetch.h"
#include "tools/cmd_parse.h"

/* A subcommand: argv[0] of run is its name. help is its line in the usage; a '\n' in it starts
 * a continuation line. */
struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
};

/* A heading of the usage and the commands listed under it. */
struct command_group {
    const char *heading;
    const struct command *commands;
    size_t n_commands;
};

static volatile sig_atomic_t api_stop_requested;

static void on_api_signal(int sig)
{
    (void)sig;
    api_stop_requested = 1;
}

static int run_service(enum config_role role, int argc, char **argv)
{
    struct wc_config cfg;
    int rc = config_load(&cfg, role, argc, argv);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (role == CONFIG_SERVE)
        return supervisor_run(&cfg, 1, 1);
    if (role == CONFIG_WORKER)
        return supervisor_run(&cfg, 0, 1);
    supervisor_name_process(role == CONFIG_EXPORTER ? "wc-exporter" : "wc-api", cfg.log_level);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_api_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (role == CONFIG_EXPORTER)
        return exporter_run(&cfg, &api_stop_requested);
    return api_run(&cfg, &api_stop_requested) == 0 ? 0 : 1;
}

static int cmd_exporter(int argc, char **argv)
{
    return run_service(CONFIG_EXPORTER, argc, argv);
}

static int cmd_serve(int argc, char **argv)
{
    return run_service(CONFIG_SERVE, argc, argv);
}

static int cmd_api(int argc, char **argv)
{
    return run_service(CONFIG_API, argc, argv);
}

static int cmd_worker(int argc, char **argv)
{
    return run_service(CONFIG_WORKER, argc, argv);
}

static int cmd_config(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    config_print_markdown(stdout);
    return 0;
}

static const struct command service_commands[] = {
    {"serve", cmd_serve,
     "front end + worker pool in one supervised process tree (embedded Redis\n"
     "when no --redis is given)"},
    {"api", cmd_api, "the HTTP front end only"},
    {"worker", cmd_worker, "the worker pool only (more machines on the same Redis)"},
    {"exporter", cmd_exporter,
     "write the results of jobs that ask for an export to --export-dir or\n"
     "--s3-bucket (serve starts one when either is set)"},
};

static const struct command tool_commands[] = {
    {"parse", cmd_parse, "one MediaWiki action=parse answer to one NDJSON record"},
    {"fetch", cmd_fetch, "crawl titles straight from a wiki, without Redis"},
    {"config", cmd_config, "print the settings table (Markdown)"},
};

static const struct command client_commands[] = {
    {"submit", cmd_submit, "upload titles as a job; --wait follows it and writes its records"},
    {"status", cmd_status, "print a job's status"},
    {"results", cmd_results, "stream a job's records (or --errors) as NDJSON"},
    {"cancel", cmd_cancel, "cancel a job"},
    {"list", cmd_list, "list your jobs, newest first (a table; JSON lines with --json)"},
    {"retry", cmd_retry, "submit the failed titles of a finished job as a new job"},
};

#define GROUP(heading, commands)                                                                   \
    {                                                                                              \
        heading, commands, sizeof commands / sizeof commands[0]                                    \
    }

static const struct command_group groups[] = {
    GROUP("Service", service_commands),
    GROUP("Tools", tool_commands),
    GROUP("Client (of a running service; --server URL or WIKICRAWL_SERVER)", client_commands),
};

#define N_GROUPS (sizeof groups / sizeof groups[0])

static void print_usage(FILE *out)
{
    fputs("usage: wikicrawl COMMAND [OPTIONS]\n", out);
    for (size_t g = 0; g < N_GROUPS; g++) {
        fprintf(out, "\n%s:\n", groups[g].heading);
        for (size_t i = 0; i < groups[g].n_commands; i++) {
            const struct command *c = &groups[g].commands[i];
            fprintf(out, "  %-9s", c->name);
            for (const char *line = c->help; line;) {
                const char *newline = strchr(line, '\n');
                int len = newline ? (int)(newline - line) : (int)strlen(line);
                fprintf(out, " %.*s\n", len, line);
                line = newline ? newline + 1 : NULL;
                if (line)
                    fprintf(out, "%11s", "");
            }
        }
    }
    fputs("\n`wikicrawl COMMAND --help` describes each command.\n", out);
}

static const struct command *find_command(const char *name)
{
    for (size_t g = 0; g < N_GROUPS; g++)
        for (size_t i = 0; i < groups[g].n_commands; i++)
            if (strcmp(groups[g].commands[i].name, name) == 0)
                return &groups[g].commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    const char *name = argv[1];
    const struct command *command = find_command(name);
    if (command)
        return command->run(argc - 1, argv + 1);
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    fprintf(stderr, "wikicrawl: unknown command '%s'\n\n", name);
    print_usage(stderr);
    return 2;
}
