/* test_addr_limit.c - open connections per client address (--max-connections-per-ip) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/un.h>

#include "server/addr_limit.h"

static struct sockaddr_in v4(const char *ip, unsigned short port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
    return a;
}

static struct sockaddr_in6 v6(const char *ip)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6};
    assert_int_equal(inet_pton(AF_INET6, ip, &a.sin6_addr), 1);
    return a;
}

#define SA(a) ((const struct sockaddr *)&(a))

/* The refusals since the last report are n, the last of them from last_addr ("" for none). */
static void expect_refused(struct addr_limit *lim, long long n, const char *last_addr)
{
    char last[64];
    assert_int_equal(addr_limit_take_refused(lim, last, sizeof last), n);
    assert_string_equal(last, last_addr);
}

static void an_address_is_held_to_its_limit_and_others_are_not(void **state)
{
    (void)state;
    struct addr_limit *lim = addr_limit_new(2, 8);
    assert_non_null(lim);
    /* The port differs from connection to connection: the address alone counts. */
    struct sockaddr_in a1 = v4("127.0.0.2", 1000), a2 = v4("127.0.0.2", 1001);
    struct sockaddr_in other = v4("127.0.0.1", 1000);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(addr_limit_admit(lim, SA(a1)), 1);
        assert_int_equal(addr_limit_open(lim, SA(a1)), 1);
    }
    assert_int_equal(addr_limit_admit(lim, SA(a2)), 0);
    assert_int_equal(addr_limit_admit(lim, SA(a1)), 0);
    assert_int_equal(addr_limit_admit(lim, SA(other)), 1);
    expect_refused(lim, 2, "127.0.0.2");
    /* Taken: the next report starts from zero. */
    expect_refused(lim, 0, "");
    /* A closed connection frees its place. */
    addr_limit_close(lim, SA(a2));
    assert_int_equal(addr_limit_admit(lim, SA(a1)), 1);
    addr_limit_free(lim);
}

static void an_ipv4_client_on_a_dual_stack_socket_is_the_same_client(void **state)
{
    (void)state;
    struct addr_limit *lim = addr_limit_new(1, 8);
    struct sockaddr_in plain = v4("192.0.2.7", 1);
    struct sockaddr_in6 mapped = v6("::ffff:192.0.2.7"), other = v6("2001:db8::7");
    assert_int_equal(addr_limit_open(lim, SA(plain)), 1);
    assert_int_equal(addr_limit_admit(lim, SA(mapped)), 0);
    assert_int_equal(addr_limit_admit(lim, SA(other)), 1);
    assert_int_equal(addr_limit_open(lim, SA(other)), 1);
    assert_int_equal(addr_limit_admit(lim, SA(other)), 0);
    expect_refused(lim, 2, "2001:db8::7");
    addr_limit_close(lim, SA(mapped));
    assert_int_equal(addr_limit_admit(lim, SA(plain)), 1);
    addr_limit_free(lim);
}

static void other_families_are_neither_limited_nor_counted(void **state)
{
    (void)state;
    struct addr_limit *lim = addr_limit_new(1, 1);
    struct sockaddr_un local = {.sun_family = AF_UNIX};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(addr_limit_admit(lim, SA(local)), 1);
        assert_int_equal(addr_limit_open(lim, SA(local)), 0);
    }
    assert_int_equal(addr_limit_admit(lim, NULL), 1);
    /* A full table counts nothing more, and so limits nothing more: never a wrong refusal. */
    struct sockaddr_in a = v4("10.0.0.1", 1), b = v4("10.0.0.2", 1);
    assert_int_equal(addr_limit_open(lim, SA(a)), 1);
    assert_int_equal(addr_limit_open(lim, SA(b)), 0);
    assert_int_equal(addr_limit_admit(lim, SA(b)), 1);
    expect_refused(lim, 0, "");
    addr_limit_free(lim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_address_is_held_to_its_limit_and_others_are_not),
        cmocka_unit_test(an_ipv4_client_on_a_dual_stack_socket_is_the_same_client),
        cmocka_unit_test(other_families_are_neither_limited_nor_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
