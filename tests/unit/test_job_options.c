/* test_job_options.c - a job's labels and priority: limits, JSON in and out */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "job_options.h"
#include "wc_error.h"

static void labels_within_limits_are_kept_once_in_order(void **state)
{
    (void)state;
    struct job_labels l = {0};
    struct wc_error err = {0};
    assert_int_equal(job_labels_add(&l, "b", 1, &err), 0);
    assert_int_equal(job_labels_add(&l, "a \"q\" \xC3\xA9", 8, &err), 0);
    assert_int_equal(job_labels_add(&l, "b", 1, &err), 0);
    char max[JOB_LABEL_MAX_BYTES];
    memset(max, 'x', sizeof max);
    assert_int_equal(job_labels_add(&l, max, sizeof max, &err), 0);
    assert_int_equal(l.n, 3);
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(job_labels_json(&l, &out), 0);
    const char *start = "[\"b\",\"a \\\"q\\\" \xC3\xA9\",\"xxx";
    assert_memory_equal(out.data, start, strlen(start));
    assert_true(job_labels_json_has(out.data, "a \"q\" \xC3\xA9"));
    assert_true(job_labels_json_has(out.data, "b"));
    assert_false(job_labels_json_has(out.data, "a"));
    assert_false(job_labels_json_has("", "a"));
    wc_buf_free(&out);
}

static void labels_outside_limits_are_refused(void **state)
{
    (void)state;
    struct job_labels l = {0};
    struct wc_error err = {0};
    char long_label[JOB_LABEL_MAX_BYTES + 1];
    memset(long_label, 'x', sizeof long_label);
    assert_int_equal(job_labels_add(&l, long_label, sizeof long_label, &err), WC_EINVAL);
    assert_int_equal(job_labels_add(&l, "", 0, &err), WC_EINVAL);
    assert_int_equal(job_labels_add(&l, "a\tb", 3, &err), WC_EINVAL);
    assert_int_equal(job_labels_add(&l, "a\x7F", 2, &err), WC_EINVAL);
    assert_int_equal(job_labels_add(&l, "\xC2\x85", 2, &err), WC_EINVAL);
    assert_int_equal(job_labels_add(&l, "\xC3", 1, &err), WC_EINVAL);
    assert_int_equal(job_labels_add(&l, "a\0b", 3, &err), WC_EINVAL);
    assert_int_equal(l.n, 0);
    for (int i = 0; i < JOB_LABELS_MAX; i++) {
        char name[4] = {'l', (char)('0' + i), 0, 0};
        assert_int_equal(job_labels_add(&l, name, 2, &err), 0);
    }
    assert_int_equal(job_labels_add(&l, "one-more", 8, &err), WC_EINVAL);
    assert_non_null(strstr(err.message, "at most 10"));
}

static void labels_from_json(void **state)
{
    (void)state;
    struct job_labels l = {0};
    struct wc_error err = {0};
    const char *ok = "[\"x\", \"\\u00e9\", \"x\"]";
    assert_int_equal(job_labels_parse_json(&l, ok, strlen(ok), &err), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.label[1], "\xC3\xA9");
    const char *bad[] = {"\"x\"",           "[1]",   "[\"x\", null]", "[\"x\"", "{}",
                         "[\"a\\u0000b\"]", "[\"\"]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(job_labels_parse_json(&l, bad[i], strlen(bad[i]), &err), WC_EINVAL);
        assert_int_equal(l.n, 2); /* unchanged */
    }
    /* The message says what is wrong, not only that a label is refused (issue 25). */
    const char *surrogate = "[\"a\\udc00\"]";
    assert_int_equal(job_labels_parse_json(&l, surrogate, strlen(surrogate), &err), WC_EINVAL);
    assert_non_null(strstr(err.message, "UTF-8 strings: invalid Unicode '\\uDC00'"));
    assert_int_equal(job_labels_parse_json(&l, "[1]", 3, &err), WC_EINVAL);
    assert_string_equal(err.message, "labels must be an array of strings");
    assert_int_equal(job_labels_parse_json(&l, "[\"\"]", 4, &err), WC_EINVAL);
    assert_string_equal(err.message, "a label must be 1 to 64 bytes");
    assert_int_equal(job_labels_parse_json(&l, "[]", 2, &err), 0);
    assert_int_equal(l.n, 0);
}

static void priorities(void **state)
{
    (void)state;
    assert_string_equal(job_priority_parse("high", 4), JOB_PRIORITY_HIGH);
    assert_string_equal(job_priority_parse("normal", 6), JOB_PRIORITY_NORMAL);
    assert_string_equal(job_priority_parse("low", 3), JOB_PRIORITY_LOW);
    assert_null(job_priority_parse("hig", 3));
    assert_null(job_priority_parse("HIGH", 4));
    assert_null(job_priority_parse("", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(labels_within_limits_are_kept_once_in_order),
        cmocka_unit_test(labels_outside_limits_are_refused),
        cmocka_unit_test(labels_from_json),
        cmocka_unit_test(priorities),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
