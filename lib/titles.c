/* titles.c - streaming reader of title lists: JSON arrays, plain text lines, "ID; TITLE" lines */
#include "titles.h"
#include "utf8.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_TITLE_BYTES 255
/* on_invalid shows a few bytes past the limit, so that "too long" is visible in the raw text. */
#define RAW_SLACK 4
/* Option names are short ("chunk_size"); longer ones are cut (see titles.h). */
#define OPTION_MAX 1024
/* Option values too, but an array such as "labels" may need a few KB once escaped. */
#define OPTION_VALUE_MAX 4096
/* A strict parser must remember every open container; skipped values may nest up to this. */
#define JSON_MAX_DEPTH 512

static const unsigned char utf8_bom[3] = {0xEF, 0xBB, 0xBF};

/* Every buffer is allocated by titles_reader_new() with a size fixed by max_title_bytes; reading
 * never allocates, which is what bounds the memory whatever the input: bytes are consumed as they
 * come and only what an entry needs to be reported is kept. */

/* One entry (a line, the title part of a line, a JSON string) collected byte by byte and trimmed
 * on the fly. Leading white space is never stored; the bytes after it are stored up to `cap`, and
 * `content` remembers where the last non-space character ended, so trailing white space of any
 * length costs nothing and an over-long entry is known to be too long without being stored. Bytes
 * are grouped into UTF-8 sequences so that multi-byte white space (U+00A0, U+3000...) is trimmed
 * too, even when the sequence arrives split across two feeds. */
struct trimmed_entry {
    char *buf; /* cap + 1 bytes, room for a NUL */
    size_t cap;
    size_t stored;    /* bytes in buf: a prefix of the entry after its leading white space */
    uint64_t logical; /* bytes since the first non-space character */
    uint64_t content; /* bytes up to the end of the last non-space character */
    bool started;
    unsigned char unit[4]; /* a UTF-8 sequence being completed */
    size_t unit_len, unit_need;
};

enum json_state {
    J_VALUE,         /* a value must come (top, after ':' or after ',' in an array) */
    J_ARRAY_FIRST,   /* after '[': a value or ']' */
    J_OBJ_FIRST,     /* after '{': a member name or '}' */
    J_OBJ_NEXT_NAME, /* after ',' in an object: a member name */
    J_COLON,         /* after a member name */
    J_AFTER_VALUE,   /* inside a container after a value: ',' or the closing bracket */
    J_STRING,
    J_NUMBER,
    J_LITERAL,
    J_END, /* the top-level value is complete: only white space may follow */
};

/* What the value about to start means to us. */
enum json_role {
    ROLE_TOP,           /* the whole document: an array of titles or an object */
    ROLE_TITLE,         /* an element of the titles array */
    ROLE_TITLES_MEMBER, /* the value of the object's "titles" member */
    ROLE_OPTION,        /* the value of another member of the top object */
    ROLE_SKIP,          /* anything nested deeper */
};

enum json_form { FORM_UNKNOWN, FORM_ARRAY, FORM_OBJECT };

enum string_kind { STR_TITLE, STR_NAME, STR_OTHER };

/* Raw JSON text kept for a value: a non-string title element (for on_invalid) or an option. */
enum capture_kind { CAP_NONE, CAP_NOT_STRING, CAP_OPTION };

enum number_state { N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_EXP_MARK, N_EXP_SIGN, N_EXP };

struct json_parser {
    enum json_state state;
    enum json_form form;
    size_t depth;
    unsigned char is_object[JSON_MAX_DEPTH / 8]; /* bit d-1: the container at depth d */
    size_t titles_depth;                         /* depth of the titles array while inside it */
    bool seen_titles;
    uint64_t index; /* of the next element of the titles array */

    enum string_kind str_kind;
    bool in_name;
    /* the UTF-8 sequence being checked in a string that is not a title (utf8_step) */
    unsigned char utf8_need, utf8_lo, utf8_hi;
    int escape;            /* 0, 1 after '\\', 2..5 after "\\u" and that many - 2 hex digits */
    uint32_t code_unit;    /* the \u escape being read */
    uint32_t pending_high; /* a high surrogate waiting for its low half, or 0 */

    enum number_state number;
    const char *literal;
    size_t literal_pos;

    char name[OPTION_MAX + 1]; /* the current member name of the top object */
    size_t name_len;
    bool name_is_titles;

    enum capture_kind capture;
    size_t capture_depth;
    char *capture_buf; /* capture_cap + 1 bytes */
    size_t capture_cap, capture_len, capture_limit;
};

struct titles_reader {
    struct titles_options opts;
    struct titles_callbacks cb;
    uint64_t count;
    uint64_t line;   /* 1-based, of the byte being read */
    uint64_t column; /* JSON: characters of this line read so far, the current one included */
    size_t bom_matched;
    bool bom_done;
    bool finished;
    int failed;            /* the sticky error code, 0 while all is well */
    struct wc_error error; /* its message */

