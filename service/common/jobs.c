/* jobs.c - a job's life in Redis: status, the scripts that move it, the queue of chunks */
#include "jobs.h"
#include "json_write.h"
#include "rconn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char JOBS_SCRIPT_RECORD[] =
    "local st = redis.call('HGET', KEYS[1], 'status')\n"
    "if not st then return -1 end\n"
    "if st == 'cancelled' or st == 'done' then return -2 end\n"
    "local written = 0\n"
    "for i = 1, #ARGV, 3 do\n"
    "  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i+1]) == 1 then\n"
    "    if ARGV[i+1] == 'ok' then\n"
    "      local n = redis.call('HINCRBY', KEYS[1], 'n_results', 1)\n"
    "      redis.call('XADD', KEYS[3], '0-' .. n, 'r', ARGV[i+2])\n"
    "      redis.call('HINCRBY', KEYS[1], 'pages', 1)\n"
    "    else\n"
    "      local n = redis.call('HINCRBY', KEYS[1], 'n_errors', 1)\n"
    "      redis.call('XADD', KEYS[4], '0-' .. n, 'e', ARGV[i+2])\n"
    "      redis.call('HINCRBY', KEYS[1], ARGV[i+1], 1)\n"
    "    end\n"
    "    written = written + 1\n"
    "  end\n"
    "end\n"
    "return written\n";

const char JOBS_SCRIPT_START_CHUNK[] = "local st = redis.call('HGET', KEYS[1], 'status')\n"
                                       "if not st then return false end\n"
                                       "if st == 'queued' or st == 'committing' then\n"
                                       "  redis.call('HSET', KEYS[1], 'status', 'running')\n"
                                       "  st = 'running'\n"
                                       "end\n"
                                       "redis.call('HSETNX', KEYS[1], 'started', ARGV[1])\n"
                                       "return st\n";

/* KEYS: job chunks seen outcome results errors done (enum keys_job_part order). */
const char JOBS_SCRIPT_FINISH_CHUNK[] =
    "local st = redis.call('HGET', KEYS[1], 'status')\n"
    "if not st then return false end\n"
    "if redis.call('SADD', KEYS[7], ARGV[1]) == 1 then\n"
    "  redis.call('HINCRBY', KEYS[1], 'chunks_done', 1)\n"
    "  redis.call('HDEL', KEYS[2], ARGV[1])\n"
    "end\n"
    "local done = tonumber(redis.call('HGET', KEYS[1], 'chunks_done') or '0')\n"
    "local total = tonumber(redis.call('HGET', KEYS[1], 'chunks') or '-1')\n"
    "if (st == 'running' or st == 'queued' or st == 'committing') and total >= 0\n"
    "   and done >= total then\n"
    "  redis.call('HSET', KEYS[1], 'status', 'done', 'finished', ARGV[2])\n"
    "  for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[3]) end\n"
    "  st = '" JOBS_FINISHED_NOW "'\n"
    "end\n"
    "return st\n";

const char JOBS_SCRIPT_COMMITTED[] = "local st = redis.call('HGET', KEYS[1], 'status')\n"
                                     "if not st then return false end\n"
                                     "if st == 'committing' then\n"
                                     "  redis.call('HSET', KEYS[1], 'status', 'queued')\n"
                                     "  st = 'queued'\n"
                                     "end\n"
                                     "if st ~= 'done' and st ~= 'cancelled' then\n"
                                     "  for i = 1, #KEYS do redis.call('PERSIST', KEYS[i]) end\n"
                                     "end\n"
                                     "return st\n";

/* Cancel. KEYS: all job keys. ARGV: now_ms ttl. */
static const char script_cancel[] =
    "local st = redis.call('HGET', KEYS[1], 'status')\n"
    "if not st then return false end\n"
    "if st == 'done' or st == 'cancelled' then return st end\n"
    "redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finished', ARGV[1])\n"
    "redis.call('DEL', KEYS[2], KEYS[3])\n"
    "for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[2]) end\n"
    "return 'cancelled'\n";

/* The processing list names are built here from a prefix: they share the {queue} tag with the
 * keys declared, so this stays within one cluster slot. */
const char JOBS_SCRIPT_REAP[] =
    "local ids\n"
    "if ARGV[4] and ARGV[4] ~= '' then ids = {ARGV[4]}\n"
    "else ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - "
    "tonumber(ARGV[2])) end\n"
    "local moved = 0\n"
    "for _, id in ipairs(ids) do\n"
    "  local list = ARGV[3] .. id\n"
    "  while redis.call('LMOVE', list, KEYS[2], 'RIGHT', 'LEFT') do moved = moved + 1 end\n"
    "  redis.call('ZREM', KEYS[1], id)\n"
    "end\n"
    "return moved\n";

void jobs_keys(struct job_keys *k, const char *id)
{
    for (int part = 0; part < KEYS_JOB_PARTS; part++) {
        keys_job(k->key[part], sizeof k->key[part], id, (enum keys_job_part)part);
        k->ptr[part] = k->key[part];
    }
}

static long long field_ll(const redisReply *r, size_t i)
{
    return (r->element[i]->type == REDIS_REPLY_STRING) ? atoll(r->element[i]->str) : 0;
}

