/* fuzz_titles.c - libFuzzer target: the title reader on any input, cut into any pieces */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "titles.h"
#include "wc_error.h"

/* Input layout: byte 0 picks the format, byte 1 max_title_bytes, byte 2 a callback that stops the
 * reader, bytes 3..4 seed the cuts; the rest is the input. Checked:
 *  - every callback's own contract (valid, trimmed titles; raw text cut at max + 4; reasons that
 *    titles_check() agrees with; positions that only go forward);
 *  - the same callbacks, result and message whether the input comes whole or in random pieces;
 *  - TEXT and IDTITLE against a reference written the obvious way (split lines, trim, check);
 *  - JSON against jansson: a document jansson accepts, shaped as a title list and nested no deeper
 *    than 512, is accepted with the same elements and options in the same order. */

#define OPTION_MAX 1024       /* an option's name, cut (titles.h) */
#define OPTION_VALUE_MAX 4096 /* an option's raw value, cut (titles.h) */
#define JSON_MAX_DEPTH 512

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* One callback: kind 'T', 'I' or 'O'; text (title, raw entry, or option name) in the log. */
struct event {
    char kind;
    int reason;
    uint64_t position;
    size_t text_at, text_len;
};

struct events {
    struct wc_buf text;
    struct wc_buf list; /* struct event[] */
};

static size_t n_events(const struct events *ev)
{
    return ev->list.len / sizeof(struct event);
}

static const struct event *event_at(const struct events *ev, size_t i)
{
    return (const struct event *)ev->list.data + i;
}

static void add_event(struct events *ev, char kind, int reason, uint64_t position, const char *text,
                      size_t len)
{
    struct event e;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    e.reason = reason;
    e.position = position;
    e.text_at = ev->text.len;
    e.text_len = len;
    CHECK(wc_buf_append(&ev->text, text, len) == 0);
    CHECK(wc_buf_append(&ev->list, &e, sizeof e) == 0);
}

static void free_events(struct events *ev)
{
    wc_buf_free(&ev->text);
    wc_buf_free(&ev->list);
}

/* Options are compared by name only unless `full`: their raw value text is not in jansson's tree.
 */
static void check_same_events(const struct events *a, const struct events *b, bool full)
{
    CHECK(n_events(a) == n_events(b));
    for (size_t i = 0; i < n_events(a); i++) {
        const struct event *x = event_at(a, i);
        const struct event *y = event_at(b, i);
        CHECK(x->kind == y->kind && x->reason == y->reason && x->position == y->position);
        if (!full && x->kind == 'I' && x->reason == TITLES_NOT_STRING)
            continue;
        CHECK(x->text_len == y->text_len);
        CHECK(memcmp(a->text.data + x->text_at, b->text.data + y->text_at, x->text_len) == 0);
    }
}

/* ---- white space, as titles.h defines it */

