/* main.c - the wikicrawl command: subcommand dispatch */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "server/api.h"
#include "client/commands.h"
#include "tools/cmd_fetch.h"
#include "tools/cmd_parse.h"
#include "common/config.h"
#include "serve/supervisor.h"

static const char usage[] =
    "usage: wikicrawl COMMAND [OPTIONS]\n"
    "\n"
    "Service:\n"
    "  serve     front end + worker pool in one supervised process tree (embedded Redis\n"
    "            when no --redis is given)\n"
    "  api       the HTTP front end only\n"
    "  worker    the worker pool only (more machines on the same Redis)\n"
    "\n"
    "Tools:\n"
    "  parse     one MediaWiki action=parse answer to one NDJSON record\n"
    "  fetch     crawl titles straight from a wiki, without Redis\n"
    "  config    print the settings table (Markdown)\n"
    "\n"
    "Client (of a running service; --server URL or WIKICRAWL_SERVER):\n"
    "  submit    upload titles as a job; --wait follows it and writes its records\n"
    "  status    print a job's status\n"
    "  results   stream a job's records (or --errors) as NDJSON\n"
    "  cancel    cancel a job\n"
    "\n"
    "`wikicrawl COMMAND --help` describes each command.\n";

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
    supervisor_name_process("wc-api", cfg.log_level);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_api_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return api_run(&cfg, &api_stop_requested) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "serve") == 0)
        return run_service(CONFIG_SERVE, argc - 1, argv + 1);
    if (strcmp(command, "api") == 0)
        return run_service(CONFIG_API, argc - 1, argv + 1);
    if (strcmp(command, "worker") == 0)
        return run_service(CONFIG_WORKER, argc - 1, argv + 1);
    if (strcmp(command, "parse") == 0)
        return cmd_parse(argc - 1, argv + 1);
    if (strcmp(command, "fetch") == 0)
        return cmd_fetch(argc - 1, argv + 1);
    if (strcmp(command, "submit") == 0)
        return cmd_submit(argc - 1, argv + 1);
    if (strcmp(command, "status") == 0)
        return cmd_status(argc - 1, argv + 1);
    if (strcmp(command, "results") == 0)
        return cmd_results(argc - 1, argv + 1);
    if (strcmp(command, "cancel") == 0)
        return cmd_cancel(argc - 1, argv + 1);
    if (strcmp(command, "config") == 0) {
        config_print_markdown(stdout);
        return 0;
    }
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    fprintf(stderr, "wikicrawl: unknown command '%s'\n\n%s", command, usage);
    return 2;
}
