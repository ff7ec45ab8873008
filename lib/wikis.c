/* wikis.c - the wikis an operator allows: the --wikis list parser (see wikis.h) */
#include "wikis.h"
#include "num.h"

#include <string.h>

int wikis_name_valid(const char *name, size_t len)
{
    if (len == 0 || len > WIKI_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

int wikis_find(const struct wikis *w, const char *name, size_t len)
{
    for (size_t i = 0; i < w->n; i++)
        if (strlen(w->wiki[i].name) == len && memcmp(w->wiki[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* One ";key=N" option of an entry, s[0..len) without the ';'. */
static int parse_option(struct wiki *wk, const char *s, size_t len, struct wc_error *err)
{
    const char *eq = memchr(s, '=', len);
    long n;
    if (eq == NULL || num_parse_long_n(eq + 1, len - (size_t)(eq + 1 - s), 0, 100000, &n) != 0)
        return wc_error_set(err, WC_EINVAL,
                            "wiki %s: '%.*s' must be rate=N or inflight=N (0..100000)", wk->name,
                            (int)len, s);
    size_t key_len = (size_t)(eq - s);
    if (key_len == 4 && memcmp(s, "rate", 4) == 0)
        wk->rate = (int)n;
    else if (key_len == 8 && memcmp(s, "inflight", 8) == 0)
        wk->inflight = (int)n;
    else
        return wc_error_set(err, WC_EINVAL, "wiki %s: unknown option '%.*s' (rate, inflight)",
                            wk->name, (int)key_len, s);
    return 0;
}

/* One entry s[0..len), trimmed, not empty and not a comment. */
static int parse_entry(struct wikis *out, const char *s, size_t len, int default_rate,
                       int default_inflight, struct wc_error *err)
{
    if (out->n == WIKIS_MAX)
        return wc_error_set(err, WC_EINVAL, "at most %d wikis", WIKIS_MAX);
    const char *eq = memchr(s, '=', len);
    if (eq == NULL || !wikis_name_valid(s, (size_t)(eq - s)))
        return wc_error_set(err, WC_EINVAL,
                            "'%.*s' must be NAME=API_URL, NAME of 1 to %d of a-z 0-9 _ -",
                            (int)(len > 80 ? 80 : len), s, WIKI_NAME_MAX);
    size_t name_len = (size_t)(eq - s);
    if (wikis_find(out, s, name_len) >= 0)
        return wc_error_set(err, WC_EINVAL, "wiki %.*s is named twice", (int)name_len, s);
    struct wiki *wk = &out->wiki[out->n];
    memset(wk, 0, sizeof *wk);
    memcpy(wk->name, s, name_len);
    wk->rate = default_rate;
    wk->inflight = default_inflight;
    const char *url = eq + 1, *end = s + len;
    const char *semi = memchr(url, ';', (size_t)(end - url));
    const char *url_end = semi ? semi : end;
    size_t url_len = (size_t)(url_end - url);
    int scheme = (url_len > 7 && memcmp(url, "http://", 7) == 0) ||
                 (url_len > 8 && memcmp(url, "https://", 8) == 0);
    for (size_t i = 0; scheme && i < url_len; i++)
        if (is_blank(url[i]))
            scheme = 0;
    if (!scheme || url_len >= WIKI_URL_MAX)
        return wc_error_set(err, WC_EINVAL,
                            "wiki %s: the API URL must be http(s)://... without "
                            "blanks, at most %d bytes",
                            wk->name, WIKI_URL_MAX - 1);
    memcpy(wk->api_url, url, url_len);
    while (semi != NULL) {
        const char *opt = semi + 1;
        semi = memchr(opt, ';', (size_t)(end - opt));
        int rc = parse_option(wk, opt, (size_t)((semi ? semi : end) - opt), err);
        if (rc != 0)
            return rc;
    }
    out->n++;
    return 0;
}

/* The entries of one line (or of the whole comma-separated form), trimmed; a blank one is
 * skipped. */
static int parse_line(struct wikis *out, const char *at, const char *end, int default_rate,
                      int default_inflight, struct wc_error *err)
{
    while (at < end) {
        const char *stop = memchr(at, ',', (size_t)(end - at));
        const char *s = at, *e = stop ? stop : end;
        at = stop ? stop + 1 : end;
        while (s < e && is_blank(*s))
            s++;
        while (e > s && is_blank(e[-1]))
            e--;
        if (s == e)
            continue;
        int rc = parse_entry(out, s, (size_t)(e - s), default_rate, default_inflight, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int wikis_parse(struct wikis *out, const char *text, size_t len, int default_rate,
                int default_inflight, struct wc_error *err)
{
    out->n = 0;
    const char *at = text, *end = text + len;
    while (at < end) {
        const char *nl = memchr(at, '\n', (size_t)(end - at));
        const char *line = at, *line_end = nl ? nl : end;
        at = nl ? nl + 1 : end;
        while (line < line_end && is_blank(*line))
            line++;
        if (line < line_end && *line == '#')
            continue; /* a comment line of the file form */
        int rc = parse_line(out, line, line_end, default_rate, default_inflight, err);
        if (rc != 0)
            return rc;
    }
    if (out->n == 0)
        return wc_error_set(err, WC_EINVAL, "the list of wikis is empty");
    return 0;
}
