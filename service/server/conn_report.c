/* conn_report.c - refused and timed-out connections: logged once a second, counted in the stats */
#include "server.h"
#include "common/log.h"
#include "common/rconn.h"
#include "common/stats.h"
#include "keys.h"

#define REPORT_REDIS_TIMEOUT_MS 2000

/* Add what rep holds to the stats hash. 0, or WC_EREMOTE (rep keeps it for the next time). */
static int add_to_stats(struct api_server *srv, struct conn_report *rep, struct wc_error *err)
{
    if (rep->redis == NULL)
        rep->redis = rconn_connect(srv->cfg->redis, REPORT_REDIS_TIMEOUT_MS, err);
    if (rep->redis == NULL)
        return WC_EREMOTE;
    char stats[KEYS_MAX];
    keys_queue(stats, sizeof stats, "stats");
    int n = 0;
    if (rep->refused)
        n += stats_append_add(rep->redis, stats, STATS_CONNECTIONS_REFUSED, rep->refused);
    if (rep->expired)
        n += stats_append_add(rep->redis, stats, STATS_HEADER_TIMEOUTS, rep->expired);
    int rc = stats_read_replies(rep->redis, n, err);
    if (rc != 0) {
        redisFree(rep->redis);
        rep->redis = NULL;
        return rc;
    }
    rep->refused = rep->expired = 0;
    return 0;
}

void conn_report_tick(struct api_server *srv, struct conn_report *rep)
{
    if (srv->addr_limit) {
        char last[64];
        long long refused = addr_limit_take_refused(srv->addr_limit, last, sizeof last);
        if (refused > 0)
            log_event(LOG_WARN, "connections_refused", "count=%lld last_addr=%s per_ip_limit=%d",
                      refused, last, srv->cfg->max_connections_per_ip);
        rep->refused += refused;
    }
    if (srv->header_deadline) {
        long long expired = header_deadline_take_expired(srv->header_deadline);
        if (expired > 0)
            log_event(LOG_WARN, "header_timeouts", "count=%lld header_timeout_ms=%ld", expired,
                      srv->cfg->header_timeout_ms);
        rep->expired += expired;
    }
    struct wc_error err = {0};
    if ((rep->refused || rep->expired) && add_to_stats(srv, rep, &err) != 0)
        log_event(LOG_WARN, "connection_stats_delayed", "msg=\"%s\"", err.message);
}

void conn_report_free(struct conn_report *rep)
{
    if (rep->redis)
        redisFree(rep->redis);
    rep->redis = NULL;
}
