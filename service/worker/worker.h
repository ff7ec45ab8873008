/* worker.h - one worker process: claim chunks from Redis, crawl them, write the outcomes */
#ifndef WC_WORKER_H
#define WC_WORKER_H

#include <signal.h>
#include <stddef.h>

#include "common/config.h"

/* A worker's id in the fleet: "<hostname>:<pid>". Its processing list and heartbeat use it, and the
 * supervisor derives it from a dead child's pid to hand that child's chunks back at once. */
void worker_id_for(char *out, size_t size, int pid);

/* Run until *stop is set (then finish the chunk in hand within a grace period or hand it back) or
 * until cfg->recycle_after chunks are done. Returns the process exit status: 0 after a stop or a
 * recycle, 1 when the worker could not start. */
int worker_run(const struct wc_config *cfg, volatile sig_atomic_t *stop);

#endif
