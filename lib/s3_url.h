/* s3_url.h - the URL of an S3 object: virtual-host style on AWS, path style elsewhere */
#ifndef WC_S3_URL_H
#define WC_S3_URL_H

#include <stddef.h>

#include "buf.h"

/* AWS's own endpoint for a region, https://s3.REGION.amazonaws.com, is used when no endpoint is
 * configured; objects there are addressed virtual-host style (https://BUCKET.s3.REGION...
 * /KEY), which AWS asks of new buckets. A configured endpoint (MinIO, Ceph, s3rver) is addressed
 * path style (ENDPOINT/BUCKET/KEY), which every S3 server understands without DNS per bucket. */

/* Prototypes */

/* Append key percent-encoded as SigV4 canonical URIs want it: every byte but the unreserved
 * A-Z a-z 0-9 - . _ ~ and the '/' between segments becomes %XX (upper-case hex). 0 or
 * WC_ENOMEM. */
int s3_key_encode(struct wc_buf *out, const char *key);

/* Append the object's URL. endpoint "" means AWS (see above); a trailing '/' of endpoint is
 * ignored. 0, WC_EINVAL (no bucket, or region holds other bytes than [a-z0-9-]) or WC_ENOMEM. */
int s3_object_url(struct wc_buf *out, const char *endpoint, const char *region, const char *bucket,
                  const char *key);

#endif
