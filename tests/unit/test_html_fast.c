/* test_html_fast.c - unit tests for lib/html_fast: the plain scan equals libxml2 or gives up */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "html_fast.h"
#include "html_text.h"

/* One libxml2 extractor for every test, as a worker keeps one. */
static struct html_text *reference_extractor;

static int setup(void **state)
{
    (void)state;
    reference_extractor = html_text_new();
    return reference_extractor == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    html_text_free(reference_extractor);
    return 0;
}

/* Runs both paths on html[0..len). Returns 1 when the fast path answered (and then its answer
 * must be libxml2's, byte for byte), 0 when it gave up (and then out must be as it was). */
static int compare(const char *html, size_t len)
{
    struct wc_buf expected = WC_BUF_INIT, got = WC_BUF_INIT;
    assert_int_equal(html_text_extract_libxml2(reference_extractor, html, len, &expected, NULL), 0);
    /* something already in the buffer must be kept in both outcomes */
    assert_int_equal(wc_buf_puts(&got, "keep"), 0);
    int rc = html_fast_extract(html, len, &got);
    assert_true(rc == 0 || rc == HTML_FAST_UNSURE);
    if (rc == 0) {
        assert_true(got.len >= 4);
        assert_memory_equal(got.data, "keep", 4);
        if (got.len - 4 != expected.len || memcmp(got.data + 4, expected.data, expected.len) != 0)
            fail_msg("fast path differs on %.200s\n fast: \"%s\"\n libxml2: \"%s\"", html,
                     got.data + 4, expected.data);
        assert_int_equal(got.data[got.len], '\0');
    } else {
        assert_int_equal(got.len, 4);
        assert_string_equal(got.data, "keep");
    }
    wc_buf_free(&expected);
    wc_buf_free(&got);
    return rc == 0;
}

/* The fast path answers html, exactly as libxml2. */
static void fast(const char *html)
{
    if (!compare(html, strlen(html)))
        fail_msg("fast path gave up on %s", html);
}

/* The fast path gives up on html. */
static void unsure(const char *html)
{
    if (compare(html, strlen(html)))
        fail_msg("fast path answered %s", html);
}

/* Either outcome is fine, but an answer must be exact. */
static void either(const char *html)
{
    (void)compare(html, strlen(html));
}

static void test_mediawiki_paragraphs(void **state)
{
    (void)state;
    fast("<div class=\"mw-parser-output\"><p><b>Foo</b> is a <a href=\"/wiki/Bar\" "
         "title=\"Bar\">bar</a>.<sup id=\"cite&#95;ref-1\" class=\"reference\"><a "
         "href=\"#cite_note-1\">&#91;1&#93;</a></sup>\n</p><p>Second &amp; third&nbsp;x\n</p>\n"
         "<h2><span class=\"mw-headline\" id=\"History\">History</span></h2>\n</div>");
    fast("<p>one</p><p>two</p>");
    fast("<p>a\n\nb</p>");
    fast("<p>tab\there</p>");
    fast("<p>cr\r\nlf</p>");
    fast("<P CLASS='x'>Upper case</P>");
    fast("<p>\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80 \xc2\x80\xef\xbf\xbd</p>");
    fast("");
    fast("   \n ");
    fast("<div><h2>Only a heading</h2><ul><li>item</li></ul></div>");
}

static void test_entities(void **state)
{
    (void)state;
    fast("<p>&amp;&lt;&gt;&quot;&nbsp;&#91;&#93;&#160;&#95;&#x263A;&#X263a;&#x1F600;&mdash;</p>");
    fast("<p>&unknown; &amp &ampx; &Amp; &AMP; &thetasym; &thetasymx;</p>");
    fast("<p>a & b &; &1 &# &#; &#x; &#0; &#65 x &#x41z &#1114111; &#1114112; &#99999999;</p>");
    fast("<p>&#xD800; &#xFFFE; &#xFFFF; &#11; &#9; &#10; &#13; &#x110000;</p>");
    fast("<p>&_a; &:b; &a.b-c_d:e;</p>");
    fast("<p>x</p>&amp;<p>y&");
    fast("<div>&amp; outside</div>&#65;");
    unsure("<p>&amp");
    unsure("<p>&eacute\xc3\xa9</p>");
    unsure("<p>&\xc3\xa9</p>");
}

