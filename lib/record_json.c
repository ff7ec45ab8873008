/* record_json.c - a crawl record as one compact JSON object */
#include "record_json.h"
#include "json_write.h"
#include "wc_error.h"

#include <string.h>

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        if ((expr) != 0)                                                                           \
            return WC_ENOMEM;                                                                      \
    } while (0)

int record_json_append(struct wc_buf *out, const struct wc_record *r)
{
    TRY(wc_buf_puts(out, "{\"page_id\":"));
    TRY(json_write_cstring(out, r->page_id));
    TRY(wc_buf_puts(out, ",\"page_title\":"));
    TRY(json_write_cstring(out, r->page_title));
    TRY(wc_buf_puts(out, ",\"page_text\":"));
    if (r->page_text == NULL)
        TRY(json_write_string(out, "", 0));
    else
        TRY(json_write_string(out, r->page_text, r->page_text_len));
    TRY(wc_buf_puts(out, ",\"category\":"));
    TRY(json_write_string_array(out, r->category.items, r->category.n));
    TRY(wc_buf_puts(out, ",\"links\":"));
    TRY(json_write_string_array(out, r->links.items, r->links.n));
    TRY(wc_buf_puts(out, ",\"external_links\":"));
    TRY(json_write_string_array(out, r->external_links.items, r->external_links.n));
    TRY(wc_buf_puts(out, ",\"sections\":"));
    TRY(json_write_string_array(out, r->sections.items, r->sections.n));
    TRY(wc_buf_puts(out, ",\"redirects_page\":"));
    TRY(json_write_cstring(out, r->redirects_page));
    TRY(wc_buf_putc(out, '}'));
    return 0;
}
