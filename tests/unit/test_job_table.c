/* test_job_table.c - a job status as a row of `wikicrawl list`'s table */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "client/job_table.h"

static void render_jobs(const char *const *statuses, size_t n, const char *expected)
{
    struct table t;
    assert_int_equal(job_table_init(&t), 0);
    for (size_t i = 0; i < n; i++) {
        json_t *job = json_loads(statuses[i], 0, NULL);
        assert_non_null(job);
        assert_int_equal(job_table_add(&t, job), 0);
        json_decref(job);
    }
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(table_render(&t, &out), 0);
    assert_string_equal(out.data, expected);
    wc_buf_free(&out);
    table_free(&t);
}

static void shows_the_columns_of_a_status(void **state)
{
    (void)state;
    const char *jobs[] = {
        "{\"id\":\"3f2a9c0e5b7d41a8b6c2d9e0f1a2b3c4\",\"status\":\"running\",\"wiki\":\"de\","
        "\"titles\":12000,\"pages\":4031,\"failed\":2,\"created\":\"2026-11-25T10:00:00.125Z\","
        "\"labels\":[\"nightly\",\"team b\"],\"priority\":\"normal\"}",
        /* before per-job wikis, a status has no "wiki": "-" */
        "{\"id\":\"00000000000000000000000000000001\",\"status\":\"done\",\"titles\":3,"
        "\"pages\":3,\"failed\":0,\"created\":\"2026-11-24T23:59:59.000Z\",\"labels\":[]}",
    };
    render_jobs(jobs, 2,
                "ID                                 STATUS    WIKI   TITLES   PAGES   FAILED   "
                "CREATED               LABELS\n"
                "3f2a9c0e5b7d41a8b6c2d9e0f1a2b3c4   running   de      12000    4031        2   "
                "2026-11-25 10:00:00   nightly,team b\n"
                "00000000000000000000000000000001   done      -           3       3        0   "
                "2026-11-24 23:59:59   -\n");
}

static void what_is_missing_shows_as_a_dash(void **state)
{
    (void)state;
    const char *jobs[] = {"{\"id\":\"x\",\"wiki\":null,\"titles\":\"many\",\"labels\":[1]}"};
    render_jobs(jobs, 1,
                "ID   STATUS   WIKI   TITLES   PAGES   FAILED   CREATED   LABELS\n"
                "x    -        -           -       -        -   -         -\n");
}

static void shortens_status_times_only(void **state)
{
    (void)state;
    char out[64];
    job_table_time("2026-11-25T10:00:00.125Z", out, sizeof out);
    assert_string_equal(out, "2026-11-25 10:00:00");
    job_table_time("2026-11-25T10:00:00Z", out, sizeof out);
    assert_string_equal(out, "2026-11-25 10:00:00");
    /* not UTC, or not a time: as given, so that nothing is silently misread */
    const char *kept[] = {"2026-11-25T10:00:00+02:00",
                          "2026-11-25T10:00:00.1",
                          "2026-11-25",
                          "2026-11-25T10:00:0xZ",
                          "yesterday",
                          ""};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        job_table_time(kept[i], out, sizeof out);
        assert_string_equal(out, kept[i]);
    }
    job_table_time("2026-11-25T10:00:00.125Z", out, 5);
    assert_string_equal(out, "2026");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shows_the_columns_of_a_status),
        cmocka_unit_test(what_is_missing_shows_as_a_dash),
        cmocka_unit_test(shortens_status_times_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
