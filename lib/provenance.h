/* provenance.h - the opt-in fields that say where a record came from: names, and their JSON */
#ifndef WC_PROVENANCE_H
#define WC_PROVENANCE_H

#include <stddef.h>

#include "buf.h"
#include "wc_error.h"

/* A job may ask for any of these; they follow the 8 contract fields of its records in this
 * fixed order, whatever the order asked:
 *   "wiki"         string  the name of the job's wiki (lib/wikis.h)
 *   "revision_id"  integer the parse's revid; null when the answer gave none
 *   "wikidata_id"  string  the page's wikibase_item page property; null when it has none
 *   "touched"      string  the page's touched time from the resolution query (action=query
 *                          prop=info); null when the title was not resolved (--resolve-batch 0,
 *                          or its batch's answer never came)
 * A job that asks for none has records of the 8 fields, byte for byte as before. */
enum provenance_field {
    PROVENANCE_WIKI = 1,
    PROVENANCE_REVISION_ID = 2,
    PROVENANCE_WIKIDATA_ID = 4,
    PROVENANCE_TOUCHED = 8,
};
#define PROVENANCE_ALL 15u

/* What the fields of one record say. Strings NULL (or "") and revision_id 0 are written null. */
struct provenance {
    const char *wiki;
    long long revision_id;
    const char *wikidata_id;
    const char *touched;
};

/* Prototypes */

/* The set (enum provenance_field bits) of s[0..len), names separated by commas ("wiki,touched":
 * the query parameter and the stored form). A name given twice counts once; "" is the empty
 * set. 0, or WC_EINVAL with err naming the fields there are. */
int provenance_parse_list(const char *s, size_t len, unsigned *set, struct wc_error *err);

/* The set of a list the front end stored (provenance_list()'s form), read by the other
 * processes: one they cannot read is the empty set. */
unsigned provenance_stored(const char *s, size_t len);

/* The same for json[0..len), a JSON array of strings (a body's "fields" member). */
int provenance_parse_json(const char *json, size_t len, unsigned *set, struct wc_error *err);

/* Append the names of set, comma-separated in the fixed order (the stored form). 0 or
 * WC_ENOMEM. */
int provenance_list(unsigned set, struct wc_buf *out);

/* Point out[0..n) at the names of set in the fixed order (static strings; out has room for 4).
 * Returns n. */
size_t provenance_names(unsigned set, const char **out);

/* Append the names of set as a JSON array in the fixed order (the status, the manifest). 0 or
 * WC_ENOMEM. */
int provenance_json(unsigned set, struct wc_buf *out);

/* Append to out the record record[0..len) (a JSON object, as record_json writes it) with the
 * fields of set after its own: `{...,"wiki":"de","revision_id":123}`. With an empty set, the
 * record as it is. 0, WC_ENOMEM, or WC_EINVAL when record does not end with '}'. */
int provenance_append(struct wc_buf *out, const char *record, size_t len, unsigned set,
                      const struct provenance *p);

#endif
