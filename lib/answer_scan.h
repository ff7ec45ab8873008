/* answer_scan.h - one pass over a parse answer: jansson's verdict and the record's fields */
#ifndef WC_ANSWER_SCAN_H
#define WC_ANSWER_SCAN_H

#include <stddef.h>

/* mwparse used to json_loadb() every answer (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL) and then
 * read a dozen fields of the tree; building the tree was most of the cost. This scanner reads the
 * answer once, without building anything, and
 *
 *   - decides whether jansson 2.14 would accept it with those flags: RFC 8259 JSON with an object
 *     or an array at the top, well-formed UTF-8 (RFC 3629), no lone UTF-16 surrogate in \u
 *     escapes, no \u0000 in object keys, no key twice in one object (compared after decoding),
 *     integers within long long, reals that do not overflow a double, at most 2048 nested values;
 *   - notes where the fields a record needs are, as spans of the input (strings are decoded only
 *     when asked, by answer_scan_decode()).
 *
 * It does not vouch for every answer jansson accepts: objects of more than ANSWER_SCAN_MAX_KEYS
 * keys and reals of more than 400 digits at the edge of overflow are left to jansson. The caller
 * takes the jansson path whenever answer_scan_run() does not return 0, which also covers every
 * answer jansson rejects, so that the error message is jansson's own. */

#define ANSWER_SCAN_MAX_KEYS 64

/* A JSON string of the input: the bytes between its quotes, escapes not decoded. */
struct answer_str {
    size_t off;            /* offset of the first byte after the opening quote */
    size_t len;            /* raw length */
    unsigned char escaped; /* holds a backslash escape: answer_scan_decode() before use */
    unsigned char present; /* the field exists and is a string */
};

/* One entry of a list that gave a string: a bare string, or an object with the list's key (or
 * its alternative key) holding a string. */
struct answer_item {
    struct answer_str value;
    unsigned char is_object; /* the entry was an object (not a bare string) */
    unsigned char skip;      /* an object that has the list's skip key (any value) */
};

/* The entries of one array of parse, in order. Entries that give no string are not kept. */
struct answer_list {
    const char *key;      /* in object entries, the string to take; NULL: objects give nothing */
    const char *alt_key;  /* tried when key is absent or not a string (formatversion 1's "*") */
    const char *skip_key; /* an object with this key is marked skip; NULL: none */
    struct answer_item *items;
    size_t n;
    size_t cap;
};

/* An API error object: {"error": {...}} or the first of {"errors": [{...}]}. */
struct answer_error {
    unsigned char present; /* the value was an object */
    struct answer_str code;
    struct answer_str info;
    struct answer_str text;
};

/* Where the key of an object being scanned is (duplicate detection). */
struct answer_key {
    size_t off;
    size_t len;
    unsigned char decoded; /* off is in the decoded-key arena, not in the input */
};

struct answer_scan {
    /* The fields, valid after answer_scan_run() returned 0. */
    struct answer_error error;   /* root "error" when it is an object */
    struct answer_error errors0; /* root "errors"[0] when "errors" is an array and [0] an object */
    unsigned char has_parse;     /* root "parse" is an object */
    unsigned char pageid_is_integer;
    long long pageid;
    struct answer_str text; /* parse "text" (formatversion 2) or parse "text" "*" (1) */
    char *text_html;        /* text, decoded (NUL-terminated; owned by s) */
    size_t text_html_len;
    struct answer_list categories;      /* key "category", alt "*", skip "hidden" */
    struct answer_list links;           /* key "title", alt "*" */
    struct answer_list externallinks;   /* bare strings only */
    struct answer_list sections;        /* key "line" */
    struct answer_str redirect_to;      /* parse "redirects"[0]["to"] */
    unsigned char props_disambiguation; /* properties {"disambiguation": any} or
                                           [{"name": "disambiguation"}] */
    unsigned char revid_is_integer;     /* parse "revid" (with prop=revid) */
    long long revid;
    struct answer_str wikibase_item; /* formatversion 2 properties {"wikibase_item": "Q42"} */

    /* Scanner state. */
    const unsigned char *body;
    const unsigned char *p;
    const unsigned char *end;
    struct answer_key *keys; /* keys of the objects open, innermost last */
    size_t n_keys;
    size_t cap_keys;
    char *key_arena; /* decoded keys that had escapes */
    size_t key_arena_len;
    size_t key_arena_cap;
    int failed; /* 1: not vouched for; WC_ENOMEM */
};

/* Prototypes */

/* Prepare s for answer_scan_run(); nothing is allocated. */
void answer_scan_init(struct answer_scan *s);

/* Scan body[0..len). Returns 0 when jansson accepts the document and the fields of s are filled;
 * 1 when the scanner does not vouch for it (the caller must ask jansson: this is every invalid
 * document and a few valid ones, see above); WC_ENOMEM. The spans of s point into body, which must
 * outlive their use. One call per answer_scan_init(). */
int answer_scan_run(struct answer_scan *s, const char *body, size_t len);

/* Decode the string str of the scanned body into out, which has room for str.len + 1 bytes, as
 * jansson does (escapes resolved, surrogate pairs joined, \u0000 kept as a NUL byte); out is
 * NUL-terminated. Returns the decoded length (at most str.len). */
size_t answer_scan_decode(const struct answer_scan *s, struct answer_str str, char *out);

/* 1 when str, read as a C string (up to its first NUL, as the jansson path's strcmp() did), is
 * exactly the NUL-terminated literal. 0 otherwise; WC_ENOMEM. */
int answer_scan_equals(const struct answer_scan *s, struct answer_str str, const char *literal);

/* Release what s allocated; s can then be initialised again. */
void answer_scan_free(struct answer_scan *s);

#endif
