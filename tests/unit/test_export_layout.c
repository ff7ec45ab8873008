/* test_export_layout.c - export prefixes, folders and object names */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "export_layout.h"

static int check(const char *s)
{
    return export_prefix_check(s, strlen(s), NULL);
}

static void test_prefix_accepted(void **state)
{
    (void)state;
    assert_int_equal(check("enwiki/2026-12"), 0);
    assert_int_equal(check("a"), 0);
    assert_int_equal(check("A.b_c-9/x/y.z"), 0);
    assert_int_equal(check("..a/b.."), 0); /* dots inside a segment are fine */
    char longest[EXPORT_PREFIX_MAX + 2];
    memset(longest, 'x', EXPORT_PREFIX_MAX);
    longest[EXPORT_PREFIX_MAX] = '\0';
    assert_int_equal(check(longest), 0);
    longest[EXPORT_PREFIX_MAX] = 'x';
    longest[EXPORT_PREFIX_MAX + 1] = '\0';
    assert_int_equal(check(longest), WC_EINVAL);
}

static void test_prefix_refused(void **state)
{
    (void)state;
    const char *bad[] = {"",      "/abs", "a//b", "a/",       "a/../b", "..",   ".",
                         "a/./b", "a b",  "a\\b", "é",        "a?b",    "a%2F", "a/b/",
                         "a:b",   "a\nb", "~x",   "a/b/../c", "../a"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct wc_error err = {0};
        assert_int_equal(export_prefix_check(bad[i], strlen(bad[i]), &err), WC_EINVAL);
        assert_true(err.message[0] != '\0');
    }
    /* a NUL inside the bytes is refused, not taken for the end */
    assert_int_equal(export_prefix_check("a\0b", 3, NULL), WC_EINVAL);
}

static void test_folder_and_names(void **state)
{
    (void)state;
    const char *job = "0123456789abcdef0123456789abcdef";
    char folder[EXPORT_FOLDER_MAX], name[EXPORT_NAME_MAX];
    assert_int_equal(export_folder(folder, sizeof folder, NULL, "enwiki/2026-12", job),
                     (int)strlen("enwiki/2026-12/") + 32);
    assert_string_equal(folder, "enwiki/2026-12/0123456789abcdef0123456789abcdef");
    assert_true(export_folder(folder, sizeof folder, "", "p", job) > 0);
    assert_string_equal(folder, "p/0123456789abcdef0123456789abcdef");
    assert_true(export_folder(folder, sizeof folder, "00aa11bb22cc33dd", "p", job) > 0);
    assert_string_equal(folder, "00aa11bb22cc33dd/p/0123456789abcdef0123456789abcdef");
    assert_int_equal(export_folder(folder, sizeof folder, NULL, "../p", job), WC_EINVAL);
    assert_int_equal(export_folder(folder, sizeof folder, "a/b", "p", job), WC_EINVAL);
    assert_int_equal(export_folder(folder, 10, NULL, "p", job), WC_ELIMIT);

    export_folder(folder, sizeof folder, NULL, "p", "j1");
    assert_true(export_object_name(name, sizeof name, folder, EXPORT_OBJECT_PART, 0) > 0);
    assert_string_equal(name, "p/j1/part-000000.ndjson.gz");
    assert_true(export_object_name(name, sizeof name, folder, EXPORT_OBJECT_PART, 123456) > 0);
    assert_string_equal(name, "p/j1/part-123456.ndjson.gz");
    assert_true(export_object_name(name, sizeof name, folder, EXPORT_OBJECT_ERRORS, 2) > 0);
    assert_string_equal(name, "p/j1/errors-000002.ndjson.gz");
    assert_true(export_object_name(name, sizeof name, folder, EXPORT_OBJECT_MANIFEST, 0) > 0);
    assert_string_equal(name, "p/j1/_manifest.json");
    assert_true(export_object_name(name, sizeof name, folder, EXPORT_OBJECT_SUCCESS, 0) > 0);
    assert_string_equal(name, "p/j1/_SUCCESS");
    assert_int_equal(export_object_name(name, sizeof name, folder, EXPORT_OBJECT_PART, -1),
                     WC_EINVAL);
    assert_int_equal(export_object_name(name, 8, folder, EXPORT_OBJECT_PART, 0), WC_ELIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_accepted),
        cmocka_unit_test(test_prefix_refused),
        cmocka_unit_test(test_folder_and_names),
    };
    return cmocka_run_group_tests_name("export_layout", tests, NULL, NULL);
}