static void test_auto_close(void **state)
{
    (void)state;
    fast("<p>x<div>block</div>y</p>");
    fast("<p><table><tr><td>t</td></tr></table>after</p>");
    fast("<ul><li>x<p>y</li></ul><p>z");
    fast("<p>a<p>b<p>c");
    fast("<p>");
    fast("<b><p>x</b>y</p>");
    fast("<p>a<ul><li>b</li></ul>c</p>");
    fast("<p>a<h2>b</h2>c<pre>d</pre>e<blockquote><p>f</p></blockquote>g");
    fast("<table><tr><td><p>a<td>b<tr><th>c<p>d</table><p>e");
    fast("<dl><dt><p>a<dd><p>b</dl>");
    fast("<p>a<hr>b<hr/>c<br>d<br/>e<img src=\"x\">f</p>");
    fast("<p>a<xmp>b</xmp>c<listing>d</listing>e</p>");
    fast("<p>a<form>b</form>c<center>d</center>e<address>f</address>g</p>");
    fast("<p/>x<p/><div/>y");
    fast("<a href=x>a<p>b<a>c</a>d</p>e</a>");
}

static void test_end_tags(void **state)
{
    (void)state;
    fast("<p>a</span>b</p>c</p>d");
    fast("<div><p>a</div>b</p>");
    fast("<p><span>a</p>b</span>c");
    fast("<table><tr><td><span><p>x</td>y</span>z</p></table>");
    fast("<div><span>a</div>b");
    fast("<p>a</p >b</p\n>c</p foo>d</ p>e</>f</3>g");
    fast("<p>a</p x=\"y\">b</p");
    fast("<p>a</unknown>b</.x>c</_y>d</:z>e</a.b>f");
    fast("<p>a</td>b</tr>c</table>d</div>e");
    unsure("<p>x</body>y");
    unsure("<p>x</html>y");
    unsure("<p>x</head>y");
}

static void test_unknown_elements(void **state)
{
    (void)state;
    fast("<p>a<bdi>b</bdi>c<wbr>d<mark>e</mark>f<ruby>g<rt>h</rt></ruby>i</p>");
    fast("<p>a<wbr><div>b</div>c</p>d");
    fast("<section><p>a</section>b</p>c");
    fast("<p>a<FOO-bar>b</foo-BAR>c</p><mw:x>d</mw:x><p>e");
    fast("<figure><p>a<figcaption>b</figcaption></figure>c");
    fast("<time datetime=\"2020\">now</time><p>x<data value=1>y</data>z");
}

static void test_implied_elements(void **state)
{
    (void)state;
    fast("text before <p>p1</p> after");
    fast("  \n <p>q</p>");
    fast("<!-- c --> \n<!-- d -->x<p>y");
    fast("<title>t</title>x<p>y");
    fast("<title>t</title> <p>y");
    fast("<style>s</style>x");
    fast("<meta property=\"mw:PageProp/toc\" /><p>x</p>");
    fast("<link rel=x><p>x</p>");
    fast("<base href=x>text");
    fast("<script>a</script><div>b</div>c<p>d");
    unsure("<html> &amp; <p>q</p>");
    unsure("<body><p>x</p></body>");
    unsure("<head><title>t</title></head><p>x");
    unsure("<frameset><frame src=x></frameset>");
    unsure("<noframes>x</noframes>");
    unsure("<p>x<meta charset=\"latin1\">y");
    unsure("<p>x<meta http-equiv=\"Content-Type\" content=\"text/html; charset=latin1\">y");
}

