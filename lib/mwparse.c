/* mwparse.c - one MediaWiki action=parse answer to a crawl record and an outcome */
#include "mwparse.h"
#include "answer_scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wc_outcome_from_name(const char *name, size_t len)
{
    for (int o = 0; o < WC_OUTCOME_COUNT; o++) {
        const char *known = wc_outcome_name((enum wc_outcome)o);
        if (strlen(known) == len && memcmp(known, name, len) == 0)
            return o;
    }
    return -1;
}

const char *wc_outcome_name(enum wc_outcome outcome)
{
    switch (outcome) {
    case WC_OUTCOME_OK:
        return "ok";
    case WC_OUTCOME_DISAMBIGUATION:
        return "disambiguation";
    case WC_OUTCOME_MISSING:
        return "missing";
    case WC_OUTCOME_INVALID:
        return "invalid";
    case WC_OUTCOME_FAILED:
        return "failed";
    case WC_OUTCOME_RETRYABLE:
        return "retryable";
    }
    return "failed";
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Error codes from MediaWiki's ApiParse and ApiMain (1.39; docs at mediawiki.org/wiki/API:Errors
 * and API:Etiquette for maxlag). */
enum wc_outcome mwparse_classify_code(const char *code)
{
    static const char *const missing[] = {"missingtitle", "nosuchpageid", "nosuchrevid", NULL};
    static const char *const invalid[] = {"invalidtitle",    "invalid-title", "badtitle",
                                          "pagecannotexist", "title-invalid", NULL};
    static const char *const retryable[] = {"maxlag",  "ratelimited",        "readonly",
                                            "timeout", "internal_api_error", NULL};
    for (size_t i = 0; missing[i]; i++)
        if (strcmp(code, missing[i]) == 0)
            return WC_OUTCOME_MISSING;
    for (size_t i = 0; invalid[i]; i++)
        if (starts_with(code, invalid[i]))
            return WC_OUTCOME_INVALID;
    /* internal_api_error_DBQueryError and the like carry the exception class as a suffix. */
    for (size_t i = 0; retryable[i]; i++)
        if (starts_with(code, retryable[i]))
            return WC_OUTCOME_RETRYABLE;
    return WC_OUTCOME_FAILED;
}

static void set_result(struct mw_result *res, enum wc_outcome outcome, const char *code,
                       const char *detail)
{
    res->outcome = outcome;
    snprintf(res->code, sizeof res->code, "%s", code ? code : "");
    snprintf(res->detail, sizeof res->detail, "%s", detail ? detail : "");
}

/* 429 and 5xx are RETRYABLE whatever the body says. Returns 1 when res was set. */
static int retryable_status(long http_status, struct mw_result *res)
{
    if (http_status == 429 || (http_status >= 500 && http_status <= 599)) {
        char code[16];
        snprintf(code, sizeof code, "http_%ld", http_status);
        set_result(res, WC_OUTCOME_RETRYABLE, code, "the wiki answered with a retryable status");
        return 1;
    }
    return 0;
}

/* A parse answer that came with a non-2xx status. */
static void set_status_failure(struct mw_result *res, long http_status)
{
    char code[16];
    snprintf(code, sizeof code, "http_%ld", http_status);
    set_result(res, WC_OUTCOME_FAILED, code, "a parse answer with an error status");
}

/* ---- the jansson path: the whole answer as a tree, then field access ---------------------- */

/* The API's own error, formatversion 1 or 2 ({"error": {...}}) or errorformat=plaintext
 * ({"errors": [{...}]}). Returns 1 when the answer was an error. */
static int classify_api_error(json_t *root, struct mw_result *res)
{
    json_t *error = json_object_get(root, "error");
    if (!json_is_object(error)) {
        json_t *errors = json_object_get(root, "errors");
        error = json_is_array(errors) ? json_array_get(errors, 0) : NULL;
    }
    if (!json_is_object(error))
        return 0;
    const char *code = json_string_value(json_object_get(error, "code"));
    const char *info = json_string_value(json_object_get(error, "info"));
    if (info == NULL)
        info = json_string_value(json_object_get(error, "text"));
    if (code == NULL || code[0] == '\0') /* an empty code is the OK verdict's */
        code = "unknown_error";
    set_result(res, mwparse_classify_code(code), code, info);
    return 1;
}

/* Borrow the string field `key` of every object in `array` (formatversion 2 names) or, failing
 * that, `alt_key` (formatversion 1 puts the value under "*"). Entries with `skip_key` are left out
 * when skip_key is not NULL. Bare strings in the array are taken as they are. */
