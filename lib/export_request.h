/* export_request.h - what a job asks of the export: the sink and the prefix, as sent and checked */
#ifndef WC_EXPORT_REQUEST_H
#define WC_EXPORT_REQUEST_H

#include <stddef.h>

#include "export_layout.h"
#include "wc_error.h"

/* The sinks an operator may configure; a job names one, never a host, bucket or path. */
enum export_sink_kind {
    EXPORT_SINK_NONE = 0,
    EXPORT_SINK_DIR, /* --export-dir */
    EXPORT_SINK_S3,  /* --s3-bucket */
};

/* A set of configured sinks: EXPORT_SINK_BIT(EXPORT_SINK_DIR) | ... */
#define EXPORT_SINK_BIT(sink) (1u << (sink))

struct export_request {
    enum export_sink_kind to; /* EXPORT_SINK_NONE: no export */
    char prefix[EXPORT_PREFIX_MAX + 1];
    /* "keep": "export": records leave Redis once their part is durable (0: "redis", the
     * default: they stay readable through the API too). Only with an export. */
    int keep_export;
};

/* The stored and shown names of the two keep modes. */
#define EXPORT_KEEP_REDIS "redis"
#define EXPORT_KEEP_EXPORT "export"

/* Prototypes */

/* "dir", "s3", or "" for EXPORT_SINK_NONE. */
const char *export_sink_name(enum export_sink_kind sink);

/* Fill r from a sink name to[0..to_len) and a prefix[0..prefix_len). 0, or WC_EINVAL with err
 * saying what is wrong: an unknown sink, one not in configured (a set of EXPORT_SINK_BIT), a bad
 * prefix (export_prefix_check()). r is unchanged on failure. */
int export_request_set(struct export_request *r, const char *to, size_t to_len, const char *prefix,
                       size_t prefix_len, unsigned configured, struct wc_error *err);

/* The same from json[0..len), the raw value of a body's "export" member: an object
 * {"to": "dir"|"s3", "prefix": "..."}, both members strings and required. WC_EINVAL (err filled)
 * for anything else. */
int export_request_parse_json(struct export_request *r, const char *json, size_t len,
                              unsigned configured, struct wc_error *err);

/* Set r->keep_export from a mode name s[0..len) ("redis" or "export"). 0, or WC_EINVAL with err
 * filled. */
int export_keep_set(struct export_request *r, const char *s, size_t len, struct wc_error *err);

/* 0 when r is whole: keep "export" needs an export to keep the records in. WC_EINVAL (err
 * filled) otherwise. */
int export_request_check(const struct export_request *r, struct wc_error *err);

#endif
