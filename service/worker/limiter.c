/* limiter.c - fleet-wide token bucket and in-flight cap in Redis (see limiter.h) */
#include "limiter.h"
#include "clock.h"
#include "keys.h"
#include "lease_table.h"
#include "common/rconn.h"
#include "common/scripts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* When the cap is full there is no way to know when another worker frees a slot: ask again
 * soon, then less and less often while it stays full (this worker learns of its own freed slots
 * at once), with jitter so that waiting workers do not all ask at once. */
#define CAP_FULL_RETRY_MS 15
#define CAP_FULL_RETRY_MAX_MS 120
#define REDIS_FAILED_RETRY_MS 200

struct limiter {
    struct limiter_options opts;
    char owner[256];
    char bucket_key[KEYS_MAX];
    char inflight_key[KEYS_MAX];
    char waiting_key[KEYS_MAX];
    char waiting_until_key[KEYS_MAX];
    /* the script's constant arguments, formatted once */
    char rate[32], burst[32], cap[16], lease_ms[32];
    unsigned long long next_lease;
    unsigned int rng;
    /* The cap was full at the last ask: new leases are not asked for before this (monotonic). */
    long long cap_full_until_ms;
    long cap_full_backoff_ms;
    /* Leases held, by handle (lease_table.h). */
    struct lease_table table;
    /* scratch for one script call: argument pointers and the handles they belong to */
    const char **args;
    int *handles;
    int cap_args;
};

/* The scripts (service/common/scripts/limiter_acquire.lua, limiter_throttle.lua) document
 * their KEYS and ARGV; LIMITER_SCRIPT_ACQUIRE shares the cap fairly between workers. */

/* The argument slots ahead of the lease ids in LIMITER_SCRIPT_ACQUIRE's ARGV. */
#define ACQUIRE_FIXED_ARGS 8

struct limiter *limiter_new(const struct limiter_options *opts)
{
    struct limiter *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->opts = *opts;
    snprintf(l->owner, sizeof l->owner, "%s", opts->owner ? opts->owner : "worker");
    l->opts.owner = l->owner;
    /* Each wiki has keys of its own: one wiki's full cap or pause never holds another's. */
    keys_limiter(l->bucket_key, sizeof l->bucket_key, opts->wiki, KEYS_LIMITER_BUCKET);
    keys_limiter(l->inflight_key, sizeof l->inflight_key, opts->wiki, KEYS_LIMITER_INFLIGHT);
    keys_limiter(l->waiting_key, sizeof l->waiting_key, opts->wiki, KEYS_LIMITER_WAITING);
    keys_limiter(l->waiting_until_key, sizeof l->waiting_until_key, opts->wiki,
                 KEYS_LIMITER_WAITING_UNTIL);
    l->opts.wiki = NULL; /* the keys are all it was for */
    l->rng = (unsigned int)clock_wall_ms() ^ (unsigned int)(size_t)l;
    /* A burst of a tenth of a second's budget keeps the traffic smooth. */
    double burst = opts->rate / 10.0;
    snprintf(l->rate, sizeof l->rate, "%.3f", opts->rate);
    snprintf(l->burst, sizeof l->burst, "%.3f", burst < 1.0 ? 1.0 : burst);
    snprintf(l->cap, sizeof l->cap, "%d", opts->cap);
    snprintf(l->lease_ms, sizeof l->lease_ms, "%ld", opts->lease_ms);
    return l;
}

static long jitter(struct limiter *l, long base)
{
    l->rng = l->rng * 1103515245u + 12345u;
    return base + (long)((l->rng >> 16) % (unsigned int)(base + 1));
}

