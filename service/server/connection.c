/* connection.c - a connection's life: its context, its address's count, its header deadline */
#include "server.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addrlen;
    struct api_server *srv = cls;
    /* Accepted connections are counted in on_connection(), which libmicrohttpd calls on this
     * same thread right after: nothing can slip in between the check and the count. */
    return srv->addr_limit == NULL || addr_limit_admit(srv->addr_limit, addr) ? MHD_YES : MHD_NO;
}

static void remember_address(struct api_server *srv, struct MHD_Connection *c, struct conn_ctx *cc)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *addr = info ? info->client_addr : NULL;
    if (addr == NULL || srv->addr_limit == NULL)
        return;
    size_t len = addr->sa_family == AF_INET    ? sizeof(struct sockaddr_in)
                 : addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                               : 0;
    if (len == 0)
        return;
    memcpy(&cc->addr, addr, len);
    cc->addr_counted = addr_limit_open(srv->addr_limit, (const struct sockaddr *)&cc->addr);
}

void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                   enum MHD_ConnectionNotificationCode toe)
{
    struct api_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        struct conn_ctx *cc = calloc(1, sizeof *cc);
        *socket_context = cc;
        if (cc == NULL)
            return; /* on_request() drops it */
        remember_address(srv, c, cc);
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        cc->fd = info ? info->connect_fd : -1;
        if (cc->fd >= 0 && srv->header_deadline)
            header_deadline_arm(srv->header_deadline, &cc->header_wait, cc->fd);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        struct conn_ctx *cc = *socket_context;
        if (cc == NULL)
            return;
        /* libmicrohttpd closes the socket after this returns: the deadline lets go of it first. */
        if (srv->header_deadline)
            header_deadline_disarm(srv->header_deadline, &cc->header_wait);
        if (cc->addr_counted)
            addr_limit_close(srv->addr_limit, (const struct sockaddr *)&cc->addr);
        if (cc->redis)
            redisFree(cc->redis);
        free(cc);
        *socket_context = NULL;
    }
}

void connection_headers_done(struct api_server *srv, struct conn_ctx *cc)
{
    if (srv->header_deadline)
        header_deadline_disarm(srv->header_deadline, &cc->header_wait);
}

void connection_request_done(struct api_server *srv, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct conn_ctx *cc = info ? info->socket_context : NULL;
    if (cc && cc->fd >= 0 && srv->header_deadline)
        header_deadline_arm(srv->header_deadline, &cc->header_wait, cc->fd);
}
