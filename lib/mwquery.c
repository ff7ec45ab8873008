/* mwquery.c - batched title resolution: one action=query request for many titles, and its answer
 * turned into one resolution per submitted title */
#include "mwquery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "percent.h"
#include "sha256.h"

/* Everything but maxlag and the titles; see mwquery.h. */
#define FIXED_QUERY                                                                                \
    "action=query&format=json&formatversion=2&redirects=1&prop=info%7Cpageprops"                   \
    "&ppprop=disambiguation"

/* The details action=parse gives for the same outcomes (MediaWiki 1.39's English messages
 * apierror-missingtitle, apierror-pagecannotexist, apierror-invalidtitle; see the corpus). */
#define MISSING_INFO "The page you specified doesn't exist."
#define CANNOT_EXIST_INFO "Namespace doesn't allow actual pages."

size_t mwquery_batch_max(const struct mwquery_request_options *opts)
{
    return opts && opts->apihighlimits ? MWQUERY_BATCH_HIGH : MWQUERY_BATCH_DEFAULT;
}

int mwquery_title_batchable(const char *title)
{
    return strchr(title, '|') == NULL && strchr(title, '\x1f') == NULL;
}

const char *mwquery_status_name(enum mwquery_status status)
{
    switch (status) {
    case MWQUERY_UNRESOLVED:
        return "unresolved";
    case MWQUERY_EXISTS:
        return "exists";
    case MWQUERY_MISSING:
        return "missing";
    case MWQUERY_INVALID:
        return "invalid";
    }
    return "unresolved";
}

static int check_titles(const struct mwquery_request_options *opts, const char *const *titles,
                        size_t n, struct wc_error *err)
{
    size_t max = mwquery_batch_max(opts);
    if (n == 0)
        return wc_error_set(err, WC_EINVAL, "a query batch needs at least one title");
    if (n > max)
        return wc_error_set(err, WC_EINVAL, "%zu titles in one query batch: at most %zu", n, max);
    for (size_t i = 0; i < n; i++)
        if (titles[i] == NULL || !mwquery_title_batchable(titles[i]))
            return wc_error_set(err, WC_EINVAL,
                                "title %zu cannot be batched (a '|' or U+001F in it)", i);
    return 0;
}

static int append_query(const struct mwquery_request_options *opts, const char *const *titles,
                        size_t n, struct wc_buf *out)
{
    if (wc_buf_puts(out, FIXED_QUERY) != 0)
        return WC_ENOMEM;
    if (opts && opts->maxlag >= 0 && wc_buf_printf(out, "&maxlag=%d", opts->maxlag) != 0)
        return WC_ENOMEM;
    if (wc_buf_puts(out, "&titles=") != 0)
        return WC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && wc_buf_puts(out, "%7C") != 0)
            return WC_ENOMEM;
        if (percent_encode(out, titles[i], "") != 0)
            return WC_ENOMEM;
    }
    return 0;
}

/* Build into out; on failure cut out back to where it was. */
static int build(const char *api_url, const struct mwquery_request_options *opts,
                 const char *const *titles, size_t n, struct wc_buf *out, struct wc_error *err)
{
    int rc = check_titles(opts, titles, n, err);
    if (rc != 0)
        return rc;
    size_t mark = out->len;
    if (api_url != NULL)
        rc = wc_buf_printf(out, "%s%c", api_url, strchr(api_url, '?') ? '&' : '?');
    if (rc == 0)
        rc = append_query(opts, titles, n, out);
    if (rc != 0) {
        if (out->data != NULL) {
            out->len = mark;
            out->data[mark] = '\0';
        }
        return wc_error_set(err, rc, "out of memory building a query request");
    }
    return 0;
}

int mwquery_build_query(const struct mwquery_request_options *opts, const char *const *titles,
                        size_t n, struct wc_buf *out, struct wc_error *err)
{
    return build(NULL, opts, titles, n, out, err);
}

int mwquery_build_url(const char *api_url, const struct mwquery_request_options *opts,
                      const char *const *titles, size_t n, struct wc_buf *out, struct wc_error *err)
{
    if (api_url == NULL || api_url[0] == '\0')
        return wc_error_set(err, WC_EINVAL, "a query request needs the API's URL");
    return build(api_url, opts, titles, n, out, err);
}

