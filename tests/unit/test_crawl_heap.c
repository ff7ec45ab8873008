/* test_crawl_heap.c - the retry queue: earliest due first, ties, room reserved up front */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crawl_heap.h"
#include "crawl_retry.h"

static void pops_earliest_first(void **state)
{
    (void)state;
    struct crawl_heap h = CRAWL_HEAP_INIT;
    assert_int_equal(crawl_heap_reserve(&h, 8), 0);
    const long long due[] = {500, 100, 900, 300, 700, 200, 800, 400};
    for (size_t i = 0; i < 8; i++)
        crawl_heap_push(&h, due[i], i);
    assert_int_equal(h.n, 8);
    assert_true(h.entries[0].due_ms == 100);
    const size_t order[] = {1, 5, 3, 7, 0, 4, 6, 2};
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(crawl_heap_pop(&h), order[i]);
    assert_int_equal(h.n, 0);
    crawl_heap_free(&h);
}

static int compare_due(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Many random due times (with many ties, from a narrow range): each title comes out exactly once,
 * and never before one due earlier. */
static void pops_in_order_with_ties(void **state)
{
    (void)state;
    enum { N = 2000 };
    struct crawl_heap h = CRAWL_HEAP_INIT;
    assert_int_equal(crawl_heap_reserve(&h, N), 0);
    long long *due = malloc(N * sizeof *due);
    long long *sorted = malloc(N * sizeof *sorted);
    char *seen = calloc(N, 1);
    assert_non_null(due);
    assert_non_null(sorted);
    assert_non_null(seen);
    uint64_t rng = 99;
    for (size_t i = 0; i < N; i++) {
        due[i] = (long long)(crawl_rng_next(&rng) % 50);
        sorted[i] = due[i];
        crawl_heap_push(&h, due[i], i);
    }
    qsort(sorted, N, sizeof *sorted, compare_due);
    for (size_t i = 0; i < N; i++) {
        size_t title = crawl_heap_pop(&h);
        assert_true(title < N);
        assert_int_equal(seen[title], 0);
        seen[title] = 1;
        assert_true(due[title] == sorted[i]);
    }
    free(due);
    free(sorted);
    free(seen);
    crawl_heap_free(&h);
}

static void equal_due_times_all_come_out_before_later_ones(void **state)
{
    (void)state;
    struct crawl_heap h = CRAWL_HEAP_INIT;
    assert_int_equal(crawl_heap_reserve(&h, 6), 0);
    crawl_heap_push(&h, 20, 0);
    crawl_heap_push(&h, 10, 1);
    crawl_heap_push(&h, 10, 2);
    crawl_heap_push(&h, 20, 3);
    crawl_heap_push(&h, 10, 4);
    crawl_heap_push(&h, 5, 5);
    assert_int_equal(crawl_heap_pop(&h), 5);
    unsigned tied = 0;
    for (int i = 0; i < 3; i++)
        tied |= 1u << crawl_heap_pop(&h);
    assert_int_equal(tied, (1u << 1) | (1u << 2) | (1u << 4));
    unsigned later = 0;
    for (int i = 0; i < 2; i++)
        later |= 1u << crawl_heap_pop(&h);
    assert_int_equal(later, (1u << 0) | (1u << 3));
    crawl_heap_free(&h);
}

/* As a run uses it: pushes and pops interleaved, the top always the earliest still waiting. */
static void interleaved_push_and_pop(void **state)
{
    (void)state;
    enum { N = 500 };
    struct crawl_heap h = CRAWL_HEAP_INIT;
    assert_int_equal(crawl_heap_reserve(&h, N), 0);
    long long due[N];
    char waiting[N] = {0};
    uint64_t rng = 7;
    size_t next = 0;
    for (int step = 0; step < 4 * N; step++) {
        int push = next < N && (h.n == 0 || crawl_rng_next(&rng) % 3 != 0);
        if (push) {
            due[next] = (long long)(crawl_rng_next(&rng) % 1000);
            crawl_heap_push(&h, due[next], next);
            waiting[next++] = 1;
            continue;
        }
        if (h.n == 0)
            break;
        long long earliest = -1;
        for (size_t i = 0; i < next; i++)
            if (waiting[i] && (earliest < 0 || due[i] < earliest))
                earliest = due[i];
        assert_true(h.entries[0].due_ms == earliest);
        size_t title = crawl_heap_pop(&h);
        assert_int_equal(waiting[title], 1);
        assert_true(due[title] == earliest);
        waiting[title] = 0;
    }
    crawl_heap_free(&h);
}

static void reserve_keeps_entries_and_never_shrinks(void **state)
{
    (void)state;
    struct crawl_heap h = CRAWL_HEAP_INIT;
    assert_int_equal(crawl_heap_reserve(&h, 0), 0);
    assert_int_equal(h.cap, 0);
    assert_int_equal(crawl_heap_reserve(&h, 2), 0);
    crawl_heap_push(&h, 30, 3);
    crawl_heap_push(&h, 10, 1);
    assert_int_equal(crawl_heap_reserve(&h, 1), 0);
    assert_int_equal(h.cap, 2);
    assert_int_equal(crawl_heap_reserve(&h, 1024), 0);
    assert_int_equal(h.cap, 1024);
    crawl_heap_push(&h, 20, 2);
    assert_int_equal(crawl_heap_pop(&h), 1);
    assert_int_equal(crawl_heap_pop(&h), 2);
    assert_int_equal(crawl_heap_pop(&h), 3);
    crawl_heap_free(&h);
    assert_null(h.entries);
    assert_int_equal(h.n, 0);
    assert_int_equal(h.cap, 0);
    crawl_heap_free(&h); /* twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pops_earliest_first),
        cmocka_unit_test(pops_in_order_with_ties),
        cmocka_unit_test(equal_due_times_all_come_out_before_later_ones),
        cmocka_unit_test(interleaved_push_and_pop),
        cmocka_unit_test(reserve_keeps_entries_and_never_shrinks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
