/* log.h - one line per event on stderr: ts=... level=... role=... pid=... event=... key=value */
#ifndef WC_LOG_H
#define WC_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Prototypes */

/* Set the process's role name (wc-supervisor, wc-api, wc-worker) and minimum level ("debug",
 * "info", "warn", "error"). Call once per process, after fork too. */
void log_setup(const char *role, const char *level);

/* Log one event. fmt continues the line with more key=value pairs; values with spaces are quoted
 * by the caller (use log_quote style: msg="..."). The line is written with one write(2), so lines
 * from many processes do not interleave. */
void log_event(enum log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
