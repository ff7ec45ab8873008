/* results_xrange_bench.c - the floor for results streaming: read a job's results stream straight
 * from Redis the way the front end does (XRANGE in batches of 200), with no HTTP in between */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis.h>

/* usage: results_xrange_bench SOCKET KEY [ROUNDS]
 * Reads every entry of stream KEY (field "r" = one record and its newline, stored as one gzip
 * member) in XRANGE batches of 200, copies each value as stored into a 64 KB buffer written to
 * /dev/null, ROUNDS times: what the front end sends a client that accepts gzip.
 * Prints one line: "records=N bytes=B seconds=S mb_per_s=X" (B: stored bytes per round). */

#define BATCH 200
#define OUT_SIZE 65536

struct out {
    int fd;
    size_t len;
    char data[OUT_SIZE];
};

static int flush_out(struct out *o)
{
    size_t off = 0;
    while (off < o->len) {
        ssize_t n = write(o->fd, o->data + off, o->len - off);
        if (n < 0)
            return -1;
        off += (size_t)n;
    }
    o->len = 0;
    return 0;
}

static int put(struct out *o, const char *s, size_t n)
{
    while (n > 0) {
        size_t room = OUT_SIZE - o->len;
        size_t k = n < room ? n : room;
        memcpy(o->data + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
        if (o->len == OUT_SIZE && flush_out(o) != 0)
            return -1;
    }
    return 0;
}

/* One pass over the stream. Returns the number of records, or -1. */
static long long read_stream(redisContext *c, const char *key, struct out *o, size_t *bytes)
{
    char start[64] = "-";
    long long records = 0;
    for (;;) {
        redisReply *r = redisCommand(c, "XRANGE %s %s + COUNT %d", key, start, BATCH);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
            fprintf(stderr, "XRANGE failed: %s\n", r && r->str ? r->str : c->errstr);
            freeReplyObject(r);
            return -1;
        }
        size_t n = r->elements;
        for (size_t i = 0; i < n; i++) {
            redisReply *entry = r->element[i];
            redisReply *fields = entry->element[1];
            for (size_t f = 0; f + 1 < fields->elements; f += 2) {
                redisReply *v = fields->element[f + 1];
                if (put(o, v->str, v->len) != 0) {
                    freeReplyObject(r);
                    return -1;
                }
                *bytes += v->len;
            }
            records++;
            if (i + 1 == n)
                snprintf(start, sizeof start, "(%s", entry->element[0]->str);
        }
        freeReplyObject(r);
        if (n < BATCH)
            break;
    }
    if (flush_out(o) != 0)
        return -1;
    return records;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s SOCKET KEY [ROUNDS]\n", argv[0]);
        return 2;
    }
    int rounds = argc > 3 ? atoi(argv[3]) : 1;
    if (rounds < 1)
        rounds = 1;
    redisContext *c = redisConnectUnix(argv[1]);
    if (c == NULL || c->err) {
        fprintf(stderr, "cannot connect to %s: %s\n", argv[1], c ? c->errstr : "out of memory");
        return 1;
    }
    struct out *o = malloc(sizeof *o);
    if (o == NULL)
        return 1;
    o->len = 0;
    o->fd = open("/dev/null", O_WRONLY);
    if (o->fd < 0)
        return 1;
    size_t bytes = 0;
    long long records = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < rounds; i++) {
        records = read_stream(c, argv[2], o, &bytes);
        if (records < 0)
            return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("records=%lld bytes=%zu seconds=%.4f mb_per_s=%.2f\n", records, bytes / (size_t)rounds,
           secs, (double)bytes / secs / 1e6);
    close(o->fd);
    free(o);
    redisFree(c);
    return 0;
}
