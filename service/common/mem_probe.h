/* mem_probe.h - Redis's used memory and limit, read at most once a second, and the watermark level
 */
#ifndef WC_MEM_PROBE_H
#define WC_MEM_PROBE_H

#include <pthread.h>

#include <hiredis.h>

#include "mem_watermark.h"

/* How old a reading may be before the next caller asks Redis again (INFO memory). */
#define MEM_PROBE_EVERY_MS 1000

/* One per process: the front end's threads share it (it locks), a worker owns its own. The
 * configured limit (--redis-max-memory) applies only when Redis has no maxmemory. */
struct mem_probe {
    pthread_mutex_t lock;
    long long configured_limit;
    long long read_at; /* clock_monotonic_ms() of the last reading asked for; 0: never */
    long long used;    /* bytes, at the last reading */
    long long limit;   /* bytes; 0: no limit */
    int known;         /* a reading has succeeded */
    struct mem_watermark wm;
};

/* What a caller sees: a copy of the last reading. */
struct mem_reading {
    long long used, limit;
    int known;
    enum mem_level level;
};

/* Prototypes */

/* Set p up (no Redis call). 0, or WC_ENOMEM when the lock cannot be made. */
int mem_probe_init(struct mem_probe *p, long long configured_limit);

void mem_probe_destroy(struct mem_probe *p);

/* The level now, reading INFO memory on c when the last reading is older than
 * MEM_PROBE_EVERY_MS, or when force (a write was just refused with -OOM). One thread asks; the
 * others see the previous reading meanwhile. A failed read keeps the previous reading (MEM_OK
 * when there is none): a Redis that does not answer is reported by whoever needs its answer.
 * Fills *out when out is not NULL. */
enum mem_level mem_probe_level(struct mem_probe *p, redisContext *c, int force,
                               struct mem_reading *out);

#endif
