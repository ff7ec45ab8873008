/* mhd_log.c - libmicrohttpd's own messages as log lines, at most one a second */
#include "server.h"
#include "clock.h"
#include "common/log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define MHD_LOG_EVERY_MS 1000

void mhd_log_init(struct mhd_log *ml)
{
    memset(ml, 0, sizeof *ml);
    ml->last_ms = -MHD_LOG_EVERY_MS;
    pthread_mutex_init(&ml->lock, NULL);
}

void mhd_log_destroy(struct mhd_log *ml)
{
    pthread_mutex_destroy(&ml->lock);
}

void mhd_log_message(void *cls, const char *fmt, va_list ap)
{
    struct mhd_log *ml = cls;
    long long now = clock_monotonic_ms();
    /* A client can make libmicrohttpd say something about each of its connections ("closed by
     * remote side with incomplete request" for every header deadline): one line a second, with
     * how many were left out, keeps the log from becoming the attack. */
    pthread_mutex_lock(&ml->lock);
    int quiet = now - ml->last_ms < MHD_LOG_EVERY_MS;
    long long left_out = ml->left_out;
    if (quiet) {
        ml->left_out++;
    } else {
        ml->last_ms = now;
        ml->left_out = 0;
    }
    pthread_mutex_unlock(&ml->lock);
    if (quiet)
        return;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    /* One line, and a value the log's msg="..." quoting can hold. */
    for (char *p = msg; *p; p++)
        if (*p == '"' || *p == '\n' || *p == '\r')
            *p = *p == '"' ? '\'' : ' ';
    size_t len = strlen(msg);
    while (len > 0 && msg[len - 1] == ' ')
        msg[--len] = '\0';
    log_event(LOG_WARN, "http_server", "msg=\"%s\" left_out=%lld", msg, left_out);
}
