/* test_table.c - the aligned text table `wikicrawl list` prints on a terminal */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "client/table.h"

static const struct table_column columns[] = {
    {"NAME", TABLE_LEFT}, {"N", TABLE_RIGHT}, {"NOTE", TABLE_LEFT}};

/* The table of n rows of three cells renders as expected. */
static void expect_table(const char *const (*rows)[3], size_t n, const char *expected)
{
    struct table t;
    assert_int_equal(table_init(&t, columns, 3), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(table_add_row(&t, rows[i]), 0);
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(table_render(&t, &out), 0);
    assert_string_equal(out.data, expected);
    wc_buf_free(&out);
    table_free(&t);
}

static void sizes_columns_to_the_widest_cell(void **state)
{
    (void)state;
    const char *const rows[][3] = {{"alpha", "7", "x"}, {"b", "1234", NULL}};
    /* numbers right-aligned, the last column unpadded: no trailing blanks */
    expect_table(rows, 2,
                 "NAME       N   NOTE\n"
                 "alpha      7   x\n"
                 "b       1234\n");
    expect_table(rows, 0, "NAME   N   NOTE\n"); /* an empty table is its header */
}

static void counts_characters_not_bytes(void **state)
{
    (void)state;
    assert_int_equal(table_text_width(""), 0);
    assert_int_equal(table_text_width("abc"), 3);
    assert_int_equal(table_text_width("\xc3\xa9quipe"), 6); /* équipe */
    /* two CJK ideographs: two characters, though a terminal gives each two cells */
    assert_int_equal(table_text_width("\xe6\x97\xa5\xe6\x9c\xac"), 2);
    const char *const rows[][3] = {{"\xc3\xa9t\xc3\xa9", "1", "y"}, {"ab", "22", "z"}};
    expect_table(rows, 2,
                 "NAME    N   NOTE\n"
                 "\xc3\xa9t\xc3\xa9     1   y\n"
                 "ab     22   z\n");
}

static void control_characters_do_not_reach_the_terminal(void **state)
{
    (void)state;
    const char *const rows[][3] = {{"a\x1b[2Jb", "1", "tab\there\x7f"}};
    expect_table(rows, 1,
                 "NAME     N   NOTE\n"
                 "a?[2Jb   1   tab?here?\n");
}

static void holds_many_rows(void **state)
{
    (void)state;
    struct table t;
    assert_int_equal(table_init(&t, columns, 3), 0);
    char n[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(n, sizeof n, "%d", i);
        const char *row[] = {"r", n, ""};
        assert_int_equal(table_add_row(&t, row), 0);
    }
    assert_int_equal(t.n_rows, 1000);
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(table_render(&t, &out), 0);
    /* every line of "r" then N right-aligned to 3 digits has the same length */
    assert_int_equal(out.len, strlen("NAME     N   NOTE\n") + 1000 * strlen("r      999\n"));
    wc_buf_free(&out);
    table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_columns_to_the_widest_cell),
        cmocka_unit_test(counts_characters_not_bytes),
        cmocka_unit_test(control_characters_do_not_reach_the_terminal),
        cmocka_unit_test(holds_many_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
