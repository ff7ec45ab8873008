/* record.c - releasing a crawl record */
#include "record.h"

#include <stdlib.h>

void wc_record_free(struct wc_record *r)
{
    if (r == NULL)
        return;
    free(r->page_id);
    free(r->page_title);
    free(r->page_text);
    free(r->category.items);
    free(r->links.items);
    free(r->external_links.items);
    free(r->sections.items);
    json_decref(r->answer);
    free(r->strings);
    free(r);
}
