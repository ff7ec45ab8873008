/* api.c - the HTTP front end: start, serve and stop the libmicrohttpd daemon */
#include "api.h"
#include "server.h"
#include "auth.h"
#include "common/log.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The per-address limit (none when it cannot bite: at or above the daemon's own cap) and the
 * header deadline's thread, before the daemon that calls them. 0, or -1 (logged). */
static int start_guards(struct api_server *srv)
{
    const struct wc_config *cfg = srv->cfg;
    if (cfg->max_connections_per_ip < cfg->max_connections) {
        srv->addr_limit = addr_limit_new(cfg->max_connections_per_ip, cfg->max_connections);
        if (srv->addr_limit == NULL)
            goto fail;
    }
    srv->header_deadline = header_deadline_start(cfg->header_timeout_ms);
    if (srv->header_deadline == NULL)
        goto fail;
    return 0;
fail:
    log_event(LOG_ERROR, "start_failed", "msg=\"out of memory or threads\"");
    return -1;
}

struct api_server *api_start(const struct wc_config *cfg, int with_listen_socket)
{
    struct api_server *srv = calloc(1, sizeof *srv);
    struct sockaddr_storage addr;
    int is_v6 = 0;
    if (srv == NULL)
        return NULL;
    srv->cfg = cfg;
    mhd_log_init(&srv->mhd_log);
    if (mem_probe_init(&srv->mem, cfg->redis_max_memory) != 0) {
        mhd_log_destroy(&srv->mhd_log);
        free(srv);
        return NULL;
    }
    if (cfg->api_keys[0]) {
        struct wc_error err = {0};
        srv->auth = auth_load(cfg->api_keys, &err);
        if (srv->auth == NULL) {
            log_event(LOG_ERROR, "api_keys_invalid", "msg=\"%s\"", err.message);
            goto fail;
        }
        log_event(LOG_INFO, "access_control", "keys=%d", auth_count(srv->auth));
    }
    if (with_listen_socket && resolve_listen(cfg->listen, &addr, &is_v6) != 0) {
        log_event(LOG_ERROR, "listen_invalid", "listen=%s msg=\"use host:port\"", cfg->listen);
        goto fail;
    }
    if (start_guards(srv) != 0)
        goto fail;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG | (is_v6 ? MHD_USE_IPv6 : 0) |
                     (with_listen_socket ? 0 : MHD_USE_NO_LISTEN_SOCKET);
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: on Linux it sets SO_REUSEPORT, and a second server
     * on the same address would then start without an error and share the traffic. The default
     * SO_REUSEADDR is enough for a restarted front end to bind at once. */
    struct MHD_OptionItem options[] = {
        /* First, so that even the daemon's start is logged through it. */
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log_message, &srv->mhd_log},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->max_connections, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->connection_timeout, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, srv},
        /* Without a listening socket the list ends here. */
        {with_listen_socket ? MHD_OPTION_SOCK_ADDR : MHD_OPTION_END, 0, &addr},
        {MHD_OPTION_END, 0, NULL},
    };
    /* The accept policy counts per address; without a per-address limit it has nothing to do. */
    srv->daemon = MHD_start_daemon(flags, 0, srv->addr_limit ? on_accept : NULL, srv, on_request,
                                   srv, MHD_OPTION_ARRAY, options, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        log_event(LOG_ERROR, "listen_failed", "listen=%s msg=\"%s\"", cfg->listen, strerror(errno));
        goto fail;
    }
    if (with_listen_socket) {
        const union MHD_DaemonInfo *di =
            MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
        log_event(LOG_INFO, "listening", "listen=%s port=%u", cfg->listen,
                  di ? (unsigned)di->port : 0u);
    }
    return srv;
fail:
    api_stop(srv);
    return NULL;
}

int api_add_connection(struct api_server *srv, int fd)
{
    struct sockaddr_un local = {.sun_family = AF_UNIX};
    return MHD_add_connection(srv->daemon, fd, (const struct sockaddr *)&local, sizeof local) ==
                   MHD_YES
               ? 0
               : -1;
}

void api_stop(struct api_server *srv)
{
    if (srv == NULL)
        return;
    /* The daemon first: its connections leave the guards as they close. */
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    header_deadline_stop(srv->header_deadline);
    addr_limit_free(srv->addr_limit);
    auth_free(srv->auth);
    mhd_log_destroy(&srv->mhd_log);
    mem_probe_destroy(&srv->mem);
    free(srv);
}

int api_run(const struct wc_config *cfg, volatile sig_atomic_t *stop)
{
    struct api_server *srv = api_start(cfg, 1);
    if (srv == NULL)
        return -1;
    struct conn_report report = {0};
    for (unsigned tick = 1; !*stop; tick++) {
        usleep(100000);
        if (tick % 10 == 0)
            conn_report_tick(srv, &report);
    }
    conn_report_tick(srv, &report);
    conn_report_free(&report);
    log_event(LOG_INFO, "stopping", "msg=\"closing connections\"");
    api_stop(srv);
    return 0;
}
