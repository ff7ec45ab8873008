/* export_layout.h - where an export's objects go: prefixes a job may name, and object names */
#ifndef WC_EXPORT_LAYOUT_H
#define WC_EXPORT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "wc_error.h"

/* An export of job JOB_ID with prefix PREFIX lands in the folder
 *
 *     [OWNER/]PREFIX/JOB_ID/
 *         part-000000.ndjson.gz     records 0 .. N-1 in result order (N = --export-part-records)
 *         part-000001.ndjson.gz     records N .. 2N-1, ...
 *         errors-000000.ndjson.gz   the /errors lines, N per part likewise
 *         _manifest.json            what the parts hold (export_manifest.h)
 *         _SUCCESS                  empty, written last
 *
 * OWNER is the API key's owner tag (16 hex digits) when access control is on, so that no key can
 * write into another's folder. Names starting with '_' are the ones Spark, DuckDB and Trino skip
 * when they list a folder. Every byte of a folder is [A-Za-z0-9._-/], S3's unreserved set plus
 * '/', so a name is the same in a file system and in an object key. */

/* A prefix is 1..EXPORT_PREFIX_MAX bytes. */
#define EXPORT_PREFIX_MAX 200
/* Room for any folder export_folder() builds (owner, prefix, job id, slashes, NUL). */
#define EXPORT_FOLDER_MAX 320
/* Room for any object name export_object_name() builds from such a folder. */
#define EXPORT_NAME_MAX 360

enum export_object {
    EXPORT_OBJECT_PART = 0, /* part-%06ld.ndjson.gz */
    EXPORT_OBJECT_ERRORS,   /* errors-%06ld.ndjson.gz */
    EXPORT_OBJECT_MANIFEST, /* _manifest.json */
    EXPORT_OBJECT_SUCCESS,  /* _SUCCESS */
};

/* Prototypes */

/* 0 when s[0..len) is a valid prefix: segments of [A-Za-z0-9._-] separated by single '/', no
 * leading or trailing '/', no empty segment, no segment "." or "..", 1..EXPORT_PREFIX_MAX bytes.
 * WC_EINVAL otherwise, with err saying what is wrong. */
int export_prefix_check(const char *s, size_t len, struct wc_error *err);

/* Write "[OWNER/]PREFIX/JOB_ID" into out (size bytes; EXPORT_FOLDER_MAX is enough). owner may be
 * NULL or "" (no access control). Returns the length, or WC_EINVAL (a bad prefix, an owner or job
 * id with other bytes than [A-Za-z0-9]) or WC_ELIMIT (no room). */
int export_folder(char *out, size_t size, const char *owner, const char *prefix,
                  const char *job_id);

/* Write "FOLDER/NAME" of one object into out; index counts parts from 0 (ignored for the
 * manifest and _SUCCESS). Returns the length, WC_EINVAL (an unknown kind or a negative index) or
 * WC_ELIMIT. */
int export_object_name(char *out, size_t size, const char *folder, enum export_object kind,
                       long index);

#endif
