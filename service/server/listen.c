/* listen.c - the --listen address ("host:port", "[v6]:port") as a socket address */
#include "server.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>

int resolve_listen(const char *listen, struct sockaddr_storage *addr, int *is_v6)
{
    char host[256];
    snprintf(host, sizeof host, "%s", listen);
    char *colon = strrchr(host, ':');
    if (colon == NULL)
        return WC_EINVAL;
    *colon = '\0';
    const char *port = colon + 1;
    char *h = host;
    if (h[0] == '[') { /* [::1]:8080 */
        h++;
        char *close = strchr(h, ']');
        if (close)
            *close = '\0';
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (getaddrinfo(h[0] ? h : NULL, port, &hints, &res) != 0 || res == NULL)
        return WC_EINVAL;
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *is_v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
}
