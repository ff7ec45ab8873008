/* limiter.h - one wiki's request budget for the whole fleet: a rate and a cap on requests in
 * flight, kept in Redis so every worker on every machine sharing it draws from the same budget */
#ifndef WC_LIMITER_H
#define WC_LIMITER_H

#include <hiredis.h>

#include "wc_error.h"

/* The budget lives in the keys of keys_limiter() (lib/keys.h, docs/redis.md): a HASH with the
 * token bucket (tokens, ts) and pause_until (ms), and a ZSET lease id -> expiry (ms) with one
 * member per request in flight (plus the waiting sets used to share the cap fairly).
 * A lease expires by itself (lease_ms after it was granted), so a worker killed mid-request cannot
 * leak capacity. Time is Redis's clock (TIME), so machines' clocks need not agree.
 *
 * A lease carries one request at a time. When its request ends it turns idle, and this worker's
 * next request may take it over without asking Redis, as long as that request is sure to end
 * before the lease expires: within reuse_ms of the grant, where reuse_ms + the request timeout
 * <= lease_ms. So a busy worker pays one Redis call per lease and not one per request, and the
 * fleet still never has more requests in flight than live leases. Idle leases go back as soon as
 * the worker has nothing to start (limiter_idle), so no other worker waits for them.
 *
 * rate:      requests per second for the fleet; 0 means no rate limit. With a rate every request
 *            takes a token from Redis: reuse saves the lease, not the token
 * cap:       requests in flight for the fleet; 0 means no cap
 * lease_ms:  how long a lease lives after its grant
 * reuse_ms:  how long after its grant an idle lease may carry another request; 0: never */
struct limiter_options {
    double rate;
    int cap;
    long lease_ms;
    long reuse_ms;
    const char *owner; /* worker id: prefix of the lease ids */
    const char *wiki;  /* whose budget (keys_limiter(): NULL or "default" the unsuffixed keys) */
};

struct limiter;

/* Prototypes */

/* NULL when out of memory. The options are copied. */
struct limiter *limiter_new(const struct limiter_options *opts);

/* Ask for up to want (>= 1) requests. Returns how many may start now, n in 0..want, and writes a
 * lease handle for each into leases[0..n): each is owed one limiter_release(). When n < want,
 * *retry_in_ms says when to ask again. WC_EREMOTE when Redis failed, WC_EFULL when it refused
 * the lease because it is full (*retry_in_ms is set too). Idle
 * leases young enough are used first; then, with no rate limit, no Redis call is made. */
int limiter_acquire(struct limiter *l, redisContext *c, int want, int *leases, long *retry_in_ms);

/* The request on this lease ended: the lease turns idle (no Redis call). */
void limiter_release(struct limiter *l, int lease);

/* Nothing to start now: give back every idle lease (one Redis call if there is any). */
void limiter_idle(struct limiter *l, redisContext *c);

/* Give back every lease, idle or busy (a run that stopped with requests in flight). */
void limiter_release_all(struct limiter *l, redisContext *c);

/* After a (re)connection, before any request: forget every lease this process held, here and in
 * Redis (leases an AOF restored for requests that died with the old connection would fill the
 * cap until they expire). Returns the number dropped in Redis, or WC_EREMOTE (err filled: the
 * caller tries again before it crawls). */
long long limiter_reset(struct limiter *l, redisContext *c, struct wc_error *err);

/* The wiki asked to slow down (429 or maxlag): pause the whole fleet for wait_ms and empty the
 * bucket, so everybody backs off, not only the request that saw it. */
void limiter_throttle(struct limiter *l, redisContext *c, long wait_ms);

/* Leases held now, busy or idle (for tests and logs). */
int limiter_held(const struct limiter *l);

void limiter_free(struct limiter *l);

#endif
