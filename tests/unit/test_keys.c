/* test_keys.c - the Redis key layout: every key name wikicrawl builds */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "keys.h"
#include "wc_error.h"

static void builds_the_limiter_keys(void **state)
{
    (void)state;
    char out[KEYS_MAX];
    assert_int_equal(keys_limiter(out, sizeof out, NULL, KEYS_LIMITER_BUCKET), 25);
    assert_string_equal(out, "wikicrawl:{queue}:limiter");
    assert_true(keys_limiter(out, sizeof out, NULL, KEYS_LIMITER_INFLIGHT) > 0);
    assert_string_equal(out, "wikicrawl:{queue}:inflight");
    assert_true(keys_limiter(out, sizeof out, NULL, KEYS_LIMITER_WAITING) > 0);
    assert_string_equal(out, "wikicrawl:{queue}:waiting");
    assert_true(keys_limiter(out, sizeof out, NULL, KEYS_LIMITER_WAITING_UNTIL) > 0);
    assert_string_equal(out, "wikicrawl:{queue}:waiting_until");
    assert_int_equal(keys_limiter(out, sizeof out, NULL, KEYS_LIMITER_PARTS), WC_EINVAL);
    assert_int_equal(keys_limiter(out, 10, NULL, KEYS_LIMITER_BUCKET), WC_ELIMIT);
    /* "default" keeps the names; another wiki has a budget of its own */
    assert_true(keys_limiter(out, sizeof out, "default", KEYS_LIMITER_INFLIGHT) > 0);
    assert_string_equal(out, "wikicrawl:{queue}:inflight");
    assert_true(keys_limiter(out, sizeof out, "de", KEYS_LIMITER_INFLIGHT) > 0);
    assert_string_equal(out, "wikicrawl:{queue}:inflight:de");
    assert_true(keys_limiter(out, sizeof out, "de", KEYS_LIMITER_WAITING_UNTIL) > 0);
    assert_string_equal(out, "wikicrawl:{queue}:waiting_until:de");
}

static void builds_the_export_keys_of_a_job(void **state)
{
    (void)state;
    char out[KEYS_MAX];
    const char *id = "0123456789abcdef0123456789abcdef";
    /* the exporter's progress is one of the job's keys: its scripts persist, expire and purge it */
    assert_true(keys_job(out, sizeof out, id, KEYS_EXPORT) > 0);
    assert_string_equal(out, "wikicrawl:{0123456789abcdef0123456789abcdef}:export");
    assert_int_equal(KEYS_EXPORT, KEYS_JOB_PARTS - 1);
    assert_true(keys_export_parked(out, sizeof out, id) > 0);
    assert_string_equal(out, "wikicrawl:{queue}:parked:0123456789abcdef0123456789abcdef");
}

static void builds_the_jobs_index_keys(void **state)
{
    (void)state;
    char out[KEYS_MAX];
    assert_int_equal(keys_jobs_index(out, sizeof out, "ab12"), 27);
    assert_string_equal(out, "wikicrawl:{queue}:jobs:ab12");
    assert_int_equal(keys_jobs_index(out, sizeof out, ""), 23);
    assert_string_equal(out, "wikicrawl:{queue}:jobs:");
    assert_int_equal(keys_jobs_index(out, 10, "ab12"), WC_ELIMIT);
}

static void builds_the_job_queue_keys(void **state)
{
    (void)state;
    char out[KEYS_MAX];
    const char *id = "0123456789abcdef0123456789abcdef";
    assert_int_equal(keys_job_queue(out, sizeof out, id), 23 + KEYS_JOB_ID_LEN);
    assert_string_equal(out, "wikicrawl:{queue}:jobq:0123456789abcdef0123456789abcdef");
    /* the scripts build the same name from the prefix */
    assert_memory_equal(out, KEYS_JOBQ_PREFIX, strlen(KEYS_JOBQ_PREFIX));
    assert_int_equal(keys_job_queue(out, 30, id), WC_ELIMIT);
}

static void builds_cache_keys_of_any_length(void **state)
{
    (void)state;
    struct wc_buf key = WC_BUF_INIT;
    assert_int_equal(keys_cache_title(&key, NULL, "Albert Einstein", 15), 0);
    assert_string_equal(key.data, "wikicrawl:{cache}:p:Albert Einstein");
    /* Reused: the previous title is gone; only len bytes count; any byte goes. */
    assert_int_equal(keys_cache_title(&key, NULL, "a\0bXYZ", 3), 0);
    assert_int_equal(key.len, 23);
    assert_memory_equal(key.data, "wikicrawl:{cache}:p:a\0b", 23);
    char long_title[4096];
    memset(long_title, 'x', sizeof long_title);
    assert_int_equal(keys_cache_title(&key, NULL, long_title, sizeof long_title), 0);
    assert_int_equal(key.len, 20 + sizeof long_title);
    /* A title of another wiki: "de:Foo" of the default wiki and "Foo" of de differ */
    assert_int_equal(keys_cache_title(&key, "de", "Foo", 3), 0);
    assert_string_equal(key.data, "wikicrawl:{cache}:w:de:Foo");
    assert_int_equal(keys_cache_title(&key, "default", "de:Foo", 6), 0);
    assert_string_equal(key.data, "wikicrawl:{cache}:p:de:Foo");
    wc_buf_free(&key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builds_the_limiter_keys),
        cmocka_unit_test(builds_the_jobs_index_keys),
        cmocka_unit_test(builds_the_export_keys_of_a_job),
        cmocka_unit_test(builds_the_job_queue_keys),
        cmocka_unit_test(builds_cache_keys_of_any_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
