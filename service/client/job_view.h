/* job_view.h - a job's status as the client reads it from GET /v1/jobs/ID */
#ifndef WC_CLIENT_JOB_VIEW_H
#define WC_CLIENT_JOB_VIEW_H

#include "client_http.h"
#include "keys.h"
#include "session.h"

/* The fields of a status answer the client uses (counters absent from the answer are 0). */
struct job_view {
    char id[KEYS_JOB_ID_LEN + 1];
    char status[16];
    long long titles, chunks, chunks_done, pages, disambiguation, missing, invalid, failed;
    long long duplicates;
    /* The job's export (all "" for a job without one): its state and where it goes. */
    char export_state[16];
    char export_location[1400];
    char export_error[256];
};

/* Prototypes */

/* Read a status (or upload) answer's JSON body into v. Returns 0, or WC_EPARSE when the body has no
 * string id and status (it is not what the API sends). */
int job_view_parse(const struct client_reply *reply, struct job_view *v);

/* 1 when the job's export has ended (done or failed), or the job has none. */
int job_view_export_over(const struct job_view *v);

/* 1 when the job has ended (done or cancelled). */
int job_view_final(const struct job_view *v);

/* Titles with an outcome so far. */
long long job_view_accounted(const struct job_view *v);

/* GET the status of job id, holding it up to wait_s seconds (a long poll; 0: answer at once);
 * retried once the server has answered. reply (the caller's, freed with client_reply_free())
 * gets the answer; view, when not NULL, its parsed fields. Returns 0 or a WC_E* code after
 * saying why on stderr. */
int job_view_fetch(struct session *s, const char *command, const char *id, long wait_s,
                   struct client_reply *reply, struct job_view *view);

#endif
