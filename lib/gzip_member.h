/* gzip_member.h - records as gzip members (RFC 1952): written one at a time, read back as a stream
 */
#ifndef WC_GZIP_MEMBER_H
#define WC_GZIP_MEMBER_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "wc_error.h"

/* Each record is stored as one complete gzip member. RFC 1952 makes members written back to back
 * one valid gzip stream, so a run of stored records is sent to a client that accepts gzip as it
 * is, and inflated for one that does not. */

/* The level of a writer made with gzip_writer_new() for occasional lines (the front end's): ISA-L's
 * level 1, which builds Huffman codes for each member (records of wiki text become 3-5x smaller).
 * A worker writes every record with a learning writer (gzip_writer_new_learning()) instead. */
#define GZIP_MEMBER_LEVEL 1
#define GZIP_MEMBER_LEVEL_MAX 3

/* A learning writer's schedule (gzip_writer_new_learning()): it samples each of its first
 * GZIP_LEARN_FIRST members, then one in GZIP_LEARN_EVERY, and builds its codes again every
 * GZIP_LEARN_FIRST samples. Sampling a member costs about as much as compressing it at level 1,
 * hence one in 16; at most GZIP_LEARN_SAMPLE_MAX bytes of a member are sampled. Members of fewer
 * than GZIP_LEARN_MIN_BYTES are neither sampled nor written with learned codes: such codes name a
 * length for every symbol in each member's header, which on a short line (an error line, a stub
 * article) outweighs what they save; level 1 writes those, and is quick on them anyway. */
#define GZIP_LEARN_FIRST 16
#define GZIP_LEARN_EVERY 16
#define GZIP_LEARN_SAMPLE_MAX (64 * 1024)
#define GZIP_LEARN_MIN_BYTES (8 * 1024)

/* A compressor (ISA-L) kept between members: setting one up costs more than a small record's
 * compression, so its owner keeps one per process (or per thread) and passes it in. Not shared
 * between threads. */
struct gzip_writer;

/* A stream of one or more members inflated as its bytes arrive. */
struct gzip_reader;

/* Prototypes */

/* A writer at level (0 to GZIP_MEMBER_LEVEL_MAX, ISA-L's scale); NULL when out of memory or a bad
 * level. Free with gzip_writer_free(). */
struct gzip_writer *gzip_writer_new(int level);

/* A writer for a stream of similar records: ISA-L's level 0, with Huffman codes learned from a
 * sample of the members it writes (those of GZIP_LEARN_MIN_BYTES or more), instead of codes built
 * for every member (level 1's way, which spends about a third of its time there) or ISA-L's generic
 * ones (members a fifth larger on wiki records). It writes its first GZIP_LEARN_FIRST - 1 such
 * members at level 1, and the next with the codes it learned from them. Every symbol keeps a code,
 * so any input compresses; old samples weigh less as new ones come (the counts halve at each
 * rebuild), so a writer follows a change of wiki or language. NULL when out of memory. Free with
 * gzip_writer_free(). */
struct gzip_writer *gzip_writer_new_learning(void);

/* Append to out one complete member holding data[0..len) then tail[0..tail_len) (tail may be
 * NULL when tail_len is 0: a record and its newline). 0, WC_ENOMEM (out then holds what it held
 * before) or WC_EINVAL (too large, or the compressor refused: not expected). */
int gzip_writer_member(struct gzip_writer *w, struct wc_buf *out, const char *data, size_t len,
                       const char *tail, size_t tail_len, struct wc_error *err);

void gzip_writer_free(struct gzip_writer *w);

/* Whether data starts like a gzip member (its two magic bytes). A JSON text never does. */
bool gzip_is_member(const char *data, size_t len);

/* A reader; NULL when out of memory. Free with gzip_reader_free(). */
struct gzip_reader *gzip_reader_new(void);

/* Inflate what fits of in[0..in_len) into out[0..out_cap): *used receives the input bytes taken,
 * *produced the bytes written. A member's end followed by more input starts the next member.
 * Call again with the rest of the input, or with more room, until both are used. 0, or
 * WC_EPARSE (not gzip, corrupt, a bad checksum: the reader is then unusable) or WC_ENOMEM. */
int gzip_reader_run(struct gzip_reader *r, const void *in, size_t in_len, size_t *used, void *out,
                    size_t out_cap, size_t *produced, struct wc_error *err);

/* True when the input so far ends exactly where a member ends (a whole stream), false when it
 * stops inside one or when nothing was read (no input is not a gzip stream). */
bool gzip_reader_complete(const struct gzip_reader *r);

/* Start over on a new stream. */
void gzip_reader_reset(struct gzip_reader *r);

void gzip_reader_free(struct gzip_reader *r);

/* Append to out the inflated bytes of in[0..len), one or more whole members. 0, WC_EPARSE
 * (not a whole gzip stream) or WC_ENOMEM; out may hold part of the bytes on failure. */
int gzip_inflate_append(const char *in, size_t len, struct wc_buf *out, struct wc_error *err);

#endif
