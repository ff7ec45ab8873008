/* lease_table.h - the leases one worker holds on the fleet's request budget: pure bookkeeping */
#ifndef WC_LEASE_TABLE_H
#define WC_LEASE_TABLE_H

/* The limiter (limiter.h) asks Redis for leases; this table remembers which ones this worker
 * holds and what each is doing, with no Redis and no clock of its own (times are passed in), so
 * the rules can be tested alone:
 *   - a granted lease is busy: it carries one request;
 *   - when the request ends it turns idle (lease_table_release);
 *   - an idle lease younger than reuse_ms may carry the next request (lease_table_pick), an older
 *     one must go back to Redis;
 *   - leases given back are forgotten (unused): their entry is free for the next new lease.
 * A lease's handle is its index: it never moves while the lease is held. */

#define LEASE_ID_MAX 320

enum lease_state { LEASE_UNUSED, LEASE_BUSY, LEASE_IDLE };

struct lease {
    enum lease_state state;
    long long granted_ms; /* the caller's monotonic clock, read before asking for it */
    char id[LEASE_ID_MAX];
};

/* Zero it to start; lease_table_free() at the end. */
struct lease_table {
    struct lease *leases;
    int n_leases;
};

/* Prototypes */

/* Make sure n entries are unused (growing the table). 0 or WC_ENOMEM (the table is unchanged). */
int lease_table_reserve(struct lease_table *t, int n);

/* Sort the idle leases at now: the first of them younger than reuse_ms, up to want, go to
 * reuse[] (their handles), the rest to release[] (room for every lease held). Nothing changes
 * state. Returns how many are in reuse[]; *n_release says how many in release[]. */
int lease_table_pick(const struct lease_table *t, long long now, long reuse_ms, int want,
                     int *reuse, int *release, int *n_release);

/* Write the handles of the first n unused entries into handles[] (lease_table_reserve() made
 * sure there are n). Nothing changes state: the caller names them and grants them. */
void lease_table_find_unused(const struct lease_table *t, int n, int *handles);

/* The lease at handle was granted at now (new) and carries a request. */
void lease_table_grant(struct lease_table *t, int handle, long long now);

/* The idle lease at handle carries a request again (its grant time stays). */
void lease_table_reuse(struct lease_table *t, int handle);

/* The request on the lease at handle ended: a busy lease turns idle. Any other handle (an unused
 * entry, out of range, -1 for "no lease") is ignored. */
void lease_table_release(struct lease_table *t, int handle);

/* The lease at handle went back to Redis: its entry is unused. */
void lease_table_forget(struct lease_table *t, int handle);

/* Forget every idle lease (and the busy ones too with with_busy), writing their ids into ids[]
 * (room for every lease held; the pointers stay valid until the entry is reused). Returns how
 * many. */
int lease_table_drop(struct lease_table *t, int with_busy, const char **ids);

/* Leases held, busy or idle. */
int lease_table_held(const struct lease_table *t);

void lease_table_free(struct lease_table *t);

#endif
