/* export_sink.h - where exported objects are written: the interface, and the sinks beside it */
#ifndef WC_EXPORT_SINK_H
#define WC_EXPORT_SINK_H

#include <stddef.h>

#include "wc_error.h"

/* An object is written in one go: opened, given its bytes, then committed, which makes it
 * visible whole under its name (or leaves the previous object of that name as it was). A sink
 * never shows a partial object, so an exporter that dies midway only leaves an invisible
 * temporary behind, and writing the same name again with the same bytes is harmless.
 *
 * Errors: WC_EIO for a failure worth retrying (a full disk, a sink that is down), WC_EINVAL for
 * one that will not go away by itself (refused credentials, a missing bucket); err says which. */

struct export_sink_object;

struct export_sink {
    const char *name; /* "dir", "s3" */
    /* Start the object name (an export_object_name()). 0 or an error; *out is freed by commit
     * or abort. */
    int (*open)(struct export_sink *s, const char *name, struct export_sink_object **out,
                struct wc_error *err);
    int (*write)(struct export_sink_object *o, const void *data, size_t len, struct wc_error *err);
    /* Make the object durable and visible. sha256_hex is the digest of its bytes (S3 checks
     * it). Frees o, whatever the outcome. */
    int (*commit)(struct export_sink_object *o, const char *sha256_hex, struct wc_error *err);
    /* Drop an object that will not be committed. */
    void (*abort)(struct export_sink_object *o);
    /* Where the folder of objects is, for people: "/srv/exports/" or "s3://bucket/". */
    const char *root;
    void (*free)(struct export_sink *s);
};

/* Prototypes */

/* The sink "dir": objects are files under root (created as needed). Each is written to a hidden
 * temporary file beside it, fsynced, renamed and its directory fsynced. NULL when out of memory.
 * Free with s->free(s). */
struct export_sink *export_dir_sink_new(const char *root);

/* What the sink "s3" needs: the bucket, the endpoint ("" = AWS's for the region, addressed
 * virtual-host style; any other is addressed path style) and the region, and the credentials
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN: session_token may be ""). */
struct export_s3_config {
    const char *bucket, *endpoint, *region;
    const char *access_key, *secret_key, *session_token;
    long timeout_ms, connect_timeout_ms;
};

/* The sink "s3": each object is spooled to an anonymous temporary file, then sent in one PUT
 * signed with SigV4 (libcurl's CURLOPT_AWS_SIGV4) whose x-amz-content-sha256 is the digest of its
 * bytes: S3 stores the whole object or nothing. 5xx answers, 429, timeouts and connection
 * failures are WC_EIO (retried); 403 (refused credentials) and 404 (no such bucket) and other
 * 4xx are WC_EINVAL, with S3's error code in err. The credentials are copied, and never put in
 * an error message. NULL when out of memory, or when the region or bucket can make no URL
 * (logged). Free with s->free(s). */
struct export_sink *export_s3_sink_new(const struct export_s3_config *cfg);

#endif
