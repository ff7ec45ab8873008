/* fuzz_mwparse.c - libFuzzer target: mwparse_answer() on arbitrary bodies, records through JSON */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "mwparse.h"
#include "record_json.h"
#include "utf8.h"

/* The input is the whole body, so the captured answers in tests/corpus/answers are good seeds. The
 * HTTP status is mostly 200; a few input sizes pick another one so that the status rules are
 * exercised on the same bodies. Every OK record is written with record_json_append(), read back
 * with jansson, and compared field by field with the record. */

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* The string the JSON holds for s[0..len): itself when well-formed UTF-8 (json_write replaces
 * anything else with U+FFFD, so only well-formed strings can be compared byte for byte). */
static void check_string(json_t *value, const char *s, size_t len)
{
    CHECK(json_is_string(value));
    if (!wc_utf8_valid(s, len))
        return;
    CHECK(json_string_length(value) == len);
    CHECK(memcmp(json_string_value(value), s, len) == 0);
}

static void check_array(json_t *value, const struct wc_strv *v)
{
    CHECK(json_is_array(value));
    CHECK(json_array_size(value) == v->n);
    for (size_t i = 0; i < v->n; i++)
        check_string(json_array_get(value, i), v->items[i], strlen(v->items[i]));
}

static void check_record_json(const struct wc_record *r, const char *title)
{
    struct wc_buf out = WC_BUF_INIT;
    CHECK(record_json_append(&out, r) == 0);
    CHECK(wc_utf8_valid(out.data, out.len));
    json_error_t jerr;
    json_t *root = json_loadb(out.data, out.len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    CHECK(root != NULL);
    CHECK(json_is_object(root));
    CHECK(json_object_size(root) == 8);
    /* jansson keeps insertion order: the keys come in the schema's order. */
    static const char *const order[] = {"page_id", "page_title",     "page_text", "category",
                                        "links",   "external_links", "sections",  "redirects_page"};
    size_t k = 0;
    const char *key;
    json_t *value;
    json_object_foreach(root, key, value)
    {
        CHECK(k < 8 && strcmp(key, order[k]) == 0);
        k++;
    }
    check_string(json_object_get(root, "page_id"), r->page_id, strlen(r->page_id));
    check_string(json_object_get(root, "page_title"), r->page_title, strlen(r->page_title));
    CHECK(strcmp(r->page_title, title) == 0);
    if (r->page_text != NULL)
        check_string(json_object_get(root, "page_text"), r->page_text, r->page_text_len);
    check_array(json_object_get(root, "category"), &r->category);
    check_array(json_object_get(root, "links"), &r->links);
    check_array(json_object_get(root, "external_links"), &r->external_links);
    check_array(json_object_get(root, "sections"), &r->sections);
    json_t *redirect = json_object_get(root, "redirects_page");
    if (r->redirects_page == NULL)
        CHECK(json_is_null(redirect));
    else
        check_string(redirect, r->redirects_page, strlen(r->redirects_page));
    json_decref(root);
    wc_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* One extractor for the process, as a worker keeps one: state left by a previous page must
     * not leak into the next. It is reachable to the end, so not a leak. */
    static struct html_text *x;
    if (x == NULL) {
        x = html_text_new();
        CHECK(x != NULL);
    }
    static const long statuses[] = {200, 200, 200, 200, 200, 200, 200, 200,
                                    200, 200, 200, 404, 429, 500, 503, 302};
    long status = statuses[size % 16];
    const char *title = size % 3 ? "Fuzz title" : "T\xC3\xA9st/\"quoted\"";

    struct wc_record *record = NULL;
    struct mw_result res;
    memset(&res, 0xAA, sizeof res);
    struct wc_error err = {0};
    int rc = mwparse_answer(x, (const char *)data, size, status, title, &record, &res, &err);
    if (rc != 0) {
        CHECK(rc == WC_ENOMEM);
        CHECK(record == NULL);
        return 0;
    }
    CHECK(res.outcome >= WC_OUTCOME_OK && res.outcome < WC_OUTCOME_COUNT);
    CHECK(memchr(res.code, '\0', sizeof res.code) != NULL);
    CHECK(memchr(res.detail, '\0', sizeof res.detail) != NULL);
    CHECK(wc_outcome_name(res.outcome) != NULL);
    if (res.outcome != WC_OUTCOME_OK) {
        CHECK(record == NULL);
        CHECK(res.code[0] != '\0');
        return 0;
    }
    CHECK(record != NULL);
    CHECK(status >= 200 && status < 300);
    CHECK(res.code[0] == '\0' && res.detail[0] == '\0');
    CHECK(record->page_id != NULL && record->page_title != NULL);
    check_record_json(record, title);
    wc_record_free(record);
    return 0;
}
