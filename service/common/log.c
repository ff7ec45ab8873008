/* log.c - one line per event on stderr */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Process-wide by nature: one role and one level per process. */
static struct {
    char role[32];
    enum log_level min;
} log_state = {"wikicrawl", LOG_INFO};

void log_setup(const char *role, const char *level)
{
    snprintf(log_state.role, sizeof log_state.role, "%s", role);
    if (level == NULL || strcmp(level, "info") == 0)
        log_state.min = LOG_INFO;
    else if (strcmp(level, "debug") == 0)
        log_state.min = LOG_DEBUG;
    else if (strcmp(level, "warn") == 0)
        log_state.min = LOG_WARN;
    else
        log_state.min = LOG_ERROR;
}

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    if (level < log_state.min)
        return;
    char line[2048];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    int n = snprintf(line, sizeof line,
                     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s role=%s pid=%d event=%s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (long)(tv.tv_usec / 1000), names[level], log_state.role, (int)getpid(), event);
    if (n < 0 || (size_t)n >= sizeof line)
        return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len =
        m < 0 ? (size_t)n
              : (size_t)n + ((size_t)m < sizeof line - (size_t)n - 1 ? (size_t)m
                                                                     : sizeof line - (size_t)n - 2);
    line[len++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}