/* ---- the answer --------------------------------------------------------------------------- */

static void set_verdict(struct mw_result *res, enum wc_outcome outcome, const char *code,
                        const char *detail)
{
    res->outcome = outcome;
    snprintf(res->code, sizeof res->code, "%s", code ? code : "");
    snprintf(res->detail, sizeof res->detail, "%s", detail ? detail : "");
}

/* The answer is not a query answer: judge it as mwparse_answer() judges a parse answer (same
 * codes, same words), so the crawler's retry rules apply to both. Returns 1 when res was set. */
static int judge_failure(json_t *root, const json_error_t *jerr, size_t len, long http_status,
                         struct mw_result *res)
{
    char code[16];
    if (http_status == 429 || (http_status >= 500 && http_status <= 599)) {
        snprintf(code, sizeof code, "http_%ld", http_status);
        set_verdict(res, WC_OUTCOME_RETRYABLE, code, "the wiki answered with a retryable status");
        return 1;
    }
    int ok_status = http_status >= 200 && http_status <= 299;
    if (root == NULL) {
        /* As mwparse: jansson stops at the end of a cut-off body. */
        int truncated = len > 0 && (size_t)jerr->position >= len;
        if (ok_status) {
            char detail[300];
            snprintf(detail, sizeof detail, "%s body: %s", truncated ? "truncated" : "non-JSON",
                     jerr->text);
            set_verdict(res, WC_OUTCOME_RETRYABLE, truncated ? "truncated" : "bad_json", detail);
        } else {
            snprintf(code, sizeof code, "http_%ld", http_status);
            set_verdict(res, WC_OUTCOME_FAILED, code, "the wiki answered with an error status");
        }
        return 1;
    }
    /* The API's own error, formatversion 1 or 2 or errorformat=plaintext, as mwparse reads it. */
    json_t *error = json_object_get(root, "error");
    if (!json_is_object(error)) {
        json_t *errors = json_object_get(root, "errors");
        error = json_is_array(errors) ? json_array_get(errors, 0) : NULL;
    }
    if (json_is_object(error)) {
        const char *api_code = json_string_value(json_object_get(error, "code"));
        const char *info = json_string_value(json_object_get(error, "info"));
        if (info == NULL)
            info = json_string_value(json_object_get(error, "text"));
        /* An empty code would read as no verdict at all (mw_result's code is empty only for
         * OK). */
        if (api_code == NULL || api_code[0] == '\0')
            api_code = "unknown_error";
        /* missingtitle or invalidtitle refuse the whole request here, not one title: a verdict
         * of MISSING or INVALID would read as the fate of every title in the batch. */
        enum wc_outcome outcome = mwparse_classify_code(api_code);
        if (outcome != WC_OUTCOME_RETRYABLE)
            outcome = WC_OUTCOME_FAILED;
        set_verdict(res, outcome, api_code, info);
        return 1;
    }
    if (!json_is_object(json_object_get(root, "query"))) {
        set_verdict(res, WC_OUTCOME_FAILED, "bad_answer", "the answer has neither query nor error");
        return 1;
    }
    if (!ok_status) {
        snprintf(code, sizeof code, "http_%ld", http_status);
        set_verdict(res, WC_OUTCOME_FAILED, code, "a query answer with an error status");
        return 1;
    }
    return 0;
}

/* The "to" of the entry of list (normalized, converted, redirects: [{from, to, ...}]) whose
 * "from" is title, and the entry itself in *entry; NULL when there is none. */
static const char *mapped(json_t *list, const char *title, json_t **entry)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *from = json_string_value(json_object_get(e, "from"));
        const char *to = json_string_value(json_object_get(e, "to"));
        if (from && to && strcmp(from, title) == 0) {
            if (entry)
                *entry = e;
            return to;
        }
    }
    return NULL;
}

/* The object of list (query.pages or query.interwiki) whose "title" is title, or NULL. */
static json_t *find_titled(json_t *list, const char *title)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        const char *t = json_string_value(json_object_get(e, "title"));
        if (t && strcmp(t, title) == 0)
            return e;
    }
    return NULL;
}

