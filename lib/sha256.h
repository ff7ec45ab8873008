/* sha256.h - SHA-256 (FIPS 180-4): API key fingerprints (a key is never stored or compared as
 * itself, only as its digest) and the digests of exported objects */
#ifndef WC_SHA256_H
#define WC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN 64

/* A digest computed over data given in pieces (an export part, written as it is read). */
struct sha256_ctx {
    uint32_t state[8];
    uint64_t total; /* bytes hashed so far */
    uint8_t block[64];
    size_t fill; /* bytes of block in use */
};

/* Prototypes */

/* digest = SHA-256(data[0..len)). */
void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_LEN]);

/* Start a digest over data given in pieces. */
void sha256_init(struct sha256_ctx *ctx);

/* Hash data[0..len) after what came before. */
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);

/* digest of everything given; ctx must be set up again with sha256_init() before reuse. */
void sha256_final(struct sha256_ctx *ctx, uint8_t digest[SHA256_DIGEST_LEN]);

/* The digest as lower-case hex (what S3's x-amz-content-sha256 and the manifest carry). */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_LEN], char hex[SHA256_HEX_LEN + 1]);

/* 1 when a and b (n bytes each) are equal; takes the same time wherever they differ. */
int sha256_equal_ct(const uint8_t *a, const uint8_t *b, size_t n);

#endif
