/* answer_scan.c - one pass over a parse answer: jansson's verdict and the record's fields */
#include "answer_scan.h"
#include "utf8.h"
#include "wc_error.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* jansson's JSON_PARSER_MAX_DEPTH: every value counts, scalars too, the top one at depth 1. */
#define MAX_DEPTH 2048

/* Reals whose decimal exponent puts them in [1e308, 1e309) may or may not overflow a double;
 * strtod() decides, on at most this many significant digits (more: left to jansson). */
#define MAX_EDGE_DIGITS 400

/* What an object or array is for, decided by the key or index it sits under. */
enum role {
    ROLE_IGNORE,
    ROLE_ROOT,
    ROLE_ERROR,        /* object: code, info, text */
    ROLE_ERRORS,       /* array: [0] is a ROLE_ERROR */
    ROLE_PARSE,        /* object: the fields of struct answer_scan */
    ROLE_TEXT,         /* object (formatversion 1 text): "*" */
    ROLE_LIST,         /* array of a struct answer_list */
    ROLE_LIST_ENTRY,   /* object entry of a list */
    ROLE_REDIRECTS,    /* array: [0] is a ROLE_REDIRECT */
    ROLE_REDIRECT,     /* object: "to" */
    ROLE_PROPS_OBJECT, /* formatversion 2 properties: {"name": value} */
    ROLE_PROPS_ARRAY,  /* formatversion 1 properties: [{"name": ..., "*": value}] */
    ROLE_PROP_ENTRY,   /* object: "name" */
};

/* The field a key names in an object of a given role. */
enum field {
    F_NONE,
    F_ERROR,
    F_ERRORS,
    F_PARSE,
    F_CODE,
    F_INFO,
    F_ERROR_TEXT,
    F_PAGEID,
    F_TEXT,
    F_CATEGORIES,
    F_LINKS,
    F_EXTERNALLINKS,
    F_SECTIONS,
    F_REDIRECTS,
    F_PROPERTIES,
    F_TEXT_STAR,
    F_TO,
    F_PROP_NAME,
    F_PROP_DISAMBIGUATION,
    F_REVID,
    F_PROP_WIKIBASE_ITEM,
    F_ENTRY_KEY,
    F_ENTRY_ALT,
    F_ENTRY_SKIP,
};

/* What a value turned out to be, for the object or array that holds it. */
enum value_type { V_OTHER, V_STRING, V_INTEGER };

struct value {
    enum value_type type;
    struct answer_str str; /* V_STRING */
    long long integer;     /* V_INTEGER */
};

/* The string an object entry of a list gives, gathered while its keys go by. */
struct list_entry {
    const struct answer_list *list;
    struct answer_str key_value;
    struct answer_str alt_value;
    unsigned char skip;
};

static int scan_value(struct answer_scan *s, size_t depth, enum role object_role,
                      enum role array_role, void *target, struct value *v);

/* 1 for the bytes a string can hold without a closer look: printable ASCII but '"' and '\\'. */
static const unsigned char plain_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

static int fail(struct answer_scan *s)
{
    if (s->failed == 0)
        s->failed = 1;
    return -1;
}

static int out_of_memory(struct answer_scan *s)
{
    s->failed = WC_ENOMEM;
    return -1;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Length of the run of plain bytes at p (none of '"', '\\', control, non-ASCII); when out is not
 * NULL, the run is copied there (and up to 15 bytes more: out must have room for as many bytes as
 * remain in the input). */
static inline size_t plain_run(const unsigned char *p, const unsigned char *end, char *out)
{
    const unsigned char *start = p;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        if (out != NULL)
            _mm_storeu_si128((__m128i *)(void *)(out + (p - start)), v);
        /* Signed compare: bytes from 0x80 are negative, so "below space" also finds them. */
        __m128i special =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                         _mm_cmplt_epi8(v, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(special);
        if (mask != 0)
            return (size_t)(p - start) + (size_t)__builtin_ctz(mask);
        p += 16;
    }
#endif
    while (p < end && plain_byte[*p]) {
        if (out != NULL)
            out[p - start] = (char)*p;
        p++;
    }
    return (size_t)(p - start);
}

/* The value of 4 hex digits at p (jansson takes both cases), or -1. */
static long hex4(const unsigned char *p, const unsigned char *end)
{
    if (end - p < 4)
        return -1;
    long value = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        value <<= 4;
        if (c >= '0' && c <= '9')
            value += c - '0';
        else if (c >= 'a' && c <= 'f')
            value += c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            value += c - 'A' + 10;
        else
            return -1;
    }
    return value;
}

