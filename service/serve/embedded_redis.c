/* embedded_redis.c - a private redis-server for `serve` when no Redis is configured */
#include "embedded_redis.h"
#include "common/log.h"
#include "common/rconn.h"
#include "clock.h"

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

/* A Redis that neither answers nor says it is loading for this long is given up. */
#define SILENCE_LIMIT_MS 10000
/* How often a loading Redis's progress is logged. */
#define LOADING_REPORT_MS 2000

/* The first number in the file at path after the text key ("" for the file's first number); -1
 * when the file is missing or says something else ("max" in memory.max: no limit). */
static long long number_in_file(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[256];
    long long n = -1;
    while (n < 0 && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, strlen(key)) != 0)
            continue;
        char *end;
        long long v = strtoll(line + strlen(key), &end, 10);
        if (end != line + strlen(key) && v > 0)
            n = v;
        break;
    }
    fclose(f);
    return n;
}

long long embedded_redis_default_maxmemory(void)
{
    long long kib = number_in_file("/proc/meminfo", "MemTotal:");
    long long total = kib > 0 ? kib * 1024 : -1;
    long long cgroup = number_in_file("/sys/fs/cgroup/memory.max", "");
    if (cgroup > 0 && (total < 0 || cgroup < total))
        total = cgroup;
    return total > 0 ? total / 100 * EMBEDDED_REDIS_MEMORY_SHARE_PERCENT : 0;
}

static int mkdir_p(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return WC_EIO;
        *p = '/';
    }
    return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

/* How a starting redis-server answered. */
enum redis_probe { REDIS_SILENT, REDIS_LOADING, REDIS_READY };

/* Copy the value of "field:" from an INFO reply into out ("?" when absent). */
static void info_field(const char *info, const char *field, char *out, size_t size)
{
    char key[64];
    snprintf(key, sizeof key, "\n%s:", field);
    const char *value = strstr(info, key);
    if (value == NULL) {
        snprintf(out, size, "?");
        return;
    }
    value += strlen(key);
    snprintf(out, size, "%.*s", (int)strcspn(value, "\r\n"), value);
}

/* PING; while Redis replays its AOF it answers -LOADING, and then progress is copied from INFO
 * persistence into loaded_perc and loaded_bytes. */
static enum redis_probe probe(const char *socket_path, char *loaded_perc, char *loaded_bytes,
                              size_t size)
{
    enum redis_probe state = REDIS_SILENT;
    redisContext *c = rconn_connect(socket_path, 1000, NULL);
    if (c == NULL)
        return REDIS_SILENT;
    redisReply *r = redisCommand(c, "PING");
    if (r && r->type == REDIS_REPLY_STATUS)
        state = REDIS_READY;
    else if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "LOADING", 7) == 0)
        state = REDIS_LOADING;
    freeReplyObject(r);
    if (state == REDIS_LOADING) {
        r = redisCommand(c, "INFO persistence");
        const char *info = r && r->type == REDIS_REPLY_STRING ? r->str : "";
        info_field(info, "loading_loaded_perc", loaded_perc, size);
        info_field(info, "loading_loaded_bytes", loaded_bytes, size);
        freeReplyObject(r);
    }
    redisFree(c);
    return state;
}

static int answers_ping(const char *socket_path)
{
    char perc[32], bytes[32];
    return probe(socket_path, perc, bytes, sizeof perc) != REDIS_SILENT;
}

int embedded_redis_start(const char *data_dir, long long maxmemory, char *socket_path, size_t size,
                         pid_t *pid, const volatile sig_atomic_t *stop, struct wc_error *err)
{
    char maxmemory_arg[32];
    snprintf(maxmemory_arg, sizeof maxmemory_arg, "%lld", maxmemory > 0 ? maxmemory : 0);
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
        /* stream-node-max-bytes: see docs/redis.md, "Memory of the results streams". */
        execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", socket_path,
               "--unixsocketperm", "700", "--dir", dir, "--appendonly", "yes", "--appendfsync",
               "everysec", "--save", "", "--stream-node-max-bytes", "65536", "--daemonize", "no",
               "--logfile", logfile, "--protected-mode", "no", "--maxmemory", maxmemory_arg,
               "--maxmemory-policy", "noeviction", (char *)NULL);
        fprintf(stderr, "wikicrawl: cannot run redis-server: %s (install redis-server)\n",
                strerror(errno));
        _exit(127);
    }
    /* No deadline while Redis answers LOADING: replaying a large AOF takes minutes, and killing
     * it would only start the replay over. A Redis that neither answers nor loads for
     * SILENCE_LIMIT_MS is given up. */
    long long last_answer = clock_monotonic_ms(), last_report = last_answer;
    while (stop == NULL || !*stop) {
        int status;
        if (waitpid(child, &status, WNOHANG) == child)
            return wc_error_set(err, WC_EIO, "redis-server exited at start; see %s", logfile);
        char perc[32], bytes[32];
        enum redis_probe state = probe(socket_path, perc, bytes, sizeof perc);
        long long now = clock_monotonic_ms();
        if (state == REDIS_READY) {
            *pid = child;
            return 0;
        }
        if (state == REDIS_LOADING) {
            last_answer = now;
            if (now - last_report >= LOADING_REPORT_MS) {
                log_event(LOG_INFO, "redis_loading", "loaded_perc=%s loaded_bytes=%s redis_pid=%d",
                          perc, bytes, (int)child);
                last_report = now;
            }
        } else if (now - last_answer >= SILENCE_LIMIT_MS) {
            kill(child, SIGKILL);
            waitpid(child, NULL, 0);
            return wc_error_set(err, WC_EIO,
                                "redis-server neither answered nor loaded for %d s; see %s",
                                SILENCE_LIMIT_MS / 1000, logfile);
        }
        usleep(50000);
    }
    embedded_redis_stop(child, 10000);
    return wc_error_set(err, WC_ESTOP, "stopped while redis-server was starting");
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
