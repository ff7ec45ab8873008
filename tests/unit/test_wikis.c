/* test_wikis.c - the --wikis list: both forms, per-wiki budgets, and what is refused */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wc_error.h"
#include "wikis.h"

static int parse(struct wikis *w, const char *text, struct wc_error *err)
{
    return wikis_parse(w, text, strlen(text), 50, 16, err);
}

static void comma_form_with_options_and_defaults(void **state)
{
    (void)state;
    struct wikis w;
    struct wc_error err = {0};
    assert_int_equal(parse(&w,
                           "en=https://en.wikipedia.org/w/api.php, "
                           "de=https://de.wikipedia.org/w/api.php;rate=20;inflight=8",
                           &err),
                     0);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.wiki[0].name, "en");
    assert_string_equal(w.wiki[0].api_url, "https://en.wikipedia.org/w/api.php");
    assert_int_equal(w.wiki[0].rate, 50);
    assert_int_equal(w.wiki[0].inflight, 16);
    assert_string_equal(w.wiki[1].name, "de");
    assert_string_equal(w.wiki[1].api_url, "https://de.wikipedia.org/w/api.php");
    assert_int_equal(w.wiki[1].rate, 20);
    assert_int_equal(w.wiki[1].inflight, 8);
    assert_int_equal(wikis_find(&w, "de", 2), 1);
    assert_int_equal(wikis_find(&w, "fr", 2), -1);
}

static void file_form_skips_comments_and_blank_lines(void **state)
{
    (void)state;
    struct wikis w;
    struct wc_error err = {0};
    assert_int_equal(parse(&w,
                           "# the corpus wikis, en first\n"
                           "\n"
                           "  en=http://127.0.0.1:1/w/api.php;inflight=0  \r\n"
                           "# ja, fr: later\n"
                           "ja_x-1=http://127.0.0.1:2/api.php?x=1;rate=0\n",
                           &err),
                     0);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.wiki[0].api_url, "http://127.0.0.1:1/w/api.php");
    assert_int_equal(w.wiki[0].inflight, 0);
    assert_int_equal(w.wiki[0].rate, 50);
    assert_string_equal(w.wiki[1].name, "ja_x-1");
    assert_string_equal(w.wiki[1].api_url, "http://127.0.0.1:2/api.php?x=1");
    assert_int_equal(w.wiki[1].rate, 0);
}

static void bad_lists_are_refused_with_a_reason(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",                                                    /* empty */
        "# only a comment\n",                                  /* empty too */
        "https://en.wikipedia.org/w/api.php",                  /* no name */
        "EN=https://x/api.php",                                /* upper case */
        "e n=https://x/api.php",                               /* blank in the name */
        "en=ftp://x/api.php",                                  /* not http(s) */
        "en=https://",                                         /* no host */
        "en=https://x/a pi.php",                               /* blank in the URL */
        "en=https://x/api.php;rate=-1",                        /* out of range */
        "en=https://x/api.php;rate=fast",                      /* not a number */
        "en=https://x/api.php;burst=3",                        /* unknown option */
        "en=https://x/api.php,en=https://y/api.php",           /* twice */
        "abcdefghijklmnopqrstuvwxyz0123456=https://x/api.php", /* 33 bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct wikis w;
        struct wc_error err = {0};
        assert_int_equal(parse(&w, bad[i], &err), WC_EINVAL);
        assert_true(err.message[0] != '\0');
    }
}

static void at_most_wikis_max(void **state)
{
    (void)state;
    char text[WIKIS_MAX * 40 + 64] = "";
    for (int i = 0; i <= WIKIS_MAX; i++) {
        char entry[40];
        snprintf(entry, sizeof entry, "w%d=http://h/api.php,", i);
        strcat(text, entry);
    }
    struct wikis w;
    struct wc_error err = {0};
    assert_int_equal(parse(&w, text, &err), WC_EINVAL);
    text[strlen(text) - strlen("w32=http://h/api.php,")] = '\0';
    assert_int_equal(parse(&w, text, &err), 0);
    assert_int_equal(w.n, WIKIS_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(comma_form_with_options_and_defaults),
        cmocka_unit_test(file_form_skips_comments_and_blank_lines),
        cmocka_unit_test(bad_lists_are_refused_with_a_reason),
        cmocka_unit_test(at_most_wikis_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
