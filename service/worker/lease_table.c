/* lease_table.c - which leases a worker holds and what each is doing (see lease_table.h) */
#include "lease_table.h"
#include "wc_error.h"

#include <stdlib.h>
#include <string.h>

int lease_table_reserve(struct lease_table *t, int n)
{
    int unused = 0;
    for (int i = 0; i < t->n_leases; i++)
        unused += t->leases[i].state == LEASE_UNUSED;
    if (unused >= n)
        return 0;
    int grow = n - unused;
    struct lease *leases = realloc(t->leases, (size_t)(t->n_leases + grow) * sizeof *leases);
    if (leases == NULL)
        return WC_ENOMEM;
    memset(leases + t->n_leases, 0, (size_t)grow * sizeof *leases);
    t->leases = leases;
    t->n_leases += grow;
    return 0;
}

int lease_table_pick(const struct lease_table *t, long long now, long reuse_ms, int want,
                     int *reuse, int *release, int *n_release)
{
    int n_reuse = 0;
    *n_release = 0;
    for (int i = 0; i < t->n_leases; i++) {
        const struct lease *lease = &t->leases[i];
        if (lease->state != LEASE_IDLE)
            continue;
        if (n_reuse < want && now - lease->granted_ms < reuse_ms)
            reuse[n_reuse++] = i;
        else
            release[(*n_release)++] = i;
    }
    return n_reuse;
}

void lease_table_find_unused(const struct lease_table *t, int n, int *handles)
{
    for (int i = 0, found = 0; found < n && i < t->n_leases; i++)
        if (t->leases[i].state == LEASE_UNUSED)
            handles[found++] = i;
}

void lease_table_grant(struct lease_table *t, int handle, long long now)
{
    t->leases[handle].state = LEASE_BUSY;
    t->leases[handle].granted_ms = now;
}

void lease_table_reuse(struct lease_table *t, int handle)
{
    t->leases[handle].state = LEASE_BUSY;
}

void lease_table_release(struct lease_table *t, int handle)
{
    if (handle >= 0 && handle < t->n_leases && t->leases[handle].state == LEASE_BUSY)
        t->leases[handle].state = LEASE_IDLE;
}

void lease_table_forget(struct lease_table *t, int handle)
{
    t->leases[handle].state = LEASE_UNUSED;
}

int lease_table_drop(struct lease_table *t, int with_busy, const char **ids)
{
    int n = 0;
    for (int i = 0; i < t->n_leases; i++) {
        struct lease *lease = &t->leases[i];
        if (lease->state == LEASE_IDLE || (with_busy && lease->state == LEASE_BUSY)) {
            ids[n++] = lease->id;
            lease->state = LEASE_UNUSED;
        }
    }
    return n;
}

int lease_table_held(const struct lease_table *t)
{
    int n = 0;
    for (int i = 0; i < t->n_leases; i++)
        n += t->leases[i].state != LEASE_UNUSED;
    return n;
}

void lease_table_free(struct lease_table *t)
{
    free(t->leases);
    t->leases = NULL;
    t->n_leases = 0;
}