/* jansson's utf8_encode (the code point is valid: the scan checked it). */
static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static void skip_space(struct answer_scan *s)
{
    const unsigned char *p = s->p;
    while (p < s->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    s->p = p;
}

/* jansson's lexer reads one byte past a number or a literal and gives it back; its stream takes a
 * NUL byte given back for "nothing buffered" and reads on, so one NUL there is skipped: [1\0] and
 * [true\0] are accepted, [1\0\0] is not. */
static void skip_lost_nul(struct answer_scan *s)
{
    if (s->p < s->end && *s->p == '\0')
        s->p++;
}

/* A string; s->p is just after its opening quote. *has_nul is set when a \u0000 escape is in it
 * (jansson refuses those in keys). When out is not NULL the string is also decoded there, as
 * answer_scan_decode() would (out has room for the rest of the input and a NUL), and *out_len
 * set: one pass instead of two for the page's HTML. */
static inline int scan_string_into(struct answer_scan *s, struct answer_str *str, int *has_nul,
                                   char *out, size_t *out_len)
{
    const unsigned char *p = s->p;
    const unsigned char *end = s->end;
    char *o = out;
    str->off = (size_t)(p - s->body);
    str->escaped = 0;
    str->present = 1;
    for (;;) {
        size_t run = plain_run(p, end, o);
        p += run;
        if (o != NULL)
            o += run;
        if (p == end)
            return fail(s);
        unsigned char c = *p;
        if (c == '"')
            break;
        if (c == '\\') {
            str->escaped = 1;
            if (end - p < 2)
                return fail(s);
            switch (p[1]) {
            case '"':
            case '\\':
            case '/':
                if (o != NULL)
                    *o++ = (char)p[1];
                p += 2;
                break;
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                if (o != NULL)
                    *o++ = p[1] == 'b'   ? '\b'
                           : p[1] == 'f' ? '\f'
                           : p[1] == 'n' ? '\n'
                           : p[1] == 'r' ? '\r'
                                         : '\t';
                p += 2;
                break;
            case 'u': {
                long cp = hex4(p + 2, end);
                if (cp < 0)
                    return fail(s);
                p += 6;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    /* jansson: a high surrogate must be followed by \u and a low one. */
                    if (end - p < 2 || p[0] != '\\' || p[1] != 'u')
                        return fail(s);
                    long low = hex4(p + 2, end);
                    if (low < 0xDC00 || low > 0xDFFF)
                        return fail(s);
                    p += 6;
                    cp = ((cp - 0xD800) << 10) + (low - 0xDC00) + 0x10000;
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return fail(s);
                } else if (cp == 0) {
                    *has_nul = 1;
                }
                if (o != NULL)
                    o += utf8_encode((uint32_t)cp, o);
                break;
            }
            default:
                return fail(s);
            }
            continue;
        }
        if (c < 0x20)
            return fail(s);
        size_t n = wc_utf8_sequence(p, (size_t)(end - p));
        if (n == 0)
            return fail(s);
        if (o != NULL) {
            memcpy(o, p, n);
            o += n;
        }
        p += n;
    }
    str->len = (size_t)(p - s->body) - str->off;
    s->p = p + 1;
    if (o != NULL) {
        *o = '\0';
        *out_len = (size_t)(o - out);
    }
    return 0;
}

static int scan_string(struct answer_scan *s, struct answer_str *str, int *has_nul)
{
    return scan_string_into(s, str, has_nul, NULL, NULL);
}

/* The page's HTML, decoded into s->text_html while it is checked. */
static int scan_text(struct answer_scan *s, struct value *v)
{
    int has_nul = 0;
    s->p++;
    free(s->text_html);
    s->text_html = malloc((size_t)(s->end - s->p) + 1);
    if (s->text_html == NULL)
        return out_of_memory(s);
    v->type = V_STRING;
    return scan_string_into(s, &v->str, &has_nul, s->text_html, &s->text_html_len);
}

