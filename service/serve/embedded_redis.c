/* embedded_redis.c - a private redis-server for `serve` when no Redis is configured */
#include "embedded_redis.h"
#include "common/rconn.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

static int answers_ping(const char *socket_path)
{
    redisContext *c = rconn_connect(socket_path, 1000, NULL);
    if (c == NULL)
        return 0;
    redisReply *r = redisCommand(c, "PING");
    int ok = r && r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    redisFree(c);
    return ok;
}

int embedded_redis_start(const char *data_dir, char *socket_path, size_t size, pid_t *pid,
                         struct wc_error *err)
{
    char dir[PATH_MAX];
    if (mkdir_p(data_dir) != 0 || realpath(data_dir, dir) == NULL)
        return wc_error_set(err, WC_EIO, "cannot create data dir %s: %s", data_dir,
                            strerror(errno));
    struct sockaddr_un sun;
    int n = snprintf(socket_path, size, "%s/redis.sock", dir);
    if (n < 0 || (size_t)n >= size || (size_t)n >= sizeof sun.sun_path)
        return wc_error_set(err, WC_ELIMIT,
                            "data dir path too long for a unix socket (%s); choose a shorter "
                            "--data-dir",
                            dir);
    if (answers_ping(socket_path))
        return wc_error_set(err, WC_EINVAL,
                            "a Redis already serves %s: is another wikicrawl using --data-dir %s?",
                            socket_path, dir);
    unlink(socket_path); /* stale, from a process that was killed */

    char logfile[PATH_MAX + 16];
    snprintf(logfile, sizeof logfile, "%s/redis.log", dir);
    pid_t child = fork();
    if (child < 0)
        return wc_error_set(err, WC_EIO, "fork: %s", strerror(errno));
    if (child == 0) {
        /* Die with the supervisor rather than outlive it. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", socket_path,
               "--unixsocketperm", "700", "--dir", dir, "--appendonly", "yes", "--appendfsync",
               "everysec", "--save", "", "--daemonize", "no", "--logfile", logfile,
               "--protected-mode", "no", (char *)NULL);
        fprintf(stderr, "wikicrawl: cannot run redis-server: %s (install redis-server)\n",
                strerror(errno));
        _exit(127);
    }
    for (int i = 0; i < 200; i++) { /* 10 s: loading a large AOF takes a while */
        int status;
        if (waitpid(child, &status, WNOHANG) == child)
            return wc_error_set(err, WC_EIO, "redis-server exited at start; see %s", logfile);
        if (answers_ping(socket_path)) {
            *pid = child;
            return 0;
        }
        usleep(50000);
    }
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    return wc_error_set(err, WC_EIO, "redis-server did not answer within 10 s; see %s", logfile);
}

void embedded_redis_stop(pid_t pid, int timeout_ms)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int waited = 0; waited < timeout_ms; waited += 50) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        usleep(50000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}
