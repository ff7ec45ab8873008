/* test_sha256.c - SHA-256 against the FIPS 180-4 / NIST example vectors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"

static void hex_of(const char *data, size_t len, char out[65])
{
    uint8_t d[SHA256_DIGEST_LEN];
    sha256(data, len, d);
    for (int i = 0; i < SHA256_DIGEST_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void test_known_vectors(void **state)
{
    (void)state;
    char hex[65];
    hex_of("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* 56 bytes: the padding needs a second block */
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(two, strlen(two), hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_million_a(void **state)
{
    (void)state;
    static char a[1000000];
    memset(a, 'a', sizeof a);
    char hex[65];
    hex_of(a, sizeof a, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Pieces of every size, across block boundaries, give the one-shot digest. */
static void test_pieces(void **state)
{
    (void)state;
    static char data[1000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 7 + 3);
    uint8_t whole[SHA256_DIGEST_LEN], pieces[SHA256_DIGEST_LEN];
    sha256(data, sizeof data, whole);
    for (size_t step = 1; step <= 130; step += 3) {
        struct sha256_ctx ctx;
        sha256_init(&ctx);
        for (size_t off = 0; off < sizeof data; off += step)
            sha256_update(&ctx, data + off, off + step <= sizeof data ? step : sizeof data - off);
        sha256_final(&ctx, pieces);
        assert_memory_equal(whole, pieces, SHA256_DIGEST_LEN);
    }
    char hex[SHA256_HEX_LEN + 1];
    sha256("abc", 3, whole);
    sha256_hex(whole, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_equal_ct(void **state)
{
    (void)state;
    uint8_t x[4] = {1, 2, 3, 4}, y[4] = {1, 2, 3, 4}, z[4] = {1, 2, 3, 5};
    assert_true(sha256_equal_ct(x, y, 4));
    assert_false(sha256_equal_ct(x, z, 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_vectors),
        cmocka_unit_test(test_million_a),
        cmocka_unit_test(test_pieces),
        cmocka_unit_test(test_equal_ct),
    };
    return cmocka_run_group_tests_name("sha256", tests, NULL, NULL);
}
