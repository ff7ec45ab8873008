/* chunk.h - a batch of titles of one job, its compact wire form, and queue references to it */
#ifndef WC_CHUNK_H
#define WC_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "wc_error.h"

/* Wire form of a chunk body (stored in Redis): the magic "wc1:" then, per title, a netstring
 * "<decimal byte length>:<bytes>," with no separators. Lengths have no leading zeros (except "0"
 * itself, which decoding refuses since titles are never empty). Titles may hold any bytes; decoding
 * is strict and refuses anything else (trailing bytes, a missing ',', lengths past the end).
 *
 *   wc1:5:Hello,11:Hello world,
 *
 * A queue reference names a chunk: "<job id>/<decimal seq>", e.g. "3f2a...c1/17". */

#define CHUNK_DEFAULT_SIZE 50
#define CHUNK_MAX_SIZE 1000
/* A chunk is the unit a worker takes, and holds at most this many titles whatever chunk size a
 * job asks for (larger ones are cut at this size): a worker holding one is busy with it for a
 * second or so, not minutes, while other jobs wait. It is also a turn of the queue's deficit
 * round robin, in titles (docs/redis.md, Fair turns). */
#define CHUNK_TURN_TITLES 50

/* Accumulates titles for one chunk body. Owns its buffer. */
struct chunk_builder {
    struct wc_buf body;
    size_t n_titles;
};

/* A decoded chunk body. titles[i] points into storage and is NUL-terminated at titles[i][lens[i]].
 * Owned by the caller: chunk_free(). */
struct chunk {
    size_t n_titles;
    const char **titles;
    size_t *lens;
    char *storage;
};

/* Prototypes */

/* The titles per chunk a job is cut into when it asks for `asked` (1..CHUNK_MAX_SIZE): at most
 * CHUNK_TURN_TITLES. */
int chunk_titles_for(long asked);

void chunk_builder_init(struct chunk_builder *b);

/* Append one title. 0, WC_EINVAL for an empty title (never valid, and chunk_decode() refuses it)
 * or WC_ENOMEM; on failure the body is unchanged. */
int chunk_builder_add(struct chunk_builder *b, const char *title, size_t len);

/* The encoded body so far ("wc1:" plus the titles added). Valid until the next call. */
const char *chunk_builder_data(const struct chunk_builder *b, size_t *len);

/* Start a new chunk, keeping the memory. */
void chunk_builder_reset(struct chunk_builder *b);

void chunk_builder_free(struct chunk_builder *b);

/* Decode a body of at most CHUNK_MAX_SIZE titles. 0, WC_EPARSE (err says at which byte and why)
 * or WC_ENOMEM. */
int chunk_decode(const char *data, size_t len, struct chunk **out, struct wc_error *err);

void chunk_free(struct chunk *c);

/* Write "<job_id>/<seq>" into out (NUL-terminated); returns its length, or WC_ELIMIT when out_size
 * is too small. */
int chunk_ref_format(char *out, size_t out_size, const char *job_id, uint64_t seq);

/* Split a reference at its last '/'. job_id receives the id (NUL-terminated, at most
 * job_id_size - 1 bytes: longer is WC_EPARSE); seq the number. The id must be non-empty and hold no
 * NUL; seq must be plain decimal digits without leading zeros that fit in 64 bits. 0 or
 * WC_EPARSE. */
int chunk_ref_parse(const char *ref, size_t len, char *job_id, size_t job_id_size, uint64_t *seq);

#endif