/* A real: jansson refuses it when strtod() overflows (HUGE_VAL and ERANGE). digits..int_end are
 * the integer digits, frac..frac_end the fraction's (may be empty), exponent the exponent. */
static int check_real(struct answer_scan *s, const unsigned char *digits,
                      const unsigned char *int_end, const unsigned char *frac,
                      const unsigned char *frac_end, long long exponent)
{
    /* The decimal exponent of the first significant digit. */
    const unsigned char *first = digits;
    long long magnitude;
    while (first < int_end && *first == '0')
        first++;
    if (first < int_end) {
        magnitude = (long long)(int_end - first) - 1;
    } else {
        first = frac;
        while (first < frac_end && *first == '0')
            first++;
        if (first == frac_end)
            return 0; /* zero */
        magnitude = -(long long)(first - frac) - 1;
    }
    long long top = magnitude + exponent;
    if (top < 308)
        return 0; /* below 1e308 < DBL_MAX */
    if (top > 308)
        return fail(s); /* at least 1e309 */
    /* [1e308, 1e309): ask strtod, on the significant digits without a decimal point so that the
     * locale cannot matter. */
    const unsigned char *runs[2][2] = {{first, first < int_end ? int_end : frac_end},
                                       {first < int_end ? frac : NULL, frac_end}};
    char buf[MAX_EDGE_DIGITS + 32];
    size_t n = 0;
    for (int r = 0; r < 2; r++)
        for (const unsigned char *q = runs[r][0]; q != NULL && q < runs[r][1]; q++) {
            if (n == MAX_EDGE_DIGITS)
                return fail(s); /* not vouched for: jansson decides */
            buf[n++] = (char)*q;
        }
    snprintf(buf + n, sizeof buf - n, "e%lld", top - (long long)(n - 1));
    errno = 0;
    double value = strtod(buf, NULL);
    if (isinf(value) && errno == ERANGE)
        return fail(s);
    return 0;
}

/* A number (RFC 8259 grammar, as jansson's lexer reads it). Integers must fit a long long. */
static int scan_number(struct answer_scan *s, struct value *v)
{
    const unsigned char *p = s->p;
    const unsigned char *end = s->end;
    int negative = 0;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    const unsigned char *digits = p;
    if (p == end || !is_digit(*p))
        return fail(s);
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p))
            return fail(s);
    } else {
        while (p < end && is_digit(*p))
            p++;
    }
    const unsigned char *int_end = p;
    const unsigned char *frac = NULL;
    const unsigned char *frac_end = NULL;
    int real = 0;
    long long exponent = 0;
    if (p < end && *p == '.') {
        p++;
        frac = p;
        if (p == end || !is_digit(*p))
            return fail(s);
        while (p < end && is_digit(*p))
            p++;
        frac_end = p;
        real = 1;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int exp_negative = 0;
        if (p < end && (*p == '+' || *p == '-')) {
            exp_negative = *p == '-';
            p++;
        }
        if (p == end || !is_digit(*p))
            return fail(s);
        while (p < end && is_digit(*p)) {
            if (exponent < 1000000000000LL)
                exponent = exponent * 10 + (*p - '0');
            p++;
        }
        if (exp_negative)
            exponent = -exponent;
        real = 1;
    }
    s->p = p;
    skip_lost_nul(s);
    if (real) {
        v->type = V_OTHER;
        return check_real(s, digits, int_end, frac, frac_end, exponent);
    }
    /* strtoll() range: jansson refuses "too big integer" / "too big negative integer". */
    size_t n = (size_t)(int_end - digits);
    if (n > 19 ||
        (n == 19 &&
         memcmp(digits, negative ? "9223372036854775808" : "9223372036854775807", 19) > 0))
        return fail(s);
    unsigned long long magnitude = 0;
    for (const unsigned char *q = digits; q < int_end; q++)
        magnitude = magnitude * 10 + (unsigned long long)(*q - '0');
    v->type = V_INTEGER;
    if (!negative)
        v->integer = (long long)magnitude;
    else if (magnitude == 0)
        v->integer = 0;
    else
        v->integer = -(long long)(magnitude - 1) - 1;
    return 0;
}

