/* error_line.h - the error line: one title of a job that ended without a record */
#ifndef WC_ERROR_LINE_H
#define WC_ERROR_LINE_H

#include <stddef.h>

#include "buf.h"
#include "mwparse.h"

/* A job's errors stream holds one line per title that got no record:
 *   {"title":"...","outcome":"missing|invalid|disambiguation|failed","detail":"..."}
 * compact, keys in this order, strings escaped as json_write.h does (Python's
 * json.dumps(ensure_ascii=False)), no trailing newline. The crawler writes it for the titles the
 * wiki answered without a record, the front end for the titles it refuses at upload; this is the
 * only place that spells it. */

/* Prototypes */

/* Append the line for title[0..title_len) to out. The detail is "<code>: <detail>" when code is
 * not NULL (the crawler's "maxlag: Waiting for ..."), detail alone otherwise. detail must not be
 * NULL. 0 or WC_ENOMEM (out may then hold part of the line). */
int error_line_append(struct wc_buf *out, const char *title, size_t title_len,
                      enum wc_outcome outcome, const char *code, const char *detail);

#endif
