/* export_request.c - what a job asks of the export: the sink and the prefix, as sent and checked */
#include "export_request.h"

#include <string.h>

#include <jansson.h>

const char *export_sink_name(enum export_sink_kind sink)
{
    switch (sink) {
    case EXPORT_SINK_DIR:
        return "dir";
    case EXPORT_SINK_S3:
        return "s3";
    default:
        return "";
    }
}

int export_request_set(struct export_request *r, const char *to, size_t to_len, const char *prefix,
                       size_t prefix_len, unsigned configured, struct wc_error *err)
{
    enum export_sink_kind sink = EXPORT_SINK_NONE;
    if (to_len == 3 && memcmp(to, "dir", 3) == 0)
        sink = EXPORT_SINK_DIR;
    else if (to_len == 2 && memcmp(to, "s3", 2) == 0)
        sink = EXPORT_SINK_S3;
    else
        return wc_error_set(err, WC_EINVAL, "export must be dir or s3");
    if (!(configured & EXPORT_SINK_BIT(sink)))
        return wc_error_set(err, WC_EINVAL, "the export sink %s is not configured on this server",
                            export_sink_name(sink));
    int rc = export_prefix_check(prefix, prefix_len, err);
    if (rc != 0)
        return rc;
    r->to = sink; /* keep_export is its own member: left as it is */
    memcpy(r->prefix, prefix, prefix_len);
    r->prefix[prefix_len] = '\0';
    return 0;
}

int export_request_parse_json(struct export_request *r, const char *json, size_t len,
                              unsigned configured, struct wc_error *err)
{
    json_t *v = json_loadb(json, len, JSON_DECODE_ANY, NULL);
    int rc = WC_EINVAL;
    json_t *to = json_object_get(v, "to"), *prefix = json_object_get(v, "prefix");
    if (!json_is_object(v) || !json_is_string(to) || !json_is_string(prefix)) {
        wc_error_set(err, WC_EINVAL,
                     "export must be an object {\"to\": \"dir\" or \"s3\", "
                     "\"prefix\": \"...\"}");
        goto out;
    }
    rc = export_request_set(r, json_string_value(to), json_string_length(to),
                            json_string_value(prefix), json_string_length(prefix), configured, err);
out:
    json_decref(v);
    return rc;
}

int export_keep_set(struct export_request *r, const char *s, size_t len, struct wc_error *err)
{
    if (len == strlen(EXPORT_KEEP_REDIS) && memcmp(s, EXPORT_KEEP_REDIS, len) == 0)
        r->keep_export = 0;
    else if (len == strlen(EXPORT_KEEP_EXPORT) && memcmp(s, EXPORT_KEEP_EXPORT, len) == 0)
        r->keep_export = 1;
    else
        return wc_error_set(err, WC_EINVAL, "keep must be redis or export");
    return 0;
}

int export_request_check(const struct export_request *r, struct wc_error *err)
{
    if (r->keep_export && r->to == EXPORT_SINK_NONE)
        return wc_error_set(err, WC_EINVAL,
                            "keep export needs an export (export and export_prefix)");
    return 0;
}