static int collect_strings(json_t *array, const char *key, const char *alt_key,
                           const char *skip_key, struct wc_strv *out)
{
    out->n = 0;
    out->items = NULL;
    if (!json_is_array(array) || json_array_size(array) == 0)
        return 0;
    out->items = malloc(json_array_size(array) * sizeof *out->items);
    if (out->items == NULL)
        return WC_ENOMEM;
    size_t i;
    json_t *entry;
    json_array_foreach(array, i, entry)
    {
        const char *value = NULL;
        if (json_is_string(entry)) {
            value = json_string_value(entry);
        } else if (json_is_object(entry)) {
            if (skip_key && json_object_get(entry, skip_key))
                continue;
            value = json_string_value(json_object_get(entry, key));
            if (value == NULL && alt_key)
                value = json_string_value(json_object_get(entry, alt_key));
        }
        if (value)
            out->items[out->n++] = value;
    }
    return 0;
}

static int is_disambiguation_category(const char *name)
{
    return name &&
           (strcmp(name, "Disambiguation_pages") == 0 || strcmp(name, "Disambiguation pages") == 0);
}

/* A disambiguation page: in the category (hidden or not: the rule is about the page, not about
 * what the record shows), or flagged by the Disambiguator extension's page property, which
 * formatversion 1 lists as [{"name": "disambiguation", "*": ""}] and 2 as {"disambiguation": ""}.
 */
static int is_disambiguation(json_t *parse)
{
    size_t i;
    json_t *entry;
    json_array_foreach(json_object_get(parse, "categories"), i, entry)
    {
        const char *name = json_string_value(json_object_get(entry, "category"));
        if (name == NULL)
            name = json_string_value(json_object_get(entry, "*"));
        if (is_disambiguation_category(name))
            return 1;
    }
    json_t *props = json_object_get(parse, "properties");
    if (json_is_object(props) && json_object_get(props, "disambiguation"))
        return 1;
    json_array_foreach(props, i, entry)
    {
        const char *name = json_string_value(json_object_get(entry, "name"));
        if (name && strcmp(name, "disambiguation") == 0)
            return 1;
    }
    return 0;
}

/* The fields both paths fill alike: page_id, page_title, page_text. 0, WC_ENOMEM (err not
 * filled: the caller says what it was building) or html_text_extract()'s error. */
static int fill_head(struct html_text *x, struct wc_record *r, json_int_t pageid, const char *title,
                     const char *html, size_t html_len, struct wc_error *err)
{
    if (asprintf(&r->page_id, "%" JSON_INTEGER_FORMAT, pageid) < 0) {
        r->page_id = NULL;
        return WC_ENOMEM;
    }
    r->page_title = strdup(title);
    if (r->page_title == NULL)
        return WC_ENOMEM;
    struct wc_buf text = WC_BUF_INIT;
    int rc = html_text_extract(x, html, html_len, &text, err);
    if (rc == 0) {
        r->page_text = wc_buf_detach(&text, &r->page_text_len);
        if (r->page_text == NULL)
            rc = WC_ENOMEM;
    }
    wc_buf_free(&text);
    return rc;
}

static int build_record(struct html_text *x, json_t *root, json_t *parse, const char *title,
                        struct wc_record **out, struct mw_result *res, struct wc_error *err)
{
    int rc = WC_ENOMEM;
    struct wc_record *r = calloc(1, sizeof *r);
    if (r == NULL)
        goto out;

    json_t *pageid = json_object_get(parse, "pageid");
    json_t *html = json_object_get(parse, "text");
    if (json_is_object(html))
        html = json_object_get(html, "*");
    if (!json_is_integer(pageid) || !json_is_string(html)) {
        set_result(res, WC_OUTCOME_FAILED, "bad_answer",
                   "the parse answer has no integer pageid or no text");
        rc = 0;
        goto out;
    }
    rc = fill_head(x, r, json_integer_value(pageid), title, json_string_value(html),
                   json_string_length(html), err);
    if (rc != 0)
        goto out;
    rc = WC_ENOMEM;
    if (collect_strings(json_object_get(parse, "categories"), "category", "*", "hidden",
                        &r->category) != 0 ||
        collect_strings(json_object_get(parse, "links"), "title", "*", NULL, &r->links) != 0 ||
        collect_strings(json_object_get(parse, "externallinks"), NULL, NULL, NULL,
                        &r->external_links) != 0 ||
        collect_strings(json_object_get(parse, "sections"), "line", NULL, NULL, &r->sections) != 0)
        goto out;
    json_t *redirects = json_object_get(parse, "redirects");
    r->redirects_page = json_string_value(json_object_get(json_array_get(redirects, 0), "to"));
    json_t *revid = json_object_get(parse, "revid");
    if (json_is_integer(revid))
        r->revision_id = json_integer_value(revid);
    /* formatversion 2, as the crawler asks: properties is {"name": value} */
    json_t *item = json_object_get(json_object_get(parse, "properties"), "wikibase_item");
    if (json_is_string(item) && json_string_length(item) <= RECORD_WIKIDATA_ID_MAX &&
        strlen(json_string_value(item)) == json_string_length(item))
        memcpy(r->wikidata_id, json_string_value(item), json_string_length(item) + 1);
    r->answer = json_incref(root);
    set_result(res, WC_OUTCOME_OK, NULL, NULL);
    *out = r;
    r = NULL;
    rc = 0;
out:
    if (rc == WC_ENOMEM)
        wc_error_set(err, rc, "out of memory building the record");
    wc_record_free(r);
    return rc;
}

