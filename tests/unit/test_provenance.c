/* test_provenance.c - the opt-in provenance fields: names in, fixed order out, nulls */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "provenance.h"
#include "wc_error.h"

static void names_parse_in_any_order_and_print_in_the_fixed_one(void **state)
{
    (void)state;
    unsigned set = 99;
    struct wc_error err = {0};
    assert_int_equal(provenance_parse_list("touched,wiki,touched", 20, &set, &err), 0);
    assert_int_equal(set, PROVENANCE_WIKI | PROVENANCE_TOUCHED);
    const char *json = "[\"wikidata_id\",\"revision_id\",\"wiki\",\"touched\"]";
    assert_int_equal(provenance_parse_json(json, strlen(json), &set, &err), 0);
    assert_int_equal(set, PROVENANCE_ALL);
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(provenance_list(set, &out), 0);
    assert_string_equal(out.data, "wiki,revision_id,wikidata_id,touched");
    wc_buf_reset(&out);
    assert_int_equal(provenance_json(PROVENANCE_REVISION_ID | PROVENANCE_WIKI, &out), 0);
    assert_string_equal(out.data, "[\"wiki\",\"revision_id\"]");
    assert_int_equal(provenance_parse_list("", 0, &set, &err), 0);
    assert_int_equal(set, 0);
    wc_buf_free(&out);
}

static void unknown_names_and_shapes_are_refused(void **state)
{
    (void)state;
    unsigned set = 7;
    struct wc_error err = {0};
    assert_int_equal(provenance_parse_list("wiki,rev", 8, &set, &err), WC_EINVAL);
    assert_non_null(strstr(err.message, "'rev'"));
    assert_int_equal(provenance_parse_list("wiki,", 5, &set, &err), WC_EINVAL);
    assert_int_equal(provenance_parse_json("\"wiki\"", 6, &set, &err), WC_EINVAL);
    assert_int_equal(provenance_parse_json("[1]", 3, &set, &err), WC_EINVAL);
    assert_int_equal(provenance_parse_json("[\"Wiki\"]", 8, &set, &err), WC_EINVAL);
    assert_int_equal(set, 7); /* unchanged */
}

static void fields_follow_the_record_with_nulls(void **state)
{
    (void)state;
    const char *record = "{\"page_id\":\"1\",\"redirects_page\":null}";
    struct wc_buf out = WC_BUF_INIT;
    struct provenance p = {"de", 42, "Q7", "2024-05-01T12:00:00Z"};
    assert_int_equal(provenance_append(&out, record, strlen(record), PROVENANCE_ALL, &p), 0);
    assert_string_equal(out.data, "{\"page_id\":\"1\",\"redirects_page\":null,\"wiki\":\"de\","
                                  "\"revision_id\":42,\"wikidata_id\":\"Q7\","
                                  "\"touched\":\"2024-05-01T12:00:00Z\"}");
    wc_buf_reset(&out);
    struct provenance none = {"de", 0, "", NULL};
    assert_int_equal(
        provenance_append(&out, record, strlen(record),
                          PROVENANCE_REVISION_ID | PROVENANCE_WIKIDATA_ID | PROVENANCE_TOUCHED,
                          &none),
        0);
    assert_string_equal(out.data, "{\"page_id\":\"1\",\"redirects_page\":null,"
                                  "\"revision_id\":null,\"wikidata_id\":null,\"touched\":null}");
    /* no fields: the record byte for byte */
    wc_buf_reset(&out);
    assert_int_equal(provenance_append(&out, record, strlen(record), 0, &p), 0);
    assert_string_equal(out.data, record);
    assert_int_equal(provenance_append(&out, "[]", 2, PROVENANCE_WIKI, &p), WC_EINVAL);
    wc_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_parse_in_any_order_and_print_in_the_fixed_one),
        cmocka_unit_test(unknown_names_and_shapes_are_refused),
        cmocka_unit_test(fields_follow_the_record_with_nulls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
