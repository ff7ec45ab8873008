/* client_progress.h - the progress display of `wikicrawl submit --wait` */
#ifndef WC_CLIENT_PROGRESS_H
#define WC_CLIENT_PROGRESS_H

#include <stdio.h>

/* On a terminal one line is redrawn in place (bar, titles done, pages/s, ETA); anywhere else a
 * plain line is printed every CLIENT_PROGRESS_LINE_S seconds and when the status changes, so that
 * logs stay readable. */
#define CLIENT_PROGRESS_LINE_S 5.0

struct client_progress {
    FILE *out;
    int tty;
    int drawn;            /* a tty line is on screen without its newline */
    double last_line;     /* when the last plain line was printed (monotonic s) */
    char last_status[16]; /* status shown last: a change prints a plain line at once */
    double sample_time;   /* the previous sample, for the rate */
    long long sample_done;
    double rate; /* titles done per second, smoothed; < 0 until two samples */
};

/* What a progress line shows. done counts every title with an outcome. */
struct client_progress_sample {
    const char *job_id;
    const char *status;
    long long done, titles, pages;
};

/* Prototypes */

/* Start a display on out (stderr); tty decides between redrawing and plain lines. */
void client_progress_init(struct client_progress *p, FILE *out, int tty);

/* Show a new sample (redraw on a tty; a plain line when one is due or force is set). */
void client_progress_show(struct client_progress *p, const struct client_progress_sample *s,
                          int force);

/* End the line being redrawn, so that other messages start on a line of their own. */
void client_progress_break(struct client_progress *p);

#endif
