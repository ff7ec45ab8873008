/* provenance.c - the opt-in fields that say where a record came from (see provenance.h) */
#include "provenance.h"
#include "json_write.h"

#include <jansson.h>
#include <string.h>

/* In the fixed order: bit 1 << i is names[i]. */
static const char *const names[] = {"wiki", "revision_id", "wikidata_id", "touched"};
#define N_NAMES (sizeof names / sizeof names[0])

static int add_name(const char *s, size_t len, unsigned *set, struct wc_error *err)
{
    for (size_t i = 0; i < N_NAMES; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
            *set |= 1u << i;
            return 0;
        }
    }
    return wc_error_set(err, WC_EINVAL,
                        "fields must name wiki, revision_id, wikidata_id or touched, not '%.*s'",
                        (int)(len > 40 ? 40 : len), s);
}

int provenance_parse_list(const char *s, size_t len, unsigned *set, struct wc_error *err)
{
    unsigned parsed = 0;
    const char *at = s, *end = s + len;
    /* every name between commas counts: "wiki," has an empty one, which is refused */
    while (len > 0) {
        const char *comma = memchr(at, ',', (size_t)(end - at));
        const char *stop = comma ? comma : end;
        int rc = add_name(at, (size_t)(stop - at), &parsed, err);
        if (rc != 0)
            return rc;
        if (comma == NULL)
            break;
        at = comma + 1;
    }
    *set = parsed;
    return 0;
}

unsigned provenance_stored(const char *s, size_t len)
{
    unsigned set = 0;
    return provenance_parse_list(s, len, &set, NULL) == 0 ? set : 0;
}

int provenance_parse_json(const char *json, size_t len, unsigned *set, struct wc_error *err)
{
    json_error_t jerr;
    json_t *v = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    unsigned parsed = 0;
    int rc = 0;
    if (!json_is_array(v)) {
        rc = wc_error_set(err, WC_EINVAL, "fields must be an array of strings");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(v) && rc == 0; i++) {
        json_t *item = json_array_get(v, i);
        if (!json_is_string(item))
            rc = wc_error_set(err, WC_EINVAL, "fields must be an array of strings");
        else
            rc = add_name(json_string_value(item), json_string_length(item), &parsed, err);
    }
    if (rc == 0)
        *set = parsed;
out:
    json_decref(v);
    return rc;
}

int provenance_list(unsigned set, struct wc_buf *out)
{
    int first = 1;
    for (size_t i = 0; i < N_NAMES; i++) {
        if (!(set & (1u << i)))
            continue;
        if ((!first && wc_buf_putc(out, ',') != 0) || wc_buf_puts(out, names[i]) != 0)
            return WC_ENOMEM;
        first = 0;
    }
    return 0;
}

size_t provenance_names(unsigned set, const char **out)
{
    size_t n = 0;
    for (size_t i = 0; i < N_NAMES; i++)
        if (set & (1u << i))
            out[n++] = names[i];
    return n;
}

int provenance_json(unsigned set, struct wc_buf *out)
{
    const char *items[N_NAMES];
    return json_write_string_array(out, items, provenance_names(set, items));
}

static const char *or_null(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

int provenance_append(struct wc_buf *out, const char *record, size_t len, unsigned set,
                      const struct provenance *p)
{
    if (set == 0)
        return wc_buf_append(out, record, len);
    if (len == 0 || record[len - 1] != '}')
        return WC_EINVAL;
    int rc = wc_buf_append(out, record, len - 1);
    if (rc == 0 && (set & PROVENANCE_WIKI)) {
        rc = wc_buf_puts(out, ",\"wiki\":");
        if (rc == 0)
            rc = json_write_cstring(out, or_null(p->wiki));
    }
    if (rc == 0 && (set & PROVENANCE_REVISION_ID))
        rc = p->revision_id > 0 ? wc_buf_printf(out, ",\"revision_id\":%lld", p->revision_id)
                                : wc_buf_puts(out, ",\"revision_id\":null");
    if (rc == 0 && (set & PROVENANCE_WIKIDATA_ID)) {
        rc = wc_buf_puts(out, ",\"wikidata_id\":");
        if (rc == 0)
            rc = json_write_cstring(out, or_null(p->wikidata_id));
    }
    if (rc == 0 && (set & PROVENANCE_TOUCHED)) {
        rc = wc_buf_puts(out, ",\"touched\":");
        if (rc == 0)
            rc = json_write_cstring(out, or_null(p->touched));
    }
    if (rc == 0)
        rc = wc_buf_putc(out, '}');
    return rc == 0 ? 0 : WC_ENOMEM;
}
