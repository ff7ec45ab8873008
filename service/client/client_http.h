/* client_http.h - a small libcurl client for the wikicrawl HTTP API, used by the client commands */
#ifndef WC_CLIENT_HTTP_H
#define WC_CLIENT_HTTP_H

#include <stdio.h>

#include <curl/curl.h>

#include "buf.h"
#include "wc_error.h"

#define CLIENT_DEFAULT_SERVER "http://127.0.0.1:8080"
#define CLIENT_URL_MAX 2048

/* One connection to one server. Requests made through it reuse its connection. */
struct client_http {
    CURL *curl;
    char base[CLIENT_URL_MAX];  /* server URL without a trailing slash */
    char authorization[512];    /* "Authorization: Bearer KEY", or "" */
    struct curl_slist *headers; /* sent with every request without a body */
};

/* What came back. status is 0 when no answer came at all. body holds a JSON answer (at most
 * CLIENT_BODY_MAX bytes), or an error answer of a lines request. next_cursor is the Next-Cursor
 * header ("" when the answer had none: no more entries will come). */
struct client_reply {
    long status;
    struct wc_buf body;
    char next_cursor[64]; /* a results ordinal, or a job listing's "MS-ID" */
    int gzip;             /* the answer said Content-Encoding: gzip */
};

#define CLIENT_BODY_MAX (1024 * 1024)

/* Called for each complete line of an NDJSON answer, without its '\n'. Returns 0 to go on, or a
 * negative WC_E* code to stop the transfer (that code is then returned by the request). */
typedef int (*client_line_fn)(void *ctx, const char *line, size_t len);

/* Prototypes */

/* Set up a client of server (an http:// or https:// URL; NULL: CLIENT_DEFAULT_SERVER) that sends
 * api_key (NULL or "": none) as a bearer token. Call curl_global_init() first. Returns 0,
 * WC_EINVAL (not a usable URL or key) or WC_ENOMEM; call client_http_free() in every case. */
int client_http_init(struct client_http *c, const char *server, const char *api_key,
                     struct wc_error *err);

/* Release the connection. */
void client_http_free(struct client_http *c);

/* Release what a reply holds; it can be reused afterwards. */
void client_reply_free(struct client_reply *r);

/* All requests below return 0 for a 2xx answer and otherwise:
 *   WC_EINVAL   the server refused the request (4xx); err holds the message of its
 *               {"error":{"code","message"}} answer
 *   WC_EREMOTE  the server could not be reached, the transfer broke, or it answered 5xx
 *   WC_EIO      reading the upload or a line callback failed (the callback's code is returned
 *               when it was not WC_EIO)
 *   WC_ENOMEM
 * reply (which the caller frees with client_reply_free()) is filled in every case. */

/* A request with no body whose answer is JSON: GET or DELETE of path (which starts with '/' and
 * may carry a query). timeout_s bounds the whole request (0: no bound). */
int client_http_json(struct client_http *c, const char *method, const char *path, long timeout_s,
                     struct client_reply *reply, struct wc_error *err);

/* Append "?name=value" (or "&name=value" when path already holds a '?') to path, value
 * percent-encoded (RFC 3986: only unreserved bytes stay as they are). 0 or WC_ENOMEM. */
int client_query_add(struct wc_buf *path, const char *name, const char *value);

/* POST in (read to its end, never held whole: sent with chunked transfer encoding as it is read)
 * to path with content_type, plus the header extra_header when not NULL. */
int client_http_upload(struct client_http *c, const char *path, const char *content_type,
                       const char *extra_header, FILE *in, struct client_reply *reply,
                       struct wc_error *err);

/* GET path, an NDJSON answer: on_line is called for each complete line as it arrives; *n_lines
 * counts them, also when the transfer breaks half way (a line cut short is never passed on).
 * The request accepts gzip and inflates a gzip answer as it arrives (lib/gzip_member.h): the
 * server then sends its stored lines as they are. libcurl is not asked to (ACCEPT_ENCODING): 7.88
 * fails on a stream of several gzip members, which is what a results page is. */
int client_http_lines(struct client_http *c, const char *path, client_line_fn on_line, void *ctx,
                      long long *n_lines, struct client_reply *reply, struct wc_error *err);

#endif
