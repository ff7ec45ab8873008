/* export_backoff.c - one backoff per exporting job */
#include "export_backoff.h"
#include "wc_error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct export_backoff_entry *find(const struct export_backoff *b, const char *id)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->entries[i].id, id) == 0)
            return &b->entries[i];
    return NULL;
}

bool export_backoff_due(const struct export_backoff *b, const char *id, long long now_ms)
{
    const struct export_backoff_entry *e = find(b, id);
    return e == NULL || now_ms >= e->next_ms;
}

long long export_backoff_failed(struct export_backoff *b, const char *id, long long now_ms)
{
    struct export_backoff_entry *e = find(b, id);
    if (e == NULL) {
        if (b->n == b->cap) {
            size_t cap = b->cap ? 2 * b->cap : 8;
            struct export_backoff_entry *grown = realloc(b->entries, cap * sizeof *grown);
            if (grown == NULL)
                return WC_ENOMEM;
            b->entries = grown;
            b->cap = cap;
        }
        e = &b->entries[b->n++];
        snprintf(e->id, sizeof e->id, "%s", id);
        e->delay_ms = EXPORT_BACKOFF_MIN_MS;
    }
    long long wait = e->delay_ms;
    e->next_ms = now_ms + wait;
    e->delay_ms = wait * 2 > EXPORT_BACKOFF_MAX_MS ? EXPORT_BACKOFF_MAX_MS : wait * 2;
    return wait;
}

void export_backoff_clear(struct export_backoff *b, const char *id)
{
    struct export_backoff_entry *e = find(b, id);
    if (e == NULL)
        return;
    *e = b->entries[--b->n]; /* order does not matter */
}

void export_backoff_free(struct export_backoff *b)
{
    free(b->entries);
    b->entries = NULL;
    b->n = b->cap = 0;
}
