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

#endif
