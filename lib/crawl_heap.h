/* crawl_heap.h - the crawler's retry queue: a min-heap of titles by the time they may start */
#ifndef WC_CRAWL_HEAP_H
#define WC_CRAWL_HEAP_H

#include <stddef.h>

struct crawl_heap_entry {
    long long due_ms; /* clock_monotonic_ms() from which the retry may start */
    size_t title;     /* the title's index in its run */
};

/* entries[0] is the entry due first (when n > 0); the others are in heap order. Entries that are
 * due at the same time come out in no particular order. The heap owns entries: free them with
 * crawl_heap_free(). Zero-initialised (CRAWL_HEAP_INIT) is an empty heap. */
struct crawl_heap {
    struct crawl_heap_entry *entries;
    size_t n;   /* entries in the heap */
    size_t cap; /* room reserved */
};

#define CRAWL_HEAP_INIT                                                                            \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* Prototypes */

/* Make room for cap entries in all (a run reserves one per title: a title waits at most once).
 * Never shrinks. 0, or WC_ENOMEM with the heap unchanged. */
int crawl_heap_reserve(struct crawl_heap *h, size_t cap);

/* Add title, due at due_ms. The caller has reserved room (n < cap): pushing never allocates. */
void crawl_heap_push(struct crawl_heap *h, long long due_ms, size_t title);

/* Remove the entry due first and return its title. The heap must not be empty. */
size_t crawl_heap_pop(struct crawl_heap *h);

/* Free the entries; the heap is empty (and reusable) afterwards. */
void crawl_heap_free(struct crawl_heap *h);

#endif
