/* limiter.h - one request budget for the whole fleet: a rate and a cap on requests in flight,
 * kept in Redis so every worker on every machine sharing it draws from the same budget */
#ifndef WC_LIMITER_H
#define WC_LIMITER_H

#include <hiredis.h>

/* The budget lives in two keys (docs/redis.md):
 *   wikicrawl:{queue}:limiter    HASH  token bucket (tokens, ts) and pause_until (ms)
 *   wikicrawl:{queue}:inflight   ZSET  lease id -> expiry (ms): one member per request in flight
 * A lease expires by itself (request timeout + margin), so a worker killed mid-request cannot leak
 * capacity. Time is Redis's clock (TIME), so machines' clocks need not agree.
 *
 * rate:      requests per second for the fleet; 0 means no rate limit
 * cap:       requests in flight for the fleet; 0 means no cap
 * lease_ms:  how long a lease may live (the request timeout plus a margin) */
struct limiter_options {
    double rate;
    int cap;
    long lease_ms;
    const char *owner; /* worker id: prefix of the lease ids */
};

struct limiter;

/* Prototypes */

/* NULL when out of memory. The options are copied. */
struct limiter *limiter_new(const struct limiter_options *opts);

/* Ask for one request. Returns 1 (go: a lease is held until limiter_release()), 0 (not now:
 * *retry_in_ms says when to ask again), or -1 when Redis failed (*retry_in_ms is set too). */
int limiter_acquire(struct limiter *l, redisContext *c, long *retry_in_ms);

/* A request ended: give one lease back. */
void limiter_release(struct limiter *l, redisContext *c);

/* Give back every lease still held (a run that stopped with requests in flight). */
void limiter_release_all(struct limiter *l, redisContext *c);

/* The wiki asked to slow down (429 or maxlag): pause the whole fleet for wait_ms and empty the
 * bucket, so everybody backs off, not only the request that saw it. */
void limiter_throttle(struct limiter *l, redisContext *c, long wait_ms);

/* Leases held now (for tests and logs). */
int limiter_held(const struct limiter *l);

void limiter_free(struct limiter *l);

#endif
