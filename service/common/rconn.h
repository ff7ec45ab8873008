/* rconn.h - Redis connections from a URL or socket path, and small helpers over hiredis */
#ifndef WC_RCONN_H
#define WC_RCONN_H

#include <stddef.h>

#include <hiredis.h>

#include "wc_error.h"

/* Prototypes */

/* Connect to spec: "redis://[:password@]host[:port][/db]", "unix:///path/to.sock[?db=N]", or a
 * plain path (containing '/'). Sends AUTH and SELECT when the spec has them. timeout_ms bounds the
 * connect and every later command (0: no command timeout, for blocking commands). Returns the
 * context (caller frees with redisFree()) or NULL with err filled (WC_EREMOTE). */
redisContext *rconn_connect(const char *spec, int timeout_ms, struct wc_error *err);

/* Write spec as it may be shown in a log line or an error message: a redis:// URL with its
 * credentials replaced ("redis://:***@host:port/db", "redis://user:***@..."), anything else as it
 * is. Truncated to fit size (NUL-terminated when size > 0). Returns out. */
char *rconn_redact(const char *spec, char *out, size_t size);

/* Run a command given as an argument vector; NULL argv_len means NUL-terminated strings. Returns
 * the reply (caller frees with freeReplyObject()) or NULL with err filled: WC_EREMOTE when the
 * connection failed (the context is then unusable) or Redis answered an error, WC_EFULL in
 * err->code when that error is Redis refusing a write at its maxmemory (-OOM). Callers that
 * return WC_EREMOTE for any failure leave err->code as it is, so WC_EFULL reaches whoever
 * answers the client (rconn_full()). */
redisReply *rconn_run(redisContext *c, int argc, const char **argv, const size_t *argv_len,
                      struct wc_error *err);

/* EVAL a script that answers an integer: *out receives it. Returns 0, or WC_EREMOTE (err filled)
 * when the call failed or the answer is not an integer (an error reply included). */
int rconn_eval_integer(redisContext *c, const char *script, int n_keys, const char **keys,
                       int n_args, const char **args, const size_t *args_len, long long *out,
                       struct wc_error *err);

/* EVAL script with keys then args (all NUL-terminated except args, which may carry lengths).
 * Same contract as rconn_run(). */
redisReply *rconn_eval(redisContext *c, const char *script, int n_keys, const char **keys,
                       int n_args, const char **args, const size_t *args_len, struct wc_error *err);

/* Queue an EVAL without waiting for its reply (pipelining); read it with rconn_reply(). 0 or
 * WC_ENOMEM. */
int rconn_append_eval(redisContext *c, const char *script, int n_keys, const char **keys,
                      int n_args, const char **args, const size_t *args_len);

/* Read the next pipelined reply. Same contract as rconn_run(). */
redisReply *rconn_reply(redisContext *c, struct wc_error *err);

/* True when err is Redis refusing a write because it is full (WC_EFULL): Redis answers, so the
 * connection is fine and the answer is "try later", not "unreachable". */
int rconn_full(const struct wc_error *err);

#endif
