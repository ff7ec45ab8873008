/* wikis.h - the wikis an operator allows (--wikis): names, API URLs and each one's budget */
#ifndef WC_WIKIS_H
#define WC_WIKIS_H

#include <stddef.h>

#include "wc_error.h"

/* The list is entries separated by commas or newlines:
 *
 *   NAME=API_URL[;rate=N][;inflight=N]
 *
 * NAME is 1..WIKI_NAME_MAX bytes of [a-z0-9_-] (it goes into Redis key names and query strings
 * as it is), API_URL starts with http:// or https:// and holds no blank, ',' or ';'. rate
 * (requests per second, 0: none) and inflight (requests in flight, 0: no cap) default to the
 * fleet's --rate and --max-inflight. Blank lines and lines starting with '#' are skipped (the file
 * form). Names are unique; the first entry is the wiki of a job that names none. */
#define WIKIS_MAX 32
#define WIKI_NAME_MAX 32
#define WIKI_URL_MAX 1024
/* The name of the one wiki of a deployment configured with --wiki alone. */
#define WIKI_DEFAULT_NAME "default"

struct wiki {
    char name[WIKI_NAME_MAX + 1];
    char api_url[WIKI_URL_MAX];
    int rate;     /* requests per second for the fleet; 0: no limit */
    int inflight; /* requests in flight for the fleet; 0: no cap */
};

struct wikis {
    size_t n;
    struct wiki wiki[WIKIS_MAX];
};

/* Prototypes */

/* Replace out with the wikis of text[0..len), giving an entry without rate or inflight
 * default_rate and default_inflight. 0, or WC_EINVAL with err saying which entry is wrong (out is
 * then unspecified); an empty list is WC_EINVAL too. */
int wikis_parse(struct wikis *out, const char *text, size_t len, int default_rate,
                int default_inflight, struct wc_error *err);

/* The index of the wiki named name[0..len), or -1. */
int wikis_find(const struct wikis *w, const char *name, size_t len);

/* True when name[0..len) has the form of a wiki name (it may still be unknown). */
int wikis_name_valid(const char *name, size_t len);

#endif
