/* test_html_text.c - unit tests for lib/html_text: <p> text as lxml's text_content() gives it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "html_text.h"

/* Expected values were produced by the reference expression (tests/corpus/reference.py):
 * "".join(" " + p.text_content() for p in document_fromstring(html).xpath("//p")).replace("\n",".")
 */
static void check(const char *html, const char *expected)
{
    struct html_text *x = html_text_new();
    assert_non_null(x);
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(html_text_extract(x, html, strlen(html), &out, NULL), 0);
    assert_non_null(out.data);
    assert_string_equal(out.data, expected);
    assert_int_equal(out.len, strlen(expected));
    wc_buf_free(&out);
    html_text_free(x);
}

static void test_paragraphs_and_entities(void **state)
{
    (void)state;
    check("<div class=\"mw-parser-output\"><p>Hello <b>world</b>\n</p><p>Second &amp; "
          "third&nbsp;x</p></div>",
          " Hello world. Second & third\xc2\xa0x");
}

static void test_nested_p_through_inline_elements(void **state)
{
    (void)state;
    check("<p>a<span><p>inner</p>tail</span>after</p><p>z</p>", " ainnertailafter inner z");
    check("<p>a<a href=\"x\"><p>in link</p></a>b</p>", " ain linkb in link");
}

static void test_block_elements_close_p(void **state)
{
    (void)state;
    check("<p>x<div>block</div>y</p>", " x");
    check("<p><table><tr><td>t</td></tr></table>after</p>", " ");
    check("<ul><li>x<p>y</li></ul><p>z", " y z");
}

static void test_implied_and_unclosed_p(void **state)
{
    (void)state;
    check("text before <p>p1</p> after", " text before  p1");
    check("<html> &amp; <p>q</p>", "  &  q");
    check("<p>a<p>b<p>c", " a b c");
    check("<p>", " ");
    check("<b><p>x</b>y</p>", " xy");
}

static void test_script_counts_comment_does_not(void **state)
{
    (void)state;
    check("<p>a<script>var x = \"<p>\";</script>b</p><p>c<!-- comment -->d</p>",
          " avar x = \"<p>\";b cd");
}

static void test_newlines_become_dots_tabs_stay(void **state)
{
    (void)state;
    check("<table><tr><td><p>cell\n\npara</p></td></tr></table><p>   </p>", " cell..para    ");
    check("<p>tab\there</p>", " tab\there");
    check("<p>x<br/>y<br>z</p><pre>\n<p>pre p</p></pre>", " xyz pre p");
}

static void test_unicode_and_char_refs(void **state)
{
    (void)state;
    check("<p>\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80</p>", " \xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80");
    check("<p>&#x263A; &mdash; &unknown; &lt;p&gt;</p>",
          " \xe2\x98\xba \xe2\x80\x94 &unknown; <p>");
}

static void test_no_paragraph_and_empty(void **state)
{
    (void)state;
    check("<div><h2>Only a heading</h2><ul><li>item</li></ul></div>", "");
    check("", "");
}

static void test_extractor_is_reusable(void **state)
{
    (void)state;
    struct html_text *x = html_text_new();
    assert_non_null(x);
    for (int i = 0; i < 3; i++) {
        struct wc_buf out = WC_BUF_INIT;
        assert_int_equal(html_text_extract(x, "<p>a<span><p>b</p></span></p>", 29, &out, NULL), 0);
        assert_string_equal(out.data, " ab b");
        wc_buf_free(&out);
    }
    html_text_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paragraphs_and_entities),
        cmocka_unit_test(test_nested_p_through_inline_elements),
        cmocka_unit_test(test_block_elements_close_p),
        cmocka_unit_test(test_implied_and_unclosed_p),
        cmocka_unit_test(test_script_counts_comment_does_not),
        cmocka_unit_test(test_newlines_become_dots_tabs_stay),
        cmocka_unit_test(test_unicode_and_char_refs),
        cmocka_unit_test(test_no_paragraph_and_empty),
        cmocka_unit_test(test_extractor_is_reusable),
    };
    return cmocka_run_group_tests_name("html_text", tests, NULL, NULL);
}