/* Room for n more script arguments and n unused lease entries. 0 or -1. */
static int reserve(struct limiter *l, int n)
{
    int need = ACQUIRE_FIXED_ARGS + l->table.n_leases + n;
    if (need > l->cap_args) {
        const char **args = realloc(l->args, (size_t)need * sizeof *args);
        if (args != NULL)
            l->args = args;
        int *handles = realloc(l->handles, (size_t)need * sizeof *handles);
        if (handles != NULL)
            l->handles = handles;
        if (args == NULL || handles == NULL)
            return WC_ENOMEM;
        l->cap_args = need;
    }
    return lease_table_reserve(&l->table, n) == 0 ? 0 : -1;
}

/* ZREM the idle leases (and the busy ones too with with_busy) and forget them, in one call. */
static void give_back(struct limiter *l, redisContext *c, int with_busy)
{
    if (reserve(l, 0) != 0)
        return;
    const char **argv = l->args;
    argv[0] = "ZREM";
    argv[1] = l->inflight_key;
    int argc = 2 + lease_table_drop(&l->table, with_busy, argv + 2);
    /* A failed call leaves the leases to expire by themselves. */
    if (argc > 2)
        freeReplyObject(redisCommandArgv(c, argc, argv, NULL));
}

int limiter_acquire(struct limiter *l, redisContext *c, int want, int *leases, long *retry_in_ms)
{
    if (want <= 0)
        return 0;
    if (l->opts.rate <= 0 && l->opts.cap <= 0) {
        for (int i = 0; i < want; i++)
            leases[i] = -1;
        return want;
    }
    long long now = clock_monotonic_ms();
    if (l->opts.cap <= 0) {
        /* Tokens only: no lease to hold. */
        for (int i = 0; i < want; i++)
            leases[i] = -1;
    }
    if (reserve(l, l->opts.cap > 0 ? want : 0) != 0) {
        *retry_in_ms = CAP_FULL_RETRY_MS;
        return 0;
    }

    /* Idle leases: the young ones carry requests again, the others go back in this call. */
    int n_release;
    int *handles = l->handles;
    int n_reuse =
        lease_table_pick(&l->table, now, l->opts.reuse_ms, want, leases, handles, &n_release);
    /* With no rate to ask for, idle leases need no call; nor do new ones while the cap is full. */
    int cap_full = now < l->cap_full_until_ms;
    if (l->opts.rate <= 0 && n_release == 0 && (n_reuse == want || cap_full)) {
        for (int i = 0; i < n_reuse; i++)
            lease_table_reuse(&l->table, leases[i]);
        if (n_reuse < want)
            *retry_in_ms = (long)(l->cap_full_until_ms - now);
        return n_reuse;
    }

    int n_new = l->opts.cap > 0 ? want - n_reuse : 0;
    int n_reuse_args = l->opts.cap > 0 ? n_reuse : want; /* with no cap every request is "held" */
    char reuse_arg[16], release_arg[16], held_arg[16];
    snprintf(reuse_arg, sizeof reuse_arg, "%d", n_reuse_args);
    snprintf(release_arg, sizeof release_arg, "%d", n_release);
    snprintf(held_arg, sizeof held_arg, "%d", limiter_held(l) - n_release);
    const char **args = l->args;
    int argc = 0;
    args[argc++] = l->rate;
    args[argc++] = l->burst;
    args[argc++] = l->cap;
    args[argc++] = l->lease_ms;
    args[argc++] = reuse_arg;
    args[argc++] = release_arg;
    args[argc++] = l->owner;
    args[argc++] = held_arg;
    for (int i = 0; i < n_release; i++)
        args[argc++] = l->table.leases[handles[i]].id;
    /* New leases take unused entries; their handles follow the released ones in handles[]. */
    lease_table_find_unused(&l->table, n_new, handles + n_release);
    for (int i = 0; i < n_new; i++) {
        struct lease *lease = &l->table.leases[handles[n_release + i]];
        snprintf(lease->id, LEASE_ID_MAX, "%s#%llu", l->owner, ++l->next_lease);
        args[argc++] = lease->id;
    }
    const char *keys[] = {l->bucket_key, l->inflight_key, l->waiting_key, l->waiting_until_key};
    struct wc_error err = {0};
    redisReply *r = rconn_eval(c, LIMITER_SCRIPT_ACQUIRE, 4, keys, argc, args, NULL, &err);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
        r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_INTEGER ||
        r->element[2]->type != REDIS_REPLY_INTEGER) {
        freeReplyObject(r);
        *retry_in_ms = REDIS_FAILED_RETRY_MS;
        return rconn_full(&err) ? WC_EFULL : WC_EREMOTE;
    }
    int g_reuse = (int)r->element[0]->integer;
    int g_new = (int)r->element[1]->integer;
    long long wait = r->element[2]->integer;
    freeReplyObject(r);
    if (g_reuse < 0 || g_reuse > n_reuse_args || g_new < 0 || g_new > n_new) {
        *retry_in_ms = REDIS_FAILED_RETRY_MS;
        return WC_EREMOTE;
    }

    for (int i = 0; i < n_release; i++)
        lease_table_forget(&l->table, handles[i]);
    int granted = 0;
    if (l->opts.cap > 0) {
        for (int i = 0; i < g_reuse; i++)
            lease_table_reuse(&l->table, leases[granted++]);
        for (int i = 0; i < g_new; i++) {
            lease_table_grant(&l->table, handles[n_release + i], now);
            leases[granted++] = handles[n_release + i];
        }
    } else {
        granted = g_reuse;
    }
    if (wait < 0) {
        long backoff = l->cap_full_backoff_ms ? l->cap_full_backoff_ms * 2 : CAP_FULL_RETRY_MS;
        l->cap_full_backoff_ms = backoff < CAP_FULL_RETRY_MAX_MS ? backoff : CAP_FULL_RETRY_MAX_MS;
        *retry_in_ms = jitter(l, l->cap_full_backoff_ms);
        l->cap_full_until_ms = now + *retry_in_ms;
    } else {
        l->cap_full_backoff_ms = 0;
        if (granted < want)
            *retry_in_ms = wait > 0 ? (long)wait : 1;
    }
    return granted;
}

