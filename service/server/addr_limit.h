/* addr_limit.h - open connections per client address, for --max-connections-per-ip */
#ifndef WC_ADDR_LIMIT_H
#define WC_ADDR_LIMIT_H

#include <stddef.h>
#include <sys/socket.h>

/* Counts the open connections of each IPv4 and IPv6 address (an IPv4-mapped IPv6 address is its
 * IPv4 address) and says whether one more may be accepted. Other families (the socketpairs of
 * api_add_connection()) are neither limited nor counted. Every function is thread-safe: the
 * accept policy and the connection notifications of libmicrohttpd run on its listening thread,
 * the report on the main thread. */
struct addr_limit;

/* Prototypes */

/* At most max_per_addr connections per address, among at most max_addrs addresses at once (the
 * daemon's connection limit: there cannot be more). Caller frees with addr_limit_free(). NULL
 * when out of memory. */
struct addr_limit *addr_limit_new(int max_per_addr, int max_addrs);
void addr_limit_free(struct addr_limit *lim);

/* May one more connection from addr be accepted? 1 yes, 0 no: addr has max_per_addr open, and
 * the refusal is counted. Counts nothing else: a connection is counted by addr_limit_open(). */
int addr_limit_admit(struct addr_limit *lim, const struct sockaddr *addr);

/* A connection from addr was opened: 1 when it was counted, 0 when not (not IPv4 or IPv6, or the
 * table is full). Only a counted connection is given to addr_limit_close(). */
int addr_limit_open(struct addr_limit *lim, const struct sockaddr *addr);
void addr_limit_close(struct addr_limit *lim, const struct sockaddr *addr);

/* Refusals since the last call; the last refused address as text into last (size bytes, "" when
 * none). */
long long addr_limit_take_refused(struct addr_limit *lim, char *last, size_t size);

#endif
