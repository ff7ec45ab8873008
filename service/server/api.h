/* api.h - the HTTP front end: libmicrohttpd routes over the Redis job store */
#ifndef WC_API_H
#define WC_API_H

#include <signal.h>

#include "common/config.h"

/* Serve the HTTP API until *stop becomes non-zero (set by a signal handler). One thread per
 * connection (long polls and streamed results block only their own connection), each with its
 * own Redis connection. Returns 0 after a clean stop, -1 when the daemon could not start (logged).
 */
int api_run(const struct wc_config *cfg, volatile sig_atomic_t *stop);

struct api_server;

/* The daemon without the wait: with_listen_socket 0 listens nowhere, and connections are handed
 * over with api_add_connection() (the in-process fuzz target drives requests this way). cfg is
 * borrowed for the server's life. NULL on failure (logged). */
struct api_server *api_start(const struct wc_config *cfg, int with_listen_socket);

/* Serve one already-connected socket (e.g. one end of a socketpair); the server owns fd from now
 * on. 0 or -1. */
int api_add_connection(struct api_server *srv, int fd);

/* Close every connection and free the server. */
void api_stop(struct api_server *srv);

#endif
