/* mem_watermark.c - is the store full? Redis memory marks with hysteresis */
#include "mem_watermark.h"
#include "num.h"
#include "wc_error.h"

#include <limits.h>
#include <string.h>

long long mem_watermark_limit(long long redis_maxmemory, long long configured)
{
    if (redis_maxmemory > 0)
        return redis_maxmemory;
    return configured > 0 ? configured : 0;
}

/* used >= permille/1000 of limit. In doubles, which hold any byte count within a part in 2^53:
 * plenty for a mark, and no product can overflow. */
static int at_or_above(long long used, long long limit, int permille)
{
    return (double)used * 1000.0 >= (double)limit * permille;
}

enum mem_level mem_watermark_update(struct mem_watermark *wm, long long used, long long limit)
{
    enum mem_level level = MEM_OK;
    if (limit > 0) {
        if (at_or_above(used, limit, MEM_WATERMARK_STOP_PERMILLE))
            level = MEM_CLAIMS_STOPPED;
        else if (at_or_above(used, limit, MEM_WATERMARK_ADMISSION_PERMILLE))
            level = MEM_ADMISSION_SHUT;
        /* Between the resume mark and a mark that is no longer reached: keep what was decided. */
        if (level < wm->level && at_or_above(used, limit, MEM_WATERMARK_RESUME_PERMILLE))
            level = wm->level;
    }
    wm->level = level;
    return level;
}

/* The value of "name:" at the start of a line of text, as a number. */
static int info_field(const char *text, size_t len, const char *name, long long *out)
{
    size_t name_len = strlen(name);
    const char *end = text + len;
    for (const char *line = text; line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        const char *stop = eol ? eol : end;
        if ((size_t)(stop - line) > name_len && memcmp(line, name, name_len) == 0 &&
            line[name_len] == ':') {
            const char *value = line + name_len + 1;
            size_t value_len = (size_t)(stop - value);
            if (value_len > 0 && value[value_len - 1] == '\r')
                value_len--;
            char digits[32];
            if (value_len == 0 || value_len >= sizeof digits)
                return WC_EPARSE;
            memcpy(digits, value, value_len);
            digits[value_len] = '\0';
            return num_parse_ll(digits, 0, LLONG_MAX, out) == 0 ? 0 : WC_EPARSE;
        }
        line = stop + 1;
    }
    return WC_EPARSE;
}

int mem_watermark_parse_info(const char *text, size_t len, long long *used, long long *maxmemory)
{
    if (info_field(text, len, "used_memory", used) != 0)
        return WC_EPARSE;
    return info_field(text, len, "maxmemory", maxmemory);
}