static int scan_literal(struct answer_scan *s, const char *word, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return fail(s);
    s->p += n;
    skip_lost_nul(s);
    return 0;
}

static int key_is(const char *key, size_t len, const char *name)
{
    return name != NULL && strlen(name) == len && memcmp(key, name, len) == 0;
}

static enum field field_of(enum role role, const struct list_entry *entry, const char *key,
                           size_t len)
{
    switch (role) {
    case ROLE_ROOT:
        if (key_is(key, len, "parse"))
            return F_PARSE;
        if (key_is(key, len, "error"))
            return F_ERROR;
        if (key_is(key, len, "errors"))
            return F_ERRORS;
        return F_NONE;
    case ROLE_ERROR:
        if (key_is(key, len, "code"))
            return F_CODE;
        if (key_is(key, len, "info"))
            return F_INFO;
        if (key_is(key, len, "text"))
            return F_ERROR_TEXT;
        return F_NONE;
    case ROLE_PARSE:
        switch (len) {
        case 4:
            return key_is(key, len, "text") ? F_TEXT : F_NONE;
        case 5:
            if (key_is(key, len, "revid"))
                return F_REVID;
            return key_is(key, len, "links") ? F_LINKS : F_NONE;
        case 6:
            return key_is(key, len, "pageid") ? F_PAGEID : F_NONE;
        case 8:
            return key_is(key, len, "sections") ? F_SECTIONS : F_NONE;
        case 9:
            return key_is(key, len, "redirects") ? F_REDIRECTS : F_NONE;
        case 10:
            if (key_is(key, len, "categories"))
                return F_CATEGORIES;
            return key_is(key, len, "properties") ? F_PROPERTIES : F_NONE;
        case 13:
            return key_is(key, len, "externallinks") ? F_EXTERNALLINKS : F_NONE;
        default:
            return F_NONE;
        }
    case ROLE_TEXT:
        return key_is(key, len, "*") ? F_TEXT_STAR : F_NONE;
    case ROLE_LIST_ENTRY:
        if (key_is(key, len, entry->list->key))
            return F_ENTRY_KEY;
        if (key_is(key, len, entry->list->alt_key))
            return F_ENTRY_ALT;
        if (key_is(key, len, entry->list->skip_key))
            return F_ENTRY_SKIP;
        return F_NONE;
    case ROLE_REDIRECT:
        return key_is(key, len, "to") ? F_TO : F_NONE;
    case ROLE_PROPS_OBJECT:
        if (key_is(key, len, "wikibase_item"))
            return F_PROP_WIKIBASE_ITEM;
        return key_is(key, len, "disambiguation") ? F_PROP_DISAMBIGUATION : F_NONE;
    case ROLE_PROP_ENTRY:
        return key_is(key, len, "name") ? F_PROP_NAME : F_NONE;
    default:
        return F_NONE;
    }
}

static const char *key_bytes(const struct answer_scan *s, const struct answer_key *k)
{
    return k->decoded ? s->key_arena + k->off : (const char *)s->body + k->off;
}

/* Record the key str of the object whose keys start at keys[first]: decode it if it has escapes,
 * refuse a duplicate (JSON_REJECT_DUPLICATES compares decoded keys), and point *key at it (valid
 * until the next key is pushed). */
static int push_key(struct answer_scan *s, struct answer_str str, size_t first, const char **key,
                    size_t *len)
{
    if (s->n_keys - first >= ANSWER_SCAN_MAX_KEYS)
        return fail(s); /* not vouched for: jansson decides */
    if (s->n_keys == s->cap_keys) {
        size_t cap = s->cap_keys ? s->cap_keys * 2 : 64;
        struct answer_key *keys = realloc(s->keys, cap * sizeof *keys);
        if (keys == NULL)
            return out_of_memory(s);
        s->keys = keys;
        s->cap_keys = cap;
    }
    struct answer_key k = {str.off, str.len, 0};
    if (str.escaped) {
        if (s->key_arena_cap - s->key_arena_len < str.len + 1) {
            size_t cap = s->key_arena_cap ? s->key_arena_cap : 256;
            while (cap - s->key_arena_len < str.len + 1)
                cap *= 2;
            char *arena = realloc(s->key_arena, cap);
            if (arena == NULL)
                return out_of_memory(s);
            s->key_arena = arena;
            s->key_arena_cap = cap;
        }
        k.off = s->key_arena_len;
        k.len = answer_scan_decode(s, str, s->key_arena + s->key_arena_len);
        k.decoded = 1;
        s->key_arena_len += k.len;
    }
    const char *bytes = key_bytes(s, &k);
    for (size_t i = first; i < s->n_keys; i++)
        if (s->keys[i].len == k.len && memcmp(key_bytes(s, &s->keys[i]), bytes, k.len) == 0)
            return fail(s);
    s->keys[s->n_keys++] = k;
    *key = bytes;
    *len = k.len;
    return 0;
}

