/* record_json.c - a crawl record as one compact JSON object */
#include "record_json.h"
#include "json_write.h"
#include "utf8.h"
#include "wc_error.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        if ((expr) != 0)                                                                           \
            return WC_ENOMEM;                                                                      \
    } while (0)

/* Length of the run at s of bytes json_write_string() copies as they are: printable ASCII but
 * '"' and '\\'. */
static size_t plain_run(const char *s, size_t len)
{
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (len - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        /* Signed compare: bytes from 0x80 are negative, so "below space" also finds them. */
        __m128i special =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmplt_epi8(v, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(special);
        if (mask != 0)
            return i + (size_t)__builtin_ctz(mask);
        i += 16;
    }
#endif
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            break;
        i++;
    }
    return i;
}

/* json_write_string() for page_text, most of a record's bytes: the same output (Python's
 * json.dumps(ensure_ascii=False) escaping, U+FFFD for bytes that are not well-formed UTF-8), with
 * the plain runs found 16 bytes at a time and copied whole. Special bytes go one run at a time to
 * json_write_string() itself, without its quotes, so that there is one escaping rule. */
static int write_text(struct wc_buf *out, const char *s, size_t len)
{
    if (wc_buf_reserve(out, len + 2) != 0 || wc_buf_putc(out, '"') != 0)
        return WC_ENOMEM;
    size_t i = 0;
    while (i < len) {
        size_t run = plain_run(s + i, len - i);
        if (run > 0 && wc_buf_append(out, s + i, run) != 0)
            return WC_ENOMEM;
        i += run;
        if (i == len)
            break;
        /* The special bytes up to the next plain one: a run of non-ASCII bytes is cut nowhere
         * inside, so json_write_string() sees whole sequences. */
        size_t end = i + 1;
        while (end < len && plain_run(s + end, 1) == 0)
            end++;
        size_t mark = out->len;
        if (json_write_string(out, s + i, end - i) != 0)
            return WC_ENOMEM;
        /* drop the quotes it wrote around the run */
        memmove(out->data + mark, out->data + mark + 1, out->len - mark - 2);
        out->len -= 2;
        out->data[out->len] = '\0';
        i = end;
    }
    return wc_buf_putc(out, '"');
}

/* The order record_json_append() writes them in. */
const char *const record_json_fields[RECORD_JSON_N_FIELDS] = {
    "page_id", "page_title",     "page_text", "category",
    "links",   "external_links", "sections",  "redirects_page"};

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
        TRY(write_text(out, r->page_text, r->page_text_len));
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
