/* export_s3.c - the export sink "s3": one SigV4-signed PUT per object, with its real SHA-256 */
#include "export_sink.h"
#include "common/log.h"
#include "buf.h"
#include "s3_answer.h"
#include "s3_url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

struct s3_sink {
    struct export_sink base; /* first: a struct export_sink * is a struct s3_sink * */
    char bucket[256], endpoint[1024], region[64];
    char userpwd[512];       /* "ACCESS:SECRET", for CURLOPT_USERPWD only */
    char token_header[2048]; /* "x-amz-security-token: ..." or "" */
    char sigv4[96];          /* "aws:amz:REGION:s3" */
    char root[1100];         /* "s3://BUCKET/" */
    long timeout_ms, connect_timeout_ms;
};

struct export_sink_object {
    struct s3_sink *sink;
    FILE *spool;
    long long bytes;
    char name[512];
};

static int s3_open(struct export_sink *base, const char *name, struct export_sink_object **out,
                   struct wc_error *err)
{
    struct export_sink_object *o = calloc(1, sizeof *o);
    if (o == NULL)
        return wc_error_set(err, WC_EIO, "out of memory");
    o->sink = (struct s3_sink *)base;
    snprintf(o->name, sizeof o->name, "%s", name);
    /* A part is PUT in one request whose signature covers its digest, so its bytes are known
     * before it is sent: they wait in a file that disappears with the process. */
    o->spool = tmpfile();
    if (o->spool == NULL) {
        int e = errno;
        free(o);
        return wc_error_set(err, WC_EIO, "no spool file: %s", strerror(e));
    }
    *out = o;
    return 0;
}

static int s3_write(struct export_sink_object *o, const void *data, size_t len,
                    struct wc_error *err)
{
    if (len > 0 && fwrite(data, 1, len, o->spool) != len)
        return wc_error_set(err, WC_EIO, "spool write: %s", strerror(errno));
    o->bytes += (long long)len;
    return 0;
}

static void s3_abort(struct export_sink_object *o)
{
    fclose(o->spool);
    free(o);
}

static size_t keep_answer(char *data, size_t size, size_t n, void *userdata)
{
    struct wc_buf *b = userdata;
    if (b->len < 4096)
        wc_buf_append(b, data, size * n); /* an error document is short; the rest is not needed */
    return size * n;
}

/* S3's <Code> of an error document, or "". */
static void error_code(const struct wc_buf *answer, char *out, size_t size)
{
    out[0] = '\0';
    if (answer->len == 0)
        return;
    const char *start = memmem(answer->data, answer->len, "<Code>", 6);
    if (start == NULL)
        return;
    start += 6;
    const char *end = memmem(start, answer->len - (size_t)(start - answer->data), "</Code>", 7);
    if (end)
        snprintf(out, size, "%.*s", (int)(end - start), start);
}

static int s3_commit(struct export_sink_object *o, const char *sha256_hex, struct wc_error *err)
{
    struct s3_sink *s = o->sink;
    struct wc_buf url = WC_BUF_INIT, answer = WC_BUF_INIT;
    struct curl_slist *headers = NULL;
    CURL *curl = NULL;
    int rc = 0;
    char sha_header[128];
    snprintf(sha_header, sizeof sha_header, "x-amz-content-sha256: %s", sha256_hex);
    if (fflush(o->spool) != 0 || fseek(o->spool, 0, SEEK_SET) != 0) {
        rc = wc_error_set(err, WC_EIO, "spool: %s", strerror(errno));
        goto out;
    }
    if (s3_object_url(&url, s->endpoint, s->region, s->bucket, o->name) != 0 ||
        wc_buf_putc(&url, '\0') != 0) {
        rc = wc_error_set(err, WC_EINVAL, "no URL for bucket %s, region %s", s->bucket, s->region);
        goto out;
    }
    curl = curl_easy_init();
    headers = curl_slist_append(headers, sha_header);
    if (headers && s->token_header[0])
        headers = curl_slist_append(headers, s->token_header);
    if (curl == NULL || headers == NULL) {
        rc = wc_error_set(err, WC_EIO, "out of memory");
        goto out;
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.data);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READDATA, o->spool);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)o->bytes);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, s->sigv4);
    curl_easy_setopt(curl, CURLOPT_USERPWD, s->userpwd);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_answer);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(curl);
    if (cc != CURLE_OK) {
        rc = wc_error_set(err, WC_EIO, "PUT %s: %s", o->name, curl_easy_strerror(cc));
        goto out;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300)
        goto out;
    char code[64];
    error_code(&answer, code, sizeof code);
    /* 5xx, 429 and S3's transient 4xx pass (a restart, SlowDown, RequestTimeout); a refusal
     * (403: credentials, 404: no bucket) stays until the operator fixes it */
    rc = wc_error_set(err, s3_answer_retryable(status, code) ? WC_EIO : WC_EINVAL,
                      "PUT s3://%s/%s answered %ld %s", s->bucket, o->name, status,
                      code[0] ? code : "");
out:
    if (curl)
        curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    wc_buf_free(&url);
    wc_buf_free(&answer);
    fclose(o->spool);
    free(o);
    return rc;
}

static void s3_free(struct export_sink *base)
{
    struct s3_sink *s = (struct s3_sink *)base;
    /* the secret does not linger in freed memory */
    memset(s->userpwd, 0, sizeof s->userpwd);
    memset(s->token_header, 0, sizeof s->token_header);
    free(s);
}

struct export_sink *export_s3_sink_new(const struct export_s3_config *cfg)
{
    /* A region or bucket no URL can be made of is the operator's mistake: refused here, at the
     * start, not at every job's first part. */
    struct wc_buf probe = WC_BUF_INIT;
    int bad = s3_object_url(&probe, cfg->endpoint, cfg->region, cfg->bucket, "_") != 0;
    wc_buf_free(&probe);
    if (bad) {
        log_event(LOG_ERROR, "s3_config_invalid",
                  "bucket=\"%s\" region=\"%s\" msg=\"no S3 URL can be made of these\"", cfg->bucket,
                  cfg->region);
        return NULL;
    }
    struct s3_sink *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    snprintf(s->bucket, sizeof s->bucket, "%s", cfg->bucket);
    snprintf(s->endpoint, sizeof s->endpoint, "%s", cfg->endpoint);
    snprintf(s->region, sizeof s->region, "%s", cfg->region);
    snprintf(s->userpwd, sizeof s->userpwd, "%s:%s", cfg->access_key, cfg->secret_key);
    if (cfg->session_token[0])
        snprintf(s->token_header, sizeof s->token_header, "x-amz-security-token: %s",
                 cfg->session_token);
    snprintf(s->sigv4, sizeof s->sigv4, "aws:amz:%s:s3", cfg->region);
    snprintf(s->root, sizeof s->root, "s3://%s/", cfg->bucket);
    s->timeout_ms = cfg->timeout_ms;
    s->connect_timeout_ms = cfg->connect_timeout_ms;
    s->base = (struct export_sink){"s3", s3_open, s3_write, s3_commit, s3_abort, s->root, s3_free};
    return &s->base;
}
