/* test_export_backoff.c - one backoff per exporting job */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "export_backoff.h"

#define A "0123456789abcdef0123456789abcdef"
#define B "fedcba9876543210fedcba9876543210"

static void test_a_failing_job_waits_alone_and_doubles(void **state)
{
    (void)state;
    struct export_backoff b = {0};
    assert_true(export_backoff_due(&b, A, 0));
    assert_int_equal(export_backoff_failed(&b, A, 1000), EXPORT_BACKOFF_MIN_MS);
    assert_false(export_backoff_due(&b, A, 1000 + EXPORT_BACKOFF_MIN_MS - 1));
    assert_true(export_backoff_due(&b, A, 1000 + EXPORT_BACKOFF_MIN_MS));
    assert_true(export_backoff_due(&b, B, 1000)); /* the others go on */
    assert_int_equal(export_backoff_failed(&b, A, 2000), 2 * EXPORT_BACKOFF_MIN_MS);
    long long wait = 0;
    for (int i = 0; i < 20; i++)
        wait = export_backoff_failed(&b, A, 3000);
    assert_int_equal(wait, EXPORT_BACKOFF_MAX_MS);
    export_backoff_clear(&b, A);
    assert_true(export_backoff_due(&b, A, 3000));
    assert_int_equal(export_backoff_failed(&b, A, 3000), EXPORT_BACKOFF_MIN_MS);
    export_backoff_free(&b);
}

static void test_many_jobs(void **state)
{
    (void)state;
    struct export_backoff b = {0};
    char id[40];
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "%032d", i);
        assert_int_equal(export_backoff_failed(&b, id, 0), EXPORT_BACKOFF_MIN_MS);
    }
    for (int i = 0; i < 100; i += 2) {
        snprintf(id, sizeof id, "%032d", i);
        export_backoff_clear(&b, id);
    }
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "%032d", i);
        assert_int_equal(export_backoff_due(&b, id, 1), i % 2 == 0);
    }
    export_backoff_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_failing_job_waits_alone_and_doubles),
        cmocka_unit_test(test_many_jobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
