/* test_rconn.c - what the Redis address looks like in log lines and error messages */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/rconn.h"

static void redacts_the_password_of_a_url(void **state)
{
    (void)state;
    char out[256];
    assert_string_equal(rconn_redact("redis://:pw@127.0.0.1:6380/2", out, sizeof out),
                        "redis://:***@127.0.0.1:6380/2");
    assert_string_equal(rconn_redact("redis://pw@h", out, sizeof out), "redis://:***@h");
    assert_string_equal(rconn_redact("redis://user:p@ss:w@h:1/0", out, sizeof out),
                        "redis://user:***@h:1/0");
}

static void leaves_addresses_without_credentials_alone(void **state)
{
    (void)state;
    char out[256];
    const char *plain[] = {"redis://127.0.0.1:6379/0", "unix:///run/r.sock?db=1", "/tmp/r.sock",
                           "nonsense"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        assert_string_equal(rconn_redact(plain[i], out, sizeof out), plain[i]);
}

static void never_shows_the_password_when_the_buffer_is_short(void **state)
{
    (void)state;
    char out[12];
    rconn_redact("redis://:secret@host:1/0", out, sizeof out);
    assert_null(strstr(out, "sec"));
    assert_int_equal(strlen(out), sizeof out - 1);
}

static void reports_a_bad_url_without_its_password(void **state)
{
    (void)state;
    struct wc_error err = {0};
    assert_null(rconn_connect("redis://:secret@127.0.0.1:99999/0", 100, &err));
    assert_int_equal(err.code, WC_EINVAL);
    assert_null(strstr(err.message, "secret"));
    assert_non_null(strstr(err.message, "redis://:***@127.0.0.1:99999/0"));
}

static void refuses_a_port_or_db_that_is_not_a_number(void **state)
{
    (void)state;
    const char *bad[] = {"redis://127.0.0.1:12x/0",   "redis://127.0.0.1:0/0",
                         "redis://127.0.0.1:65536/0", "redis://127.0.0.1:6379/x",
                         "redis://127.0.0.1:6379/-1", "unix:///tmp/none.sock?db=two"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct wc_error err = {0};
        assert_null(rconn_connect(bad[i], 100, &err));
        assert_int_equal(err.code, WC_EINVAL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redacts_the_password_of_a_url),
        cmocka_unit_test(leaves_addresses_without_credentials_alone),
        cmocka_unit_test(never_shows_the_password_when_the_buffer_is_short),
        cmocka_unit_test(reports_a_bad_url_without_its_password),
        cmocka_unit_test(refuses_a_port_or_db_that_is_not_a_number),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