int mwparse_answer_reference(struct html_text *x, const char *body, size_t len, long http_status,
                             const char *title, struct wc_record **out, struct mw_result *res,
                             struct wc_error *err)
{
    *out = NULL;
    if (retryable_status(http_status, res))
        return 0;

    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (root == NULL) {
        /* jansson stops at the end of a cut-off body: "premature end of input"/"unexpected
         * end". Anything else is a body that is not JSON at all (an HTML error page...). */
        int truncated = len > 0 && (size_t)jerr.position >= len;
        if (http_status >= 200 && http_status <= 299) {
            char detail[300];
            snprintf(detail, sizeof detail, "%s body: %s", truncated ? "truncated" : "non-JSON",
                     jerr.text);
            set_result(res, WC_OUTCOME_RETRYABLE, truncated ? "truncated" : "bad_json", detail);
        } else {
            char code[16];
            snprintf(code, sizeof code, "http_%ld", http_status);
            set_result(res, WC_OUTCOME_FAILED, code, "the wiki answered with an error status");
        }
        return 0;
    }

    int rc = 0;
    json_t *parse = json_object_get(root, "parse");
    if (classify_api_error(root, res)) {
        /* classified */
    } else if (!json_is_object(parse)) {
        set_result(res, WC_OUTCOME_FAILED, "bad_answer", "the answer has neither parse nor error");
    } else if (http_status < 200 || http_status > 299) {
        set_status_failure(res, http_status);
    } else if (is_disambiguation(parse)) {
        set_result(res, WC_OUTCOME_DISAMBIGUATION, "disambiguation",
                   "a disambiguation page (dropped from the results)");
    } else {
        rc = build_record(x, root, parse, title, out, res, err);
    }
    json_decref(root);
    return rc;
}

/* ---- the scanned path: lib/answer_scan's spans, the same rules as above ------------------- */

/* A NUL-terminated decoded copy of str (the caller frees it), or NULL when out of memory. */
static char *decode_copy(const struct answer_scan *s, struct answer_str str)
{
    char *copy = malloc(str.len + 1);
    if (copy != NULL)
        answer_scan_decode(s, str, copy);
    return copy;
}

/* classify_api_error() on the scan. Returns 1 when the answer was an error, 0, or WC_ENOMEM. */
static int scanned_api_error(const struct answer_scan *s, struct mw_result *res)
{
    const struct answer_error *error = s->error.present     ? &s->error
                                       : s->errors0.present ? &s->errors0
                                                            : NULL;
    if (error == NULL)
        return 0;
    const struct answer_str *info = error->info.present   ? &error->info
                                    : error->text.present ? &error->text
                                                          : NULL;
    int rc = WC_ENOMEM;
    char *code = NULL;
    char *detail = NULL;
    if (error->code.present) {
        code = decode_copy(s, error->code);
        if (code == NULL)
            goto out;
    }
    if (info != NULL) {
        detail = decode_copy(s, *info);
        if (detail == NULL)
            goto out;
    }
    const char *name = code && code[0] ? code : "unknown_error"; /* "" is the OK verdict's */
    set_result(res, mwparse_classify_code(name), name, detail);
    rc = 1;
out:
    free(code);
    free(detail);
    return rc;
}

/* is_disambiguation() on the scan: 1, 0 or WC_ENOMEM. */
static int scanned_disambiguation(const struct answer_scan *s)
{
    for (size_t i = 0; i < s->categories.n; i++) {
        const struct answer_item *item = &s->categories.items[i];
        if (!item->is_object)
            continue; /* a bare string has no "category" */
        int rc = answer_scan_equals(s, item->value, "Disambiguation_pages");
        if (rc == 0)
            rc = answer_scan_equals(s, item->value, "Disambiguation pages");
        if (rc != 0)
            return rc;
    }
    return s->props_disambiguation;
}

/* Bytes the strings of list take in the record's block (entries marked skip left out). */
static size_t list_bytes(const struct answer_list *list)
{
    size_t n = 0;
    for (size_t i = 0; i < list->n; i++)
        if (!list->items[i].skip)
            n += list->items[i].value.len + 1;
    return n;
}

