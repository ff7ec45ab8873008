/* limiter.c - fleet-wide token bucket and in-flight cap in Redis (see limiter.h) */
#include "limiter.h"
#include "clock.h"
#include "keys.h"
#include "lease_table.h"
#include "common/rconn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* When the cap is full there is no way to know when another worker frees a slot: ask again
 * soon, then less and less often while it stays full (this worker learns of its own freed slots
 * at once), with jitter so that waiting workers do not all ask at once. */
#define CAP_FULL_RETRY_MS 15
#define CAP_FULL_RETRY_MAX_MS 120
#define REDIS_FAILED_RETRY_MS 200

/* A worker refused for the cap stays in the waiting set this long (a string: it is pasted into the
 * script). It asks again well within it (at most every 2 * CAP_FULL_RETRY_MAX_MS). */
#define WAITING_TTL_MS "1000"

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

/* KEYS: bucket, inflight, waiting, waiting_until.
 * ARGV: rate, burst, cap, lease ms, reuse, n_release, owner, held, release ids..., new lease ids...
 * Gives back the released leases, then grants up to reuse + #new requests: `reuse` of them run on
 * leases the caller already holds (they need a token only), the others on new leases (a token and
 * room under the cap). Returns {granted on held leases, new leases granted (the first ones of the
 * list), wait}: wait > 0 is when a token or the end of a pause comes, -1 says the cap is full.
 *
 * Workers refused for the cap wait in `waiting` (owner -> leases it holds, entries expiring after
 * WAITING_TTL_MS in `waiting_until`). Room under the cap is shared out a slot at a time to whoever
 * would hold the fewest leases, the caller (`held`: what it keeps after this call's releases, plus
 * what it was given so far) or a waiter, ties going to the smaller owner id (ZRANGE's order for
 * equal scores: every caller breaks them the same way, so two never wait for each other); the
 * waiters' slots stay free for their next ask. Without that, a busy worker renewing its leases in
 * one call would keep the whole cap while it has work. */
