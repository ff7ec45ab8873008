/* job_options.c - a job's labels and priority: what a client may send, and their stored form */
#include "job_options.h"
#include "json_write.h"
#include "utf8.h"

#include <jansson.h>
#include <string.h>

/* True when s[0..len) is a label of allowed bytes: well-formed UTF-8, no C0 or C1 control. */
static bool label_text_ok(const char *s, size_t len)
{
    if (!wc_utf8_valid(s, len))
        return false;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < 0x20 || p[i] == 0x7F)
            return false;
        /* U+0080..U+009F are C2 80..C2 9F in UTF-8. */
        if (p[i] == 0xC2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)
            return false;
    }
    return true;
}

int job_labels_add(struct job_labels *l, const char *s, size_t len, struct wc_error *err)
{
    if (len == 0 || len > JOB_LABEL_MAX_BYTES)
        return wc_error_set(err, WC_EINVAL, "a label must be 1 to %d bytes", JOB_LABEL_MAX_BYTES);
    if (!label_text_ok(s, len))
        return wc_error_set(err, WC_EINVAL,
                            "a label must be UTF-8 text without control characters");
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->label[i]) == len && memcmp(l->label[i], s, len) == 0)
            return 0;
    if (l->n == JOB_LABELS_MAX)
        return wc_error_set(err, WC_EINVAL, "a job has at most %d labels", JOB_LABELS_MAX);
    memcpy(l->label[l->n], s, len);
    l->label[l->n][len] = '\0';
    l->n++;
    return 0;
}

int job_labels_parse_json(struct job_labels *l, const char *json, size_t len, struct wc_error *err)
{
    json_error_t jerr;
    json_t *v = json_loadb(json, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    struct job_labels parsed = {0};
    int rc = 0;
    if (v == NULL) {
        /* Raw bytes were checked by the JSON reader; what is left is a \u escape that is no
         * character (a lone surrogate) or a value cut at the reader's limit: say which. */
        rc =
            wc_error_set(err, WC_EINVAL, "labels must be an array of UTF-8 strings: %s", jerr.text);
        goto out;
    }
    if (!json_is_array(v)) {
        rc = wc_error_set(err, WC_EINVAL, "labels must be an array of strings");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(v) && rc == 0; i++) {
        json_t *item = json_array_get(v, i);
        if (!json_is_string(item))
            rc = wc_error_set(err, WC_EINVAL, "labels must be an array of strings");
        else
            rc = job_labels_add(&parsed, json_string_value(item), json_string_length(item), err);
    }
    if (rc == 0)
        *l = parsed;
out:
    json_decref(v);
    return rc;
}

int job_labels_json(const struct job_labels *l, struct wc_buf *out)
{
    const char *items[JOB_LABELS_MAX];
    for (size_t i = 0; i < l->n; i++)
        items[i] = l->label[i];
    return json_write_string_array(out, items, l->n);
}

bool job_labels_json_has(const char *json, const char *label)
{
    json_error_t jerr;
    json_t *v = json_loads(json, JSON_DECODE_ANY, &jerr);
    bool found = false;
    for (size_t i = 0; json_is_array(v) && i < json_array_size(v) && !found; i++) {
        const char *item = json_string_value(json_array_get(v, i));
        found = item != NULL && strcmp(item, label) == 0;
    }
    json_decref(v);
    return found;
}

const char *job_priority_parse(const char *s, size_t len)
{
    static const char *const names[] = {JOB_PRIORITY_HIGH, JOB_PRIORITY_NORMAL, JOB_PRIORITY_LOW};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
            return names[i];
    return NULL;
}
