/* html_text.h - the text of every <p> of an HTML page, exactly as the notebook's lxml code gives it
 */
#ifndef WC_HTML_TEXT_H
#define WC_HTML_TEXT_H

#include <stddef.h>

#include "buf.h"
#include "wc_error.h"

/* The notebook computed page_text as
 *
 *   "".join(" " + p.text_content()
 *           for p in lxml.html.document_fromstring(text).xpath("//p")).replace("\n", ".")
 *
 * This module gives the same bytes in one SAX pass over libxml2's HTML parser, with the options
 * lxml.html uses (UTF-8, recover, no network), and without building a tree. Because the tree lxml
 * walks is itself built from these SAX events, every recovery the parser does (implied and
 * auto-closed <p>, misnested tags) is seen identically. Nested <p> (possible through inline
 * elements) are handled as XPath does: each contributes its full text, in document order.
 *
 * Most pages take a faster road (html_fast.h): a scanner that models the same parser rules for
 * the HTML MediaWiki writes and gives up, falling back to libxml2, on anything it cannot be sure
 * of. The two agree byte for byte (unit tests over the corpus, and a differential fuzz target).
 *
 * An extractor keeps a libxml2 parser context and scratch buffers between pages. It is not
 * thread-safe: use one per thread. */
struct html_text;

/* Prototypes */

/* A new extractor, or NULL when out of memory. Free with html_text_free(). */
struct html_text *html_text_new(void);

/* Append the page text of html[0..len) (UTF-8) to out. Returns 0 or WC_ENOMEM (out then holds a
 * partial result the caller should discard). Malformed HTML is never an error: the parser
 * recovers as lxml's does. An empty document gives an empty text. */
int html_text_extract(struct html_text *x, const char *html, size_t len, struct wc_buf *out,
                      struct wc_error *err);

/* html_text_extract() without the fast path: always libxml2's SAX parser. Same contract. The tests
 * and the differential fuzzer use it as the reference html_fast_extract() must equal. */
int html_text_extract_libxml2(struct html_text *x, const char *html, size_t len, struct wc_buf *out,
                              struct wc_error *err);

void html_text_free(struct html_text *x);

#endif