    struct trimmed_entry title;
    /* IDTITLE: the whole line until its first "; ", kept for the bad_idtitle report. */
    struct trimmed_entry line_text;
    bool id_done;
    bool after_semicolon;

    struct json_parser json;
};

/* ---- titles_check and reason names */

enum titles_invalid_reason titles_check(const char *title, size_t len, size_t max_title_bytes)
{
    if (max_title_bytes == 0)
        max_title_bytes = DEFAULT_MAX_TITLE_BYTES;
    if (len == 0)
        return TITLES_EMPTY;
    if (len > max_title_bytes)
        return TITLES_TOO_LONG;
    bool high = false;
    bool control = false;
    bool forbidden = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)title[i];
        if (c >= 0x80)
            high = true;
        else if (c < 0x20 || c == 0x7F)
            control = true;
        else if (c == '#' || c == '<' || c == '>' || c == '[' || c == ']' || c == '|' || c == '{' ||
                 c == '}')
            forbidden = true;
    }
    if (high && !wc_utf8_valid(title, len))
        return TITLES_BAD_UTF8;
    if (control)
        return TITLES_CONTROL_CHAR;
    return forbidden ? TITLES_FORBIDDEN_CHAR : 0;
}

const char *titles_invalid_reason_name(enum titles_invalid_reason reason)
{
    switch (reason) {
    case TITLES_EMPTY:
        return "empty";
    case TITLES_BAD_UTF8:
        return "bad_utf8";
    case TITLES_TOO_LONG:
        return "too_long";
    case TITLES_FORBIDDEN_CHAR:
        return "forbidden_char";
    case TITLES_CONTROL_CHAR:
        return "control_char";
    case TITLES_NOT_STRING:
        return "not_string";
    case TITLES_BAD_IDTITLE:
        return "bad_idtitle";
    }
    return "unknown";
}

const char *titles_invalid_reason_message(enum titles_invalid_reason reason)
{
    switch (reason) {
    case TITLES_EMPTY:
        return "title is empty";
    case TITLES_BAD_UTF8:
        return "title is not valid UTF-8";
    case TITLES_TOO_LONG:
        return "title is too long (more bytes than the limit)";
    case TITLES_FORBIDDEN_CHAR:
        return "title contains a forbidden character (one of # < > [ ] | { })";
    case TITLES_CONTROL_CHAR:
        return "title contains a control character";
    case TITLES_NOT_STRING:
        return "entry is not a JSON string";
    case TITLES_BAD_IDTITLE:
        return "line is not of the form \"ID; TITLE\"";
    }
    return "unknown reason";
}

/* ---- entries */

/* ASCII white space, and the multi-byte characters of Unicode's White_Space property (U+0085,
 * U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000): what Python's
 * str.strip() removes and MediaWiki would turn into underscores and trim anyway. */
static bool is_space_unit(const unsigned char *u, size_t n)
{
    if (n == 1)
        return u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r');
    if (n == 2)
        return u[0] == 0xC2 && (u[1] == 0x85 || u[1] == 0xA0);
    if (n != 3)
        return false;
    if (u[0] == 0xE1)
        return u[1] == 0x9A && u[2] == 0x80;
    if (u[0] == 0xE2 && u[1] == 0x80)
        return (u[2] >= 0x80 && u[2] <= 0x8A) || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF;
    if (u[0] == 0xE2 && u[1] == 0x81)
        return u[2] == 0x9F;
    if (u[0] == 0xE3)
        return u[1] == 0x80 && u[2] == 0x80;
    return false;
}

static void entry_reset(struct trimmed_entry *e)
{
    e->stored = 0;
    e->logical = 0;
    e->content = 0;
    e->started = false;
    e->unit_len = 0;
}

static void entry_unit(struct trimmed_entry *e, const unsigned char *u, size_t n, bool space)
{
    if (space && !e->started)
        return;
    e->started = true;
    for (size_t i = 0; i < n && e->stored < e->cap; i++)
        e->buf[e->stored++] = (char)u[i];
    e->logical += n;
    if (!space)
        e->content = e->logical;
}

/* An incomplete sequence is never white space: its bytes are kept as they are. */
static void entry_flush_unit(struct trimmed_entry *e)
{
    if (e->unit_len > 0)
        entry_unit(e, e->unit, e->unit_len, false);
    e->unit_len = 0;
}

static void entry_byte(struct trimmed_entry *e, unsigned char c)
{
    if (e->unit_len > 0) {
        if ((c & 0xC0) == 0x80) {
            e->unit[e->unit_len++] = c;
            if (e->unit_len == e->unit_need) {
                entry_unit(e, e->unit, e->unit_len, is_space_unit(e->unit, e->unit_len));
                e->unit_len = 0;
            }
            return;
        }
        entry_flush_unit(e);
    }
    size_t need = 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 4;
    if (need == 1) {
        entry_unit(e, &c, 1, is_space_unit(&c, 1));
        return;
    }
    e->unit[0] = c;
    e->unit_len = 1;
    e->unit_need = need;
}

