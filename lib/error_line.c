/* error_line.c - the error line {"title","outcome","detail"} of a title without a record */
#include "error_line.h"

#include <stdlib.h>
#include <string.h>

#include "json_write.h"
#include "wc_error.h"

/* "<code>: <detail>" is escaped as one string, so a code and a detail that are not valid UTF-8 on
 * their own come out as they always did. It fits this buffer whenever both come from a
 * struct mw_result or a libcurl error, so the crawl allocates nothing for a verdict. */
#define REASON_ON_STACK 1024

int error_line_append(struct wc_buf *out, const char *title, size_t title_len,
                      enum wc_outcome outcome, const char *code, const char *detail)
{
    char on_stack[REASON_ON_STACK];
    char *on_heap = NULL;
    const char *reason = detail;
    size_t reason_len = strlen(detail);
    if (code != NULL) {
        size_t code_len = strlen(code);
        size_t joined_len = code_len + 2 + reason_len;
        char *joined = on_stack;
        if (joined_len > sizeof on_stack) {
            on_heap = malloc(joined_len);
            if (on_heap == NULL)
                return WC_ENOMEM;
            joined = on_heap;
        }
        memcpy(joined, code, code_len);
        memcpy(joined + code_len, ": ", 2);
        memcpy(joined + code_len + 2, detail, reason_len);
        reason = joined;
        reason_len = joined_len;
    }
    int rc = 0;
    if (wc_buf_puts(out, "{\"title\":") != 0 || json_write_string(out, title, title_len) != 0 ||
        wc_buf_puts(out, ",\"outcome\":") != 0 ||
        json_write_cstring(out, wc_outcome_name(outcome)) != 0 ||
        wc_buf_puts(out, ",\"detail\":") != 0 || json_write_string(out, reason, reason_len) != 0 ||
        wc_buf_putc(out, '}') != 0)
        rc = WC_ENOMEM;
    free(on_heap);
    return rc;
}
