/* test_crawl.c - the crawler's API contract: what it refuses, and a run with nothing to do */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "crawl.h"
#include "wc_error.h"

static int count_result(void *ctx, const struct crawl_result *result)
{
    (void)result;
    (*(int *)ctx)++;
    return 0;
}

static void new_refuses_missing_options(void **state)
{
    (void)state;
    struct wc_error err = {0};
    assert_null(crawl_new(NULL, &err));
    assert_int_equal(err.code, WC_EINVAL);
    struct crawl_options opts = {.api_url = "", .user_agent = "test/1"};
    assert_null(crawl_new(&opts, &err));
    assert_int_equal(err.code, WC_EINVAL);
    opts.api_url = "http://127.0.0.1:9/w/api.php";
    opts.user_agent = NULL;
    assert_null(crawl_new(&opts, NULL)); /* err may be NULL */
    opts.user_agent = "test/1";
    opts.resolve_batch = MWQUERY_BATCH_HIGH + 1; /* more titles than any wiki takes at once */
    assert_null(crawl_new(&opts, &err));
    assert_int_equal(err.code, WC_EINVAL);
    opts.resolve_batch = -1;
    assert_null(crawl_new(&opts, &err));
    opts.resolve_batch = MWQUERY_BATCH_HIGH;
    struct crawler *c = crawl_new(&opts, &err);
    assert_non_null(c);
    crawl_free(c);
    crawl_free(NULL);
}

static void run_needs_on_result_and_may_have_nothing_to_do(void **state)
{
    (void)state;
    struct wc_error err = {0};
    struct crawl_options opts = {.api_url = "http://127.0.0.1:9/w/api.php", .user_agent = "test/1"};
    struct crawler *c = crawl_new(&opts, &err);
    assert_non_null(c);
    int results = 0;
    struct crawl_callbacks none = {0};
    const char *titles[] = {"A"};
    assert_int_equal(crawl_run(c, titles, 1, NULL, &err), WC_EINVAL);
    assert_int_equal(crawl_run(c, titles, 1, &none, &err), WC_EINVAL);
    assert_int_equal(err.code, WC_EINVAL);
    struct crawl_callbacks cb = {.on_result = count_result, .ctx = &results};
    assert_int_equal(crawl_run(c, NULL, 0, &cb, &err), 0);
    assert_int_equal(results, 0);
    crawl_free(c);
}

static int setup(void **state)
{
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(new_refuses_missing_options),
        cmocka_unit_test(run_needs_on_result_and_may_have_nothing_to_do),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
