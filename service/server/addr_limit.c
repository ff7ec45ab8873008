/* addr_limit.c - open connections per client address (see addr_limit.h) */
#include "addr_limit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* An address as the table keys it: 16 bytes, IPv4 in the first four. */
struct addr_key {
    int family; /* AF_INET or AF_INET6 */
    unsigned char bytes[16];
};

struct addr_entry {
    struct addr_key key;
    int open; /* 0: a free slot */
};

struct addr_limit {
    pthread_mutex_t lock;
    int max_per_addr;
    int n_entries;
    struct addr_entry *entries; /* n_entries slots, searched linearly: a few hundred at most */
    long long refused;          /* since the last addr_limit_take_refused() */
    struct addr_key last_refused;
};

/* 1 and key filled for IPv4 and IPv6 addresses, 0 for anything else. */
static int key_of(const struct sockaddr *addr, struct addr_key *key)
{
    memset(key, 0, sizeof *key);
    if (addr == NULL)
        return 0;
    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        key->family = AF_INET;
        memcpy(key->bytes, &in->sin_addr, 4);
        return 1;
    }
    if (addr->sa_family != AF_INET6)
        return 0;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
    /* On a dual-stack socket an IPv4 client arrives as ::ffff:a.b.c.d: the same client. */
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
        key->family = AF_INET;
        memcpy(key->bytes, in6->sin6_addr.s6_addr + 12, 4);
    } else {
        key->family = AF_INET6;
        memcpy(key->bytes, in6->sin6_addr.s6_addr, 16);
    }
    return 1;
}

/* The slot of key, or NULL. Called under the lock. */
static struct addr_entry *find(struct addr_limit *lim, const struct addr_key *key)
{
    for (int i = 0; i < lim->n_entries; i++)
        if (lim->entries[i].open > 0 && memcmp(&lim->entries[i].key, key, sizeof *key) == 0)
            return &lim->entries[i];
    return NULL;
}

struct addr_limit *addr_limit_new(int max_per_addr, int max_addrs)
{
    struct addr_limit *lim = calloc(1, sizeof *lim);
    if (lim == NULL)
        return NULL;
    lim->entries = calloc((size_t)(max_addrs > 0 ? max_addrs : 1), sizeof *lim->entries);
    if (lim->entries == NULL) {
        free(lim);
        return NULL;
    }
    lim->n_entries = max_addrs > 0 ? max_addrs : 1;
    lim->max_per_addr = max_per_addr;
    pthread_mutex_init(&lim->lock, NULL);
    return lim;
}

void addr_limit_free(struct addr_limit *lim)
{
    if (lim == NULL)
        return;
    pthread_mutex_destroy(&lim->lock);
    free(lim->entries);
    free(lim);
}

int addr_limit_admit(struct addr_limit *lim, const struct sockaddr *addr)
{
    struct addr_key key;
    if (!key_of(addr, &key))
        return 1;
    pthread_mutex_lock(&lim->lock);
    const struct addr_entry *e = find(lim, &key);
    int admit = e == NULL || e->open < lim->max_per_addr;
    if (!admit) {
        lim->refused++;
        lim->last_refused = key;
    }
    pthread_mutex_unlock(&lim->lock);
    return admit;
}

int addr_limit_open(struct addr_limit *lim, const struct sockaddr *addr)
{
    struct addr_key key;
    if (!key_of(addr, &key))
        return 0;
    pthread_mutex_lock(&lim->lock);
    struct addr_entry *e = find(lim, &key);
    for (int i = 0; e == NULL && i < lim->n_entries; i++)
        if (lim->entries[i].open == 0) {
            e = &lim->entries[i];
            e->key = key;
        }
    if (e)
        e->open++;
    pthread_mutex_unlock(&lim->lock);
    return e != NULL;
}

void addr_limit_close(struct addr_limit *lim, const struct sockaddr *addr)
{
    struct addr_key key;
    if (!key_of(addr, &key))
        return;
    pthread_mutex_lock(&lim->lock);
    struct addr_entry *e = find(lim, &key);
    if (e)
        e->open--;
    pthread_mutex_unlock(&lim->lock);
}

long long addr_limit_take_refused(struct addr_limit *lim, char *last, size_t size)
{
    pthread_mutex_lock(&lim->lock);
    long long refused = lim->refused;
    struct addr_key key = lim->last_refused;
    lim->refused = 0;
    pthread_mutex_unlock(&lim->lock);
    if (size > 0)
        last[0] = '\0';
    if (refused > 0 && size > 0 && inet_ntop(key.family, key.bytes, last, (socklen_t)size) == NULL)
        last[0] = '\0';
    return refused;
}
