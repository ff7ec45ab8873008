/* api.c - the HTTP front end: start, serve and stop the libmicrohttpd daemon */
#include "api.h"
#include "server.h"
#include "auth.h"
#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct api_server *api_start(const struct wc_config *cfg, int with_listen_socket)
{
    struct api_server *srv = calloc(1, sizeof *srv);
    struct sockaddr_storage addr;
    int is_v6 = 0;
    if (srv == NULL)
        return NULL;
    srv->cfg = cfg;
    if (mem_probe_init(&srv->mem, cfg->redis_max_memory) != 0) {
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
    srv->openapi = load_openapi(&srv->openapi_len);
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG | (is_v6 ? MHD_USE_IPv6 : 0);
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: on Linux it sets SO_REUSEPORT, and a second server
     * on the same address would then start without an error and share the traffic. The default
     * SO_REUSEADDR is enough for a restarted front end to bind at once. */
    if (with_listen_socket)
        srv->daemon = MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
            MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->connection_timeout,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION,
            on_connection, srv, MHD_OPTION_END);
    else
        srv->daemon =
            MHD_start_daemon(flags | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_request, srv,
                             MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->connection_timeout,
                             MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
                             MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_END);
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
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon);
    free(srv->openapi);
    auth_free(srv->auth);
    mem_probe_destroy(&srv->mem);
    free(srv);
}

int api_run(const struct wc_config *cfg, volatile sig_atomic_t *stop)
{
    struct api_server *srv = api_start(cfg, 1);
    if (srv == NULL)
        return -1;
    while (!*stop)
        usleep(100000);
    log_event(LOG_INFO, "stopping", "msg=\"closing connections\"");
    api_stop(srv);
    return 0;
}