int jobs_get(redisContext *c, const char *id, struct job_status *out, struct wc_error *err)
{
    static const char *const fields[] = {
        "status",         "titles",   "duplicates", "chunks", "chunks_done", "pages",
        "disambiguation", "missing",  "invalid",    "failed", "cache_hits",  "created",
        "started",        "finished", "chunk_size", "owner",  "n_results",   "n_errors",
    };
    enum { N_FIELDS = sizeof fields / sizeof fields[0] };
    char key[KEYS_MAX];
    keys_job(key, sizeof key, id, KEYS_JOB);
    const char *argv[2 + N_FIELDS] = {"HMGET", key};
    for (size_t i = 0; i < N_FIELDS; i++)
        argv[2 + i] = fields[i];
    redisReply *r = rconn_run(c, 2 + N_FIELDS, argv, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != N_FIELDS ||
        r->element[0]->type != REDIS_REPLY_STRING) {
        freeReplyObject(r);
        return 1;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", id);
    snprintf(out->status, sizeof out->status, "%s", r->element[0]->str);
    out->titles = field_ll(r, 1);
    out->duplicates = field_ll(r, 2);
    out->chunks = field_ll(r, 3);
    out->chunks_done = field_ll(r, 4);
    out->pages = field_ll(r, 5);
    out->disambiguation = field_ll(r, 6);
    out->missing = field_ll(r, 7);
    out->invalid = field_ll(r, 8);
    out->failed = field_ll(r, 9);
    out->cache_hits = field_ll(r, 10);
    out->created = field_ll(r, 11);
    out->started = field_ll(r, 12);
    out->finished = field_ll(r, 13);
    out->chunk_size = field_ll(r, 14);
    if (r->element[15]->type == REDIS_REPLY_STRING)
        snprintf(out->owner, sizeof out->owner, "%s", r->element[15]->str);
    out->n_results = field_ll(r, 16);
    out->n_errors = field_ll(r, 17);
    freeReplyObject(r);
    return 0;
}

int jobs_is_final(const struct job_status *s)
{
    return strcmp(s->status, JOB_DONE) == 0 || strcmp(s->status, JOB_CANCELLED) == 0;
}

/* RFC 3339 in UTC with milliseconds, or null. */
static int write_time(struct wc_buf *out, long long ms)
{
    if (ms <= 0)
        return wc_buf_puts(out, "null");
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    return wc_buf_printf(out, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         (int)(ms % 1000));
}

int jobs_status_json(const struct job_status *s, struct wc_buf *out)
{
    const char *status = s->status;
    if (strcmp(status, JOB_RECEIVING) == 0 || strcmp(status, JOB_COMMITTING) == 0)
        status = JOB_QUEUED;
    int rc = wc_buf_printf(out,
                           "{\"id\":\"%s\",\"status\":\"%s\",\"titles\":%lld,\"chunks\":%lld,"
                           "\"chunks_done\":%lld,\"pages\":%lld,\"disambiguation\":%lld,"
                           "\"missing\":%lld,\"invalid\":%lld,\"failed\":%lld,"
                           "\"duplicates\":%lld,\"cache_hits\":%lld,\"created\":",
                           s->id, status, s->titles, s->chunks, s->chunks_done, s->pages,
                           s->disambiguation, s->missing, s->invalid, s->failed, s->duplicates,
                           s->cache_hits);
    if (rc == 0)
        rc = write_time(out, s->created);
    if (rc == 0)
        rc = wc_buf_puts(out, ",\"started\":");
    if (rc == 0)
        rc = write_time(out, s->started);
    if (rc == 0)
        rc = wc_buf_puts(out, ",\"finished\":");
    if (rc == 0)
        rc = write_time(out, s->finished);
    if (rc == 0)
        rc = wc_buf_putc(out, '}');
    return rc;
}

int jobs_cancel(redisContext *c, const char *id, long ttl, char *status_out, size_t size,
                struct wc_error *err)
{
    struct job_keys k = {0};
    jobs_keys(&k, id);
    char now[32], ttls[32];
    snprintf(now, sizeof now, "%lld", rconn_now_ms());
    snprintf(ttls, sizeof ttls, "%ld", ttl);
    const char *args[] = {now, ttls};
    redisReply *r = rconn_eval(c, script_cancel, KEYS_JOB_PARTS, k.ptr, 2, args, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    int rc = 1;
    if (r->type == REDIS_REPLY_STRING) {
        snprintf(status_out, size, "%s", r->str);
        rc = 0;
    }
    freeReplyObject(r);
    return rc;
}

long long jobs_reap(redisContext *c, const char *worker_id, struct wc_error *err)
{
    char workers[KEYS_MAX], pending[KEYS_MAX], now[32], dead_after[32];
    keys_queue(workers, sizeof workers, "workers");
    keys_queue(pending, sizeof pending, "pending");
    snprintf(now, sizeof now, "%lld", rconn_now_ms());
    snprintf(dead_after, sizeof dead_after, "%d", WORKER_DEAD_AFTER_MS);
    const char *keys[] = {workers, pending};
    const char *args[] = {now, dead_after, KEYS_PROCESSING_PREFIX, worker_id ? worker_id : ""};
    redisReply *r = rconn_eval(c, JOBS_SCRIPT_REAP, 2, keys, 4, args, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    long long moved = r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    return moved;
}
