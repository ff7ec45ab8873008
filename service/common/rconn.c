/* rconn.c - Redis connections from a URL or socket path, and small helpers over hiredis */
#include "rconn.h"
#include "num.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static redisReply *checked(redisContext *c, redisReply *reply, struct wc_error *err)
{
    if (reply == NULL) {
        wc_error_set(err, WC_EREMOTE, "redis: %s", c->errstr[0] ? c->errstr : "no reply");
        return NULL;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        /* "OOM command not allowed when used memory > 'maxmemory'": Redis answers, but full. */
        int full = strncmp(reply->str, "OOM ", 4) == 0;
        wc_error_set(err, full ? WC_EFULL : WC_EREMOTE, "redis: %s", reply->str);
        freeReplyObject(reply);
        return NULL;
    }
    return reply;
}

redisReply *rconn_run(redisContext *c, int argc, const char **argv, const size_t *argv_len,
                      struct wc_error *err)
{
    return checked(c, redisCommandArgv(c, argc, argv, argv_len), err);
}

redisReply *rconn_reply(redisContext *c, struct wc_error *err)
{
    void *reply = NULL;
    if (redisGetReply(c, &reply) != REDIS_OK)
        reply = NULL;
    return checked(c, reply, err);
}

int rconn_full(const struct wc_error *err)
{
    return err != NULL && err->code == WC_EFULL;
}

/* Lay out EVAL script numkeys keys... args... in argv/lens (both with room for 3+n_keys+n_args). */
static int eval_argv(const char *script, int n_keys, const char **keys, int n_args,
                     const char **args, const size_t *args_len, const char ***argv_out,
                     size_t **lens_out, char *numkeys, size_t numkeys_size)
{
    int argc = 3 + n_keys + n_args;
    const char **argv = malloc((size_t)argc * sizeof *argv);
    size_t *lens = malloc((size_t)argc * sizeof *lens);
    if (argv == NULL || lens == NULL) {
        free(argv);
        free(lens);
        return WC_ENOMEM;
    }
    snprintf(numkeys, numkeys_size, "%d", n_keys);
    argv[0] = "EVAL", lens[0] = 4;
    argv[1] = script, lens[1] = strlen(script);
    argv[2] = numkeys, lens[2] = strlen(numkeys);
    for (int i = 0; i < n_keys; i++)
        argv[3 + i] = keys[i], lens[3 + i] = strlen(keys[i]);
    for (int i = 0; i < n_args; i++) {
        argv[3 + n_keys + i] = args[i];
        lens[3 + n_keys + i] = args_len ? args_len[i] : strlen(args[i]);
    }
    *argv_out = argv;
    *lens_out = lens;
    return argc;
}

redisReply *rconn_eval(redisContext *c, const char *script, int n_keys, const char **keys,
                       int n_args, const char **args, const size_t *args_len, struct wc_error *err)
{
    const char **argv;
    size_t *lens;
    char numkeys[16];
    int argc = eval_argv(script, n_keys, keys, n_args, args, args_len, &argv, &lens, numkeys,
                         sizeof numkeys);
    if (argc < 0) {
        wc_error_set(err, WC_ENOMEM, "out of memory");
        return NULL;
    }
    redisReply *reply = rconn_run(c, argc, argv, lens, err);
    free(argv);
    free(lens);
    return reply;
}

int rconn_eval_integer(redisContext *c, const char *script, int n_keys, const char **keys,
                       int n_args, const char **args, const size_t *args_len, long long *out,
                       struct wc_error *err)
{
    redisReply *r = rconn_eval(c, script, n_keys, keys, n_args, args, args_len, err);
    if (r == NULL)
        return WC_EREMOTE;
    int rc = 0;
    if (r->type == REDIS_REPLY_INTEGER)
        *out = r->integer;
    else
        rc = wc_error_set(err, WC_EREMOTE, "redis: a script answered type %d, not an integer",
                          r->type);
    freeReplyObject(r);
    return rc;
}

int rconn_append_eval(redisContext *c, const char *script, int n_keys, const char **keys,
                      int n_args, const char **args, const size_t *args_len)
{
    const char **argv;
    size_t *lens;
    char numkeys[16];
    int argc = eval_argv(script, n_keys, keys, n_args, args, args_len, &argv, &lens, numkeys,
                         sizeof numkeys);
    if (argc < 0)
        return WC_ENOMEM;
    int rc = redisAppendCommandArgv(c, argc, argv, lens) == REDIS_OK ? 0 : WC_ENOMEM;
    free(argv);
    free(lens);
    return rc;
}

