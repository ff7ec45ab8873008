/* test_mem_watermark.c - the Redis memory marks: limit, levels, hysteresis, INFO parsing */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mem_watermark.h"
#include "wc_error.h"

#define LIMIT 1000000LL
#define AT(permille) (LIMIT * (permille) / 1000)

static void redis_limit_wins_over_the_setting(void **state)
{
    (void)state;
    assert_int_equal(mem_watermark_limit(500, 900), 500);
    assert_int_equal(mem_watermark_limit(0, 900), 900);
    assert_int_equal(mem_watermark_limit(0, 0), 0);
}

static void no_limit_is_always_ok(void **state)
{
    (void)state;
    struct mem_watermark wm = {0};
    assert_int_equal(mem_watermark_update(&wm, LLONG_MAX, 0), MEM_OK);
    wm.level = MEM_CLAIMS_STOPPED; /* a limit that was lifted lifts the state too */
    assert_int_equal(mem_watermark_update(&wm, LLONG_MAX, 0), MEM_OK);
}

static void rises_at_each_mark(void **state)
{
    (void)state;
    struct mem_watermark wm = {0};
    assert_int_equal(mem_watermark_update(&wm, AT(849), LIMIT), MEM_OK);
    assert_int_equal(mem_watermark_update(&wm, AT(850), LIMIT), MEM_ADMISSION_SHUT);
    assert_int_equal(mem_watermark_update(&wm, AT(919), LIMIT), MEM_ADMISSION_SHUT);
    assert_int_equal(mem_watermark_update(&wm, AT(920), LIMIT), MEM_CLAIMS_STOPPED);
    assert_int_equal(mem_watermark_update(&wm, LIMIT * 2, LIMIT), MEM_CLAIMS_STOPPED);
    /* straight from ok to stopped */
    struct mem_watermark fresh = {0};
    assert_int_equal(mem_watermark_update(&fresh, LIMIT, LIMIT), MEM_CLAIMS_STOPPED);
}

static void falls_only_below_the_resume_mark(void **state)
{
    (void)state;
    struct mem_watermark wm = {0};
    mem_watermark_update(&wm, AT(950), LIMIT);
    /* between the marks: the state holds, whichever mark was crossed */
    assert_int_equal(mem_watermark_update(&wm, AT(900), LIMIT), MEM_CLAIMS_STOPPED);
    assert_int_equal(mem_watermark_update(&wm, AT(820), LIMIT), MEM_CLAIMS_STOPPED);
    assert_int_equal(mem_watermark_update(&wm, AT(800), LIMIT), MEM_CLAIMS_STOPPED);
    assert_int_equal(mem_watermark_update(&wm, AT(799), LIMIT), MEM_OK);
    /* admission shut alone also holds until the resume mark */
    mem_watermark_update(&wm, AT(860), LIMIT);
    assert_int_equal(mem_watermark_update(&wm, AT(810), LIMIT), MEM_ADMISSION_SHUT);
    assert_int_equal(mem_watermark_update(&wm, AT(700), LIMIT), MEM_OK);
    /* and a rise from the held state goes on to the next mark */
    mem_watermark_update(&wm, AT(860), LIMIT);
    assert_int_equal(mem_watermark_update(&wm, AT(930), LIMIT), MEM_CLAIMS_STOPPED);
}

static void huge_numbers_do_not_overflow(void **state)
{
    (void)state;
    struct mem_watermark wm = {0};
    assert_int_equal(mem_watermark_update(&wm, LLONG_MAX / 2, LLONG_MAX), MEM_OK);
    assert_int_equal(mem_watermark_update(&wm, LLONG_MAX, LLONG_MAX), MEM_CLAIMS_STOPPED);
}

static void parses_info_memory(void **state)
{
    (void)state;
    const char *info = "# Memory\r\nused_memory:1064528\r\nused_memory_human:1.02M\r\n"
                       "used_memory_rss:9000\r\nmaxmemory:62914560\r\nmaxmemory_human:60.00M\r\n"
                       "maxmemory_policy:noeviction\r\n";
    long long used = 0, max = 0;
    assert_int_equal(mem_watermark_parse_info(info, strlen(info), &used, &max), 0);
    assert_int_equal(used, 1064528);
    assert_int_equal(max, 62914560);
}

static void refuses_info_without_the_fields(void **state)
{
    (void)state;
    long long used = 0, max = 0;
    const char *no_max = "used_memory:10\r\nmaxmemory_policy:noeviction\r\n";
    assert_int_equal(mem_watermark_parse_info(no_max, strlen(no_max), &used, &max), WC_EPARSE);
    const char *bad = "used_memory:ten\r\nmaxmemory:0\r\n";
    assert_int_equal(mem_watermark_parse_info(bad, strlen(bad), &used, &max), WC_EPARSE);
    /* a prefix of a field name is not the field */
    const char *prefix = "used_memory_rss:5\r\nmaxmemory:0\r\n";
    assert_int_equal(mem_watermark_parse_info(prefix, strlen(prefix), &used, &max), WC_EPARSE);
    assert_int_equal(mem_watermark_parse_info("", 0, &used, &max), WC_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redis_limit_wins_over_the_setting),
        cmocka_unit_test(no_limit_is_always_ok),
        cmocka_unit_test(rises_at_each_mark),
        cmocka_unit_test(falls_only_below_the_resume_mark),
        cmocka_unit_test(huge_numbers_do_not_overflow),
        cmocka_unit_test(parses_info_memory),
        cmocka_unit_test(refuses_info_without_the_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