/* A present flag: formatversion 2 writes true, 1 writes "". */
static int flag(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return v != NULL && !json_is_false(v);
}

/* action=parse's invalidtitle verdict for the title it tried: "Bad title \"<title>\"." */
static void set_bad_title(struct mw_result *res, const char *title, const char *fragment)
{
    char detail[sizeof res->detail];
    if (fragment && fragment[0])
        snprintf(detail, sizeof detail, "Bad title \"%s#%s\".", title, fragment);
    else
        snprintf(detail, sizeof detail, "Bad title \"%s\".", title);
    set_verdict(res, WC_OUTCOME_INVALID, "invalidtitle", detail);
}

/* Settle one title from the query object q. action=parse with redirects=1 runs the same page set
 * (ApiPageSet) on its one title and then parses the last redirect target, or the title itself:
 * missingtitle when that page does not exist, invalidtitle when the title cannot be read or is
 * an interwiki link, pagecannotexist for Special:/Media: (ApiParse::execute, ApiBase
 * ::getTitleOrPageId). The steps below follow ApiPageSet's order: normalized, converted (language
 * variants), redirects. */
static void resolve_one(json_t *q, int complete, struct mwquery_resolution *r)
{
    json_t *pages = json_object_get(q, "pages");
    json_t *redirects = json_object_get(q, "redirects");
    const char *cur = r->submitted;

    /* A title MediaWiki's parser refused is listed under the string it received. */
    json_t *page = find_titled(pages, cur);
    if (page != NULL && flag(page, "invalid")) {
        r->status = MWQUERY_INVALID;
        r->invalidreason = json_string_value(json_object_get(page, "invalidreason"));
        set_bad_title(&r->verdict, r->submitted, NULL);
        return;
    }
    const char *to = mapped(json_object_get(q, "normalized"), cur, NULL);
    if (to != NULL)
        cur = to;
    to = mapped(json_object_get(q, "converted"), cur, NULL);
    if (to != NULL)
        cur = to;

    /* Follow the chain; a loop (A -> B -> A) is left to action=parse, whose answer for it is the
     * page where its own walk stopped. */
    size_t max_hops = json_array_size(redirects);
    json_t *hop = NULL;
    while ((to = mapped(redirects, cur, &hop)) != NULL) {
        if ((size_t)r->redirect_hops >= max_hops)
            return;
        if (r->redirect_hops == 0)
            r->redirect_to = to;
        r->redirect_hops++;
        cur = to;
        if (json_object_get(hop, "tointerwiki") != NULL) {
            r->status = MWQUERY_INVALID;
            r->final_title = cur;
            set_bad_title(&r->verdict, cur, json_string_value(json_object_get(hop, "tofragment")));
            return;
        }
    }
    /* A fragment-only title ("#Anchor") normalises to "": action=parse says pagecannotexist
     * there, action=query may say anything. */
    if (cur[0] == '\0')
        return;
    if (r->redirect_hops == 0 && find_titled(json_object_get(q, "interwiki"), cur) != NULL) {
        r->status = MWQUERY_INVALID;
        r->final_title = cur;
        set_bad_title(&r->verdict, r->submitted, NULL);
        return;
    }
    page = find_titled(pages, cur);
    if (page == NULL)
        return;
    r->final_title = cur;
    if (flag(page, "special")) {
        r->status = MWQUERY_INVALID;
        set_verdict(&r->verdict, WC_OUTCOME_INVALID, "pagecannotexist", CANNOT_EXIST_INFO);
        return;
    }
    if (flag(page, "invalid")) {
        /* An invalid title reached through normalization or a redirect: not a case MediaWiki
         * produces; parse it rather than guess which title parse would quote. */
        r->final_title = NULL;
        return;
    }
    if (flag(page, "missing")) {
        r->status = MWQUERY_MISSING;
        set_verdict(&r->verdict, WC_OUTCOME_MISSING, "missingtitle", MISSING_INFO);
        return;
    }
    json_t *pageid = json_object_get(page, "pageid");
    json_t *lastrevid = json_object_get(page, "lastrevid");
    json_t *touched = json_object_get(page, "touched");
    /* Without batchcomplete the pageprops may continue in a later answer: disambiguation would
     * be a guess. */
    if (!complete || !json_is_integer(pageid) || json_integer_value(pageid) <= 0 ||
        !json_is_integer(lastrevid) || !json_is_string(touched)) {
        r->final_title = NULL;
        return;
    }
    r->status = MWQUERY_EXISTS;
    r->pageid = json_integer_value(pageid);
    r->lastrevid = json_integer_value(lastrevid);
    r->touched = json_string_value(touched);
    json_t *props = json_object_get(page, "pageprops");
    r->disambiguation = json_is_object(props) && json_object_get(props, "disambiguation") != NULL;
}