static int add_item(struct answer_scan *s, struct answer_list *list, struct answer_str value,
                    int is_object, int skip)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        struct answer_item *items = realloc(list->items, cap * sizeof *items);
        if (items == NULL)
            return out_of_memory(s);
        list->items = items;
        list->cap = cap;
    }
    struct answer_item *item = &list->items[list->n++];
    item->value = value;
    item->is_object = (unsigned char)is_object;
    item->skip = (unsigned char)skip;
    return 0;
}

/* Apply what the value of field is to s (or to the error or entry target). */
static int take_field(struct answer_scan *s, enum field field, void *target, const struct value *v)
{
    int is_string = v->type == V_STRING;
    switch (field) {
    case F_CODE:
        if (is_string)
            ((struct answer_error *)target)->code = v->str;
        break;
    case F_INFO:
        if (is_string)
            ((struct answer_error *)target)->info = v->str;
        break;
    case F_ERROR_TEXT:
        if (is_string)
            ((struct answer_error *)target)->text = v->str;
        break;
    case F_PAGEID:
        if (v->type == V_INTEGER) {
            s->pageid_is_integer = 1;
            s->pageid = v->integer;
        }
        break;
    case F_TEXT:
    case F_TEXT_STAR:
        if (is_string)
            s->text = v->str;
        break;
    case F_TO:
        if (is_string)
            s->redirect_to = v->str;
        break;
    case F_PROP_NAME:
        if (is_string) {
            int rc = answer_scan_equals(s, v->str, "disambiguation");
            if (rc < 0)
                return out_of_memory(s);
            if (rc)
                s->props_disambiguation = 1;
        }
        break;
    case F_PROP_DISAMBIGUATION:
        s->props_disambiguation = 1;
        break;
    case F_REVID:
        if (v->type == V_INTEGER) {
            s->revid_is_integer = 1;
            s->revid = v->integer;
        }
        break;
    case F_PROP_WIKIBASE_ITEM:
        if (is_string)
            s->wikibase_item = v->str;
        break;
    case F_ENTRY_KEY:
        if (is_string)
            ((struct list_entry *)target)->key_value = v->str;
        break;
    case F_ENTRY_ALT:
        if (is_string)
            ((struct list_entry *)target)->alt_value = v->str;
        break;
    case F_ENTRY_SKIP:
        ((struct list_entry *)target)->skip = 1;
        break;
    default:
        break;
    }
    return 0;
}

/* After a member of an object or array: past a ',' (1: another member follows) or past the
 * closing character (0); -1 for anything else. */
static int next_member(struct answer_scan *s, char close)
{
    skip_space(s);
    if (s->p == s->end)
        return fail(s);
    if (*s->p == ',') {
        s->p++;
        skip_space(s);
        return 1;
    }
    if (*s->p != close)
        return fail(s);
    s->p++;
    return 0;
}

