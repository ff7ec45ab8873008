/* mem_watermark.h - is the store full? Redis memory marks with hysteresis */
#ifndef WC_MEM_WATERMARK_H
#define WC_MEM_WATERMARK_H

#include <stddef.h>

/* The marks, in thousandths of the limit. At ADMISSION new jobs are refused (they would fill
 * what the running ones need); at STOP workers stop claiming and finish what they hold (the
 * records of the titles in hand still need room). Both stay in force until used memory falls
 * below RESUME: between the marks the state is the one last decided, so a store hovering at a
 * mark does not flap. STOP - ADMISSION leaves the running jobs 7% of the limit to keep going;
 * 100% - STOP is the room for what the workers hold when they stop claiming. */
#define MEM_WATERMARK_RESUME_PERMILLE 800
#define MEM_WATERMARK_ADMISSION_PERMILLE 850
#define MEM_WATERMARK_STOP_PERMILLE 920

enum mem_level {
    MEM_OK = 0,         /* no limit, or below the marks */
    MEM_ADMISSION_SHUT, /* new jobs and retries are refused (507 store_full) */
    MEM_CLAIMS_STOPPED, /* ...and workers claim no new chunk */
};

/* The decision so far; zero-initialised is "ok". One per process (or per probe), owned by the
 * caller. */
struct mem_watermark {
    enum mem_level level;
};

/* Prototypes */

/* The limit to respect: Redis's own maxmemory when it has one (> 0), else configured (0: none). */
long long mem_watermark_limit(long long redis_maxmemory, long long configured);

/* Decide the level from used and limit bytes (limit <= 0: no limit, always MEM_OK), rising at
 * once when a mark is crossed, falling to MEM_OK only below the resume mark. Returns the new
 * level, also kept in wm. */
enum mem_level mem_watermark_update(struct mem_watermark *wm, long long used, long long limit);

/* Read used_memory and maxmemory from the text of Redis's INFO memory (len bytes, "field:value"
 * lines ending in CRLF). 0, or WC_EPARSE when either field is missing or not a number. */
int mem_watermark_parse_info(const char *text, size_t len, long long *used, long long *maxmemory);

#endif
