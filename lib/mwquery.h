/* mwquery.h - batched title resolution: one action=query request for many titles, and its answer
 * turned into one resolution per submitted title */
#ifndef WC_MWQUERY_H
#define WC_MWQUERY_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "mwparse.h"
#include "wc_error.h"

/* MediaWiki's limit on the values of a multi-value parameter such as titles= (ApiBase
 * ::LIMIT_SML1), and the limit for clients with the apihighlimits right (LIMIT_SML2). */
#define MWQUERY_BATCH_DEFAULT 50
#define MWQUERY_BATCH_HIGH 500

/* The request is
 *   action=query&format=json&formatversion=2&redirects=1&prop=info%7Cpageprops
 *   &ppprop=disambiguation[&maxlag=N]&titles=<t1>%7C<t2>...
 * each title percent-encoded as curl_easy_escape() does it (what lib/crawl.c sends for page=), '|'
 * written %7C as in crawl.c's fixed query. ppprop limits pageprops to the one property we read
 * (a Wikipedia page has several). Sent as a GET query string or, when long (50 titles of 255
 * bytes of UTF-8 encode to ~38 KB, beyond some front ends' URL limit), as a POST body with
 * Content-Type application/x-www-form-urlencoded: MediaWiki reads both alike. */
struct mwquery_request_options {
    int maxlag;        /* seconds sent as maxlag=, as crawl_options.maxlag; negative: not sent */
    int apihighlimits; /* non-zero: up to MWQUERY_BATCH_HIGH titles, else MWQUERY_BATCH_DEFAULT */
};

/* What the answer says about one submitted title. */
enum mwquery_status {
    /* The answer does not settle this title (omitted, a spelling the answer does not map back,
     * a redirect loop, a known-but-missing page, an incomplete answer, ...): parse it with
     * action=parse as before. Never a guess: everything below is what action=parse would say. */
    MWQUERY_UNRESOLVED = 0,
    MWQUERY_EXISTS,  /* a page: final_title, pageid, lastrevid, touched, disambiguation */
    MWQUERY_MISSING, /* action=parse would answer missingtitle */
    MWQUERY_INVALID, /* action=parse would answer invalidtitle or pagecannotexist */
};

/* The resolution of one submitted title. The strings are borrowed from the batch (or, for
 * submitted, from the caller's array) and valid until mwquery_batch_free(). */
struct mwquery_resolution {
    enum mwquery_status status;
    const char *submitted; /* the title as submitted (the caller's pointer) */
    /* The page the title ends at after normalization, variant conversion and redirects, as the
     * wiki spells it; NULL for UNRESOLVED and for an invalid title the wiki could not read. */
    const char *final_title;
    /* The first hop of the redirect chain: what action=parse puts in redirects[0].to, which
     * becomes the record's redirects_page. NULL when the title is not a redirect. For a double
     * redirect this is the middle page, not final_title. */
    const char *redirect_to;
    int redirect_hops; /* 0 when not a redirect */
    /* EXISTS only (0 / NULL otherwise). */
    long long pageid;
    long long lastrevid;
    const char *touched; /* ISO 8601, e.g. "2024-05-01T12:00:00Z"; moves with template edits */
    /* pageprops.disambiguation (the Disambiguator extension). A wiki without the extension marks
     * its disambiguation pages only by category, which action=query does not report here: 0 is
     * therefore not a proof that action=parse will not classify the page as disambiguation. */
    int disambiguation;
    /* MISSING and INVALID: the verdict action=parse gives for the title (outcome, the API's
     * error code and its info), so that an error line made from it reads as today's:
     *   missingtitle    "The page you specified doesn't exist."
     *   invalidtitle    "Bad title \"<title>\"."   (the title MediaWiki failed on)
     *   pagecannotexist "Namespace doesn't allow actual pages."  (Special:, Media:)
     * Zero (WC_OUTCOME_OK, empty code and detail) for the other statuses. */
    struct mw_result verdict;
    /* INVALID from MediaWiki's title parser: its reason, more precise than parse's "Bad title"
     * ("The requested page title contains invalid characters: \"[\"."); NULL otherwise. */
    const char *invalidreason;
};

