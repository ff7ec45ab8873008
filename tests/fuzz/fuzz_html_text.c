/* fuzz_html_text.c - libFuzzer target: whenever html_fast answers, it answers what libxml2 does */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "html_fast.h"
#include "html_text.h"

/* The input is HTML, or an action=parse answer (formatversion 1 or 2) whose parse.text is the
 * HTML: the captured answers of tests/corpus/answers are then good seeds as they are, and their
 * mutations, mostly no longer JSON, are HTML too. For every input the page text of the libxml2
 * path is the reference; html_fast_extract() may give up, but when it answers, a single byte of
 * difference aborts. html_text_extract(), the two together, must answer the reference as well. */

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

static void check_same(const struct wc_buf *expected, const struct wc_buf *got, const char *what)
{
    if (got->len == expected->len && memcmp(got->data, expected->data, got->len) == 0)
        return;
    fprintf(stderr, "%s differs from libxml2\n %s: \"%.*s\"\n libxml2: \"%.*s\"\n", what, what,
            (int)got->len, got->data, (int)expected->len, expected->data);
    __builtin_trap();
}

static void check_html(struct html_text *x, const char *html, size_t len)
{
    struct wc_buf expected = WC_BUF_INIT, fast = WC_BUF_INIT, both = WC_BUF_INIT;
    CHECK(html_text_extract_libxml2(x, html, len, &expected, NULL) == 0);
    CHECK(expected.data != NULL);

    /* what the caller had in the buffer stays, whatever the outcome */
    CHECK(wc_buf_putc(&fast, '#') == 0);
    int rc = html_fast_extract(html, len, &fast);
    CHECK(rc == 0 || rc == HTML_FAST_UNSURE);
    CHECK(fast.len >= 1 && fast.data[0] == '#' && fast.data[fast.len] == '\0');
    if (rc == 0) {
        struct wc_buf answer = {fast.data + 1, fast.len - 1, 0};
        check_same(&expected, &answer, "html_fast");
    } else {
        CHECK(fast.len == 1);
    }

    CHECK(html_text_extract(x, html, len, &both, NULL) == 0);
    check_same(&expected, &both, "html_text");
    wc_buf_free(&expected);
    wc_buf_free(&fast);
    wc_buf_free(&both);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* One extractor for the process, as a worker keeps one. It is reachable to the end, so not a
     * leak. */
    static struct html_text *x;
    if (x == NULL) {
        x = html_text_new();
        CHECK(x != NULL);
    }
    json_t *root = NULL;
    if (size > 0 && data[0] == '{') {
        json_error_t jerr;
        root = json_loadb((const char *)data, size, JSON_ALLOW_NUL, &jerr);
    }
    json_t *text = json_object_get(json_object_get(root, "parse"), "text");
    if (json_is_object(text))
        text = json_object_get(text, "*");
    if (json_is_string(text))
        check_html(x, json_string_value(text), json_string_length(text));
    else
        check_html(x, (const char *)data, size);
    json_decref(root);
    return 0;
}