/* collect_strings() on the scan: decode the strings of list into *block and point out at them. */
static int fill_strv(const struct answer_scan *s, const struct answer_list *list,
                     struct wc_strv *out, char **block)
{
    out->n = 0;
    out->items = NULL;
    if (list->n == 0)
        return 0;
    out->items = malloc(list->n * sizeof *out->items);
    if (out->items == NULL)
        return WC_ENOMEM;
    for (size_t i = 0; i < list->n; i++) {
        if (list->items[i].skip)
            continue;
        out->items[out->n++] = *block;
        *block += answer_scan_decode(s, list->items[i].value, *block) + 1;
    }
    return 0;
}

/* build_record() on the scan. */
static int build_scanned_record(struct html_text *x, const struct answer_scan *s, const char *title,
                                struct wc_record **out, struct mw_result *res, struct wc_error *err)
{
    int rc = WC_ENOMEM;
    struct wc_record *r = calloc(1, sizeof *r);
    if (r == NULL)
        goto out;

    if (!s->pageid_is_integer || !s->text.present) {
        set_result(res, WC_OUTCOME_FAILED, "bad_answer",
                   "the parse answer has no integer pageid or no text");
        rc = 0;
        goto out;
    }
    rc = fill_head(x, r, (json_int_t)s->pageid, title, s->text_html, s->text_html_len, err);
    if (rc != 0)
        goto out;
    rc = WC_ENOMEM;
    size_t bytes = list_bytes(&s->categories) + list_bytes(&s->links) +
                   list_bytes(&s->externallinks) + list_bytes(&s->sections) +
                   (s->redirect_to.present ? s->redirect_to.len + 1 : 0);
    r->strings = malloc(bytes > 0 ? bytes : 1);
    if (r->strings == NULL)
        goto out;
    char *block = r->strings;
    if (fill_strv(s, &s->categories, &r->category, &block) != 0 ||
        fill_strv(s, &s->links, &r->links, &block) != 0 ||
        fill_strv(s, &s->externallinks, &r->external_links, &block) != 0 ||
        fill_strv(s, &s->sections, &r->sections, &block) != 0)
        goto out;
    if (s->redirect_to.present) {
        r->redirects_page = block;
        answer_scan_decode(s, s->redirect_to, block);
    }
    if (s->revid_is_integer)
        r->revision_id = s->revid;
    if (s->wikibase_item.present && s->wikibase_item.len <= RECORD_WIKIDATA_ID_MAX) {
        size_t n = answer_scan_decode(s, s->wikibase_item, r->wikidata_id);
        if (strlen(r->wikidata_id) != n) /* a NUL inside: not an id */
            r->wikidata_id[0] = '\0';
    }
    set_result(res, WC_OUTCOME_OK, NULL, NULL);
    *out = r;
    r = NULL;
    rc = 0;
out:
    if (rc == WC_ENOMEM)
        wc_error_set(err, rc, "out of memory building the record");
    wc_record_free(r);
    return rc;
}

/* The verdict on a scanned answer: the decisions of mwparse_answer_reference(), in its order. */
static int judge_scanned(struct html_text *x, const struct answer_scan *s, long http_status,
                         const char *title, struct wc_record **out, struct mw_result *res,
                         struct wc_error *err)
{
    int rc = scanned_api_error(s, res);
    if (rc == 1)
        return 0;
    if (rc < 0)
        return wc_error_set(err, rc, "out of memory classifying the answer");
    if (!s->has_parse) {
        set_result(res, WC_OUTCOME_FAILED, "bad_answer", "the answer has neither parse nor error");
        return 0;
    }
    if (http_status < 200 || http_status > 299) {
        set_status_failure(res, http_status);
        return 0;
    }
    rc = scanned_disambiguation(s);
    if (rc < 0)
        return wc_error_set(err, rc, "out of memory classifying the answer");
    if (rc == 1) {
        set_result(res, WC_OUTCOME_DISAMBIGUATION, "disambiguation",
                   "a disambiguation page (dropped from the results)");
        return 0;
    }
    return build_scanned_record(x, s, title, out, res, err);
}

int mwparse_answer(struct html_text *x, const char *body, size_t len, long http_status,
                   const char *title, struct wc_record **out, struct mw_result *res,
                   struct wc_error *err)
{
    *out = NULL;
    if (retryable_status(http_status, res))
        return 0;
    struct answer_scan scan;
    answer_scan_init(&scan);
    if (answer_scan_run(&scan, body, len) == 0) {
        int rc = judge_scanned(x, &scan, http_status, title, out, res, err);
        answer_scan_free(&scan);
        return rc;
    }
    /* Not JSON (the verdict quotes jansson's message), or beyond what the scanner vouches for:
     * the tree path decides. */
    answer_scan_free(&scan);
    return mwparse_answer_reference(x, body, len, http_status, title, out, res, err);
}