/* An object; s->p is just after its '{'. */
static int scan_object(struct answer_scan *s, size_t depth, enum role role, void *target)
{
    size_t first_key = s->n_keys;
    size_t arena_mark = s->key_arena_len;
    if (role == ROLE_PARSE)
        s->has_parse = 1;
    else if (role == ROLE_ERROR)
        ((struct answer_error *)target)->present = 1;
    skip_space(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return 0;
    }
    for (;;) {
        if (s->p == s->end || *s->p != '"')
            return fail(s);
        s->p++;
        struct answer_str key_str;
        int has_nul = 0;
        if (scan_string(s, &key_str, &has_nul) != 0)
            return -1;
        if (has_nul)
            return fail(s); /* jansson: "NUL byte in object key not supported" */
        const char *key;
        size_t key_len;
        if (push_key(s, key_str, first_key, &key, &key_len) != 0)
            return -1;
        enum field field = field_of(role, target, key, key_len);
        skip_space(s);
        if (s->p == s->end || *s->p != ':')
            return fail(s);
        s->p++;
        skip_space(s);

        enum role object_role = ROLE_IGNORE;
        enum role array_role = ROLE_IGNORE;
        void *child = NULL;
        switch (field) {
        case F_PARSE:
            object_role = ROLE_PARSE;
            break;
        case F_ERROR:
            object_role = ROLE_ERROR;
            child = &s->error;
            break;
        case F_ERRORS:
            array_role = ROLE_ERRORS;
            break;
        case F_TEXT:
            object_role = ROLE_TEXT;
            break;
        case F_CATEGORIES:
            array_role = ROLE_LIST;
            child = &s->categories;
            break;
        case F_LINKS:
            array_role = ROLE_LIST;
            child = &s->links;
            break;
        case F_EXTERNALLINKS:
            array_role = ROLE_LIST;
            child = &s->externallinks;
            break;
        case F_SECTIONS:
            array_role = ROLE_LIST;
            child = &s->sections;
            break;
        case F_REDIRECTS:
            array_role = ROLE_REDIRECTS;
            break;
        case F_PROPERTIES:
            object_role = ROLE_PROPS_OBJECT;
            array_role = ROLE_PROPS_ARRAY;
            break;
        default:
            break;
        }
        struct value v;
        if ((field == F_TEXT || field == F_TEXT_STAR) && s->p < s->end && *s->p == '"') {
            if (depth + 1 > MAX_DEPTH || scan_text(s, &v) != 0)
                return fail(s);
        } else if (scan_value(s, depth + 1, object_role, array_role, child, &v) != 0) {
            return -1;
        }
        if (field != F_NONE && take_field(s, field, target, &v) != 0)
            return -1;
        int more = next_member(s, '}');
        if (more < 0)
            return -1;
        if (!more)
            break;
    }
    s->n_keys = first_key;
    s->key_arena_len = arena_mark;
    return 0;
}

/* An array; s->p is just after its '['. */
static int scan_array(struct answer_scan *s, size_t depth, enum role role, void *target)
{
    skip_space(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 0;
    }
    for (size_t index = 0;; index++) {
        enum role object_role = ROLE_IGNORE;
        void *child = NULL;
        struct list_entry entry = {0};
        switch (role) {
        case ROLE_ERRORS:
            if (index == 0) {
                object_role = ROLE_ERROR;
                child = &s->errors0;
            }
            break;
        case ROLE_LIST:
            entry.list = target;
            object_role = ROLE_LIST_ENTRY;
            child = &entry;
            break;
        case ROLE_REDIRECTS:
            if (index == 0)
                object_role = ROLE_REDIRECT;
            break;
        case ROLE_PROPS_ARRAY:
            object_role = ROLE_PROP_ENTRY;
            break;
        default:
            break;
        }
        int is_object = s->p < s->end && *s->p == '{';
        struct value v;
        if (scan_value(s, depth + 1, object_role, ROLE_IGNORE, child, &v) != 0)
            return -1;
        if (role == ROLE_LIST) {
            int rc = 0;
            if (v.type == V_STRING)
                rc = add_item(s, target, v.str, 0, 0);
            else if (is_object && entry.key_value.present)
                rc = add_item(s, target, entry.key_value, 1, entry.skip);
            else if (is_object && entry.alt_value.present)
                rc = add_item(s, target, entry.alt_value, 1, entry.skip);
            if (rc != 0)
                return -1;
        }
        int more = next_member(s, ']');
        if (more < 0)
            return -1;
        if (!more)
            break;
    }
    return 0;
}

