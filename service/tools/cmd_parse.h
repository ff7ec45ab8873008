/* cmd_parse.h - `wikicrawl parse`: one action=parse answer to one NDJSON record */
#ifndef WC_CMD_PARSE_H
#define WC_CMD_PARSE_H

/* Exit codes: 0 a record on stdout; 2 disambiguation, missing or invalid; 3 retryable; 4 failed;
 * 1 usage or I/O error. For every non-record outcome a JSON object
 * {"title","outcome","code","detail"} goes to stderr. */
int cmd_parse(int argc, char **argv);

#endif
