/* client_http.c - a small libcurl client for the wikicrawl HTTP API, used by the client commands */
#include "client_http.h"
#include "gzip_member.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#define CONNECT_TIMEOUT_S 10L
/* A results page that sends nothing for this long is given up (and resumed by the caller). */
#define STALL_TIMEOUT_S 120L
#define USER_AGENT "wikicrawl-client/1"

int client_http_init(struct client_http *c, const char *server, const char *api_key,
                     struct wc_error *err)
{
    memset(c, 0, sizeof *c);
    if (server == NULL || server[0] == '\0')
        server = CLIENT_DEFAULT_SERVER;
    if (strncasecmp(server, "http://", 7) != 0 && strncasecmp(server, "https://", 8) != 0)
        return wc_error_set(err, WC_EINVAL, "server '%.200s' is not an http:// or https:// URL",
                            server);
    size_t len = strlen(server);
    while (len > 0 && server[len - 1] == '/')
        len--;
    if (len >= sizeof c->base - 256)
        return wc_error_set(err, WC_EINVAL, "server URL is too long");
    memcpy(c->base, server, len);
    c->base[len] = '\0';
    if (api_key && api_key[0]) {
        int n = snprintf(c->authorization, sizeof c->authorization, "Authorization: Bearer %s",
                         api_key);
        if (n < 0 || (size_t)n >= sizeof c->authorization || strpbrk(api_key, "\r\n"))
            return wc_error_set(err, WC_EINVAL, "the API key is too long or holds a line break");
        c->headers = curl_slist_append(NULL, c->authorization);
        if (c->headers == NULL)
            return wc_error_set(err, WC_ENOMEM, "out of memory");
    }
    c->curl = curl_easy_init();
    if (c->curl == NULL)
        return wc_error_set(err, WC_ENOMEM, "cannot set up libcurl");
    return 0;
}

void client_http_free(struct client_http *c)
{
    if (c->curl)
        curl_easy_cleanup(c->curl);
    c->curl = NULL;
    curl_slist_free_all(c->headers);
    c->headers = NULL;
}

void client_reply_free(struct client_reply *r)
{
    wc_buf_free(&r->body);
    r->status = 0;
    r->next_cursor[0] = '\0';
    r->gzip = 0;
}

/* ---- callbacks --------------------------------------------------------------------------- */

/* The value of header line data[0..len) when it is name (lower case, with its colon), trimmed;
 * NULL otherwise. */
static const char *header_value(const char *data, size_t len, const char *name, size_t *n)
{
    size_t name_len = strlen(name);
    if (len <= name_len || strncasecmp(data, name, name_len) != 0)
        return NULL;
    const char *v = data + name_len;
    const char *end = data + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *n = (size_t)(end - v);
    return v;
}

static size_t on_header(char *data, size_t size, size_t nitems, void *userdata)
{
    struct client_reply *reply = userdata;
    size_t len = size * nitems;
    size_t n;
    const char *v;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a 100 Continue): forget the headers of the last one. */
        reply->next_cursor[0] = '\0';
        reply->gzip = 0;
    } else if ((v = header_value(data, len, "next-cursor:", &n)) != NULL) {
        if (n < sizeof reply->next_cursor) {
            memcpy(reply->next_cursor, v, n);
            reply->next_cursor[n] = '\0';
        }
    } else if ((v = header_value(data, len, "content-encoding:", &n)) != NULL) {
        reply->gzip = n == 4 && strncasecmp(v, "gzip", 4) == 0;
    }
    return len;
}

/* A JSON answer is kept whole (up to CLIENT_BODY_MAX; the rest is dropped). */
static size_t on_json_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct client_reply *reply = userdata;
    size_t len = size * nmemb;
    size_t room = reply->body.len < CLIENT_BODY_MAX ? CLIENT_BODY_MAX - reply->body.len : 0;
    if (wc_buf_append(&reply->body, data, len < room ? len : room) != 0)
        return 0;
    return len;
}

struct upload_source {
    FILE *in;
    int read_errno; /* 0, or why reading the input failed */
};

static size_t on_upload_read(char *buffer, size_t size, size_t nitems, void *userdata)
{
    struct upload_source *src = userdata;
    size_t n = fread(buffer, 1, size * nitems, src->in);
    if (n == 0 && ferror(src->in)) {
        src->read_errno = errno ? errno : EIO;
        return CURL_READFUNC_ABORT;
    }
    return n;
}

struct line_sink {
    CURL *curl;
    struct client_reply *reply;
    client_line_fn on_line;
    void *ctx;
    struct wc_buf partial; /* the start of a line whose end has not arrived yet */
    long long n_lines;
    int answer_checked;
    int is_error_answer;        /* not 2xx: the body is an error to keep, not lines */
    int rc;                     /* what a callback returned, or WC_ENOMEM */
    struct gzip_reader *reader; /* a gzip answer's, made at its first bytes */
    size_t gzip_in;             /* bytes of a gzip answer received */
    struct wc_error gzip_err;   /* why a gzip answer could not be inflated (code 0: it could) */
};

