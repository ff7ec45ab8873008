/* supervisor.h - the prefork process tree: front end, workers, restarts, signals */
#ifndef WC_SUPERVISOR_H
#define WC_SUPERVISOR_H

#include "common/config.h"

/* Run the tree: an embedded redis-server when cfg->redis is empty, one wc-api child when with_api,
 * cfg->workers wc-worker children when with_workers. Children that die are restarted (at once
 * after a recycle, with doubling backoff up to 30 s after crashes); a dead worker's chunks go back
 * to the queue at once. SIGTERM or SIGINT stop the tree: children get SIGTERM, workers finish or
 * hand back their chunk, the embedded Redis flushes and stops. Returns the exit status (0 after a
 * clean stop). */
int supervisor_run(const struct wc_config *cfg, int with_api, int with_workers);

/* Name this process for ps and top (prctl PR_SET_NAME), and set up its logging role. */
void supervisor_name_process(const char *name, const char *log_level);

#endif