/* Length of the white space character at s[0..n), or 0. */
static size_t space_len_at(const unsigned char *s, size_t n)
{
    if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
        return 1;
    if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
        return 2;
    if (n < 3)
        return 0;
    if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
        return 3;
    if (s[0] == 0xE2 && s[1] == 0x80 &&
        ((s[2] >= 0x80 && s[2] <= 0x8A) || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
        return 3;
    if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
        return 3;
    if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
        return 3;
    return 0;
}

/* Length of the white space character ending s[0..n), or 0. */
static size_t space_len_before(const unsigned char *s, size_t n)
{
    for (size_t k = 1; k <= 3 && k <= n; k++)
        if (space_len_at(s + n - k, k) == k)
            return k;
    return 0;
}

static void trim(const char **s, size_t *n)
{
    const unsigned char *p = (const unsigned char *)*s;
    size_t len = *n;
    size_t k;
    while ((k = space_len_at(p, len)) > 0) {
        p += k;
        len -= k;
    }
    while ((k = space_len_before(p, len)) > 0)
        len -= k;
    *s = (const char *)p;
    *n = len;
}

/* ---- the reader's run */

struct run_state {
    enum titles_format format;
    size_t max; /* as the reader sees it: never 0 */
    struct events ev;
    int stop_at;
    uint64_t last_position;
    bool any_position;
};

static int event_done(struct run_state *st)
{
    return (int)n_events(&st->ev) == st->stop_at ? WC_ESTOP : 0;
}

static void check_position(struct run_state *st, uint64_t position)
{
    /* Lines and array indexes only go forward, one entry per line or element. */
    CHECK(!st->any_position || position > st->last_position);
    if (st->format != TITLES_FORMAT_JSON)
        CHECK(position >= 1);
    st->last_position = position;
    st->any_position = true;
}

static int on_title(void *ctx, const char *title, size_t len, uint64_t position)
{
    struct run_state *st = ctx;
    CHECK(len > 0 && len <= st->max);
    CHECK(title[len] == '\0');
    CHECK(titles_check(title, len, st->max) == 0);
    CHECK(space_len_at((const unsigned char *)title, len) == 0);
    CHECK(space_len_before((const unsigned char *)title, len) == 0);
    check_position(st, position);
    add_event(&st->ev, 'T', 0, position, title, len);
    return event_done(st);
}

static int on_invalid(void *ctx, const char *raw, size_t len, uint64_t position,
                      enum titles_invalid_reason reason)
{
    struct run_state *st = ctx;
    CHECK(len <= st->max + 4);
    CHECK(reason >= TITLES_EMPTY && reason <= TITLES_BAD_IDTITLE);
    CHECK(space_len_at((const unsigned char *)raw, len) == 0);
    if (reason == TITLES_NOT_STRING) {
        CHECK(st->format == TITLES_FORMAT_JSON);
        CHECK(len > 0);
    } else if (reason == TITLES_BAD_IDTITLE) {
        CHECK(st->format == TITLES_FORMAT_IDTITLE);
        CHECK(len > 0);
    } else {
        /* The reason is the one titles_check() gives for the entry, even when cut. */
        CHECK(titles_check(raw, len, st->max) == reason);
        if (reason == TITLES_EMPTY)
            CHECK(st->format != TITLES_FORMAT_TEXT);
    }
    check_position(st, position);
    add_event(&st->ev, 'I', (int)reason, position, raw, len);
    return event_done(st);
}

static int on_option(void *ctx, const char *key, const char *value, size_t value_len)
{
    struct run_state *st = ctx;
    CHECK(st->format == TITLES_FORMAT_JSON);
    CHECK(strlen(key) <= OPTION_MAX);
    CHECK(value_len > 0 && value_len <= OPTION_VALUE_MAX);
    CHECK(value[value_len] == '\0');
    add_event(&st->ev, 'O', 0, 0, key, strlen(key));
    return event_done(st);
}

struct result {
    int rc;
    struct wc_error err;
    uint64_t count;
};

/* Read data; cut_seed 0 means at once, else in pieces of pseudo-random sizes (0 to 16 bytes). */
static struct result read_input(struct run_state *st, const char *data, size_t len,
                                uint32_t cut_seed)
{
    struct result res;
    memset(&res, 0, sizeof res);
    struct titles_options opts = {st->format, st->max};
    struct titles_callbacks cb = {on_title, on_invalid, on_option, st};
    struct titles_reader *r = titles_reader_new(&opts, &cb);
    CHECK(r != NULL);
    int rc = 0;
    size_t at = 0;
    uint32_t rng = cut_seed;
    while (rc == 0 && at < len) {
        size_t piece = len - at;
        if (cut_seed != 0) {
            rng = rng * 1103515245u + 12345u;
            size_t want = ((rng >> 16) % 16) + ((rng >> 8) % 4 == 0 ? 0 : 1);
            if (want < piece)
                piece = want;
        }
        rc = titles_reader_feed(r, data + at, piece, &res.err);
        at += piece;
    }
    if (rc == 0)
        rc = titles_reader_finish(r, &res.err);
    if (rc != 0) {
        /* Refused from then on, with the same code and message. */
        struct wc_error again;
        memset(&again, 0, sizeof again);
        CHECK(titles_reader_feed(r, "x", 1, &again) == rc);
        CHECK(again.code == rc && strcmp(again.message, res.err.message) == 0);
        CHECK(titles_reader_finish(r, NULL) == rc);
        CHECK(rc == WC_EPARSE || rc == WC_ESTOP);
        if (rc == WC_EPARSE) {
            CHECK(st->format == TITLES_FORMAT_JSON);
            CHECK(strncmp(res.err.message, "line ", 5) == 0);
        }
    }
    res.rc = rc;
    res.count = titles_reader_count(r);
    titles_reader_free(r);
    return res;
}

/* ---- references */

/* What the reader must report for one trimmed entry. */
static void expect_entry(struct events *ev, size_t max, const char *s, size_t n, uint64_t position)
{
    if (n > max) {
        add_event(ev, 'I', TITLES_TOO_LONG, position, s, n < max + 4 ? n : max + 4);
        return;
    }
    int reason = (int)titles_check(s, n, max);
    add_event(ev, reason ? 'I' : 'T', reason, position, s, n);
}

static void expect_lines(struct events *ev, enum titles_format format, size_t max,
                         const char *input, size_t len)
{
    if (len >= 3 && memcmp(input, "\xEF\xBB\xBF", 3) == 0) {
        input += 3;
        len -= 3;
    }
    uint64_t line_no = 0;
    while (len > 0 || line_no == 0) {
        line_no++;
        const char *nl = memchr(input, '\n', len);
        size_t line_len = nl ? (size_t)(nl - input) : len;
        const char *s = input;
        size_t n = line_len;
        input += nl ? line_len + 1 : line_len;
        len -= nl ? line_len + 1 : line_len;
        const char *sep = NULL;
        for (size_t i = 0; format == TITLES_FORMAT_IDTITLE && i + 1 < line_len; i++) {
            if (s[i] == ';' && s[i + 1] == ' ') {
                sep = s + i;
                break;
            }
        }
        if (sep != NULL) {
            n = line_len - (size_t)(sep + 2 - s);
            s = sep + 2;
            trim(&s, &n);
            expect_entry(ev, max, s, n, line_no);
            continue;
        }
        trim(&s, &n);
        if (n == 0)
            continue;
        if (format == TITLES_FORMAT_IDTITLE)
            add_event(ev, 'I', TITLES_BAD_IDTITLE, line_no, s, n < max + 4 ? n : max + 4);
        else
            expect_entry(ev, max, s, n, line_no);
    }
}

static size_t json_depth(json_t *v)
{
    size_t deepest = 0;
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            size_t d = json_depth(json_array_get(v, i));
            deepest = d > deepest ? d : deepest;
        }
        return deepest + 1;
    }
    if (json_is_object(v)) {
        const char *key;
        json_t *member;
        json_object_foreach(v, key, member)
        {
            size_t d = json_depth(member);
            deepest = d > deepest ? d : deepest;
        }
        return deepest + 1;
    }
    return 0;
}