static int sink_line(struct line_sink *s, const char *line, size_t len)
{
    int rc = s->on_line(s->ctx, line, len);
    if (rc != 0) {
        s->rc = rc;
        return WC_ESTOP;
    }
    s->n_lines++;
    return 0;
}

/* Split plain bytes of a 2xx answer into lines for the callback. 0, or -1 to stop (s->rc says
 * why). */
static int sink_bytes(struct line_sink *s, const char *data, size_t len)
{
    const char *p = data, *end = data + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL) {
            if (wc_buf_append(&s->partial, p, (size_t)(end - p)) != 0) {
                s->rc = WC_ENOMEM;
                return -1;
            }
            break;
        }
        int failed;
        if (s->partial.len > 0) {
            failed = wc_buf_append(&s->partial, p, (size_t)(nl - p)) != 0;
            if (failed)
                s->rc = WC_ENOMEM;
            else
                failed = sink_line(s, s->partial.data, s->partial.len) != 0;
            wc_buf_reset(&s->partial);
        } else {
            failed = sink_line(s, p, (size_t)(nl - p)) != 0;
        }
        if (failed)
            return -1;
        p = nl + 1;
    }
    return 0;
}

/* Plain bytes of the answer: lines, or an error answer kept whole. 0 or -1 to stop. */
static int sink_plain(struct line_sink *s, char *data, size_t len)
{
    if (s->is_error_answer)
        return on_json_body(data, 1, len, s->reply) == len ? 0 : -1;
    return sink_bytes(s, data, len);
}

/* Inflate bytes of a gzip answer as they come and pass the plain bytes on. 0 or -1 to stop. */
static int sink_gzip(struct line_sink *s, const char *data, size_t len)
{
    if (s->reader == NULL) {
        s->reader = gzip_reader_new();
        if (s->reader == NULL) {
            s->rc = WC_ENOMEM;
            return -1;
        }
    }
    s->gzip_in += len;
    char out[16384];
    size_t used, produced;
    do {
        if (gzip_reader_run(s->reader, data, len, &used, out, sizeof out, &produced,
                            &s->gzip_err) != 0)
            return -1;
        data += used;
        len -= used;
        if (produced > 0 && sink_plain(s, out, produced) != 0)
            return -1;
        /* A full buffer may leave inflated bytes behind even when all input is taken. */
    } while (produced == sizeof out || (len > 0 && used > 0));
    if (len > 0) {
        /* input left and none taken: not expected, but never spin */
        wc_error_set(&s->gzip_err, WC_EPARSE, "inflating made no progress");
        return -1;
    }
    return 0;
}

static size_t on_lines_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct line_sink *s = userdata;
    size_t len = size * nmemb;
    if (!s->answer_checked) {
        long status = 0;
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
        s->is_error_answer = status < 200 || status > 299;
        s->answer_checked = 1;
    }
    int rc = s->reply->gzip ? sink_gzip(s, data, len) : sink_plain(s, data, len);
    return rc == 0 ? len : 0;
}

/* ---- requests ---------------------------------------------------------------------------- */

static int prepare(struct client_http *c, const char *path, struct client_reply *reply,
                   char *errbuf, struct wc_error *err)
{
    char url[CLIENT_URL_MAX + 1024];
    int n = snprintf(url, sizeof url, "%s%s", c->base, path);
    if (n < 0 || (size_t)n >= sizeof url)
        return wc_error_set(err, WC_EINVAL, "request URL is too long");
    client_reply_free(reply);
    errbuf[0] = '\0';
    curl_easy_reset(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, reply);
    if (c->headers)
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
    return 0;
}

/* The message of an {"error":{"code","message"}} answer, else the start of the body. */
static void describe_answer(const struct client_reply *reply, struct wc_error *err, int code)
{
    json_t *root = reply->body.data ? json_loadb(reply->body.data, reply->body.len, 0, NULL) : NULL;
    json_t *e = json_object_get(root, "error");
    const char *ecode = json_string_value(json_object_get(e, "code"));
    const char *message = json_string_value(json_object_get(e, "message"));
    if (message)
        wc_error_set(err, code, "HTTP %ld %s: %s", reply->status, ecode ? ecode : "error", message);
    else if (reply->body.len > 0)
        wc_error_set(err, code, "HTTP %ld: %.200s", reply->status, reply->body.data);
    else
        wc_error_set(err, code, "HTTP %ld", reply->status);
    json_decref(root);
}

static int finish(struct client_http *c, CURLcode res, const char *errbuf,
                  struct client_reply *reply, struct wc_error *err)
{
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &reply->status);
    if (res != CURLE_OK) {
        if (reply->status == 0)
            return wc_error_set(err, WC_EREMOTE, "cannot reach %s: %s", c->base,
                                errbuf[0] ? errbuf : curl_easy_strerror(res));
        return wc_error_set(err, WC_EREMOTE, "the answer from %s broke off: %s", c->base,
                            errbuf[0] ? errbuf : curl_easy_strerror(res));
    }
    if (reply->status >= 200 && reply->status <= 299)
        return 0;
    int code = reply->status >= 400 && reply->status <= 499 ? WC_EINVAL : WC_EREMOTE;
    describe_answer(reply, err, code);
    return code;
}

