/* html_fast.h - page text of the HTML MediaWiki writes in one plain scan, or "unsure" */
#ifndef WC_HTML_FAST_H
#define WC_HTML_FAST_H

#include <stddef.h>

#include "buf.h"
#include "wc_error.h"

/* html_text.c's libxml2 path is exact but runs libxml2's whole HTML parser. This module gives the
 * same bytes much faster for the HTML MediaWiki writes: it models, from the libxml2 2.9.14 source,
 * what that parser does with such HTML (its element stack, the start tags that close open
 * elements, implied <html>/<body>/<p>, end-tag priorities, entities, comments, <style> and
 * <script> contents, white space), and gives up on anything it does not model with certainty
 * (see the list at the top of html_fast.c). Giving up is cheap and leaves the caller's buffer as
 * it was, so html_text_extract() tries this first and falls back to libxml2 for that page. */

/* html_fast_extract() could not be sure of the answer: run the libxml2 path instead. */
#define HTML_FAST_UNSURE 1

/* Prototypes */

/* Append the page text of html[0..len) to out, byte for byte what html_text_extract_libxml2()
 * appends. Returns 0; HTML_FAST_UNSURE, with out exactly as it was on entry; or WC_ENOMEM (out
 * then holds a partial result the caller should discard). Keeps no state: safe from any thread. */
int html_fast_extract(const char *html, size_t len, struct wc_buf *out);

#endif
