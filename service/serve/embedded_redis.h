/* embedded_redis.h - a private redis-server for `serve` when no Redis is configured */
#ifndef WC_EMBEDDED_REDIS_H
#define WC_EMBEDDED_REDIS_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "wc_error.h"

/* The maxmemory the embedded Redis gets unless told (--redis-max-memory): this share of the
 * memory the process may use, the cgroup's limit (/sys/fs/cgroup/memory.max, cgroup v2) when
 * there is one below the machine's MemTotal. Half: Redis forks to rewrite its AOF, and the copy
 * of the pages written meanwhile needs room; the workers and the front end need some too. */
#define EMBEDDED_REDIS_MEMORY_SHARE_PERCENT 50

/* Prototypes */

/* The default maxmemory: EMBEDDED_REDIS_MEMORY_SHARE_PERCENT of the smaller of MemTotal and the
 * cgroup's memory.max. 0 when neither can be read (Redis then has no limit). */
long long embedded_redis_default_maxmemory(void);

/* Start redis-server as a child: unix socket DATA_DIR/redis.sock only (no TCP port), AOF with
 * appendfsync everysec in DATA_DIR, log in DATA_DIR/redis.log, maxmemory bytes (0: none) with
 * the noeviction policy (docs/deploy.md: a crawl store must never drop keys). Creates DATA_DIR.
 * Waits until it answers PING: for as long as it answers LOADING (replaying its AOF; progress is
 * logged as event=redis_loading every 2 s), at most 10 s of no answer at all (then it is killed,
 * WC_EIO). Fills socket_path and *pid. Refuses a DATA_DIR whose socket already answers (another
 * wikicrawl owns it). When *stop becomes non-zero meanwhile (stop may be NULL), stops it and
 * returns WC_ESTOP. 0 or a WC_E* code with err filled. */
int embedded_redis_start(const char *data_dir, long long maxmemory, char *socket_path, size_t size,
                         pid_t *pid, const volatile sig_atomic_t *stop, struct wc_error *err);

/* SIGTERM (Redis then flushes the AOF and exits) and wait, at most timeout_ms before SIGKILL. */
void embedded_redis_stop(pid_t pid, int timeout_ms);

#endif