/* A run of bytes at once: the common case, printable ASCII and spaces after the first character,
 * is copied without the per-byte bookkeeping; anything else goes through entry_byte(). */
static void entry_bytes(struct trimmed_entry *e, const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (e->started && e->unit_len == 0) {
            size_t j = i;
            size_t end_of_text = i; /* just past the last non-space of the run */
            while (j < n && p[j] >= ' ' && p[j] < 0x7F) {
                if (p[j] != ' ')
                    end_of_text = j + 1;
                j++;
            }
            if (j > i) {
                size_t room = e->cap - e->stored;
                size_t copy = j - i < room ? j - i : room;
                memcpy(e->buf + e->stored, p + i, copy);
                e->stored += copy;
                if (end_of_text > i)
                    e->content = e->logical + (end_of_text - i);
                e->logical += j - i;
                i = j;
                continue;
            }
        }
        entry_byte(e, p[i++]);
    }
}

/* ---- delivering entries */

static int report_title(struct titles_reader *r, const char *title, size_t len, uint64_t position)
{
    r->count++;
    if (r->cb.on_title == NULL)
        return 0;
    return r->cb.on_title(r->cb.ctx, title, len, position);
}

static int report_invalid(struct titles_reader *r, const char *raw, size_t len, uint64_t position,
                          enum titles_invalid_reason reason)
{
    r->count++;
    if (r->cb.on_invalid == NULL)
        return 0;
    return r->cb.on_invalid(r->cb.ctx, raw, len, position, reason);
}

/* Deliver a complete entry as a title or an invalid one, then forget it. An empty entry is
 * delivered too (TITLES_EMPTY): callers skip blank lines before calling this. */
static int entry_deliver(struct titles_reader *r, struct trimmed_entry *e, uint64_t position)
{
    entry_flush_unit(e);
    size_t max = r->opts.max_title_bytes;
    int rc;
    if (e->content > max) {
        /* stored == min(logical, cap) >= min(content, cap): the raw text is cut at cap. */
        size_t raw_len = (uint64_t)e->stored > e->content ? (size_t)e->content : e->stored;
        e->buf[raw_len] = '\0';
        rc = report_invalid(r, e->buf, raw_len, position, TITLES_TOO_LONG);
    } else {
        /* content <= max < cap: the whole trimmed entry is stored. */
        size_t len = (size_t)e->content;
        e->buf[len] = '\0';
        enum titles_invalid_reason reason = titles_check(e->buf, len, max);
        if (reason == 0)
            rc = report_title(r, e->buf, len, position);
        else
            rc = report_invalid(r, e->buf, len, position, reason);
    }
    entry_reset(e);
    return rc;
}

/* ---- TEXT and IDTITLE */

static int line_end(struct titles_reader *r)
{
    int rc = 0;
    if (r->opts.format == TITLES_FORMAT_TEXT) {
        entry_flush_unit(&r->title);
        if (r->title.content > 0)
            rc = entry_deliver(r, &r->title, r->line);
    } else if (r->id_done) {
        rc = entry_deliver(r, &r->title, r->line);
    } else {
        struct trimmed_entry *e = &r->line_text;
        entry_flush_unit(e);
        if (e->content > 0) {
            size_t raw_len = (uint64_t)e->stored > e->content ? (size_t)e->content : e->stored;
            e->buf[raw_len] = '\0';
            rc = report_invalid(r, e->buf, raw_len, r->line, TITLES_BAD_IDTITLE);
        }
    }
    entry_reset(&r->title);
    entry_reset(&r->line_text);
    r->id_done = false;
    r->after_semicolon = false;
    return rc;
}

/* A run of bytes of one line, without its '\n'. */
static void line_bytes(struct titles_reader *r, const unsigned char *p, size_t n)
{
    size_t i = 0;
    if (r->opts.format == TITLES_FORMAT_IDTITLE) {
        for (; i < n && !r->id_done; i++) {
            entry_byte(&r->line_text, p[i]);
            if (r->after_semicolon && p[i] == ' ')
                r->id_done = true;
            else
                r->after_semicolon = p[i] == ';';
        }
    }
    entry_bytes(&r->title, p + i, n - i);
}

static int line_byte(struct titles_reader *r, unsigned char c)
{
    if (c == '\n') {
        int rc = line_end(r);
        r->line++;
        return rc;
    }
    if (r->opts.format == TITLES_FORMAT_TEXT || r->id_done) {
        entry_byte(&r->title, c);
        return 0;
    }
    entry_byte(&r->line_text, c);
    if (r->after_semicolon && c == ' ')
        r->id_done = true;
    else
        r->after_semicolon = c == ';';
    return 0;
}

/* ---- JSON */

