/* crawl_heap.c - a binary min-heap of retries by due time */
#include "crawl_heap.h"

#include <stdlib.h>

#include "wc_error.h"

static void entry_swap(struct crawl_heap_entry *a, struct crawl_heap_entry *b)
{
    struct crawl_heap_entry tmp = *a;
    *a = *b;
    *b = tmp;
}

int crawl_heap_reserve(struct crawl_heap *h, size_t cap)
{
    if (cap <= h->cap)
        return 0;
    struct crawl_heap_entry *entries = realloc(h->entries, cap * sizeof *entries);
    if (entries == NULL)
        return WC_ENOMEM;
    h->entries = entries;
    h->cap = cap;
    return 0;
}

void crawl_heap_push(struct crawl_heap *h, long long due_ms, size_t title)
{
    struct crawl_heap_entry *e = h->entries;
    size_t i = h->n++;
    e[i].due_ms = due_ms;
    e[i].title = title;
    while (i > 0 && e[i].due_ms < e[(i - 1) / 2].due_ms) {
        entry_swap(&e[i], &e[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
}

size_t crawl_heap_pop(struct crawl_heap *h)
{
    struct crawl_heap_entry *e = h->entries;
    size_t top = e[0].title;
    e[0] = e[--h->n];
    size_t i = 0;
    for (;;) {
        size_t left = 2 * i + 1, right = left + 1, least = i;
        if (left < h->n && e[left].due_ms < e[least].due_ms)
            least = left;
        if (right < h->n && e[right].due_ms < e[least].due_ms)
            least = right;
        if (least == i)
            break;
        entry_swap(&e[i], &e[least]);
        i = least;
    }
    return top;
}

void crawl_heap_free(struct crawl_heap *h)
{
    free(h->entries);
    h->entries = NULL;
    h->n = 0;
    h->cap = 0;
}
