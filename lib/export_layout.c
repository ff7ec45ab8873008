/* export_layout.c - where an export's objects go: prefixes a job may name, and object names */
#include "export_layout.h"

#include <stdio.h>
#include <string.h>

static bool is_name_byte(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

static bool is_alnum_string(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

int export_prefix_check(const char *s, size_t len, struct wc_error *err)
{
    if (len == 0 || len > EXPORT_PREFIX_MAX)
        return wc_error_set(err, WC_EINVAL, "export prefix must be 1 to %d bytes",
                            EXPORT_PREFIX_MAX);
    if (s[0] == '/')
        return wc_error_set(err, WC_EINVAL, "export prefix must not start with '/'");
    size_t seg_start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '/') {
            if (!is_name_byte((unsigned char)s[i]))
                return wc_error_set(err, WC_EINVAL,
                                    "export prefix may hold only A-Z a-z 0-9 . _ - and '/'");
            continue;
        }
        size_t seg_len = i - seg_start;
        if (seg_len == 0)
            return wc_error_set(err, WC_EINVAL, "export prefix has an empty segment");
        /* "." and ".." would leave the folder in a file system, and S3 tools collapse them */
        if ((seg_len == 1 && s[seg_start] == '.') ||
            (seg_len == 2 && s[seg_start] == '.' && s[seg_start + 1] == '.'))
            return wc_error_set(err, WC_EINVAL, "export prefix must not hold '.' or '..'");
        seg_start = i + 1;
    }
    return 0;
}

int export_folder(char *out, size_t size, const char *owner, const char *prefix, const char *job_id)
{
    if (export_prefix_check(prefix, strlen(prefix), NULL) != 0 || job_id[0] == '\0' ||
        !is_alnum_string(job_id) || (owner && !is_alnum_string(owner)))
        return WC_EINVAL;
    int n;
    if (owner && owner[0])
        n = snprintf(out, size, "%s/%s/%s", owner, prefix, job_id);
    else
        n = snprintf(out, size, "%s/%s", prefix, job_id);
    return n < 0 || (size_t)n >= size ? WC_ELIMIT : n;
}

int export_object_name(char *out, size_t size, const char *folder, enum export_object kind,
                       long index)
{
    int n;
    if (index < 0)
        return WC_EINVAL;
    switch (kind) {
    case EXPORT_OBJECT_PART:
        n = snprintf(out, size, "%s/part-%06ld.ndjson.gz", folder, index);
        break;
    case EXPORT_OBJECT_ERRORS:
        n = snprintf(out, size, "%s/errors-%06ld.ndjson.gz", folder, index);
        break;
    case EXPORT_OBJECT_MANIFEST:
        n = snprintf(out, size, "%s/_manifest.json", folder);
        break;
    case EXPORT_OBJECT_SUCCESS:
        n = snprintf(out, size, "%s/_SUCCESS", folder);
        break;
    default:
        return WC_EINVAL;
    }
    return n < 0 || (size_t)n >= size ? WC_ELIMIT : n;
}
