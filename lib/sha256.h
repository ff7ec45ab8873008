/* sha256.h - SHA-256 (FIPS 180-4), for API key fingerprints: a key is never stored or compared
 * as itself, only as its digest */
#ifndef WC_SHA256_H
#define WC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32

/* Prototypes */

/* digest = SHA-256(data[0..len)). */
void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_LEN]);

/* 1 when a and b (n bytes each) are equal; takes the same time wherever they differ. */
int sha256_equal_ct(const uint8_t *a, const uint8_t *b, size_t n);

#endif
