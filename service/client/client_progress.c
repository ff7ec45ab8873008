/* client_progress.c - the progress display of `wikicrawl submit --wait` */
#include "client_progress.h"

#include <math.h>
#include <string.h>

#include "clock.h"

#define BAR_WIDTH 30
/* The rate is averaged over roughly this many seconds, so the ETA neither jumps nor lags much. */
#define RATE_SMOOTHING_S 10.0

void client_progress_init(struct client_progress *p, FILE *out, int tty)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = tty;
    p->last_line = -1e9;
    p->sample_time = -1;
    p->rate = -1;
}

static void update_rate(struct client_progress *p, long long done)
{
    double now = clock_monotonic_s();
    if (p->sample_time < 0) {
        p->sample_time = now;
        p->sample_done = done;
        return;
    }
    double dt = now - p->sample_time;
    if (dt < 0.25)
        return;
    double instant = (double)(done - p->sample_done) / dt;
    if (p->rate < 0) {
        p->rate = instant;
    } else {
        double alpha = 1.0 - exp(-dt / RATE_SMOOTHING_S);
        p->rate += alpha * (instant - p->rate);
    }
    p->sample_time = now;
    p->sample_done = done;
}

static void format_eta(char *out, size_t size, const struct client_progress *p,
                       const struct client_progress_sample *s)
{
    long long left = s->titles - s->done;
    if (left <= 0) {
        snprintf(out, size, "0:00");
        return;
    }
    if (p->rate <= 0.01) {
        snprintf(out, size, "--:--");
        return;
    }
    double seconds = (double)left / p->rate;
    if (seconds > 99 * 3600.0) {
        snprintf(out, size, ">99h");
        return;
    }
    long t = (long)(seconds + 0.5);
    if (t >= 3600)
        snprintf(out, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, size, "%ld:%02ld", t / 60, t % 60);
}

void client_progress_show(struct client_progress *p, const struct client_progress_sample *s,
                          int force)
{
    update_rate(p, s->done);
    double fraction = s->titles > 0 ? (double)s->done / (double)s->titles : 1.0;
    if (fraction > 1.0)
        fraction = 1.0;
    char eta[32], rate[32];
    format_eta(eta, sizeof eta, p, s);
    if (p->rate < 0)
        snprintf(rate, sizeof rate, "-");
    else
        snprintf(rate, sizeof rate, "%.1f", p->rate);
    if (p->tty) {
        char bar[BAR_WIDTH + 1];
        int filled = (int)(fraction * BAR_WIDTH);
        for (int i = 0; i < BAR_WIDTH; i++)
            bar[i] = i < filled ? '#' : '.';
        bar[BAR_WIDTH] = '\0';
        /* \r returns to the start of the line, \033[K clears what a longer line left. */
        fprintf(p->out, "\r[%s] %lld/%lld titles %3d%%  %s pages/s  ETA %s  %s\033[K", bar, s->done,
                s->titles, (int)(fraction * 100), rate, eta, s->status);
        fflush(p->out);
        p->drawn = 1;
        return;
    }
    double now = clock_monotonic_s();
    int changed = strcmp(p->last_status, s->status) != 0;
    if (!force && !changed && now - p->last_line < CLIENT_PROGRESS_LINE_S)
        return;
    fprintf(p->out,
            "wikicrawl: job %s %s: %lld/%lld titles (%d%%), %lld pages, %s pages/s, ETA %s\n",
            s->job_id, s->status, s->done, s->titles, (int)(fraction * 100), s->pages, rate, eta);
    fflush(p->out);
    p->last_line = now;
    snprintf(p->last_status, sizeof p->last_status, "%s", s->status);
}

void client_progress_break(struct client_progress *p)
{
    if (p->drawn) {
        fputc('\n', p->out);
        fflush(p->out);
    }
    p->drawn = 0;
}
