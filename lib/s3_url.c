/* s3_url.c - the URL of an S3 object: virtual-host style on AWS, path style elsewhere */
#include "s3_url.h"
#include "percent.h"

#include <string.h>

#include "wc_error.h"

int s3_key_encode(struct wc_buf *out, const char *key)
{
    return percent_encode(out, key, "/");
}

int s3_object_url(struct wc_buf *out, const char *endpoint, const char *region, const char *bucket,
                  const char *key)
{
    if (bucket[0] == '\0' || region[0] == '\0')
        return WC_EINVAL;
    for (const char *p = region; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return WC_EINVAL;
    int rc;
    if (endpoint[0] == '\0') {
        rc = wc_buf_printf(out, "https://%s.s3.%s.amazonaws.com/", bucket, region);
    } else {
        size_t len = strlen(endpoint);
        while (len > 0 && endpoint[len - 1] == '/')
            len--;
        rc = wc_buf_append(out, endpoint, len);
        if (rc == 0)
            rc = wc_buf_putc(out, '/');
        if (rc == 0)
            rc = s3_key_encode(out, bucket);
        if (rc == 0)
            rc = wc_buf_putc(out, '/');
    }
    if (rc == 0)
        rc = s3_key_encode(out, key);
    return rc;
}
