/* record.h - one crawl result: the record of the notebook's Spark schema */
#ifndef WC_RECORD_H
#define WC_RECORD_H

#include <stddef.h>

#include <jansson.h>

/* A list of borrowed strings. items is owned by the struct; the strings are not. */
/* The longest wikibase_item kept ("Q" and a number: Q123456789012 is far beyond Wikidata). */
#define RECORD_WIKIDATA_ID_MAX 31

struct wc_strv {
    const char **items;
    size_t n;
};

/* The record. Field names and order are the contract with the Spark schema:
 *   page_id string, page_title string, page_text string, category array<string>,
 *   links array<string>, external_links array<string>, sections array<string>,
 *   redirects_page string or null.
 *
 * Ownership: the record owns page_id, page_title, page_text and the items arrays; every other
 * string borrows either from `answer` (the parsed MediaWiki answer, one reference held; built by
 * the jansson path) or from `strings` (one block holding them all, NUL-terminated; built from
 * lib/answer_scan). Either may be NULL. wc_record_free() releases all of it. */
struct wc_record {
    char *page_id;
    char *page_title;
    char *page_text;
    size_t page_text_len;
    struct wc_strv category;
    struct wc_strv links;
    struct wc_strv external_links;
    struct wc_strv sections;
    const char *redirects_page; /* NULL when the submitted title was not a redirect */
    /* Provenance, not part of the 8 fields (record_json leaves them out; lib/provenance.h adds
     * them to the records of jobs that ask): the answer's parse.revid (0: none) and its
     * properties.wikibase_item ("" when absent, or longer than a Wikidata id can be). */
    long long revision_id;
    char wikidata_id[RECORD_WIKIDATA_ID_MAX + 1];
    json_t *answer;
    char *strings;
};

/* Prototypes */

/* Free the record and everything it owns; NULL is fine. */
void wc_record_free(struct wc_record *r);

#endif