void limiter_release(struct limiter *l, int lease)
{
    lease_table_release(&l->table, lease);
}

void limiter_idle(struct limiter *l, redisContext *c)
{
    give_back(l, c, 0);
}

void limiter_release_all(struct limiter *l, redisContext *c)
{
    give_back(l, c, 1);
}

long long limiter_reset(struct limiter *l, redisContext *c, struct wc_error *err)
{
    if (reserve(l, 0) != 0)
        return wc_error_set(err, WC_ENOMEM, "out of memory");
    lease_table_drop(&l->table, 1, l->args); /* the names are not needed: Redis drops them all */
    l->cap_full_until_ms = 0;
    if (l->opts.cap <= 0)
        return 0;
    const char *keys[] = {l->inflight_key, l->waiting_key, l->waiting_until_key};
    const char *args[] = {l->owner};
    long long dropped = 0;
    int rc = rconn_eval_integer(c, LIMITER_SCRIPT_FORGET, 3, keys, 1, args, NULL, &dropped, err);
    return rc ? rc : dropped;
}

void limiter_throttle(struct limiter *l, redisContext *c, long wait_ms)
{
    if (wait_ms <= 0)
        return;
    char wait[32];
    snprintf(wait, sizeof wait, "%ld", wait_ms);
    const char *keys[] = {l->bucket_key};
    const char *args[] = {wait};
    struct wc_error err = {0};
    redisReply *r = rconn_eval(c, LIMITER_SCRIPT_THROTTLE, 1, keys, 1, args, NULL, &err);
    freeReplyObject(r);
}

int limiter_held(const struct limiter *l)
{
    return lease_table_held(&l->table);
}

void limiter_free(struct limiter *l)
{
    if (l == NULL)
        return;
    lease_table_free(&l->table);
    free(l->args);
    free(l->handles);
    free(l);
}
