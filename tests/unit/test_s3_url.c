/* test_s3_url.c - S3 object URLs and key encoding */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "s3_url.h"
#include "wc_error.h"

static void test_key_encode(void **state)
{
    (void)state;
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(s3_key_encode(&out, "a/B-9._~/part-000000.ndjson.gz"), 0);
    assert_int_equal(wc_buf_putc(&out, '\0'), 0);
    assert_string_equal(out.data, "a/B-9._~/part-000000.ndjson.gz");
    wc_buf_reset(&out);
    assert_int_equal(s3_key_encode(&out, "a b+c=\xc3\xa9"), 0);
    assert_int_equal(wc_buf_putc(&out, '\0'), 0);
    assert_string_equal(out.data, "a%20b%2Bc%3D%C3%A9");
    wc_buf_free(&out);
}

static void test_urls(void **state)
{
    (void)state;
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(s3_object_url(&out, "", "eu-west-1", "lake", "p/j/_SUCCESS"), 0);
    wc_buf_putc(&out, '\0');
    assert_string_equal(out.data, "https://lake.s3.eu-west-1.amazonaws.com/p/j/_SUCCESS");
    wc_buf_reset(&out);
    assert_int_equal(s3_object_url(&out, "http://127.0.0.1:9000/", "us-east-1", "lake", "p/x"), 0);
    wc_buf_putc(&out, '\0');
    assert_string_equal(out.data, "http://127.0.0.1:9000/lake/p/x");
    assert_int_equal(s3_object_url(&out, "", "us-east-1", "", "k"), WC_EINVAL);
    assert_int_equal(s3_object_url(&out, "", "evil.com/x", "b", "k"), WC_EINVAL);
    wc_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_encode),
        cmocka_unit_test(test_urls),
    };
    return cmocka_run_group_tests_name("s3_url", tests, NULL, NULL);
}
