/* fuzz_answer_scan.c - libFuzzer target: the scanned path against the jansson path, byte for byte
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "answer_scan.h"
#include "buf.h"
#include "json_write.h"
#include "mwparse.h"
#include "record_json.h"

/* The input is the whole body, so the captured answers in tests/corpus/answers are good seeds.
 * mwparse_answer() (lib/answer_scan, with its fallback) and mwparse_answer_reference() (jansson)
 * run on the same body, status and title; any difference in return code, outcome, code, detail,
 * error or record bytes traps. So does a body the scanner vouches for that jansson refuses, and a
 * body jansson accepts that the scanner leaves to it without one of the documented reasons. And
 * record_json_append(), whose page_text writer is its own, must give what json_write gives: on
 * every record made, and on a record whose page_text is the input itself. */

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

struct verdict {
    int rc;
    struct mw_result res;
    struct wc_error err;
    int has_record;
    struct wc_buf json;
};

/* record_json_append() as it was, all through json_write. */
static void old_record_json(struct wc_buf *out, const struct wc_record *r)
{
    CHECK(wc_buf_puts(out, "{\"page_id\":") == 0);
    CHECK(json_write_cstring(out, r->page_id) == 0);
    CHECK(wc_buf_puts(out, ",\"page_title\":") == 0);
    CHECK(json_write_cstring(out, r->page_title) == 0);
    CHECK(wc_buf_puts(out, ",\"page_text\":") == 0);
    CHECK(json_write_string(out, r->page_text ? r->page_text : "", r->page_text_len) == 0);
    CHECK(wc_buf_puts(out, ",\"category\":") == 0);
    CHECK(json_write_string_array(out, r->category.items, r->category.n) == 0);
    CHECK(wc_buf_puts(out, ",\"links\":") == 0);
    CHECK(json_write_string_array(out, r->links.items, r->links.n) == 0);
    CHECK(wc_buf_puts(out, ",\"external_links\":") == 0);
    CHECK(json_write_string_array(out, r->external_links.items, r->external_links.n) == 0);
    CHECK(wc_buf_puts(out, ",\"sections\":") == 0);
    CHECK(json_write_string_array(out, r->sections.items, r->sections.n) == 0);
    CHECK(wc_buf_puts(out, ",\"redirects_page\":") == 0);
    CHECK(json_write_cstring(out, r->redirects_page) == 0);
    CHECK(wc_buf_putc(out, '}') == 0);
}

static void check_writer(const struct wc_record *r)
{
    struct wc_buf now = WC_BUF_INIT;
    struct wc_buf before = WC_BUF_INIT;
    CHECK(record_json_append(&now, r) == 0);
    old_record_json(&before, r);
    CHECK(now.len == before.len && memcmp(now.data, before.data, now.len) == 0);
    wc_buf_free(&now);
    wc_buf_free(&before);
}

static void run_path(int reference, struct html_text *x, const char *body, size_t len, long status,
                     const char *title, struct verdict *v)
{
    struct wc_record *record = NULL;
    memset(&v->res, 0, sizeof v->res);
    memset(&v->err, 0, sizeof v->err);
    v->rc = reference
                ? mwparse_answer_reference(x, body, len, status, title, &record, &v->res, &v->err)
                : mwparse_answer(x, body, len, status, title, &record, &v->res, &v->err);
    v->has_record = record != NULL;
    wc_buf_reset(&v->json);
    if (record != NULL) {
        CHECK(record_json_append(&v->json, record) == 0);
        check_writer(record);
        wc_record_free(record);
    }
}

/* A reason the scanner may leave a valid document to jansson: an object of more keys than it
 * compares, or a real at the edge of overflow. */
static int has_fallback_reason(json_t *value)
{
    if (json_is_object(value)) {
        if (json_object_size(value) > ANSWER_SCAN_MAX_KEYS)
            return 1;
        const char *key;
        json_t *member;
        json_object_foreach(value, key, member)
        {
            if (has_fallback_reason(member))
                return 1;
        }
    } else if (json_is_array(value)) {
        size_t i;
        json_t *member;
        json_array_foreach(value, i, member)
        {
            if (has_fallback_reason(member))
                return 1;
        }
    } else if (json_is_real(value)) {
        double v = json_real_value(value);
        return v >= 1e308 || v <= -1e308;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* One extractor and one pair of buffers for the process, as a worker keeps one; reachable to
     * the end, so not leaks. */
    static struct html_text *x;
    static struct verdict fast, ref;
    if (x == NULL) {
        x = html_text_new();
        CHECK(x != NULL);
    }
    static const long statuses[] = {200, 200, 200, 200, 200, 200, 200, 200,
                                    200, 200, 200, 404, 429, 500, 203, 302};
    long status = statuses[size % 16];
    const char *title = size % 3 ? "Fuzz title" : "T\xC3\xA9st/\"quoted\"";
    const char *body = (const char *)data;

    run_path(0, x, body, size, status, title, &fast);
    run_path(1, x, body, size, status, title, &ref);
    CHECK(fast.rc == ref.rc);
    CHECK(fast.res.outcome == ref.res.outcome);
    CHECK(strcmp(fast.res.code, ref.res.code) == 0);
    CHECK(strcmp(fast.res.detail, ref.res.detail) == 0);
    CHECK(fast.err.code == ref.err.code);
    CHECK(strcmp(fast.err.message, ref.err.message) == 0);
    CHECK(fast.has_record == ref.has_record);
    CHECK(fast.json.len == ref.json.len);
    CHECK(fast.json.len == 0 || memcmp(fast.json.data, ref.json.data, fast.json.len) == 0);

    struct answer_scan scan;
    answer_scan_init(&scan);
    int vouched = answer_scan_run(&scan, body, size) == 0;
    answer_scan_free(&scan);
    json_error_t jerr;
    json_t *root = json_loadb(body, size, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (vouched)
        CHECK(root != NULL);
    else if (root != NULL)
        CHECK(has_fallback_reason(root));
    json_decref(root);

    struct wc_record raw = {0};
    raw.page_id = "1";
    raw.page_title = (char *)(uintptr_t)title;
    raw.page_text = (char *)(uintptr_t)body;
    raw.page_text_len = size;
    check_writer(&raw);
    return 0;
}
