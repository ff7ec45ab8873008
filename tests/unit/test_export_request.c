/* test_export_request.c - a job's export request: sink, prefix, JSON form */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "export_request.h"

#define DIR_ONLY EXPORT_SINK_BIT(EXPORT_SINK_DIR)

static int parse(struct export_request *r, const char *json, unsigned configured)
{
    return export_request_parse_json(r, json, strlen(json), configured, NULL);
}

static void test_json_form(void **state)
{
    (void)state;
    struct export_request r = {0};
    assert_int_equal(parse(&r, "{\"to\":\"dir\",\"prefix\":\"enwiki/2026-12\"}", DIR_ONLY), 0);
    assert_int_equal(r.to, EXPORT_SINK_DIR);
    assert_string_equal(r.prefix, "enwiki/2026-12");
    assert_string_equal(export_sink_name(r.to), "dir");

    struct wc_error err = {0};
    const char *s3 = "{\"to\":\"s3\",\"prefix\":\"p\"}";
    assert_int_equal(export_request_parse_json(&r, s3, strlen(s3), DIR_ONLY, &err), WC_EINVAL);
    assert_non_null(strstr(err.message, "not configured"));
    assert_int_equal(r.to, EXPORT_SINK_DIR); /* unchanged */
    assert_int_equal(parse(&r, "{\"to\":\"dir\",\"prefix\":\"../x\"}", DIR_ONLY), WC_EINVAL);
    assert_int_equal(parse(&r, "{\"to\":\"ftp\",\"prefix\":\"x\"}", DIR_ONLY), WC_EINVAL);
    assert_int_equal(parse(&r, "{\"to\":\"dir\"}", DIR_ONLY), WC_EINVAL);
    assert_int_equal(parse(&r, "\"dir\"", DIR_ONLY), WC_EINVAL);
    assert_int_equal(parse(&r, "{\"to\":\"dir\",\"prefix\":7}", DIR_ONLY), WC_EINVAL);
    assert_int_equal(parse(&r, "{\"to\":\"dir\",\"prefix\":\"a\\u0000b\"}", DIR_ONLY), WC_EINVAL);
    assert_int_equal(parse(&r, "{\"to\":", DIR_ONLY), WC_EINVAL);
}

static void test_query_form(void **state)
{
    (void)state;
    struct export_request r = {0};
    unsigned both = DIR_ONLY | EXPORT_SINK_BIT(EXPORT_SINK_S3);
    assert_int_equal(export_request_set(&r, "s3", 2, "a/b", 3, both, NULL), 0);
    assert_int_equal(r.to, EXPORT_SINK_S3);
    assert_int_equal(export_request_set(&r, "dir", 3, "", 0, both, NULL), WC_EINVAL);
    assert_int_equal(export_request_set(&r, "dir", 3, "x", 1, 0, NULL), WC_EINVAL);
}

static void test_keep(void **state)
{
    (void)state;
    struct export_request r = {0};
    assert_int_equal(export_keep_set(&r, "export", 6, NULL), 0);
    assert_int_equal(r.keep_export, 1);
    assert_int_equal(export_request_check(&r, NULL), WC_EINVAL); /* no export to keep them in */
    assert_int_equal(export_request_set(&r, "dir", 3, "p", 1, DIR_ONLY, NULL), 0);
    assert_int_equal(r.keep_export, 1); /* the order of the members does not matter */
    assert_int_equal(export_request_check(&r, NULL), 0);
    assert_int_equal(export_keep_set(&r, "redis", 5, NULL), 0);
    assert_int_equal(r.keep_export, 0);
    assert_int_equal(export_keep_set(&r, "disk", 4, NULL), WC_EINVAL);
    assert_int_equal(export_keep_set(&r, "\"export\"", 8, NULL), WC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_form),
        cmocka_unit_test(test_query_form),
        cmocka_unit_test(test_keep),
    };
    return cmocka_run_group_tests_name("export_request", tests, NULL, NULL);
}
