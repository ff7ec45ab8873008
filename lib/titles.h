/* titles.h - streaming reader of title lists: JSON arrays, plain text lines, "ID; TITLE" lines */
#ifndef WC_TITLES_H
#define WC_TITLES_H

#include <stddef.h>
#include <stdint.h>

#include "wc_error.h"

/* The three input formats.
 *  TEXT:    one title per line; LF or CRLF; blank lines skipped; a leading UTF-8 BOM skipped.
 *  IDTITLE: the notebook's list files, "ID; TITLE" per line: the title is what follows the first
 *           "; "; a non-blank line without "; " is an invalid entry (TITLES_BAD_IDTITLE).
 *  JSON:    a JSON array of strings, or an object whose "titles" member is such an array; other
 *           members of the object are reported through on_option. */
enum titles_format {
    TITLES_FORMAT_TEXT,
    TITLES_FORMAT_IDTITLE,
    TITLES_FORMAT_JSON,
};

/* Why an entry is not a valid MediaWiki title. */
enum titles_invalid_reason {
    TITLES_EMPTY = 1,      /* nothing left after trimming */
    TITLES_BAD_UTF8,       /* not well-formed UTF-8 (includes lone \u surrogates in JSON) */
    TITLES_TOO_LONG,       /* more than max_title_bytes bytes after trimming */
    TITLES_FORBIDDEN_CHAR, /* one of # < > [ ] | { } */
    TITLES_CONTROL_CHAR,   /* a byte below 0x20, or 0x7F (NUL included) */
    TITLES_NOT_STRING,     /* JSON: an array element that is not a string */
    TITLES_BAD_IDTITLE,    /* IDTITLE: a line without "; " */
};

/* Callbacks: each returns 0 to go on; any other value stops the reader, and titles_reader_feed()
 * or titles_reader_finish() returns that value unchanged (use a negative WC_E* code). A callback
 * may fill the err passed to that call (with the same code) to explain why; the reader keeps it.
 *
 * White space, for trimming: ASCII space, \t \n \v \f \r, and Unicode's other White_Space
 * characters (U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000).
 *
 * on_title:   a valid title, trimmed of surrounding white space, NUL-terminated at title[len].
 *             position: the 1-based line number (TEXT, IDTITLE) or the 0-based array index (JSON).
 *             The memory is the reader's and is valid only during the call.
 * on_invalid: an entry that is not a valid title, never dropped silently. raw/raw_len is the
 *             trimmed entry, cut to at most max_title_bytes + 4 bytes (it may be invalid UTF-8;
 *             a lone \u surrogate appears as its 3-byte form). For TITLES_NOT_STRING it is the
 *             raw JSON text of the value (`42`, `{"a":1}`), for TITLES_BAD_IDTITLE the whole line.
 *             Same position and memory rules as on_title.
 * on_option:  JSON object form only: a member other than "titles"; key is the decoded member
 *             name (cut to at most 1024 bytes), value the raw JSON text of the value (`50`, `"x"`,
 *             `true`, `["a", "b"]`, `{"k": 1}`), NUL-terminated, cut to at most 4096 bytes (a cut
 *             value is not valid JSON, so a caller that parses it refuses it). May be NULL. */
struct titles_callbacks {
    int (*on_title)(void *ctx, const char *title, size_t len, uint64_t position);
    int (*on_invalid)(void *ctx, const char *raw, size_t raw_len, uint64_t position,
                      enum titles_invalid_reason reason);
    int (*on_option)(void *ctx, const char *key, const char *value, size_t value_len);
    void *ctx;
};

/* max_title_bytes: the longest title accepted, in bytes after trimming (0 means 255, MediaWiki's
 * limit). The reader's memory is bounded by a small multiple of it whatever the input size: an
 * over-long line or string is reported TITLES_TOO_LONG without being buffered whole. */
struct titles_options {
    enum titles_format format;
    size_t max_title_bytes;
};

struct titles_reader;

/* Prototypes */

/* A new reader; the callbacks struct is copied. NULL when out of memory (or opts->format is not
 * one of the three). Free with titles_reader_free(). */
struct titles_reader *titles_reader_new(const struct titles_options *opts,
                                        const struct titles_callbacks *cb);

/* Feed the next len bytes of input, split anywhere (even inside a UTF-8 sequence or a JSON
 * escape). Calls the callbacks for every entry completed by these bytes. Returns 0, WC_EPARSE
 * (JSON not well formed: err says where, "line L, column C: ..."; columns count characters), or a
 * callback's non-zero value. After an error the reader refuses further input with the same code
 * and message. JSON is read strictly (RFC 8259: no raw control characters in strings, nesting
 * up to 512 levels); an object without a "titles" array, a "titles" member that is not an array,
 * or a second "titles" member is WC_EPARSE too. WC_EINVAL after titles_reader_finish(). */
int titles_reader_feed(struct titles_reader *r, const char *data, size_t len, struct wc_error *err);

/* End of input: delivers a last line without newline; for JSON checks the value is complete
 * (WC_EPARSE otherwise: "unexpected end of input"). Same returns as titles_reader_feed(); a second
 * call does nothing. */
int titles_reader_finish(struct titles_reader *r, struct wc_error *err);

/* Entries seen so far (valid + invalid). */
uint64_t titles_reader_count(const struct titles_reader *r);

void titles_reader_free(struct titles_reader *r);

/* A stable machine-readable name for a reason: "empty", "bad_utf8", "too_long",
 * "forbidden_char", "control_char", "not_string", "bad_idtitle". */
const char *titles_invalid_reason_name(enum titles_invalid_reason reason);

/* A sentence for people: "title contains a forbidden character (one of # < > [ ] | { })". */
const char *titles_invalid_reason_message(enum titles_invalid_reason reason);

/* Check one already-trimmed title against the rules above; 0 when valid, else the reason, the
 * first that applies in this order: empty, too_long, bad_utf8, control_char, forbidden_char.
 * max_title_bytes 0 means 255. */
enum titles_invalid_reason titles_check(const char *title, size_t len, size_t max_title_bytes);

#endif