/* One parsed answer. Holds the JSON tree the strings point into. */
struct mwquery_batch {
    size_t n;
    struct mwquery_resolution *items; /* n entries, in the order of the submitted titles */
    size_t n_resolved;                /* entries whose status is not UNRESOLVED */
    json_t *root;
};

#define MWQUERY_BATCH_INIT                                                                         \
    {                                                                                              \
        0, NULL, 0, NULL                                                                           \
    }

/* Prototypes */

/* The most titles one request may carry with these options (NULL: defaults). */
size_t mwquery_batch_max(const struct mwquery_request_options *opts);

/* 1 when title can travel in a titles= list: it contains no '|' (the separator) and no U+001F
 * (MediaWiki's alternative separator when a list starts with it). Such titles are invalid for
 * MediaWiki anyway; the worker parses them one by one as before. */
int mwquery_title_batchable(const char *title);

/* Append the request's query string (no leading '?') for titles[0..n) to out (NULL opts:
 * defaults). WC_EINVAL when n is 0 or above mwquery_batch_max(opts), or a title is not
 * batchable (out is then unchanged); WC_ENOMEM. */
int mwquery_build_query(const struct mwquery_request_options *opts, const char *const *titles,
                        size_t n, struct wc_buf *out, struct wc_error *err);

/* api_url, '?' (or '&' when api_url has a query already, as crawl.c does) and the query string,
 * appended to out. Same errors as mwquery_build_query(). */
int mwquery_build_url(const char *api_url, const struct mwquery_request_options *opts,
                      const char *const *titles, size_t n, struct wc_buf *out,
                      struct wc_error *err);

/* Read the answer (body[0..len), HTTP status http_status) to the request built for titles[0..n)
 * into out, one resolution per title in the same order; every submitted title gets its own entry
 * even when several resolve to one page or one title is submitted twice.
 *
 * Returns 0 when the answer was a query answer (out filled; titles it does not settle are
 * UNRESOLVED). When it was not, returns WC_EREMOTE with verdict filled as mwparse_answer() judges
 * the same body for a parse request, same codes and words: RETRYABLE for 429/5xx, maxlag,
 * ratelimited, readonly, internal errors, a truncated or non-JSON 2xx body (codes "http_429",
 * "maxlag", "ratelimited", "truncated", "bad_json", ... so that crawl_answer_is_throttle() and
 * crawl_retry_plan() apply unchanged); FAILED for any other API error (missingtitle and
 * invalidtitle too: an error refuses the whole request and says nothing of each title), a non-2xx
 * status and an answer without "query" ("bad_answer"). WC_ENOMEM when out of memory. err is filled
 * for every non-zero return. On a non-zero return out holds nothing (still safe to free).
 *
 * titles must stay valid while out is used (resolution.submitted points into it). Free out with
 * mwquery_batch_free(); out must be MWQUERY_BATCH_INIT or freed before the call. */
int mwquery_parse(const char *body, size_t len, long http_status, const char *const *titles,
                  size_t n, struct mwquery_batch *out, struct mw_result *verdict,
                  struct wc_error *err);

/* Release what mwquery_parse() put in batch; batch is MWQUERY_BATCH_INIT afterwards. */
void mwquery_batch_free(struct mwquery_batch *batch);

/* What a record of an existing page is made from, as far as the wiki tells before a parse: the
 * wiki (wiki, e.g. its api.php URL: pageids and revisions of two wikis are unrelated), the page's
 * pageid, lastrevid and touched (touched moves when a template the page uses changes), its title
 * and disambiguation flag, and the first redirect hop (the record's redirects_page). Written to
 * out as the first MWQUERY_FINGERPRINT_LEN hex digits of their SHA-256 and a NUL. Two
 * resolutions of one submitted title with the same fingerprint get the same action=parse answer.
 * out is "" for any status but MWQUERY_EXISTS. */
#define MWQUERY_FINGERPRINT_LEN 16
void mwquery_fingerprint(const char *wiki, const struct mwquery_resolution *r,
                         char out[MWQUERY_FINGERPRINT_LEN + 1]);

/* "unresolved", "exists", "missing", "invalid". */
const char *mwquery_status_name(enum mwquery_status status);

#endif
