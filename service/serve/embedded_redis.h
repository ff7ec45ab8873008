/* embedded_redis.h - a private redis-server for `serve` when no Redis is configured */
#ifndef WC_EMBEDDED_REDIS_H
#define WC_EMBEDDED_REDIS_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "wc_error.h"

/* Prototypes */

/* Start redis-server as a child: unix socket DATA_DIR/redis.sock only (no TCP port), AOF with
 * appendfsync everysec in DATA_DIR, log in DATA_DIR/redis.log. Creates DATA_DIR. Waits until it
 * answers PING: for as long as it answers LOADING (replaying its AOF; progress is logged as
 * event=redis_loading every 2 s), at most 10 s of no answer at all (then it is killed, WC_EIO).
 * Fills socket_path and *pid. Refuses a DATA_DIR whose socket already answers (another wikicrawl
 * owns it). When *stop becomes non-zero meanwhile (stop may be NULL), stops it and returns
 * WC_ESTOP. 0 or a WC_E* code with err filled. */
int embedded_redis_start(const char *data_dir, char *socket_path, size_t size, pid_t *pid,
                         const volatile sig_atomic_t *stop, struct wc_error *err);

/* SIGTERM (Redis then flushes the AOF and exits) and wait, at most timeout_ms before SIGKILL. */
void embedded_redis_stop(pid_t pid, int timeout_ms);

#endif
