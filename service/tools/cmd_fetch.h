/* cmd_fetch.h - `wikicrawl fetch`: crawl a list of titles straight from a wiki, without Redis */
#ifndef WC_CMD_FETCH_H
#define WC_CMD_FETCH_H

/* Reads one title per line from FILE or stdin, fetches them through crawl.h and prints each `ok`
 * record as one NDJSON line on stdout, every other outcome as one JSON line
 * {"title","outcome","detail"} on stderr, in completion order. Exit codes: 0 every title got an
 * outcome (failed ones included); 1 usage, read or write error. */
int cmd_fetch(int argc, char **argv);

#endif
