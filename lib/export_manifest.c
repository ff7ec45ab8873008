/* export_manifest.c - an export's parts and their digests, and the _manifest.json that lists them
 */
#include "export_manifest.h"

#include <stdio.h>
#include <string.h>

#include "json_write.h"
#include "wc_error.h"
#include "provenance.h"
#include "record_json.h"

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ != 0)                                                                              \
            return rc_;                                                                            \
    } while (0)

void export_part_begin(struct export_part_builder *b)
{
    sha256_init(&b->sha);
    b->records = 0;
    b->bytes = 0;
}

void export_part_add(struct export_part_builder *b, const void *member, size_t len)
{
    sha256_update(&b->sha, member, len);
    b->records++;
    b->bytes += (long long)len;
}

void export_part_end(struct export_part_builder *b, struct export_part_info *info)
{
    uint8_t digest[SHA256_DIGEST_LEN];
    sha256_final(&b->sha, digest);
    sha256_hex(digest, info->sha256);
    info->records = b->records;
    info->bytes = b->bytes;
}

int export_part_format(const struct export_part_info *info, struct wc_buf *out)
{
    return wc_buf_printf(out, "%s %lld %lld %s", info->name, info->records, info->bytes,
                         info->sha256);
}

int export_part_parse(const char *s, size_t len, struct export_part_info *info)
{
    char text[sizeof info->name + 3 * 24 + SHA256_HEX_LEN];
    if (len >= sizeof text)
        return WC_EPARSE;
    memcpy(text, s, len);
    text[len] = '\0';
    struct export_part_info got;
    int end = 0;
    /* widths: the name's room and the digest's length */
    if (sscanf(text, "%31s %lld %lld %64s%n", got.name, &got.records, &got.bytes, got.sha256,
               &end) != 4 ||
        (size_t)end != len || strlen(got.sha256) != SHA256_HEX_LEN || got.records < 0 ||
        got.bytes < 0)
        return WC_EPARSE;
    *info = got;
    return 0;
}

static int write_parts(struct wc_buf *out, const struct export_part_info *parts, size_t n,
                       long long *records, long long *bytes)
{
    TRY(wc_buf_putc(out, '['));
    for (size_t i = 0; i < n; i++) {
        TRY(wc_buf_puts(out, i ? ",{\"name\":" : "{\"name\":"));
        TRY(json_write_cstring(out, parts[i].name));
        TRY(wc_buf_printf(out, ",\"records\":%lld,\"bytes\":%lld,\"sha256\":\"%s\"}",
                          parts[i].records, parts[i].bytes, parts[i].sha256));
        *records += parts[i].records;
        *bytes += parts[i].bytes;
    }
    return wc_buf_putc(out, ']');
}

int export_manifest_json(struct wc_buf *out, const char *job_id, unsigned provenance,
                         const struct export_part_info *parts, size_t n_parts,
                         const struct export_part_info *errors, size_t n_errors)
{
    long long records = 0, error_records = 0, bytes = 0;
    const char *fields[RECORD_JSON_N_FIELDS + 4];
    memcpy(fields, record_json_fields, sizeof record_json_fields);
    size_t n_fields =
        RECORD_JSON_N_FIELDS + provenance_names(provenance, fields + RECORD_JSON_N_FIELDS);
    TRY(wc_buf_puts(out, "{\"job\":"));
    TRY(json_write_cstring(out, job_id));
    TRY(wc_buf_puts(out, ",\"format\":\"ndjson.gz\",\"fields\":"));
    TRY(json_write_string_array(out, fields, n_fields));
    TRY(wc_buf_puts(out, ",\"parts\":"));
    TRY(write_parts(out, parts, n_parts, &records, &bytes));
    TRY(wc_buf_puts(out, ",\"errors\":"));
    TRY(write_parts(out, errors, n_errors, &error_records, &bytes));
    return wc_buf_printf(out, ",\"records\":%lld,\"error_records\":%lld,\"bytes\":%lld}\n", records,
                         error_records, bytes);
}
