/* s3_url.c - the URL of an S3 object: virtual-host style on AWS, path style elsewhere */
#include "s3_url.h"

#include <string.h>

#include "wc_error.h"

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int s3_key_encode(struct wc_buf *out, const char *key)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        int rc;
        if (is_unreserved(*p) || *p == '/') {
            rc = wc_buf_putc(out, (char)*p);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = wc_buf_append(out, esc, 3);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
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
