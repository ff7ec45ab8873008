/* test_export_manifest.c - part digests, their stored form, and _manifest.json */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "export_manifest.h"
#include "provenance.h"
#include "gzip_member.h"
#include "record.h"
#include "record_json.h"

/* Members appended as they are make one gzip stream of the lines, and the part's digest is the
 * digest of those bytes. */
static void test_part_is_members_concatenated(void **state)
{
    (void)state;
    struct gzip_writer *w = gzip_writer_new(GZIP_MEMBER_LEVEL);
    assert_non_null(w);
    const char *lines[] = {"{\"a\":1}", "{\"b\":2}", "{\"c\":\"three\"}"};
    struct wc_buf part = WC_BUF_INIT, member = WC_BUF_INIT, inflated = WC_BUF_INIT;
    struct export_part_builder b;
    export_part_begin(&b);
    for (size_t i = 0; i < 3; i++) {
        wc_buf_reset(&member);
        assert_int_equal(gzip_writer_member(w, &member, lines[i], strlen(lines[i]), "\n", 1, NULL),
                         0);
        export_part_add(&b, member.data, member.len);
        assert_int_equal(wc_buf_append(&part, member.data, member.len), 0);
    }
    struct export_part_info info = {.name = "part-000000.ndjson.gz"};
    export_part_end(&b, &info);
    assert_int_equal(info.records, 3);
    assert_int_equal(info.bytes, (long long)part.len);
    uint8_t digest[SHA256_DIGEST_LEN];
    char hex[SHA256_HEX_LEN + 1];
    sha256(part.data, part.len, digest);
    sha256_hex(digest, hex);
    assert_string_equal(info.sha256, hex);
    assert_int_equal(gzip_inflate_append(part.data, part.len, &inflated, NULL), 0);
    assert_int_equal(inflated.len, strlen("{\"a\":1}\n{\"b\":2}\n{\"c\":\"three\"}\n"));
    assert_memory_equal(inflated.data, "{\"a\":1}\n{\"b\":2}\n{\"c\":\"three\"}\n", inflated.len);
    wc_buf_free(&part);
    wc_buf_free(&member);
    wc_buf_free(&inflated);
    gzip_writer_free(w);
}

static void test_part_stored_form(void **state)
{
    (void)state;
    struct export_part_info in = {"errors-000003.ndjson.gz", 17, 4096, {0}}, out;
    memset(in.sha256, 'a', SHA256_HEX_LEN);
    in.sha256[SHA256_HEX_LEN] = '\0';
    struct wc_buf s = WC_BUF_INIT;
    assert_int_equal(export_part_format(&in, &s), 0);
    assert_int_equal(export_part_parse(s.data, s.len, &out), 0);
    assert_string_equal(out.name, in.name);
    assert_int_equal(out.records, 17);
    assert_int_equal(out.bytes, 4096);
    assert_string_equal(out.sha256, in.sha256);
    assert_int_equal(export_part_parse(s.data, s.len - 1, &out), WC_EPARSE); /* short digest */
    assert_int_equal(export_part_parse("x 1 2", 5, &out), WC_EPARSE);
    assert_int_equal(export_part_parse("x -1 2 ab", 9, &out), WC_EPARSE);
    wc_buf_free(&s);
}

static void test_manifest(void **state)
{
    (void)state;
    struct export_part_info parts[2] = {{"part-000000.ndjson.gz", 3, 100, {0}},
                                        {"part-000001.ndjson.gz", 1, 40, {0}}};
    struct export_part_info errors[1] = {{"errors-000000.ndjson.gz", 2, 30, {0}}};
    memset(parts[0].sha256, '1', SHA256_HEX_LEN);
    memset(parts[1].sha256, '2', SHA256_HEX_LEN);
    memset(errors[0].sha256, '3', SHA256_HEX_LEN);
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(export_manifest_json(&out, "abc", 0, parts, 2, errors, 1), 0);
    json_error_t jerr;
    json_t *m = json_loadb(out.data, out.len, 0, &jerr);
    assert_non_null(m);
    assert_string_equal(json_string_value(json_object_get(m, "job")), "abc");
    assert_int_equal(json_integer_value(json_object_get(m, "records")), 4);
    assert_int_equal(json_integer_value(json_object_get(m, "error_records")), 2);
    assert_int_equal(json_integer_value(json_object_get(m, "bytes")), 170);
    json_t *fields = json_object_get(m, "fields");
    assert_int_equal(json_array_size(fields), RECORD_JSON_N_FIELDS);
    assert_string_equal(json_string_value(json_array_get(fields, 0)), "page_id");
    assert_string_equal(json_string_value(json_array_get(fields, 7)), "redirects_page");
    json_t *p1 = json_array_get(json_object_get(m, "parts"), 1);
    assert_string_equal(json_string_value(json_object_get(p1, "name")), "part-000001.ndjson.gz");
    assert_int_equal(json_integer_value(json_object_get(p1, "records")), 1);
    assert_int_equal(strlen(json_string_value(json_object_get(p1, "sha256"))), SHA256_HEX_LEN);
    assert_int_equal(json_array_size(json_object_get(m, "errors")), 1);
    json_decref(m);
    wc_buf_free(&out);
}

/* The manifest's field list is the order records are really written in. */
static void test_fields_add_the_provenance_asked(void **state)
{
    (void)state;
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(
        export_manifest_json(&out, "abc", PROVENANCE_TOUCHED | PROVENANCE_WIKI, NULL, 0, NULL, 0),
        0);
    json_t *m = json_loadb(out.data, out.len, 0, NULL);
    assert_non_null(m);
    json_t *fields = json_object_get(m, "fields");
    assert_int_equal(json_array_size(fields), RECORD_JSON_N_FIELDS + 2);
    assert_string_equal(json_string_value(json_array_get(fields, 8)), "wiki");
    assert_string_equal(json_string_value(json_array_get(fields, 9)), "touched");
    json_decref(m);
    wc_buf_free(&out);
}

static void test_fields_match_records(void **state)
{
    (void)state;
    struct wc_record r = {0};
    r.page_id = "1";
    r.page_title = "T";
    struct wc_buf out = WC_BUF_INIT;
    assert_int_equal(record_json_append(&out, &r), 0);
    json_t *obj = json_loadb(out.data, out.len, JSON_PRESERVE_ORDER, NULL);
    assert_non_null(obj);
    size_t i = 0;
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        (void)value;
        assert_true(i < RECORD_JSON_N_FIELDS);
        assert_string_equal(key, record_json_fields[i]);
        i++;
    }
    assert_int_equal(i, RECORD_JSON_N_FIELDS);
    json_decref(obj);
    wc_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_part_is_members_concatenated),
        cmocka_unit_test(test_part_stored_form),
        cmocka_unit_test(test_manifest),
        cmocka_unit_test(test_fields_match_records),
        cmocka_unit_test(test_fields_add_the_provenance_asked),
    };
    return cmocka_run_group_tests_name("export_manifest", tests, NULL, NULL);
}
