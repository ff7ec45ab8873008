/* job_options.h - a job's labels and priority: what a client may send, and their stored form */
#ifndef WC_JOB_OPTIONS_H
#define WC_JOB_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "wc_error.h"

/* A job carries at most JOB_LABELS_MAX labels of 1..JOB_LABEL_MAX_BYTES bytes each: well-formed
 * UTF-8 without control characters (below U+0020, U+007F..U+009F). A label sent twice is kept
 * once; the order of first appearance is kept. */
#define JOB_LABELS_MAX 10
#define JOB_LABEL_MAX_BYTES 64
/* The longest stored form (job_labels_json()): every byte escaped as \" or \\, quotes, commas,
 * brackets. */
#define JOB_LABELS_JSON_MAX (JOB_LABELS_MAX * (2 * JOB_LABEL_MAX_BYTES + 3) + 2)

struct job_labels {
    size_t n;
    char label[JOB_LABELS_MAX][JOB_LABEL_MAX_BYTES + 1]; /* NUL-terminated */
};

/* The priorities, highest first; a job that names none is "normal". */
#define JOB_PRIORITY_HIGH "high"
#define JOB_PRIORITY_NORMAL "normal"
#define JOB_PRIORITY_LOW "low"

/* Prototypes */

/* Add one label s[0..len). 0, or WC_EINVAL with err saying what is wrong (too long, empty, bad
 * UTF-8, a control character, one label too many). */
int job_labels_add(struct job_labels *l, const char *s, size_t len, struct wc_error *err);

/* Replace l with the labels of json[0..len), which must be a JSON array of strings (the raw value
 * of a body's "labels" member). 0, or WC_EINVAL with err filled (l is then unchanged). */
int job_labels_parse_json(struct job_labels *l, const char *json, size_t len, struct wc_error *err);

/* Append the labels as a compact JSON array (the form stored in the job hash and shown in the
 * status), at most JOB_LABELS_JSON_MAX bytes. 0 or WC_ENOMEM. */
int job_labels_json(const struct job_labels *l, struct wc_buf *out);

/* True when the stored form json (job_labels_json()'s output) holds label. */
bool job_labels_json_has(const char *json, const char *label);

/* The static string for a priority name of len bytes ("high", "normal", "low"), or NULL for
 * anything else. */
const char *job_priority_parse(const char *s, size_t len);

#endif
