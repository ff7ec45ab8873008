/* wikis_list.c - GET /v1/wikis: the wikis a job may name, and each one's budget */
#include "server.h"
#include "json_write.h"

#include <string.h>

/* The API URL as a client may see it: without user:password@ (an operator's credentials for a
 * private wiki) and without the query string (where an API token would go). */
static int write_public_url(struct wc_buf *out, const char *url)
{
    const char *host = strstr(url, "://");
    host = host ? host + 3 : url;
    size_t authority = strcspn(host, "/?#");
    const char *at = memchr(host, '@', authority);
    size_t scheme_len = (size_t)(host - url);
    const char *rest = at ? at + 1 : host;
    struct wc_buf shown = WC_BUF_INIT;
    int rc = wc_buf_append(&shown, url, scheme_len);
    if (rc == 0)
        rc = wc_buf_append(&shown, rest, strcspn(rest, "?#"));
    if (rc == 0)
        rc = json_write_string(out, shown.data ? shown.data : "", shown.len);
    wc_buf_free(&shown);
    return rc;
}

enum MHD_Result wikis_list(struct api_server *srv, struct MHD_Connection *c)
{
    const struct wikis *wikis = &srv->cfg->wikis;
    struct wc_buf body = WC_BUF_INIT;
    int rc = wc_buf_puts(&body, "{\"wikis\":[");
    for (size_t i = 0; rc == 0 && i < wikis->n; i++) {
        const struct wiki *wk = &wikis->wiki[i];
        rc = wc_buf_printf(&body, "%s{\"name\":\"%s\",\"api_url\":", i ? "," : "", wk->name);
        if (rc == 0)
            rc = write_public_url(&body, wk->api_url);
        if (rc == 0)
            rc = wc_buf_printf(&body, ",\"rate\":%d,\"max_inflight\":%d,\"default\":%s}", wk->rate,
                               wk->inflight, i == 0 ? "true" : "false");
    }
    if (rc == 0)
        rc = wc_buf_printf(&body, "],\"total_rate\":%d}", srv->cfg->total_rate);
    enum MHD_Result ret =
        rc == 0 ? respond_json(c, MHD_HTTP_OK, &body, NULL)
                : respond_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "internal", "out of memory");
    wc_buf_free(&body);
    return ret;
}
