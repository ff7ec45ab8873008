/* fuzz_http.c - the front end's request path in-process: request line, headers, chunked and
 * plain bodies, routing, uploads into a real redis-server the target starts for itself.
 *
 * Each input is written to one end of a socketpair whose other end is handed to the libmicrohttpd
 * daemon (the same code as `wikicrawl api`, without a listening socket); the target reads the
 * answer until the server closes. Whatever the bytes, the server must not crash, leak or trip a
 * sanitizer, and whatever it answers must be an HTTP/1.x status line. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hiredis.h>

#include "server/api.h"
#include "common/config.h"
#include "common/log.h"

static struct wc_config cfg;
static struct api_server *server;
static pid_t redis_pid;
static char redis_dir[] = "/tmp/wc-fuzz-http-XXXXXX";
static unsigned long iterations;

static void stop_all(void)
{
    api_stop(server);
    if (redis_pid > 0) {
        kill(redis_pid, SIGTERM);
        waitpid(redis_pid, NULL, 0);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", redis_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_http: could not remove %s\n", redis_dir);
}

static int redis_ping(void)
{
    redisContext *c = redisConnectUnix(cfg.redis);
    int ok = c && !c->err;
    if (ok) {
        redisReply *r = redisCommand(c, "PING");
        ok = r != NULL;
        freeReplyObject(r);
    }
    if (c)
        redisFree(c);
    return ok;
}

static void redis_flush(void)
{
    redisContext *c = redisConnectUnix(cfg.redis);
    if (c && !c->err)
        freeReplyObject(redisCommand(c, "FLUSHALL"));
    if (c)
        redisFree(c);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    signal(SIGPIPE, SIG_IGN);
    if (mkdtemp(redis_dir) == NULL)
        abort();
    char *args[] = {"api", NULL};
    if (config_load(&cfg, CONFIG_API, 1, args) != 0)
        abort();
    snprintf(cfg.redis, sizeof cfg.redis, "%s/redis.sock", redis_dir);
    cfg.max_titles = 2000;
    cfg.max_body_bytes = 1 << 20;
    cfg.connection_timeout = 1; /* an input that stops mid-request costs a second, not thirty */
    log_setup("wc-api", "error");
    redis_pid = fork();
    if (redis_pid == 0) {
        execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", cfg.redis, "--save",
               "", "--appendonly", "no", "--dir", redis_dir, "--logfile", "/dev/null",
               (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && !redis_ping(); i++)
        usleep(50000);
    if (!redis_ping()) {
        fprintf(stderr, "fuzz_http: redis-server did not start\n");
        abort();
    }
    server = api_start(&cfg, 0);
    if (server == NULL)
        abort();
    atexit(stop_all);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    if (api_add_connection(server, sv[0]) != 0) {
        close(sv[1]);
        return 0;
    }
    /* Write the request while reading whatever comes back, so neither side can block. */
    char answer[16];
    size_t answered = 0, written = 0;
    int write_open = 1;
    for (;;) {
        struct pollfd p = {sv[1], POLLIN | (write_open ? POLLOUT : 0), 0};
        if (poll(&p, 1, 5000) <= 0)
            break; /* the server holds the connection: give up on this input */
        if (write_open && (p.revents & POLLOUT)) {
            ssize_t n = written < size ? send(sv[1], data + written, size - written, 0) : 0;
            if (n > 0)
                written += (size_t)n;
            if (n < 0 || written == size) {
                shutdown(sv[1], SHUT_WR);
                write_open = 0;
            }
        }
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[4096];
            ssize_t n = recv(sv[1], buf, sizeof buf, 0);
            if (n <= 0)
                break;
            if (answered < sizeof answer) {
                size_t take =
                    (size_t)n < sizeof answer - answered ? (size_t)n : sizeof answer - answered;
                memcpy(answer + answered, buf, take);
                answered += take;
            }
        }
    }
    close(sv[1]);
    if (answered >= 7 && memcmp(answer, "HTTP/1.", 7) != 0) {
        fprintf(stderr, "fuzz_http: the answer is not HTTP: %.*s\n", (int)answered, answer);
        abort();
    }
    if (++iterations % 1000 == 0)
        redis_flush(); /* accepted jobs pile up otherwise */
    return 0;
}