/* Undo a partial resolution: an UNRESOLVED entry carries nothing but the submitted title. */
static void clear_unresolved(struct mwquery_resolution *r)
{
    if (r->status != MWQUERY_UNRESOLVED)
        return;
    const char *submitted = r->submitted;
    memset(r, 0, sizeof *r);
    r->submitted = submitted;
}

int mwquery_parse(const char *body, size_t len, long http_status, const char *const *titles,
                  size_t n, struct mwquery_batch *out, struct mw_result *verdict,
                  struct wc_error *err)
{
    memset(out, 0, sizeof *out);
    memset(verdict, 0, sizeof *verdict);
    json_error_t jerr;
    json_t *root = NULL;
    if (!(http_status == 429 || (http_status >= 500 && http_status <= 599)))
        root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    else
        jerr.position = 0;
    if (judge_failure(root, &jerr, len, http_status, verdict)) {
        json_decref(root);
        return wc_error_set(err, WC_EREMOTE, "query answer not usable: %s: %s", verdict->code,
                            verdict->detail);
    }
    out->items = calloc(n > 0 ? n : 1, sizeof *out->items);
    if (out->items == NULL) {
        json_decref(root);
        return wc_error_set(err, WC_ENOMEM, "out of memory reading a query answer");
    }
    out->root = root;
    out->n = n;
    json_t *q = json_object_get(root, "query");
    int complete = flag(root, "batchcomplete");
    for (size_t i = 0; i < n; i++) {
        struct mwquery_resolution *r = &out->items[i];
        r->submitted = titles[i];
        if (titles[i] != NULL)
            resolve_one(q, complete, r);
        clear_unresolved(r);
        if (r->status != MWQUERY_UNRESOLVED)
            out->n_resolved++;
    }
    return 0;
}

void mwquery_batch_free(struct mwquery_batch *batch)
{
    if (batch == NULL)
        return;
    free(batch->items);
    json_decref(batch->root);
    memset(batch, 0, sizeof *batch);
}

void mwquery_fingerprint(const char *wiki, const struct mwquery_resolution *r,
                         char out[MWQUERY_FINGERPRINT_LEN + 1])
{
    out[0] = '\0';
    if (r->status != MWQUERY_EXISTS)
        return;
    /* Each part NUL-terminated, so that no two different tuples give the same bytes. */
    struct wc_buf in = WC_BUF_INIT;
    int rc = wc_buf_printf(&in, "%s%c%lld%c%lld%c%s%c%s%c%d%c%s%c", wiki ? wiki : "", 0, r->pageid,
                           0, r->lastrevid, 0, r->touched ? r->touched : "", 0,
                           r->final_title ? r->final_title : "", 0, r->disambiguation, 0,
                           r->redirect_to ? r->redirect_to : "", 0);
    if (rc == 0) {
        uint8_t digest[SHA256_DIGEST_LEN];
        sha256(in.data, in.len, digest);
        static const char hex[] = "0123456789abcdef";
        for (int i = 0; i < MWQUERY_FINGERPRINT_LEN / 2; i++) {
            out[2 * i] = hex[digest[i] >> 4];
            out[2 * i + 1] = hex[digest[i] & 15];
        }
        out[MWQUERY_FINGERPRINT_LEN] = '\0';
    }
    wc_buf_free(&in);
}