static void test_blanks(void **state)
{
    (void)state;
    fast("<title>t</title>   <p>x");
    fast("<title>t</title>   &amp;<p>x");
    fast("<title>t</title>   ");
    fast("<p>x</p>\n");
    fast("<p>x\n");
    fast("<p>   </p>");
    fast("<table><tr><td><p>cell\n\npara</p></td></tr></table><p>   </p>");
    fast("<p>x<b> </b> <i>y</i> </p>");

    /* a run of blanks is reported in chunks of 1000 bytes: longer runs are never ignorable */
    char html[2100];
    for (size_t n = 995; n <= 1005; n++) {
        memcpy(html, "<title>t</title>", 16);
        memset(html + 16, ' ', n);
        memcpy(html + 16 + n, "<p>x", 5);
        fast(html);
        memset(html + 16 + n, '\n', 1000);
        html[16 + n + 1000] = '\0';
        fast(html);
    }
}

static void test_comments(void **state)
{
    (void)state;
    fast("<p>c<!-- comment -->d</p>");
    fast("<p>c<!---->d<!-- - -- --->e<!--->-->f<!-->-->g</p>");
    fast("<p>c<!-- <p>not a tag</p> -->d</p><!--\nNewPP limit report\n-->\n");
    fast("<p>a<!x>b<!-x>c<!DOCTYP>d</p>");
    unsure("<p>c<!-- never closed");
    unsure("<p>c<!-- x --!>d</p>");
    unsure("<!DOCTYPE html><p>x</p>");
    unsure("<p>x<!doctype html>y</p>");
    unsure("<?xml version=\"1.0\"?><p>x</p>");
    unsure("<p>x<?php y ?>z</p>");
}

static void test_lone_less_than(void **state)
{
    (void)state;
    fast("<p>a < b <= c <3 <_x <:y <- <</p>");
    fast("<p>a<</p>");
    fast("<p>a<");
    fast("x < y");
}

static void test_attributes(void **state)
{
    (void)state;
    fast("<p class=\"a b\" id='c' data-x=\"<p>&amp;</p>\" title=\"a > b\">x</p>");
    fast("<p a=b c = d e=\"f\"g='h' i j>x</p>");
    fast("<a href=x/>in a</a><p>y");
    fast("<p\nclass\n=\n\"x\"\n>x</p >");
    fast("<p a=\"1\" a=\"2\">dup</p>");
    fast("<p a=&amp;b c=&#62;>x</p>");
    fast("<p a= >x</p>");
    fast("<input type=\"checkbox\" /><label for=\"x\"></label><p>y");
    unsure("<p a=\"unclosed>x</p>");
    unsure("<p \"x\">y</p>");
    unsure("<p a/b>y</p>");
    unsure("<p a=b");
    unsure("<p");
    unsure("<p.x>y</p>");
}

static void test_style_and_script(void **state)
{
    (void)state;
    fast("<p>a<style>.x{color:red}</style>b</p>");
    fast("<p>a<style data-mw-deduplicate=\"TemplateStyles:r1\">.x>y{a:b}\n</style>b</p>");
    fast("<p>a<script>var x = \"<p>\"; if (a<b) {}</script>b</p><p>c</p>");
    fast("<p>a<style></style>b<script/>c<style/>d</p>");
    fast("<p>x<style>a</b>c</style>y</p>");
    fast("<div><style>a</style></div><p>x<script>s\n</script>");
    unsure("<p>a<style><p>x</style>b</p>");
    unsure("<p>a<style></b>x</style>b</p>");
    unsure("<p>a<style>x</STYLE>b</p>");
    unsure("<p>a<style>x</styles>b</style></p>");
    unsure("<p>a<style>x</style >b</p>");
    unsure("<p>a<style>never closed");
    unsure("<p>a<script>x</scr");
}

static void test_nested_paragraphs_give_up(void **state)
{
    (void)state;
    unsure("<p>a<span><p>inner</p>tail</span>after</p><p>z</p>");
    unsure("<p>a<a href=\"x\"><p>in link</p></a>b</p>");
}