static void expect_array(struct events *ev, size_t max, json_t *titles)
{
    for (size_t i = 0; i < json_array_size(titles); i++) {
        json_t *item = json_array_get(titles, i);
        if (!json_is_string(item)) {
            add_event(ev, 'I', TITLES_NOT_STRING, i, "", 0);
            continue;
        }
        const char *s = json_string_value(item);
        size_t n = json_string_length(item);
        trim(&s, &n);
        expect_entry(ev, max, s, n, i);
    }
}

/* Compare with jansson when it accepts the document; 1 when it did. */
static int check_json(const struct events *got, int rc, size_t max, const char *input, size_t len)
{
    /* A raw NUL byte is not JSON anywhere (RFC 8259: not white space, and a control character
     * inside a string must be escaped), and the reader refuses it; jansson skips one after a
     * number (`[1\0]` loads), so it is no reference for such input. */
    if (memchr(input, '\0', len) != NULL) {
        CHECK(rc != 0);
        return 0;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(input, len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL)
        return 0;
    struct events want;
    memset(&want, 0, sizeof want);
    bool shaped = true;
    if (json_is_array(doc)) {
        expect_array(&want, max, doc);
    } else {
        json_t *titles = json_object_get(doc, "titles");
        shaped = json_is_array(titles);
        const char *key;
        json_t *member;
        json_object_foreach(doc, key, member)
        {
            /* every other member is an option, arrays and objects too ("labels") */
            if (titles != NULL && member == titles)
                expect_array(&want, max, titles);
            else
                add_event(&want, 'O', 0, 0, key,
                          strlen(key) < OPTION_MAX ? strlen(key) : OPTION_MAX);
        }
    }
    if (json_depth(doc) <= JSON_MAX_DEPTH) {
        if (shaped) {
            CHECK(rc == 0);
            check_same_events(got, &want, false);
        } else {
            CHECK(rc == WC_EPARSE);
        }
    }
    free_events(&want);
    json_decref(doc);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 5)
        return 0;
    static const size_t maxes[] = {0, 1, 2, 3, 5, 8, 16, 255};
    enum titles_format format = (enum titles_format)(data[0] % 3);
    size_t max = maxes[data[1] % 8];
    int stop_at = data[2] >= 0xF0 ? data[2] - 0xEF : 0;
    uint32_t seed = ((uint32_t)data[3] << 8 | data[4]) + 1;
    const char *input = (const char *)data + 5;
    size_t len = size - 5;

    struct run_state whole;
    memset(&whole, 0, sizeof whole);
    whole.format = format;
    whole.max = max ? max : 255;
    whole.stop_at = stop_at;
    struct run_state split = whole;
    struct result a = read_input(&whole, input, len, 0);
    struct result b = read_input(&split, input, len, seed);

    CHECK(a.rc == b.rc);
    CHECK(strcmp(a.err.message, b.err.message) == 0);
    CHECK(a.count == b.count);
    check_same_events(&whole.ev, &split.ev, true);
    size_t n = n_events(&whole.ev);
    if (stop_at != 0 && n >= (size_t)stop_at)
        CHECK(a.rc == WC_ESTOP && n == (size_t)stop_at);

    if (stop_at == 0 && format != TITLES_FORMAT_JSON) {
        struct events want;
        memset(&want, 0, sizeof want);
        expect_lines(&want, format, whole.max, input, len);
        CHECK(a.rc == 0);
        check_same_events(&whole.ev, &want, true);
        CHECK(a.count == n);
        free_events(&want);
    } else if (stop_at == 0) {
        check_json(&whole.ev, a.rc, whole.max, input, len);
    }
    free_events(&whole.ev);
    free_events(&split.ev);
    return 0;
}
