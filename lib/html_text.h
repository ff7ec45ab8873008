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

void html_text_free(struct html_text *x);

#endif
