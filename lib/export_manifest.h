/* export_manifest.h - an export's parts and their digests, and the _manifest.json that lists them
 */
#ifndef WC_EXPORT_MANIFEST_H
#define WC_EXPORT_MANIFEST_H

#include <stddef.h>

#include "buf.h"
#include "sha256.h"

/* One exported object: its name within the job's folder, the lines it holds, its size and the
 * SHA-256 of its bytes (lower-case hex). */
struct export_part_info {
    char name[32]; /* "part-000000.ndjson.gz" */
    long long records;
    long long bytes;
    char sha256[SHA256_HEX_LEN + 1];
};

/* A part being built: the stored gzip members of its lines, appended as they are (RFC 1952 makes
 * members back to back one gzip stream, so nothing is recompressed), counted and hashed as they
 * go. The bytes themselves go wherever the caller writes them. */
struct export_part_builder {
    struct sha256_ctx sha;
    long long records;
    long long bytes;
};

/* Prototypes */

/* Start an empty part. */
void export_part_begin(struct export_part_builder *b);

/* Count one line's member, member[0..len), after those before it. */
void export_part_add(struct export_part_builder *b, const void *member, size_t len);

/* What the part holds, into info (name is left as it was). */
void export_part_end(struct export_part_builder *b, struct export_part_info *info);

/* Parse one stored part entry (the form export_part_format() writes) into info. 0 or WC_EPARSE. */
int export_part_parse(const char *s, size_t len, struct export_part_info *info);

/* Append "NAME RECORDS BYTES SHA256": the compact form the exporter keeps in Redis for each part
 * made durable, read back by export_part_parse(). 0 or WC_ENOMEM. */
int export_part_format(const struct export_part_info *info, struct wc_buf *out);

/* Append _manifest.json: {"job","format","fields","parts":[{"name","records","bytes","sha256"}],
 * "errors":[...likewise...],"records","error_records","bytes"}. "fields" are the keys of every
 * record, in order: the 8 (record_json.h), then the provenance the job asked for (provenance, a
 * set of lib/provenance.h); the totals are the sums over the parts. 0 or WC_ENOMEM. */
int export_manifest_json(struct wc_buf *out, const char *job_id, unsigned provenance,
                         const struct export_part_info *parts, size_t n_parts,
                         const struct export_part_info *errors, size_t n_errors);

#endif