static void test_input_that_is_not_plain(void **state)
{
    (void)state;
    unsure("\xef\xbb\xbf<p>bom</p>");
    unsure("<p>latin1 \xe9</p>");
    unsure("<p>overlong \xc0\xaf</p>");
    unsure("<p>surrogate \xed\xa0\x80</p>");
    unsure("<p>U+FFFE \xef\xbf\xbe</p>");
    unsure("<p>too high \xf4\x90\x80\x80</p>");
    unsure("<p>cut \xe4\xb8</p>");
    unsure("<p>form\ffeed</p>");
    unsure("<p>escape\x1b</p>");
    assert_int_equal(compare("<p>nul\0byte</p>", 15), 0);
    /* the ASCII fast check works eight bytes at a time: put the bad byte everywhere */
    char html[40];
    for (size_t i = 3; i < 30; i++) {
        memset(html, 'a', sizeof html);
        memcpy(html, "<p>", 3);
        html[i] = '\x01';
        html[39] = '\0';
        unsure(html);
        html[i] = '\n';
        fast(html);
    }
}

static void test_deep_nesting(void **state)
{
    (void)state;
    struct wc_buf html = WC_BUF_INIT;
    for (int i = 0; i < 300; i++)
        assert_int_equal(wc_buf_puts(&html, "<span>"), 0);
    assert_int_equal(wc_buf_puts(&html, "x<p>y</p>"), 0);
    either(html.data);
    wc_buf_reset(&html);
    for (int i = 0; i < 200; i++)
        assert_int_equal(wc_buf_puts(&html, "<div>"), 0);
    assert_int_equal(wc_buf_puts(&html, "<p>deep</p>"), 0);
    fast(html.data);
    wc_buf_free(&html);
}

static void test_long_names(void **state)
{
    (void)state;
    char html[400];
    for (size_t n = 97; n <= 102; n++) {
        strcpy(html, "<p>a<");
        memset(html + 5, 'x', n);
        strcpy(html + 5 + n, ">b</");
        memset(html + 9 + n, 'x', n);
        strcpy(html + 9 + n + n, ">c</p>");
        either(html);
    }
    fast("<p>a<blockquote>b</blockquote>c<BlockQuote>d</blockquotes>e<blockquotex>f</p>");
}

/* The parse.text of an action=parse answer (formatversion 1 or 2), or NULL. */
static char *answer_html(const char *path, size_t *len)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    json_t *text = json_object_get(json_object_get(root, "parse"), "text");
    if (json_is_object(text))
        text = json_object_get(text, "*");
    char *copy = NULL;
    if (json_is_string(text)) {
        *len = json_string_length(text);
        copy = malloc(*len + 1);
        if (copy != NULL)
            memcpy(copy, json_string_value(text), *len + 1);
    }
    json_decref(root);
    return copy;
}

/* Every captured answer: the fast path must answer for at least 95% of the pages, exactly. */
static void test_corpus(void **state)
{
    (void)state;
    static const char dir_path[] = "tests/corpus/answers/notebook";
    DIR *dir = opendir(dir_path);
    assert_non_null(dir);
    size_t pages = 0, answered = 0;
    for (const struct dirent *entry = readdir(dir); entry != NULL; entry = readdir(dir)) {
        size_t name_len = strlen(entry->d_name);
        if (name_len < 5 || strcmp(entry->d_name + name_len - 5, ".json") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir_path, entry->d_name);
        size_t len = 0;
        char *html = answer_html(path, &len);
        if (html == NULL)
            continue;
        pages++;
        if (compare(html, len))
            answered++;
        else
            print_message("fast path gave up on %s\n", path);
        free(html);
    }
    closedir(dir);
    print_message("corpus: fast path answered %zu of %zu pages\n", answered, pages);
    assert_true(pages >= 50);
    assert_true(answered * 100 >= pages * 95);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mediawiki_paragraphs),
        cmocka_unit_test(test_entities),
        cmocka_unit_test(test_auto_close),
        cmocka_unit_test(test_end_tags),
        cmocka_unit_test(test_unknown_elements),
        cmocka_unit_test(test_implied_elements),
        cmocka_unit_test(test_blanks),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_lone_less_than),
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_style_and_script),
        cmocka_unit_test(test_nested_paragraphs_give_up),
        cmocka_unit_test(test_input_that_is_not_plain),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_long_names),
        cmocka_unit_test(test_corpus),
    };
    return cmocka_run_group_tests_name("html_fast", tests, setup, teardown);
}
