/* test_limiter.c - the limiter's lease bookkeeping (lease_table) and its paths without Redis */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wc_error.h"
#include "worker/lease_table.h"
#include "worker/limiter.h"

#define REUSE_MS 5000

/* A table holding n busy leases granted at `at`, named L0, L1, ... */
static void grant_n(struct lease_table *t, int n, long long at)
{
    int handles[16];
    assert_int_equal(lease_table_reserve(t, n), 0);
    lease_table_find_unused(t, n, handles);
    for (int i = 0; i < n; i++) {
        snprintf(t->leases[handles[i]].id, LEASE_ID_MAX, "L%d", handles[i]);
        lease_table_grant(t, handles[i], at);
    }
}

static void leases_are_reused_within_the_window_only(void **state)
{
    (void)state;
    struct lease_table t = {0};
    grant_n(&t, 2, 1000);
    assert_int_equal(lease_table_held(&t), 2);
    int reuse[4], release[4], n_release = -1;
    /* Busy leases are neither reused nor released. */
    assert_int_equal(lease_table_pick(&t, 1000, REUSE_MS, 2, reuse, release, &n_release), 0);
    assert_int_equal(n_release, 0);

    lease_table_release(&t, 0);
    assert_int_equal(t.leases[0].state, LEASE_IDLE);
    assert_int_equal(lease_table_held(&t), 2); /* idle is still held */
    /* Just inside the window: reused. */
    assert_int_equal(
        lease_table_pick(&t, 1000 + REUSE_MS - 1, REUSE_MS, 2, reuse, release, &n_release), 1);
    assert_int_equal(reuse[0], 0);
    assert_int_equal(n_release, 0);
    /* From the end of the window on: given back instead. */
    assert_int_equal(lease_table_pick(&t, 1000 + REUSE_MS, REUSE_MS, 2, reuse, release, &n_release),
                     0);
    assert_int_equal(n_release, 1);
    assert_int_equal(release[0], 0);
    /* Picking changes nothing by itself. */
    assert_int_equal(t.leases[0].state, LEASE_IDLE);

    /* Reused, a lease keeps its grant time: its window does not restart. */
    lease_table_reuse(&t, 0);
    assert_int_equal(t.leases[0].state, LEASE_BUSY);
    assert_int_equal(t.leases[0].granted_ms, 1000);
    lease_table_free(&t);
}

static void reuse_takes_no_more_than_wanted(void **state)
{
    (void)state;
    struct lease_table t = {0};
    grant_n(&t, 3, 0);
    for (int i = 0; i < 3; i++)
        lease_table_release(&t, i);
    int reuse[4], release[4], n_release;
    assert_int_equal(lease_table_pick(&t, 10, REUSE_MS, 2, reuse, release, &n_release), 2);
    assert_int_equal(reuse[0], 0);
    assert_int_equal(reuse[1], 1);
    assert_int_equal(n_release, 1);
    assert_int_equal(release[0], 2);
    /* No reuse at all (reuse_ms 0): every idle lease goes back. */
    assert_int_equal(lease_table_pick(&t, 10, 0, 2, reuse, release, &n_release), 0);
    assert_int_equal(n_release, 3);
    lease_table_free(&t);
}

static void release_turns_busy_leases_idle_and_ignores_the_rest(void **state)
{
    (void)state;
    struct lease_table t = {0};
    grant_n(&t, 2, 0);
    lease_table_release(&t, 1);
    lease_table_release(&t, 1); /* twice: still idle */
    assert_int_equal(t.leases[1].state, LEASE_IDLE);
    lease_table_release(&t, -1); /* "no lease" (no cap) */
    lease_table_release(&t, 2);  /* out of range */
    assert_int_equal(t.leases[0].state, LEASE_BUSY);
    assert_int_equal(lease_table_held(&t), 2);

    /* Idle ones go back, busy ones stay... */
    const char *ids[4];
    assert_int_equal(lease_table_drop(&t, 0, ids), 1);
    assert_string_equal(ids[0], "L1");
    assert_int_equal(t.leases[1].state, LEASE_UNUSED);
    assert_int_equal(lease_table_held(&t), 1);
    assert_int_equal(lease_table_drop(&t, 0, ids), 0);
    /* ...unless every lease goes (a run that stopped with requests in flight). */
    assert_int_equal(lease_table_drop(&t, 1, ids), 1);
    assert_string_equal(ids[0], "L0");
    assert_int_equal(lease_table_held(&t), 0);
    /* An unused entry is not released back to idle. */
    lease_table_release(&t, 0);
    assert_int_equal(t.leases[0].state, LEASE_UNUSED);
    lease_table_free(&t);
}

static void entries_are_reused_before_the_table_grows(void **state)
{
    (void)state;
    struct lease_table t = {0};
    grant_n(&t, 3, 0);
    assert_int_equal(t.n_leases, 3);
    lease_table_release(&t, 1);
    lease_table_forget(&t, 1);
    assert_int_equal(lease_table_held(&t), 2);
    /* One entry is free: room for one more costs nothing, for two grows by one. */
    assert_int_equal(lease_table_reserve(&t, 1), 0);
    assert_int_equal(t.n_leases, 3);
    assert_int_equal(lease_table_reserve(&t, 2), 0);
    assert_int_equal(t.n_leases, 4);
    int handles[2];
    lease_table_find_unused(&t, 2, handles);
    assert_int_equal(handles[0], 1);
    assert_int_equal(handles[1], 3);
    lease_table_grant(&t, handles[0], 42);
    lease_table_grant(&t, handles[1], 42);
    assert_int_equal(lease_table_held(&t), 4);
    assert_int_equal(t.leases[1].granted_ms, 42);
    lease_table_free(&t);
    assert_int_equal(lease_table_held(&t), 0);
}

static void no_budget_means_no_redis_and_no_lease(void **state)
{
    (void)state;
    struct limiter_options opts = {0, 0, 10000, REUSE_MS, "w", NULL};
    struct limiter *l = limiter_new(&opts);
    assert_non_null(l);
    int leases[3] = {7, 7, 7};
    long retry = 0;
    assert_int_equal(limiter_acquire(l, NULL, 3, leases, &retry), 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(leases[i], -1);
    limiter_release(l, -1);
    assert_int_equal(limiter_held(l), 0);
    limiter_free(l);
}

static void a_cap_without_redis_grants_nothing(void **state)
{
    (void)state;
    struct limiter_options opts = {0, 4, 10000, REUSE_MS, "w", NULL};
    struct limiter *l = limiter_new(&opts);
    assert_non_null(l);
    redisContext *c = redisConnectUnix("/nonexistent/wikicrawl-test.sock");
    assert_non_null(c);
    int leases[2];
    long retry = 0;
    assert_int_equal(limiter_acquire(l, c, 2, leases, &retry), WC_EREMOTE);
    assert_true(retry > 0);
    assert_int_equal(limiter_held(l), 0); /* the entries asked for stay unused */
    redisFree(c);
    limiter_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(leases_are_reused_within_the_window_only),
        cmocka_unit_test(reuse_takes_no_more_than_wanted),
        cmocka_unit_test(release_turns_busy_leases_idle_and_ignores_the_rest),
        cmocka_unit_test(entries_are_reused_before_the_table_grows),
        cmocka_unit_test(no_budget_means_no_redis_and_no_lease),
        cmocka_unit_test(a_cap_without_redis_grants_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
