/* record_batch.h - the (title, outcome, payload) arguments of the record script, built in one place
 */
#ifndef WC_RECORD_BATCH_H
#define WC_RECORD_BATCH_H

#include <stddef.h>

#include <hiredis.h>

#include "buf.h"
#include "gzip_member.h"
#include "common/jobs.h"
#include "wc_error.h"

/* The outcomes of several titles of one job, waiting to be written by JOBS_SCRIPT_RECORD
 * (service/common/scripts/jobs_record.lua) in one call. The workers (records and errors) and the
 * front end (invalid entries of an upload) both build their calls with record_batch_add(), so the
 * script's argument layout is written here only. The batch owns copies of what is added.
 *
 * Payloads are stored as they will be kept in Redis: the line (record or error line) and its
 * newline as one gzip member (lib/gzip_member.h), so that the results and errors streams hold
 * compressed lines that the front end can send as they are. The compressor is the caller's (a
 * worker keeps one for its life): setting one up costs more than compressing a record. */
struct record_batch {
    struct wc_buf text; /* the arguments, back to back */
    size_t *ends;       /* where each argument ends in text */
    size_t n_args, cap_args;
    /* the same arguments laid out for a script call (record_batch_argv()), kept from one flush
     * to the next so that a flush allocates nothing */
    const char **argv;
    size_t *lens;
};

#define RECORD_BATCH_INIT                                                                          \
    {                                                                                              \
        WC_BUF_INIT, NULL, 0, 0, NULL, NULL                                                        \
    }

/* Prototypes */

/* Add one title's outcome: title (the exactly-once guard: the title as submitted, or an invalid
 * entry's JOBS_INVALID_GUARD_FORMAT), outcome (wc_outcome_name()), payload (the record, or the
 * error line of lib/error_line.h, without its newline: it is compressed here with gz, which the
 * caller keeps). 0 or WC_ENOMEM (the batch is then unchanged). */
int record_batch_add(struct record_batch *b, struct gzip_writer *gz, const char *title,
                     size_t title_len, const char *outcome, size_t outcome_len, const char *payload,
                     size_t payload_len);

/* The same with a payload already compressed as stored (a line read back from a stream, as the
 * cache answers): it is copied as it is. */
int record_batch_add_member(struct record_batch *b, const char *title, size_t title_len,
                            const char *outcome, size_t outcome_len, const char *member,
                            size_t member_len);

/* Titles in the batch. */
size_t record_batch_count(const struct record_batch *b);

/* The arguments as argv/lens arrays for a script call (3 per title), owned by the batch and
 * pointing into it: valid until the batch changes. Nothing to free, nothing that can fail. */
void record_batch_argv(struct record_batch *b, const char ***args, const size_t **lens);

/* The record script's answers other than a count of titles written. */
#define RECORD_JOB_GONE (-1)
#define RECORD_JOB_OVER (-2) /* cancelled or done: nothing more is recorded */

/* Run JOBS_SCRIPT_RECORD on the batch for job keys k; *answer receives the script's answer (titles
 * written, RECORD_JOB_GONE or RECORD_JOB_OVER). When ordinals is not NULL (room for
 * record_batch_count() entries) it receives where each title's line went: n > 0 the results
 * stream's entry 0-n, n < 0 the errors stream's entry 0-(-n), 0 not written (recorded before);
 * all 0 unless titles were written. Returns 0, or WC_EREMOTE / WC_ENOMEM with err filled (an error
 * reply from Redis included: it is never taken for an answer). */
int record_batch_write(redisContext *c, const struct job_keys *k, struct record_batch *b,
                       long long *answer, long long *ordinals, struct wc_error *err);

/* The same call appended to c's pipeline (the caller reads its reply). 0 or WC_ENOMEM. */
int record_batch_append(redisContext *c, const struct job_keys *k, struct record_batch *b);

/* Empty the batch, keeping its memory for the next one. */
void record_batch_reset(struct record_batch *b);

void record_batch_free(struct record_batch *b);

#endif