static int scan_value(struct answer_scan *s, size_t depth, enum role object_role,
                      enum role array_role, void *target, struct value *v)
{
    v->type = V_OTHER;
    if (depth > MAX_DEPTH || s->p == s->end)
        return fail(s);
    switch (*s->p) {
    case '{':
        s->p++;
        return scan_object(s, depth, object_role, target);
    case '[':
        s->p++;
        return scan_array(s, depth, array_role, target);
    case '"': {
        int has_nul = 0;
        s->p++;
        v->type = V_STRING;
        return scan_string(s, &v->str, &has_nul);
    }
    case 't':
        return scan_literal(s, "true", 4);
    case 'f':
        return scan_literal(s, "false", 5);
    case 'n':
        return scan_literal(s, "null", 4);
    default:
        if (*s->p == '-' || is_digit(*s->p))
            return scan_number(s, v);
        return fail(s);
    }
}

void answer_scan_init(struct answer_scan *s)
{
    memset(s, 0, sizeof *s);
    s->categories.key = "category";
    s->categories.alt_key = "*";
    s->categories.skip_key = "hidden";
    s->links.key = "title";
    s->links.alt_key = "*";
    s->sections.key = "line";
}

int answer_scan_run(struct answer_scan *s, const char *body, size_t len)
{
    if (body == NULL)
        return 1;
    s->body = (const unsigned char *)body;
    s->p = s->body;
    s->end = s->body + len;
    skip_space(s);
    /* Without JSON_DECODE_ANY, jansson wants an object or an array at the top. */
    if (s->p == s->end || (*s->p != '{' && *s->p != '['))
        return 1;
    struct value v;
    if (scan_value(s, 1, ROLE_ROOT, ROLE_IGNORE, NULL, &v) != 0)
        return s->failed;
    skip_space(s);
    if (s->p != s->end)
        return 1;
    return 0;
}

/* Copy the bytes from p up to the next backslash (or end) to out; returns how many. */
static size_t copy_run(const unsigned char *p, const unsigned char *end, char *out)
{
    const unsigned char *start = p;
#if defined(__SSE2__)
    /* The store may write up to 15 bytes past the run: out is never ahead of the input (decoding
     * only shortens), so they stay within the str.len + 1 bytes the caller provides. */
    const __m128i backslash = _mm_set1_epi8('\\');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        _mm_storeu_si128((__m128i *)(void *)(out + (p - start)), v);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash));
        if (mask != 0)
            return (size_t)(p - start) + (size_t)__builtin_ctz(mask);
        p += 16;
    }
#endif
    while (p < end && *p != '\\') {
        out[p - start] = (char)*p;
        p++;
    }
    return (size_t)(p - start);
}

size_t answer_scan_decode(const struct answer_scan *s, struct answer_str str, char *out)
{
    const unsigned char *p = s->body + str.off;
    const unsigned char *end = p + str.len;
    if (!str.escaped) {
        memcpy(out, p, str.len);
        out[str.len] = '\0';
        return str.len;
    }
    char *o = out;
    for (;;) {
        size_t run = copy_run(p, end, o);
        p += run;
        o += run;
        if (p == end)
            break;
        /* p[0] is a backslash; the scan made sure a valid escape follows. */
        switch (p[1]) {
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            uint32_t cp = (uint32_t)hex4(p + 2, end);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t low = (uint32_t)hex4(p + 8, end);
                cp = ((cp - 0xD800) << 10) + (low - 0xDC00) + 0x10000;
                p += 6;
            }
            o += utf8_encode(cp, o);
            p += 6;
            continue;
        }
        default: /* '"', '\\', '/' */
            *o++ = (char)p[1];
            break;
        }
        p += 2;
    }
    *o = '\0';
    return (size_t)(o - out);
}

int answer_scan_equals(const struct answer_scan *s, struct answer_str str, const char *literal)
{
    size_t n = strlen(literal);
    if (!str.escaped)
        return str.len == n && memcmp(s->body + str.off, literal, n) == 0;
    char small[256];
    char *buf = str.len < sizeof small ? small : malloc(str.len + 1);
    if (buf == NULL)
        return WC_ENOMEM;
    answer_scan_decode(s, str, buf);
    int equal = strcmp(buf, literal) == 0;
    if (buf != small)
        free(buf);
    return equal;
}

void answer_scan_free(struct answer_scan *s)
{
    free(s->categories.items);
    free(s->links.items);
    free(s->externallinks.items);
    free(s->sections.items);
    free(s->keys);
    free(s->key_arena);
    free(s->text_html);
    answer_scan_init(s);
}
