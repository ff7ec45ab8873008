/* test_record_json.c - unit tests for lib/json_write and lib/record_json */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "json_write.h"
#include "record_json.h"

static void check_string(const char *in, size_t len, const char *expected)
{
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(json_write_string(&out, in, len), 0);
    assert_string_equal(out.data, expected);
    wc_buf_free(&out);
}

/* Expected strings are what Python's json.dumps(s, ensure_ascii=False) prints. */
static void test_escapes_like_python(void **state)
{
    (void)state;
    check_string("plain", 5, "\"plain\"");
    check_string("q\"b\\s/", 6, "\"q\\\"b\\\\s/\"");
    check_string("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
    check_string("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"");
    check_string("a\0b", 3, "\"a\\u0000b\"");
    check_string("\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80", 9,
                 "\"\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80\"");
}

static void test_invalid_utf8_becomes_replacement(void **state)
{
    (void)state;
    check_string("a\xff"
                 "b",
                 3,
                 "\"a\xef\xbf\xbd"
                 "b\"");
    check_string("\xc3", 1, "\"\xef\xbf\xbd\"");
    check_string("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    check_string("\xc0\xaf\xc3\xa9", 4, "\"\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9\"");
}

static void test_record_key_order_and_null(void **state)
{
    (void)state;
    const char *cats[] = {"A", "B_c"};
    const char *links[] = {"L"};
    struct wc_record r = {0};
    r.page_id = "12";
    r.page_title = "T\"itle";
    r.page_text = " x. y";
    r.page_text_len = 5;
    r.category.items = cats;
    r.category.n = 2;
    r.links.items = links;
    r.links.n = 1;
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(record_json_append(&out, &r), 0);
    assert_string_equal(out.data,
                        "{\"page_id\":\"12\",\"page_title\":\"T\\\"itle\",\"page_text\":\" x. y\","
                        "\"category\":[\"A\",\"B_c\"],\"links\":[\"L\"],\"external_links\":[],"
                        "\"sections\":[],\"redirects_page\":null}");
    r.redirects_page = "Elsewhere";
    wc_buf_reset(&out);
    assert_int_equal(record_json_append(&out, &r), 0);
    assert_non_null(strstr(out.data, ",\"redirects_page\":\"Elsewhere\"}"));
    wc_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes_like_python),
        cmocka_unit_test(test_invalid_utf8_becomes_replacement),
        cmocka_unit_test(test_record_key_order_and_null),
    };
    return cmocka_run_group_tests_name("record_json", tests, NULL, NULL);
}
