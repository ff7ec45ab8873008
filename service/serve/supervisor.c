/* supervisor.c - the prefork process tree: front end, workers, restarts, signals */
#include "supervisor.h"
#include "clock.h"
#include "server/api.h"
#include "embedded_redis.h"
#include "common/jobs.h"
#include "common/log.h"
#include "common/rconn.h"
#include "common/stats.h"
#include "exporter/exporter.h"
#include "worker/worker.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define RESTART_BACKOFF_MIN_MS 100
#define RESTART_BACKOFF_MAX_MS 30000
/* A child that lived this long before dying starts its backoff afresh. */
#define HEALTHY_AFTER_MS 30000
#define STOP_TIMEOUT_MS 30000

enum child_role { ROLE_API, ROLE_WORKER, ROLE_EXPORTER };

struct child {
    enum child_role role;
    pid_t pid; /* 0: not running */
    long long started_ms;
    long long restart_at; /* when to start it again */
    int failures;         /* crashes in a row */
};

/* The one process-wide state of the supervisor, reachable from the signal handler. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void supervisor_name_process(const char *name, const char *log_level)
{
    prctl(PR_SET_NAME, name, 0, 0, 0);
    log_setup(name, log_level);
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static pid_t spawn(const struct wc_config *cfg, struct child *ch)
{
    pid_t pid = fork();
    if (pid < 0) {
        log_event(LOG_ERROR, "fork_failed", "msg=\"%s\"", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        stop_requested = 0;
        install_signals();
        int rc;
        if (ch->role == ROLE_API) {
            supervisor_name_process("wc-api", cfg->log_level);
            rc = api_run(cfg, &stop_requested) == 0 ? 0 : 1;
        } else if (ch->role == ROLE_EXPORTER) {
            supervisor_name_process("wc-exporter", cfg->log_level);
            rc = exporter_run(cfg, &stop_requested);
        } else {
            supervisor_name_process("wc-worker", cfg->log_level);
            rc = worker_run(cfg, &stop_requested);
        }
        _exit(rc);
    }
    ch->pid = pid;
    ch->started_ms = clock_monotonic_ms();
    return pid;
}

static void count_restart(redisContext **redis, const struct wc_config *cfg,
                          enum stats_counter counter)
{
    if (*redis == NULL || (*redis)->err) {
        if (*redis)
            redisFree(*redis);
        *redis = rconn_connect(cfg->redis, 5000, NULL);
    }
    if (*redis == NULL)
        return;
    char stats[KEYS_MAX];
    keys_queue(stats, sizeof stats, "stats");
    struct wc_error err = {0};
    stats_read_replies(*redis, stats_append_count(*redis, stats, counter), &err);
}

/* A worker died: its chunks go back to the queue now, not after the heartbeat timeout. */
static void requeue_worker(redisContext **redis, const struct wc_config *cfg, pid_t pid)
{
    if (*redis == NULL || (*redis)->err) {
        if (*redis)
            redisFree(*redis);
        *redis = rconn_connect(cfg->redis, 5000, NULL);
    }
    if (*redis == NULL)
        return; /* live workers' reapers will do it once the heartbeat is stale */
    char id[300];
    worker_id_for(id, sizeof id, (int)pid);
    struct wc_error err = {0};
    long long moved = jobs_reap(*redis, id, &err);
    if (moved > 0)
        log_event(LOG_WARN, "chunks_requeued", "worker=%s chunks=%lld", id, moved);
}

static void on_child_exit(struct child *ch, int status, redisContext **redis,
                          const struct wc_config *cfg)
{
    long long now = clock_monotonic_ms();
    pid_t pid = ch->pid;
    ch->pid = 0;
    const char *role = ch->role == ROLE_API        ? "api"
                       : ch->role == ROLE_EXPORTER ? "exporter"
                                                   : "worker";
    if (ch->role == ROLE_WORKER)
        requeue_worker(redis, cfg, pid);
    if (stop_requested)
        return;
    int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (clean && ch->role == ROLE_WORKER) { /* recycled */
        ch->failures = 0;
        ch->restart_at = now;
        log_event(LOG_INFO, "worker_recycled", "pid=%d", (int)pid);
        return;
    }
    if (now - ch->started_ms > HEALTHY_AFTER_MS)
        ch->failures = 0;
    ch->failures++;
    long backoff = RESTART_BACKOFF_MIN_MS;
    for (int i = 1; i < ch->failures && backoff < RESTART_BACKOFF_MAX_MS; i++)
        backoff *= 2;
    if (backoff > RESTART_BACKOFF_MAX_MS)
        backoff = RESTART_BACKOFF_MAX_MS;
    ch->restart_at = now + backoff;
    if (WIFSIGNALED(status))
        log_event(LOG_WARN, "child_died", "role=%s pid=%d signal=%d restart_in_ms=%ld", role,
                  (int)pid, WTERMSIG(status), backoff);
    else
        log_event(LOG_WARN, "child_died", "role=%s pid=%d status=%d restart_in_ms=%ld", role,
                  (int)pid, WEXITSTATUS(status), backoff);
    /* the restart counters are the front end's and the crawlers' (/metrics); an exporter's
     * restarts are in the log above */
    if (ch->role != ROLE_EXPORTER)
        count_restart(redis, cfg,
                      ch->role == ROLE_API ? STATS_API_RESTARTS : STATS_WORKER_RESTARTS);
}

