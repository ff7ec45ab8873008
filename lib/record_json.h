/* record_json.h - a crawl record as one compact JSON object, keys in the schema's order */
#ifndef WC_RECORD_JSON_H
#define WC_RECORD_JSON_H

#include "buf.h"
#include "record.h"

/* The object is byte-identical to the reference's
 *   json.dumps(record, ensure_ascii=False, separators=(",", ":"))
 * with keys page_id, page_title, page_text, category, links, external_links, sections,
 * redirects_page, and redirects_page null when absent. Output is valid UTF-8 (see json_write.h). */

/* The keys of every record, in the order they are written (an export's manifest lists them). */
#define RECORD_JSON_N_FIELDS 8
extern const char *const record_json_fields[RECORD_JSON_N_FIELDS];

/* Prototypes */

/* Append the object (no trailing newline) to out. 0 or WC_ENOMEM. */
int record_json_append(struct wc_buf *out, const struct wc_record *r);

#endif
