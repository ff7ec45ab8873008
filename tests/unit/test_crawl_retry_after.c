/* test_crawl_retry_after.c - a Retry-After header, as libcurl reads it, to the crawler's wait: the
 * header is served over loopback by a child process, the way the wiki would send it */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "crawl_retry.h"

static size_t discard(char *data, size_t size, size_t nmemb, void *userdata)
{
    (void)data;
    (void)userdata;
    return size * nmemb;
}

/* Answer one request with a 503 carrying header_line (none when empty). */
static void serve_one(int listener, const char *header_line)
{
    int conn = accept(listener, NULL, NULL);
    if (conn < 0)
        _exit(1);
    char request[4096];
    if (read(conn, request, sizeof request) < 0)
        _exit(1);
    char answer[512];
    int n = snprintf(answer, sizeof answer,
                     "HTTP/1.1 503 Service Unavailable\r\n%s%sContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n",
                     header_line, header_line[0] ? "\r\n" : "");
    if (write(conn, answer, (size_t)n) != n)
        _exit(1);
    close(conn);
    _exit(0);
}

/* The crawler's wait for an answer with header_line, through libcurl's CURLINFO_RETRY_AFTER. */
static long wait_for(const char *header_line)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(listener >= 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t addr_len = sizeof addr;
    assert_int_equal(bind(listener, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(listener, 1), 0);
    assert_int_equal(getsockname(listener, (struct sockaddr *)&addr, &addr_len), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        serve_one(listener, header_line);
    close(listener);

    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(addr.sin_port));
    CURL *easy = curl_easy_init();
    assert_non_null(easy);
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 10000L);
    assert_int_equal(curl_easy_perform(easy), CURLE_OK);
    curl_off_t retry_after_s = -1;
    assert_int_equal(curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &retry_after_s), CURLE_OK);
    curl_easy_cleanup(easy);
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return crawl_retry_after_ms(retry_after_s);
}

static void delta_seconds(void **state)
{
    (void)state;
    assert_int_equal(wait_for("Retry-After: 120"), 120000);
    assert_int_equal(wait_for("Retry-After: 1"), 1000);
    assert_int_equal(wait_for("retry-after:  7 "), 7000);
    assert_int_equal(wait_for("Retry-After: 0"), 0);
}

static void http_date(void **state)
{
    (void)state;
    char line[128];
    time_t at = time(NULL) + 90;
    struct tm tm;
    strftime(line, sizeof line, "Retry-After: %a, %d %b %Y %H:%M:%S GMT", gmtime_r(&at, &tm));
    /* Seconds from now: the second may turn between here and libcurl's reading. */
    assert_in_range(wait_for(line), 88000, 91000);
    /* A date in the past: no wait. */
    assert_int_equal(wait_for("Retry-After: Wed, 21 Oct 2015 07:28:00 GMT"), 0);
}

static void junk_and_absent_mean_no_wait(void **state)
{
    (void)state;
    assert_int_equal(wait_for(""), 0);
    assert_int_equal(wait_for("Retry-After: soon"), 0);
    assert_int_equal(wait_for("Retry-After: -5"), 0);
    assert_int_equal(wait_for("Retry-After:"), 0);
}

static void huge_values_are_capped(void **state)
{
    (void)state;
    assert_int_equal(wait_for("Retry-After: 601"), CRAWL_RETRY_AFTER_MAX_MS);
    assert_int_equal(wait_for("Retry-After: 99999999"), CRAWL_RETRY_AFTER_MAX_MS);
    /* Beyond curl_off_t libcurl reads nothing at all (7.88): no wait rather than a wrapped one. */
    long beyond = wait_for("Retry-After: 99999999999999999999999");
    assert_true(beyond == 0 || beyond == CRAWL_RETRY_AFTER_MAX_MS);
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
        cmocka_unit_test(delta_seconds),
        cmocka_unit_test(http_date),
        cmocka_unit_test(junk_and_absent_mean_no_wait),
        cmocka_unit_test(huge_values_are_capped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
