/* exporter.h - the exporter process: follows exporting jobs and writes their parts to the sink */
#ifndef WC_EXPORTER_H
#define WC_EXPORTER_H

#include <signal.h>

#include "common/config.h"

/* Prototypes */

/* Follow every job in the exports set (keys.h) until *stop: write its results as parts of
 * cfg->export_part_size records (part k holds ordinals k*N+1 .. k*N+N of the results stream),
 * then, once the job is done, its errors, _manifest.json and _SUCCESS (docs/export.md). Progress
 * is kept in the job's export hash after each part is durable, so a restarted exporter goes on
 * from there, rewriting at most one part with the same bytes. A sink that fails is retried with
 * backoff (the job shows export.state "stalled"). Returns the exit status. */
int exporter_run(const struct wc_config *cfg, volatile sig_atomic_t *stop);

#endif