int client_http_json(struct client_http *c, const char *method, const char *path, long timeout_s,
                     struct client_reply *reply, struct wc_error *err)
{
    char errbuf[CURL_ERROR_SIZE];
    int rc = prepare(c, path, reply, errbuf, err);
    if (rc != 0)
        return rc;
    if (strcmp(method, "GET") != 0)
        curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_json_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, reply);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, timeout_s);
    CURLcode res = curl_easy_perform(c->curl);
    if (res == CURLE_WRITE_ERROR)
        return wc_error_set(err, WC_ENOMEM, "out of memory");
    return finish(c, res, errbuf, reply, err);
}

/* A libcurl header list of the lines that are not NULL (at least one is). Caller frees with
 * curl_slist_free_all(); NULL when out of memory. */
static struct curl_slist *header_list(const char *const *lines, size_t n)
{
    struct curl_slist *headers = NULL;
    for (size_t i = 0; i < n; i++) {
        if (lines[i] == NULL)
            continue;
        struct curl_slist *more = curl_slist_append(headers, lines[i]);
        if (more == NULL) {
            curl_slist_free_all(headers);
            return NULL;
        }
        headers = more;
    }
    return headers;
}

int client_http_upload(struct client_http *c, const char *path, const char *content_type,
                       const char *extra_header, FILE *in, struct client_reply *reply,
                       struct wc_error *err)
{
    char errbuf[CURL_ERROR_SIZE];
    int rc = prepare(c, path, reply, errbuf, err);
    if (rc != 0)
        return rc;
    char type_header[256];
    snprintf(type_header, sizeof type_header, "Content-Type: %s", content_type);
    /* Without a size, libcurl sends a POST body chunked when asked to by this header. */
    const char *lines[] = {type_header, "Transfer-Encoding: chunked",
                           c->authorization[0] ? c->authorization : NULL, extra_header};
    struct curl_slist *headers = header_list(lines, sizeof lines / sizeof lines[0]);
    if (headers == NULL)
        return wc_error_set(err, WC_ENOMEM, "out of memory");
    struct upload_source src = {in, 0};
    curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, on_upload_read);
    curl_easy_setopt(c->curl, CURLOPT_READDATA, &src);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_json_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, reply);
    CURLcode res = curl_easy_perform(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    if (src.read_errno)
        return wc_error_set(err, WC_EIO, "cannot read the titles: %s", strerror(src.read_errno));
    if (res == CURLE_WRITE_ERROR)
        return wc_error_set(err, WC_ENOMEM, "out of memory");
    return finish(c, res, errbuf, reply, err);
}

int client_http_lines(struct client_http *c, const char *path, client_line_fn on_line, void *ctx,
                      long long *n_lines, struct client_reply *reply, struct wc_error *err)
{
    char errbuf[CURL_ERROR_SIZE];
    *n_lines = 0;
    int rc = prepare(c, path, reply, errbuf, err);
    if (rc != 0)
        return rc;
    /* The authorization (if any) and Accept-Encoding: libcurl sends the list as it is. */
    const char *lines[] = {c->authorization[0] ? c->authorization : NULL, "Accept-Encoding: gzip"};
    struct curl_slist *headers = header_list(lines, sizeof lines / sizeof lines[0]);
    if (headers == NULL)
        return wc_error_set(err, WC_ENOMEM, "out of memory");
    struct line_sink sink = {.curl = c->curl, .reply = reply, .on_line = on_line, .ctx = ctx};
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_lines_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, STALL_TIMEOUT_S);
    CURLcode res = curl_easy_perform(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(headers);
    *n_lines = sink.n_lines;
    int cut_short = sink.partial.len > 0;
    /* A gzip answer that stops inside a member (before its checksum) was cut short too. */
    int gzip_cut = sink.gzip_in > 0 && !gzip_reader_complete(sink.reader);
    wc_buf_free(&sink.partial);
    gzip_reader_free(sink.reader);
    if (sink.rc == WC_ENOMEM || sink.gzip_err.code == WC_ENOMEM)
        return wc_error_set(err, WC_ENOMEM, "out of memory");
    if (sink.rc != 0)
        return wc_error_set(err, sink.rc, "the line handler stopped the transfer");
    if (sink.gzip_err.code != 0)
        return wc_error_set(err, WC_EREMOTE, "the answer from %s could not be inflated: %s",
                            c->base, sink.gzip_err.message);
    rc = finish(c, res, errbuf, reply, err);
    if (rc == 0 && (cut_short || gzip_cut))
        rc = wc_error_set(err, WC_EREMOTE, "the answer from %s ended inside a line", c->base);
    return rc;
}

int client_query_add(struct wc_buf *path, const char *name, const char *value)
{
    int has_query = path->len > 0 && memchr(path->data, '?', path->len) != NULL;
    if (wc_buf_printf(path, "%c%s=", has_query ? '&' : '?', name) != 0)
        return WC_ENOMEM;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~';
        int rc = plain ? wc_buf_putc(path, (char)*p) : wc_buf_printf(path, "%%%02X", *p);
        if (rc != 0)
            return WC_ENOMEM;
    }
    return 0;
}