char *rconn_redact(const char *spec, char *out, size_t size)
{
    if (size == 0)
        return out;
    const char *at = strncmp(spec, "redis://", 8) == 0 ? strrchr(spec + 8, '@') : NULL;
    if (at == NULL) {
        snprintf(out, size, "%s", spec);
        return out;
    }
    /* parse_url() reads "user:password@" and a bare "password@": keep only the user name. */
    const char *userinfo = spec + 8;
    const char *colon = memchr(userinfo, ':', (size_t)(at - userinfo));
    int user_len = colon ? (int)(colon - userinfo) : 0;
    snprintf(out, size, "redis://%.*s:***%s", user_len, userinfo, at);
    return out;
}

/* Split "redis://[:password@]host[:port][/db]" in place. */
static int parse_url(char *rest, char **password, char **host, int *port, int *db)
{
    char *at = strrchr(rest, '@');
    if (at) {
        *at = '\0';
        char *colon = strchr(rest, ':');
        *password = colon ? colon + 1 : rest;
        rest = at + 1;
    }
    long n;
    char *slash = strchr(rest, '/');
    if (slash) {
        *slash = '\0';
        if (slash[1]) {
            if (num_parse_long(slash + 1, 0, INT_MAX, &n) != 0)
                return WC_EINVAL;
            *db = (int)n;
        }
    }
    char *colon = strrchr(rest, ':');
    if (colon) {
        *colon = '\0';
        if (num_parse_long(colon + 1, 1, 65535, &n) != 0)
            return WC_EINVAL;
        *port = (int)n;
    }
    *host = rest[0] ? rest : "127.0.0.1";
    return 0;
}

redisContext *rconn_connect(const char *spec, int timeout_ms, struct wc_error *err)
{
    char copy[1024], shown[1024];
    rconn_redact(spec, shown, sizeof shown);
    if (snprintf(copy, sizeof copy, "%s", spec) >= (int)sizeof copy) {
        wc_error_set(err, WC_EINVAL, "redis address too long");
        return NULL;
    }
    char *password = NULL, *host = NULL, *path = NULL;
    int port = 6379, db = 0;
    if (strncmp(copy, "redis://", 8) == 0) {
        if (parse_url(copy + 8, &password, &host, &port, &db) != 0) {
            wc_error_set(err, WC_EINVAL, "bad redis URL '%s'", shown);
            return NULL;
        }
    } else if (strncmp(copy, "unix://", 7) == 0) {
        path = copy + 7;
        char *q = strstr(path, "?db=");
        long n;
        if (q) {
            *q = '\0';
            if (num_parse_long(q + 4, 0, INT_MAX, &n) != 0) {
                wc_error_set(err, WC_EINVAL, "bad redis address '%s': db must be a number", shown);
                return NULL;
            }
            db = (int)n;
        }
    } else if (strchr(copy, '/')) {
        path = copy;
    } else {
        wc_error_set(err, WC_EINVAL,
                     "bad redis address '%s' (redis://host:port/db or a socket path)", shown);
        return NULL;
    }

    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    struct timeval connect_tv = timeout_ms > 0 ? tv : (struct timeval){5, 0};
    redisContext *c = path ? redisConnectUnixWithTimeout(path, connect_tv)
                           : redisConnectWithTimeout(host, port, connect_tv);
    if (c == NULL || c->err) {
        wc_error_set(err, WC_EREMOTE, "cannot connect to redis at %s: %s", shown,
                     c ? c->errstr : "out of memory");
        goto fail;
    }
    if (timeout_ms > 0)
        redisSetTimeout(c, tv);
    else
        redisSetTimeout(c, (struct timeval){0, 0});
    if (path == NULL)
        redisEnableKeepAlive(c);
    redisReply *reply;
    if (password) {
        const char *argv[] = {"AUTH", password};
        reply = rconn_run(c, 2, argv, NULL, err);
        if (reply == NULL)
            goto fail;
        freeReplyObject(reply);
    }
    if (db != 0) {
        char dbs[16];
        snprintf(dbs, sizeof dbs, "%d", db);
        const char *argv[] = {"SELECT", dbs};
        reply = rconn_run(c, 2, argv, NULL, err);
        if (reply == NULL)
            goto fail;
        freeReplyObject(reply);
    }
    return c;
fail:
    if (c)
        redisFree(c);
    return NULL;
}
