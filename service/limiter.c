/* limiter.c - fleet-wide token bucket and in-flight cap in Redis (see limiter.h) */
#include "limiter.h"
#include "keys.h"
#include "rconn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* When the cap is full there is no way to know when a slot frees; ask again soon, with jitter so
 * that waiting workers do not all ask at once. */
#define CAP_FULL_RETRY_MS 15
#define REDIS_FAILED_RETRY_MS 200

#define LEASE_ID_MAX 320

struct limiter {
    struct limiter_options opts;
    char owner[256];
    char bucket_key[KEYS_MAX];
    char inflight_key[KEYS_MAX];
    /* the script's constant arguments, formatted once */
    char rate[32], burst[32], cap[16], lease_ms[32];
    unsigned long long next_lease;
    unsigned int rng;
    /* ids of the leases held, as a stack: any lease may be given back for any request, since
     * they only count */
    char (*held)[LEASE_ID_MAX];
    int n_held, cap_held;
};

/* KEYS: bucket, inflight. ARGV: rate, burst, cap, lease id, lease ms.
 * Returns 0 (go, lease taken), n > 0 (wait n ms: bucket empty or fleet paused), -1 (cap full). */
static const char ACQUIRE[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local pause = tonumber(redis.call('HGET', KEYS[1], 'pause_until') or '0')\n"
    "if pause > now then return pause - now end\n"
    "local cap = tonumber(ARGV[3])\n"
    "if cap > 0 then\n"
    "  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)\n"
    "  if redis.call('ZCARD', KEYS[2]) >= cap then return -1 end\n"
    "end\n"
    "local rate = tonumber(ARGV[1])\n"
    "if rate > 0 then\n"
    "  local burst = tonumber(ARGV[2])\n"
    "  local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or ARGV[2])\n"
    "  local ts = tonumber(redis.call('HGET', KEYS[1], 'ts') or now)\n"
    "  tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)\n"
    "  if tokens < 1 then\n"
    "    redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))\n"
    "    return math.max(1, math.ceil((1 - tokens) * 1000 / rate))\n"
    "  end\n"
    "  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'ts', tostring(now))\n"
    "end\n"
    "if cap > 0 then redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[4]) end\n"
    "return 0\n";

/* KEYS: bucket. ARGV: wait ms. The later of the current pause and now + wait wins. */
static const char THROTTLE[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local until_ms = now + tonumber(ARGV[1])\n"
    "local pause = tonumber(redis.call('HGET', KEYS[1], 'pause_until') or '0')\n"
    "if until_ms > pause then redis.call('HSET', KEYS[1], 'pause_until', tostring(until_ms)) end\n"
    "redis.call('HSET', KEYS[1], 'tokens', '0', 'ts', tostring(now))\n"
    "return 0\n";

struct limiter *limiter_new(const struct limiter_options *opts)
{
    struct limiter *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->opts = *opts;
    snprintf(l->owner, sizeof l->owner, "%s", opts->owner ? opts->owner : "worker");
    l->opts.owner = l->owner;
    keys_queue(l->bucket_key, sizeof l->bucket_key, "limiter");
    keys_queue(l->inflight_key, sizeof l->inflight_key, "inflight");
    l->rng = (unsigned int)rconn_now_ms() ^ (unsigned int)(size_t)l;
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

static int push_lease(struct limiter *l, const char *id)
{
    if (l->n_held == l->cap_held) {
        int cap = l->cap_held ? l->cap_held * 2 : 16;
        char(*held)[LEASE_ID_MAX] = realloc(l->held, (size_t)cap * sizeof *held);
        if (held == NULL)
            return -1;
        l->held = held;
        l->cap_held = cap;
    }
    snprintf(l->held[l->n_held++], LEASE_ID_MAX, "%s", id);
    return 0;
}

int limiter_acquire(struct limiter *l, redisContext *c, long *retry_in_ms)
{
    if (l->opts.rate <= 0 && l->opts.cap <= 0)
        return 1;
    char lease[LEASE_ID_MAX];
    snprintf(lease, sizeof lease, "%s#%llu", l->owner, ++l->next_lease);
    const char *keys[] = {l->bucket_key, l->inflight_key};
    const char *args[] = {l->rate, l->burst, l->cap, lease, l->lease_ms};
    struct wc_error err = {0};
    redisReply *r = rconn_eval(c, ACQUIRE, 2, keys, 5, args, NULL, &err);
    if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
        freeReplyObject(r);
        *retry_in_ms = REDIS_FAILED_RETRY_MS;
        return -1;
    }
    long long verdict = r->integer;
    freeReplyObject(r);
    if (verdict == 0) {
        if (l->opts.cap > 0 && push_lease(l, lease) != 0) {
            /* Cannot remember it: give it straight back and try later. */
            redisReply *z = redisCommand(c, "ZREM %s %s", l->inflight_key, lease);
            freeReplyObject(z);
            *retry_in_ms = CAP_FULL_RETRY_MS;
            return 0;
        }
        return 1;
    }
    *retry_in_ms = verdict < 0 ? jitter(l, CAP_FULL_RETRY_MS) : (long)verdict;
    return 0;
}

void limiter_release(struct limiter *l, redisContext *c)
{
    if (l->n_held == 0)
        return;
    const char *lease = l->held[--l->n_held];
    redisReply *r = redisCommand(c, "ZREM %s %s", l->inflight_key, lease);
    freeReplyObject(r);
}

void limiter_release_all(struct limiter *l, redisContext *c)
{
    while (l->n_held > 0)
        limiter_release(l, c);
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
    redisReply *r = rconn_eval(c, THROTTLE, 1, keys, 1, args, NULL, &err);
    freeReplyObject(r);
}

int limiter_held(const struct limiter *l)
{
    return l->n_held;
}

void limiter_free(struct limiter *l)
{
    if (l == NULL)
        return;
    free(l->held);
    free(l);
}
