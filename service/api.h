/* api.h - the HTTP front end: libmicrohttpd routes over the Redis job store */
#ifndef WC_API_H
#define WC_API_H

#include <signal.h>

#include "config.h"

/* Serve the HTTP API until *stop becomes non-zero (set by a signal handler). One thread per
 * connection (long polls and streamed results block only their own connection), each with its
 * own Redis connection. Returns 0 after a clean stop, -1 when the daemon could not start (logged).
 */
int api_run(const struct wc_config *cfg, volatile sig_atomic_t *stop);

#endif