static void describe_byte(char *out, size_t size, unsigned char c)
{
    if (c >= 0x20 && c < 0x7F)
        snprintf(out, size, "'%c'", c);
    else
        snprintf(out, size, "byte 0x%02X", c);
}

/* A parse error at the current byte: "line L, column C: what [found]". */
static int json_error(struct titles_reader *r, const char *what, int found)
{
    char found_text[32] = "";
    if (found >= 0) {
        char b[16];
        describe_byte(b, sizeof b, (unsigned char)found);
        snprintf(found_text, sizeof found_text, ", found %s", b);
    }
    return wc_error_set(&r->error, WC_EPARSE, "line %llu, column %llu: %s%s",
                        (unsigned long long)r->line,
                        (unsigned long long)(r->column ? r->column : 1), what, found_text);
}

static bool is_json_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool in_object(const struct json_parser *j)
{
    size_t bit = j->depth - 1;
    return (j->is_object[bit / 8] >> (bit % 8)) & 1;
}

static int json_push(struct titles_reader *r, bool object)
{
    struct json_parser *j = &r->json;
    if (j->depth == JSON_MAX_DEPTH)
        return json_error(r, "arrays and objects nested too deeply", -1);
    size_t bit = j->depth++;
    if (object)
        j->is_object[bit / 8] |= (unsigned char)(1u << (bit % 8));
    else
        j->is_object[bit / 8] &= (unsigned char)~(1u << (bit % 8));
    j->state = object ? J_OBJ_FIRST : J_ARRAY_FIRST;
    return 0;
}

static void capture_start(struct json_parser *j, enum capture_kind kind, size_t limit)
{
    j->capture = kind;
    j->capture_depth = j->depth;
    j->capture_len = 0;
    j->capture_limit = limit < j->capture_cap ? limit : j->capture_cap;
}

static void capture_byte(struct json_parser *j, unsigned char c)
{
    if (j->capture_len < j->capture_limit)
        j->capture_buf[j->capture_len++] = (char)c;
}

/* A value just ended (the depth is back to the one it started at). */
static int json_value_done(struct titles_reader *r)
{
    struct json_parser *j = &r->json;
    int rc = 0;
    if (j->capture != CAP_NONE && j->depth == j->capture_depth) {
        j->capture_buf[j->capture_len] = '\0';
        if (j->capture == CAP_NOT_STRING) {
            rc = report_invalid(r, j->capture_buf, j->capture_len, j->index, TITLES_NOT_STRING);
        } else if (r->cb.on_option != NULL) {
            j->name[j->name_len] = '\0';
            rc = r->cb.on_option(r->cb.ctx, j->name, j->capture_buf, j->capture_len);
        }
        j->capture = CAP_NONE;
    }
    if (j->titles_depth != 0 && j->depth == j->titles_depth)
        j->index++;
    j->state = j->depth == 0 ? J_END : J_AFTER_VALUE;
    return rc;
}

static int json_close(struct titles_reader *r)
{
    struct json_parser *j = &r->json;
    if (j->depth == j->titles_depth) {
        j->titles_depth = 0;
        j->seen_titles = true;
    }
    if (j->depth == 1 && j->form == FORM_OBJECT && !j->seen_titles)
        return json_error(r, "the object has no \"titles\" member", -1);
    j->depth--;
    return json_value_done(r);
}

static enum json_role json_role(const struct json_parser *j)
{
    if (j->depth == 0)
        return ROLE_TOP;
    if (j->titles_depth != 0 && j->depth == j->titles_depth)
        return ROLE_TITLE;
    if (j->depth == 1 && j->form == FORM_OBJECT)
        return j->name_is_titles ? ROLE_TITLES_MEMBER : ROLE_OPTION;
    return ROLE_SKIP;
}

static void string_start(struct json_parser *j, enum string_kind kind, bool name)
{
    j->state = J_STRING;
    j->str_kind = kind;
    j->in_name = name;
    j->escape = 0;
    j->pending_high = 0;
    j->utf8_need = 0;
}

/* RFC 8259 section 8.1: JSON text is UTF-8. A title is checked whole when it is delivered (a bad
 * one is refused alone, like a bad line of a text upload); every other string, a member name or a
 * value that is skipped or captured, is checked here as it streams, and a bad byte makes the text
 * malformed. One step per raw byte: the continuation bytes the sequence still needs and the range
 * the next one must be in (RFC 3629 section 4), which rules out overlong forms, surrogates and
 * code points above U+10FFFF. False, and the state unchanged, when c cannot come next. */
static bool utf8_step(struct json_parser *j, unsigned char c)
{
    if (j->utf8_need > 0) {
        if (c < j->utf8_lo || c > j->utf8_hi)
            return false;
        j->utf8_need--;
        j->utf8_lo = 0x80;
        j->utf8_hi = 0xBF;
        return true;
    }
    if (c < 0x80)
        return true;
    unsigned char need, lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return false;
    j->utf8_need = need;
    j->utf8_lo = lo;
    j->utf8_hi = hi;
    return true;
}

