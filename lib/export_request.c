/* export_request.c - what a job asks of the export: the sink and the prefix, as sent and checked */
#include "export_request.h"

#include <string.h>

#include <jansson.h>

const char *export_sink_name(enum export_sink sink)
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
    enum export_sink sink = EXPORT_SINK_NONE;
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
    r->to = sink;
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