static void stop_children(struct child *children, size_t n, redisContext **redis,
                          const struct wc_config *cfg)
{
    for (size_t i = 0; i < n; i++)
        if (children[i].pid > 0)
            kill(children[i].pid, SIGTERM);
    long long deadline = clock_monotonic_ms() + STOP_TIMEOUT_MS;
    for (;;) {
        size_t alive = 0;
        for (size_t i = 0; i < n; i++) {
            if (children[i].pid <= 0)
                continue;
            int status;
            if (waitpid(children[i].pid, &status, WNOHANG) == children[i].pid)
                on_child_exit(&children[i], status, redis, cfg);
            else
                alive++;
        }
        if (alive == 0)
            return;
        if (clock_monotonic_ms() >= deadline) {
            for (size_t i = 0; i < n; i++)
                if (children[i].pid > 0) {
                    log_event(LOG_WARN, "child_killed", "pid=%d msg=\"did not stop in time\"",
                              (int)children[i].pid);
                    kill(children[i].pid, SIGKILL);
                }
            deadline = clock_monotonic_ms() + 5000;
        }
        usleep(50000);
    }
}

int supervisor_run(const struct wc_config *config, int with_api, int with_workers)
{
    struct wc_config cfg = *config;
    supervisor_name_process("wc-supervisor", cfg.log_level);
    install_signals();
    int rc = 1;
    pid_t redis_pid = 0;
    redisContext *redis = NULL;
    /* serve runs an exporter when a sink is configured; `wikicrawl worker` never does */
    int with_exporter = with_api && (cfg.export_dir[0] != '\0' || cfg.s3_bucket[0] != '\0');
    size_t n =
        (with_api ? 1 : 0) + (with_workers ? (size_t)cfg.workers : 0) + (with_exporter ? 1 : 0);
    struct child *children = calloc(n ? n : 1, sizeof *children);
    if (children == NULL)
        return 1;

    if (cfg.redis[0] == '\0') {
        struct wc_error err = {0};
        long long maxmemory =
            cfg.redis_max_memory > 0 ? cfg.redis_max_memory : embedded_redis_default_maxmemory();
        log_event(LOG_INFO, "embedded_redis", "maxmemory_bytes=%lld", maxmemory);
        int started = embedded_redis_start(cfg.data_dir, maxmemory, cfg.redis, sizeof cfg.redis,
                                           &redis_pid, &stop_requested, &err);
        if (started == WC_ESTOP) {
            rc = 0; /* asked to stop while Redis was loading: nothing else was started */
            goto out;
        }
        if (started != 0) {
            log_event(LOG_ERROR, "embedded_redis_failed", "msg=\"%s\"", err.message);
            goto out;
        }
        log_event(LOG_INFO, "embedded_redis", "socket=%s pid=%d", cfg.redis, (int)redis_pid);
    }
    size_t k = 0;
    if (with_api)
        children[k++].role = ROLE_API;
    if (with_exporter)
        children[k++].role = ROLE_EXPORTER;
    for (; k < n; k++)
        children[k].role = ROLE_WORKER;
    char redis_shown[sizeof cfg.redis];
    log_event(LOG_INFO, "starting", "api=%d workers=%d exporter=%d redis=%s", with_api,
              with_workers ? cfg.workers : 0, with_exporter,
              rconn_redact(cfg.redis, redis_shown, sizeof redis_shown));

    while (!stop_requested) {
        long long now = clock_monotonic_ms();
        for (size_t i = 0; i < n; i++)
            if (children[i].pid == 0 && now >= children[i].restart_at)
                spawn(&cfg, &children[i]);
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            if (pid == redis_pid) {
                log_event(LOG_ERROR, "embedded_redis_died", "msg=\"stopping\"");
                redis_pid = 0;
                stop_requested = 1;
                break;
            }
            for (size_t i = 0; i < n; i++)
                if (children[i].pid == pid)
                    on_child_exit(&children[i], status, &redis, &cfg);
        }
        usleep(50000);
    }
    log_event(LOG_INFO, "stopping", "msg=\"signal received\"");
    stop_children(children, n, &redis, &cfg);
    rc = 0;
out:
    if (redis)
        redisFree(redis);
    if (redis_pid > 0)
        embedded_redis_stop(redis_pid, 10000);
    free(children);
    log_event(LOG_INFO, "stopped", "status=%d", rc);
    return rc;
}