/* Start any value whose meaning does not matter beyond its syntax. */
static int json_value_start(struct titles_reader *r, unsigned char c, enum string_kind kind)
{
    struct json_parser *j = &r->json;
    switch (c) {
    case '"':
        string_start(j, kind, false);
        return 0;
    case '[':
        return json_push(r, false);
    case '{':
        return json_push(r, true);
    case 't':
        j->literal = "true";
        break;
    case 'f':
        j->literal = "false";
        break;
    case 'n':
        j->literal = "null";
        break;
    case '-':
        j->state = J_NUMBER;
        j->number = N_MINUS;
        return 0;
    default:
        if (c >= '0' && c <= '9') {
            j->state = J_NUMBER;
            j->number = c == '0' ? N_ZERO : N_INT;
            return 0;
        }
        return json_error(r, "expected a value", c);
    }
    j->state = J_LITERAL;
    j->literal_pos = 1;
    return 0;
}

static int json_value_begin(struct titles_reader *r, unsigned char c)
{
    struct json_parser *j = &r->json;
    switch (json_role(j)) {
    case ROLE_TOP:
        if (c == '[') {
            j->form = FORM_ARRAY;
            int rc = json_push(r, false);
            j->titles_depth = j->depth;
            return rc;
        }
        if (c == '{') {
            j->form = FORM_OBJECT;
            return json_push(r, true);
        }
        return json_error(r, "expected '[' or '{' to start the title list", c);
    case ROLE_TITLES_MEMBER: {
        if (c != '[')
            return json_error(r, "the \"titles\" member must be an array", c);
        int rc = json_push(r, false);
        j->titles_depth = j->depth;
        return rc;
    }
    case ROLE_TITLE:
        if (c == '"') {
            entry_reset(&r->title);
            string_start(j, STR_TITLE, false);
            return 0;
        }
        capture_start(j, CAP_NOT_STRING, r->opts.max_title_bytes + RAW_SLACK);
        capture_byte(j, c);
        return json_value_start(r, c, STR_OTHER);
    case ROLE_OPTION:
        capture_start(j, CAP_OPTION, OPTION_VALUE_MAX);
        capture_byte(j, c);
        return json_value_start(r, c, STR_OTHER);
    case ROLE_SKIP:
        break;
    }
    return json_value_start(r, c, STR_OTHER);
}

static void string_emit(struct titles_reader *r, unsigned char c)
{
    struct json_parser *j = &r->json;
    if (j->str_kind == STR_TITLE) {
        entry_byte(&r->title, c);
    } else if (j->str_kind == STR_NAME && j->name_len < OPTION_MAX) {
        j->name[j->name_len++] = (char)c;
    }
}

/* UTF-8 for any code point up to U+10FFFF. A lone surrogate becomes its three-byte form (as in
 * WTF-8), which is not well-formed UTF-8, so titles_check() reports it as TITLES_BAD_UTF8. */
