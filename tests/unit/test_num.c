/* test_num.c - the whole-number parser behind flags, settings and query parameters */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "num.h"
#include "wc_error.h"

static void accepts_whole_numbers_in_range(void **state)
{
    (void)state;
    long v = 0;
    assert_int_equal(num_parse_long("42", 1, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(num_parse_long("-5", -10, 10, &v), 0);
    assert_int_equal(v, -5);
    assert_int_equal(num_parse_long("1", 1, 1, &v), 0);
    assert_int_equal(v, 1);
}

static void refuses_anything_else_and_leaves_out_alone(void **state)
{
    (void)state;
    const char *bad[] = {"", " 1", "1 ", "+1", "1x", "x", "0x10", "1.5", "101", "0", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long v = 77;
        assert_int_equal(num_parse_long(bad[i], 1, 100, &v), WC_EINVAL);
        assert_int_equal(v, 77);
    }
}

static void refuses_overflow(void **state)
{
    (void)state;
    long long v = 0;
    assert_int_equal(num_parse_ll("9223372036854775807", 0, LLONG_MAX, &v), 0);
    assert_true(v == LLONG_MAX);
    assert_int_equal(num_parse_ll("9223372036854775808", 0, LLONG_MAX, &v), WC_EINVAL);
    assert_int_equal(num_parse_ll("-9223372036854775809", LLONG_MIN, 0, &v), WC_EINVAL);
}

static void reads_only_len_bytes(void **state)
{
    (void)state;
    long v = 0;
    assert_int_equal(num_parse_long_n("123456", 3, 0, 1000, &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(num_parse_long_n("12", 0, 0, 1000, &v), WC_EINVAL);
    char many[64];
    for (size_t i = 0; i < sizeof many; i++)
        many[i] = '1';
    assert_int_equal(num_parse_long_n(many, sizeof many, 0, LONG_MAX, &v), WC_EINVAL);
}

static void parses_sizes_in_redis_units(void **state)
{
    (void)state;
    long long v = 0;
    assert_int_equal(num_parse_bytes("1048576", 0, LLONG_MAX, &v), 0);
    assert_int_equal(v, 1048576);
    assert_int_equal(num_parse_bytes("512mb", 0, LLONG_MAX, &v), 0);
    assert_int_equal(v, 512LL << 20);
    assert_int_equal(num_parse_bytes("2GB", 0, LLONG_MAX, &v), 0);
    assert_int_equal(v, 2LL << 30);
    assert_int_equal(num_parse_bytes("3k", 0, LLONG_MAX, &v), 0);
    assert_int_equal(v, 3000);
    assert_int_equal(num_parse_bytes("1g", 0, LLONG_MAX, &v), 0);
    assert_int_equal(v, 1000000000LL);
    assert_int_equal(num_parse_bytes("0", 0, LLONG_MAX, &v), 0);
    assert_int_equal(v, 0);
    const char *bad[] = {"", "mb", "-1", "1.5gb", "1 mb", "1tb", "1mbb", "+1", "10000000000gb"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 77;
        assert_int_equal(num_parse_bytes(bad[i], 0, LLONG_MAX, &v), WC_EINVAL);
        assert_int_equal(v, 77);
    }
    assert_int_equal(num_parse_bytes("2kb", 0, 2047, &v), WC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_sizes_in_redis_units),
        cmocka_unit_test(accepts_whole_numbers_in_range),
        cmocka_unit_test(refuses_anything_else_and_leaves_out_alone),
        cmocka_unit_test(refuses_overflow),
        cmocka_unit_test(reads_only_len_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
