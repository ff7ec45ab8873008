/* table.h - an aligned text table for people: a header row, columns as wide as their widest cell */
#ifndef WC_CLIENT_TABLE_H
#define WC_CLIENT_TABLE_H

#include <stddef.h>

#include "buf.h"

enum table_align {
    TABLE_LEFT,
    TABLE_RIGHT, /* numbers, so that their digits line up */
};

struct table_column {
    const char *name; /* the header */
    enum table_align align;
};

/* Rows are kept until table_render(), since a column's width is known only once every row is in.
 * columns stays the caller's and must outlive the table; everything else is the table's. */
struct table {
    const struct table_column *columns;
    size_t n_columns;
    char **cells; /* n_rows * n_columns copies, row after row */
    size_t n_rows;
    size_t cap_rows;
    size_t *widths; /* per column, in characters, header included */
};

/* Prototypes */

/* An empty table of n_columns columns (at least 1). 0 or WC_ENOMEM. */
int table_init(struct table *t, const struct table_column *columns, size_t n_columns);

/* Append a row of n_columns cells (copied; NULL is an empty cell). Control characters become '?'
 * on the copy: a cell may come from the server, and the table goes to a terminal, which would
 * obey them. 0 or WC_ENOMEM (the table is then unchanged). */
int table_add_row(struct table *t, const char *const *cells);

/* Append the table to out: the header, then the rows, one line each, columns three spaces apart
 * as `docker ps` and `kubectl get` print them. The last column is not padded when left-aligned,
 * so lines have no trailing blanks. 0 or WC_ENOMEM. */
int table_render(const struct table *t, struct wc_buf *out);

/* Release the rows; the table is then empty and must be set up again with table_init(). */
void table_free(struct table *t);

/* The width of UTF-8 text in characters (code points): what a terminal shows for the labels and
 * names a job carries, except East Asian wide characters, which take two cells there. */
size_t table_text_width(const char *s);

#endif