static void string_emit_code_point(struct titles_reader *r, uint32_t cp)
{
    if (cp < 0x80) {
        string_emit(r, (unsigned char)cp);
    } else if (cp < 0x800) {
        string_emit(r, (unsigned char)(0xC0 | (cp >> 6)));
        string_emit(r, (unsigned char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        string_emit(r, (unsigned char)(0xE0 | (cp >> 12)));
        string_emit(r, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
        string_emit(r, (unsigned char)(0x80 | (cp & 0x3F)));
    } else {
        string_emit(r, (unsigned char)(0xF0 | (cp >> 18)));
        string_emit(r, (unsigned char)(0x80 | ((cp >> 12) & 0x3F)));
        string_emit(r, (unsigned char)(0x80 | ((cp >> 6) & 0x3F)));
        string_emit(r, (unsigned char)(0x80 | (cp & 0x3F)));
    }
}

static void string_flush_high(struct titles_reader *r)
{
    if (r->json.pending_high != 0)
        string_emit_code_point(r, r->json.pending_high);
    r->json.pending_high = 0;
}

static int string_end(struct titles_reader *r)
{
    struct json_parser *j = &r->json;
    if (j->in_name) {
        j->in_name = false;
        j->state = J_COLON;
        if (j->str_kind == STR_NAME) {
            j->name_is_titles = j->name_len == 6 && memcmp(j->name, "titles", 6) == 0;
            if (j->name_is_titles && j->seen_titles)
                return json_error(r, "duplicate \"titles\" member", -1);
        }
        return 0;
    }
    if (j->str_kind == STR_TITLE) {
        int rc = entry_deliver(r, &r->title, j->index);
        if (rc != 0)
            return rc;
    }
    return json_value_done(r);
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 8259 section 7: escapes, \u with UTF-16 surrogate pairs, no raw control characters. */
static int string_byte(struct titles_reader *r, unsigned char c)
{
    struct json_parser *j = &r->json;
    if (j->escape == 0) {
        if ((c >= 0x80 || j->utf8_need > 0) && j->str_kind != STR_TITLE && !utf8_step(j, c))
            return json_error(r, "invalid UTF-8 in a string", c);
        if (c != '\\')
            string_flush_high(r);
        if (c == '"')
            return string_end(r);
        if (c == '\\') {
            j->escape = 1;
            return 0;
        }
        if (c < 0x20)
            return json_error(r, "control character in a string (it must be escaped)", c);
        string_emit(r, c);
        return 0;
    }
    if (j->escape == 1) {
        if (c == 'u') {
            j->escape = 2;
            j->code_unit = 0;
            return 0;
        }
        string_flush_high(r);
        j->escape = 0;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            string_emit(r, c);
            return 0;
        case 'b':
            string_emit(r, '\b');
            return 0;
        case 'f':
            string_emit(r, '\f');
            return 0;
        case 'n':
            string_emit(r, '\n');
            return 0;
        case 'r':
            string_emit(r, '\r');
            return 0;
        case 't':
            string_emit(r, '\t');
            return 0;
        default:
            return json_error(r, "invalid escape in a string", c);
        }
    }
    int h = hex_value(c);
    if (h < 0)
        return json_error(r, "invalid \\u escape: expected a hex digit", c);
    j->code_unit = j->code_unit * 16 + (uint32_t)h;
    if (++j->escape < 6)
        return 0;
    j->escape = 0;
    uint32_t cu = j->code_unit;
    if (j->pending_high != 0 && cu >= 0xDC00 && cu <= 0xDFFF) {
        string_emit_code_point(r, 0x10000 + ((j->pending_high - 0xD800) << 10) + (cu - 0xDC00));
        j->pending_high = 0;
        return 0;
    }
    string_flush_high(r);
    if (cu >= 0xD800 && cu <= 0xDBFF)
        j->pending_high = cu;
    else
        string_emit_code_point(r, cu);
    return 0;
}

/* RFC 8259 section 6. Returns 1 when c belongs to the number, 0 when the number ended before c,
 * -1 when the number is malformed. */
static int number_step(struct json_parser *j, unsigned char c)
{
    bool digit = c >= '0' && c <= '9';
    switch (j->number) {
    case N_MINUS:
        if (!digit)
            return -1;
        j->number = c == '0' ? N_ZERO : N_INT;
        return 1;
    case N_ZERO:
    case N_INT:
        if (digit && j->number == N_INT)
            return 1;
        if (c == '.') {
            j->number = N_DOT;
            return 1;
        }
        if (c == 'e' || c == 'E') {
            j->number = N_EXP_MARK;
            return 1;
        }
        return 0;
    case N_DOT:
        if (!digit)
            return -1;
        j->number = N_FRAC;
        return 1;
    case N_FRAC:
        if (digit)
            return 1;
        if (c == 'e' || c == 'E') {
            j->number = N_EXP_MARK;
            return 1;
        }
        return 0;
    case N_EXP_MARK:
        if (c == '+' || c == '-') {
            j->number = N_EXP_SIGN;
            return 1;
        }
        if (!digit)
            return -1;
        j->number = N_EXP;
        return 1;
    case N_EXP_SIGN:
        if (!digit)
            return -1;
        j->number = N_EXP;
        return 1;
    case N_EXP:
        return digit ? 1 : 0;
    }
    return -1;
}

static int json_byte(struct titles_reader *r, unsigned char c)
{
    struct json_parser *j = &r->json;
    if (j->state == J_NUMBER) {
        int step = number_step(j, c);
        if (step < 0)
            return json_error(r, "invalid number", c);
        if (step > 0) {
            if (j->capture != CAP_NONE)
                capture_byte(j, c);
            return 0;
        }
        /* The number ended just before c: c belongs to what follows. */
        int rc = json_value_done(r);
        if (rc != 0)
            return rc;
    }
    if (j->capture != CAP_NONE)
        capture_byte(j, c);
    switch (j->state) {
    case J_STRING:
        return string_byte(r, c);
    case J_LITERAL:
        if (c != (unsigned char)j->literal[j->literal_pos])
            return json_error(r, "invalid literal (true, false or null)", c);
        if (j->literal[++j->literal_pos] == '\0')
            return json_value_done(r);
        return 0;
    case J_NUMBER:
        break; /* handled above */
    case J_END:
        if (is_json_space(c))
            return 0;
        return json_error(r, "unexpected data after the end of the JSON value", c);
    case J_VALUE:
    case J_ARRAY_FIRST:
        if (is_json_space(c))
            return 0;
        if (c == ']' && j->state == J_ARRAY_FIRST)
            return json_close(r);
        return json_value_begin(r, c);
    case J_OBJ_FIRST:
    case J_OBJ_NEXT_NAME:
        if (is_json_space(c))
            return 0;
        if (c == '}' && j->state == J_OBJ_FIRST)
            return json_close(r);
        if (c != '"')
            return json_error(r, "expected a member name (a string)", c);
        string_start(j, j->depth == 1 ? STR_NAME : STR_OTHER, true);
        if (j->depth == 1) {
            j->name_len = 0;
            j->name_is_titles = false;
        }
        return 0;
    case J_COLON:
        if (is_json_space(c))
            return 0;
        if (c != ':')
            return json_error(r, "expected ':' after a member name", c);
        j->state = J_VALUE;
        return 0;
    case J_AFTER_VALUE:
        if (is_json_space(c))
            return 0;
        if (c == ',') {
            j->state = in_object(j) ? J_OBJ_NEXT_NAME : J_VALUE;
            return 0;
        }
        if (c == (in_object(j) ? '}' : ']'))
            return json_close(r);
        return json_error(r, in_object(j) ? "expected ',' or '}'" : "expected ',' or ']'", c);
    }
    return 0;
}

/* Take run bytes of the current string (json_string_run()): captured, and kept as the title or
 * the member name they belong to. Returns run. */
static size_t json_copy_run(struct titles_reader *r, const unsigned char *p, size_t run)
{
    struct json_parser *j = &r->json;
    if (j->capture != CAP_NONE) {
        size_t room = j->capture_limit - j->capture_len;
        size_t copy = run < room ? run : room;
        memcpy(j->capture_buf + j->capture_len, p, copy);
        j->capture_len += copy;
    }
    if (j->str_kind == STR_TITLE) {
        entry_bytes(&r->title, p, run);
    } else if (j->str_kind == STR_NAME) {
        size_t room = OPTION_MAX - j->name_len;
        size_t copy = run < room ? run : room;
        memcpy(j->name + j->name_len, p, copy);
        j->name_len += copy;
    }
    return run;
}

/* The part of json_string_run() that a string other than a title needs: a run of its bytes up to
 * the first '"', '\\', control character or byte that is not well-formed UTF-8. A whole sequence
 * in this feed is checked at once; one split across feeds, or a bad one, byte by byte. A byte
 * utf8_step() refuses ends the run: string_byte() then reports it at its own column. */
static size_t json_checked_run(struct titles_reader *r, const unsigned char *p, size_t n)
{
    struct json_parser *j = &r->json;
    size_t run = 0;
    while (run < n) {
        unsigned char c = p[run];
        if (c == '"' || c == '\\' || c < 0x20)
            break;
        if (c >= 0x80 || j->utf8_need > 0) {
            size_t len = j->utf8_need == 0 ? wc_utf8_sequence(p + run, n - run) : 0;
            if (len > 0) {
                r->column++;
                run += len;
                continue;
            }
            if (!utf8_step(j, c))
                break;
        }
        if ((c & 0xC0) != 0x80)
            r->column++;
        run++;
    }
    return run;
}

/* Inside a string, a run of bytes that are neither '"', '\\' nor control characters is taken at
 * once: this is most of a title list. Returns how many bytes were taken (0: none applies). */
static size_t json_string_run(struct titles_reader *r, const unsigned char *p, size_t n)
{
    struct json_parser *j = &r->json;
    if (j->state != J_STRING || j->escape != 0 || j->pending_high != 0)
        return 0;
    if (j->str_kind != STR_TITLE)
        return json_copy_run(r, p, json_checked_run(r, p, n));
    size_t run = 0;
    while (run < n && p[run] != '"' && p[run] != '\\' && p[run] >= 0x20) {
        if ((p[run] & 0xC0) != 0x80)
            r->column++;
        run++;
    }
    return json_copy_run(r, p, run);
}

static int json_feed_byte(struct titles_reader *r, unsigned char c)
{
    if ((c & 0xC0) != 0x80)
        r->column++; /* columns count characters, not bytes */
    int rc = json_byte(r, c);
    if (c == '\n') {
        r->line++;
        r->column = 0;
    }
    return rc;
}

/* ---- the reader */

static int process_byte(struct titles_reader *r, unsigned char c)
{
    if (r->opts.format == TITLES_FORMAT_JSON)
        return json_feed_byte(r, c);
    return line_byte(r, c);
}

/* Bytes of a partial BOM turned out not to be one: read them as input. */
static int replay_bom(struct titles_reader *r)
{
    size_t held = r->bom_matched;
    r->bom_done = true;
    r->bom_matched = 0;
    for (size_t k = 0; k < held; k++) {
        int rc = process_byte(r, utf8_bom[k]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Record a failure so that later calls refuse input with the same code, and give err the message.
 * A callback that stopped the reader may have written its own message into err: it is kept. */
static int fail(struct titles_reader *r, int rc, struct wc_error *err)
{
    if (r->error.code != rc) {
        if (err != NULL && err->code == rc)
            r->error = *err;
        else
            wc_error_set(&r->error, rc, "stopped by a callback (%s)", wc_strerror(rc));
    }
    r->failed = rc;
    if (err != NULL)
        *err = r->error;
    return rc;
}

/* Common entry checks of feed and finish: 0 to go on, else the value to return. */
static int refuse(struct titles_reader *r, struct wc_error *err)
{
    if (err != NULL) {
        err->code = 0;
        err->message[0] = '\0';
    }
    if (r->failed != 0) {
        if (err != NULL)
            *err = r->error;
        return r->failed;
    }
    return 0;
}

/* Read from p[0..n), n > 0: a run of bytes of one line and its '\n', a run of plain bytes of a JSON
 * string, or else one byte. Sets *used to the number of bytes consumed (at least 1). */
static int feed_some(struct titles_reader *r, const unsigned char *p, size_t n, size_t *used)
{
    if (r->opts.format == TITLES_FORMAT_JSON) {
        *used = json_string_run(r, p, n);
        if (*used > 0)
            return 0;
        *used = 1;
        return json_feed_byte(r, p[0]);
    }
    const unsigned char *nl = memchr(p, '\n', n);
    size_t line_len = nl != NULL ? (size_t)(nl - p) : n;
    line_bytes(r, p, line_len);
    *used = line_len;
    if (nl == NULL)
        return 0;
    *used = line_len + 1;
    return line_byte(r, '\n');
}

int titles_reader_feed(struct titles_reader *r, const char *data, size_t len, struct wc_error *err)
{
    int rc = refuse(r, err);
    if (rc != 0)
        return rc;
    if (r->finished)
        return wc_error_set(err, WC_EINVAL, "input after titles_reader_finish()");
    const unsigned char *p = (const unsigned char *)data;
    size_t i = 0;
    while (i < len) {
        if (!r->bom_done) {
            if (p[i] == utf8_bom[r->bom_matched]) {
                if (++r->bom_matched == sizeof utf8_bom) {
                    r->bom_done = true;
                    r->bom_matched = 0;
                }
                i++;
                continue;
            }
            rc = replay_bom(r);
            if (rc != 0)
                return fail(r, rc, err);
        }
        size_t used;
        rc = feed_some(r, p + i, len - i, &used);
        if (rc != 0)
            return fail(r, rc, err);
        i += used;
    }
    return 0;
}

int titles_reader_finish(struct titles_reader *r, struct wc_error *err)
{
    int rc = refuse(r, err);
    if (rc != 0 || r->finished)
        return rc;
    r->finished = true;
    if (!r->bom_done) {
        rc = replay_bom(r);
        if (rc != 0)
            return fail(r, rc, err);
    }
    if (r->opts.format != TITLES_FORMAT_JSON) {
        rc = line_end(r);
        return rc != 0 ? fail(r, rc, err) : 0;
    }
    if (r->json.state != J_END) {
        r->column++;
        rc = json_error(r, "unexpected end of input", -1);
        return fail(r, rc, err);
    }
    return 0;
}

uint64_t titles_reader_count(const struct titles_reader *r)
{
    return r->count;
}

static int entry_init(struct trimmed_entry *e, size_t cap)
{
    e->cap = cap;
    e->buf = malloc(cap + 1);
    if (e->buf == NULL)
        return WC_ENOMEM;
    entry_reset(e);
    return 0;
}

struct titles_reader *titles_reader_new(const struct titles_options *opts,
                                        const struct titles_callbacks *cb)
{
    if (opts->format != TITLES_FORMAT_TEXT && opts->format != TITLES_FORMAT_IDTITLE &&
        opts->format != TITLES_FORMAT_JSON)
        return NULL;
    size_t max = opts->max_title_bytes ? opts->max_title_bytes : DEFAULT_MAX_TITLE_BYTES;
    if (max > (size_t)-1 / 2 - OPTION_MAX)
        return NULL;
    struct titles_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->opts = *opts;
    r->opts.max_title_bytes = max;
    r->cb = *cb;
    r->line = 1;
    if (entry_init(&r->title, max + RAW_SLACK) != 0)
        goto fail;
    if (opts->format == TITLES_FORMAT_IDTITLE && entry_init(&r->line_text, max + RAW_SLACK) != 0)
        goto fail;
    if (opts->format == TITLES_FORMAT_JSON) {
        struct json_parser *j = &r->json;
        j->state = J_VALUE;
        j->capture_cap = max + RAW_SLACK > OPTION_VALUE_MAX ? max + RAW_SLACK : OPTION_VALUE_MAX;
        j->capture_buf = malloc(j->capture_cap + 1);
        if (j->capture_buf == NULL)
            goto fail;
    }
    return r;
fail:
    titles_reader_free(r);
    return NULL;
}

void titles_reader_free(struct titles_reader *r)
{
    if (r == NULL)
        return;
    free(r->json.capture_buf);
    free(r->line_text.buf);
    free(r->title.buf);
    free(r);
}
