/* mwparse.h - one MediaWiki action=parse answer to a crawl record and an outcome */
#ifndef WC_MWPARSE_H
#define WC_MWPARSE_H

#include <stddef.h>

#include "html_text.h"
#include "record.h"
#include "wc_error.h"

/* What became of one title. Every title of a job ends in exactly one of the first five; RETRYABLE
 * is a verdict on one answer, which the crawler turns into another attempt or, at the last one,
 * into FAILED. */
enum wc_outcome {
    WC_OUTCOME_OK = 0,         /* a record */
    WC_OUTCOME_DISAMBIGUATION, /* a disambiguation page: dropped from the results, as before */
    WC_OUTCOME_MISSING,        /* the page does not exist (missingtitle) */
    WC_OUTCOME_INVALID,        /* not a title MediaWiki can hold (invalidtitle and friends) */
    WC_OUTCOME_FAILED,         /* anything else; code and detail say what */
    WC_OUTCOME_RETRYABLE, /* maxlag, ratelimited, readonly, internal errors, 429/5xx, bad body */
};

#define WC_OUTCOME_COUNT 6

/* The verdict on one answer. code is the API's error code ("missingtitle", "maxlag") or ours
 * ("http_503", "truncated", "bad_json", "bad_answer"); detail is the API's info or our sentence.
 * Both are empty for OK. */
struct mw_result {
    enum wc_outcome outcome;
    char code[64];
    char detail[400];
};

/* Prototypes */

/* Classify the body of an action=parse&format=json&redirects=1 answer (formatversion 1 or 2) and,
 * for OK, build the record.
 *
 *   x           an html_text extractor (reused across calls for speed)
 *   http_status the HTTP status (429 and 5xx are RETRYABLE whatever the body says; other non-2xx
 *               statuses are FAILED unless the body is an API error)
 *   title       the title as submitted: it becomes page_title
 *   out         set to a new record for OK (caller frees with wc_record_free()), NULL otherwise
 *
 * Returns 0 whenever the answer was classified (in res), including every failure of the wiki;
 * a negative code (WC_ENOMEM) only when the classification itself could not be done. */
int mwparse_answer(struct html_text *x, const char *body, size_t len, long http_status,
                   const char *title, struct wc_record **out, struct mw_result *res,
                   struct wc_error *err);

/* The same verdict and record by the original path: jansson's json_loadb() of the whole answer,
 * then field access. mwparse_answer() scans the answer in one pass instead (lib/answer_scan) and
 * takes this path itself for the answers the scanner does not vouch for (every body jansson
 * rejects, so that the verdict quotes jansson's message, and a few rare valid ones). Public for
 * the differential tests (tests/unit/test_answer_scan.c, tests/fuzz/fuzz_answer_scan.c) and the
 * benchmark; same contract as mwparse_answer(). */
int mwparse_answer_reference(struct html_text *x, const char *body, size_t len, long http_status,
                             const char *title, struct wc_record **out, struct mw_result *res,
                             struct wc_error *err);

/* The outcome's name as it appears in the API and in errors: "ok", "disambiguation", "missing",
 * "invalid", "failed", "retryable". */
const char *wc_outcome_name(enum wc_outcome outcome);

/* The outcome named name[0..len) (the inverse of wc_outcome_name), or -1 for an unknown name. */
int wc_outcome_from_name(const char *name, size_t len);

/* The outcome for an API error code alone (used for answers and for tests). */
enum wc_outcome mwparse_classify_code(const char *code);

#endif