static const char ACQUIRE[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local n_release = tonumber(ARGV[6])\n"
    "if n_release > 0 then redis.call('ZREM', KEYS[2], unpack(ARGV, 9, 8 + n_release)) end\n"
    "local first_new = 9 + n_release\n"
    "local reuse = tonumber(ARGV[5])\n"
    "local go = reuse + #ARGV - first_new + 1\n"
    "local pause = tonumber(redis.call('HGET', KEYS[1], 'pause_until') or '0')\n"
    "if pause > now then return {0, 0, pause - now} end\n"
    "local wait = 0\n"
    "local rate = tonumber(ARGV[1])\n"
    "local tokens = 0\n"
    "if rate > 0 then\n"
    "  local burst = tonumber(ARGV[2])\n"
    "  tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or ARGV[2])\n"
    "  local ts = tonumber(redis.call('HGET', KEYS[1], 'ts') or now)\n"
    "  tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)\n"
    "  if tokens < go then\n"
    "    go = math.floor(tokens)\n"
    "    wait = math.max(1, math.ceil((go + 1 - tokens) * 1000 / rate))\n"
    "  end\n"
    "end\n"
    "local g_reuse = math.min(reuse, go)\n"
    "local g_new = go - g_reuse\n"
    "local cap = tonumber(ARGV[3])\n"
    "if cap > 0 and g_new > 0 then\n"
    "  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)\n"
    "  local room = cap - redis.call('ZCARD', KEYS[2])\n"
    "  local gone = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now)\n"
    "  if #gone > 0 then\n"
    "    redis.call('ZREM', KEYS[3], unpack(gone))\n"
    "    redis.call('ZREM', KEYS[4], unpack(gone))\n"
    "  end\n"
    "  local owner, held = ARGV[7], tonumber(ARGV[8])\n"
    "  local others = {}\n"
    "  local w = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')\n"
    "  for i = 1, #w, 2 do\n"
    "    if w[i] ~= owner then others[#others + 1] = {tonumber(w[i + 1]), w[i]} end\n"
    "  end\n"
    "  local function before(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end\n"
    "  local wanted = g_new\n"
    "  g_new = 0\n"
    "  for slot = 1, room do\n"
    "    if g_new == wanted then break end\n"
    "    if #others == 0 or before({held + g_new, owner}, others[1]) then\n"
    "      g_new = g_new + 1\n"
    "    else\n"
    "      others[1][1] = others[1][1] + 1\n"
    "      local i = 1\n"
    "      while i < #others and before(others[i + 1], others[i]) do\n"
    "        others[i], others[i + 1] = others[i + 1], others[i]\n"
    "        i = i + 1\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "  if g_new < wanted and wait == 0 then wait = -1 end\n"
    "  if g_new < wanted then\n"
    "    redis.call('ZADD', KEYS[3], held + g_new, owner)\n"
    "    redis.call('ZADD', KEYS[4], now + " WAITING_TTL_MS ", owner)\n"
    "  else\n"
    "    redis.call('ZREM', KEYS[3], owner)\n"
    "    redis.call('ZREM', KEYS[4], owner)\n"
    "  end\n"
    "  if g_new > 0 then\n"
    "    local z = {}\n"
    "    local expiry = now + tonumber(ARGV[4])\n"
    "    for i = 0, g_new - 1 do z[#z + 1] = expiry; z[#z + 1] = ARGV[first_new + i] end\n"
    "    redis.call('ZADD', KEYS[2], unpack(z))\n"
    "  end\n"
    "end\n"
    "if rate > 0 then\n"
    "  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - g_reuse - g_new), 'ts',\n"
    "             tostring(now))\n"
    "end\n"
    "return {g_reuse, g_new, wait}\n";

/* KEYS: bucket. ARGV: wait ms. The later of the current pause and now + wait wins. */
static const char THROTTLE[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local until_ms = now + tonumber(ARGV[1])\n"
    "local pause = tonumber(redis.call('HGET', KEYS[1], 'pause_until') or '0')\n"
    "if until_ms > pause then redis.call('HSET', KEYS[1], 'pause_until', tostring(until_ms)) end\n"
    "redis.call('HSET', KEYS[1], 'tokens', '0', 'ts', tostring(now))\n"
    "return 0\n";

/* The argument slots ahead of the lease ids in ACQUIRE's ARGV. */
#define ACQUIRE_FIXED_ARGS 8

struct limiter *limiter_new(const struct limiter_options *opts)
{
    struct limiter *l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    l->opts = *opts;
    snprintf(l->owner, sizeof l->owner, "%s", opts->owner ? opts->owner : "worker");
    l->opts.owner = l->owner;
    keys_limiter(l->bucket_key, sizeof l->bucket_key, KEYS_LIMITER_BUCKET);
    keys_limiter(l->inflight_key, sizeof l->inflight_key, KEYS_LIMITER_INFLIGHT);
    keys_limiter(l->waiting_key, sizeof l->waiting_key, KEYS_LIMITER_WAITING);
    keys_limiter(l->waiting_until_key, sizeof l->waiting_until_key, KEYS_LIMITER_WAITING_UNTIL);
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
            return -1;
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
    redisReply *r = rconn_eval(c, ACQUIRE, 4, keys, argc, args, NULL, &err);
    if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
        r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_INTEGER ||
        r->element[2]->type != REDIS_REPLY_INTEGER) {
        freeReplyObject(r);
        *retry_in_ms = REDIS_FAILED_RETRY_MS;
        return -1;
    }
    int g_reuse = (int)r->element[0]->integer;
    int g_new = (int)r->element[1]->integer;
    long long wait = r->element[2]->integer;
    freeReplyObject(r);
    if (g_reuse < 0 || g_reuse > n_reuse_args || g_new < 0 || g_new > n_new) {
        *retry_in_ms = REDIS_FAILED_RETRY_MS;
        return -1;
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
