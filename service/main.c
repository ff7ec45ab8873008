/* main.c - the wikicrawl command: subcommand dispatch */
#include <stdio.h>
#include <string.h>

#include "cmd_parse.h"

static const char usage[] = "usage: wikicrawl COMMAND [OPTIONS]\n"
                            "\n"
                            "Commands:\n"
                            "  parse     one MediaWiki action=parse answer to one NDJSON record\n"
                            "\n"
                            "`wikicrawl COMMAND --help` describes each command.\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 1;
    }
    const char *command = argv[1];
    if (strcmp(command, "parse") == 0)
        return cmd_parse(argc - 1, argv + 1);
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 ||
        strcmp(command, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    fprintf(stderr, "wikicrawl: unknown command '%s'\n\n%s", command, usage);
    return 1;
}
