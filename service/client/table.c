/* table.c - an aligned text table for people: a header row, columns as wide as their widest cell */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "wc_error.h"

/* Between two columns, as `docker ps` and `kubectl get` separate theirs. */
#define TABLE_GAP 3

size_t table_text_width(const char *s)
{
    size_t width = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) /* a continuation byte is part of the character before it */
            width++;
    return width;
}

static char *cell_copy(const char *cell)
{
    char *copy = strdup(cell ? cell : "");
    if (copy == NULL)
        return NULL;
    for (unsigned char *p = (unsigned char *)copy; *p; p++)
        if (*p < 0x20 || *p == 0x7F)
            *p = '?';
    return copy;
}

int table_init(struct table *t, const struct table_column *columns, size_t n_columns)
{
    memset(t, 0, sizeof *t);
    t->widths = calloc(n_columns ? n_columns : 1, sizeof *t->widths);
    if (t->widths == NULL)
        return WC_ENOMEM;
    t->columns = columns;
    t->n_columns = n_columns;
    for (size_t c = 0; c < n_columns; c++)
        t->widths[c] = table_text_width(columns[c].name);
    return 0;
}

int table_add_row(struct table *t, const char *const *cells)
{
    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? t->cap_rows * 2 : 64;
        char **grown = realloc(t->cells, cap * t->n_columns * sizeof *grown);
        if (grown == NULL)
            return WC_ENOMEM;
        t->cells = grown;
        t->cap_rows = cap;
    }
    char **row = t->cells + t->n_rows * t->n_columns;
    size_t c;
    for (c = 0; c < t->n_columns; c++) {
        row[c] = cell_copy(cells[c]);
        if (row[c] == NULL)
            break;
    }
    if (c < t->n_columns) {
        while (c-- > 0)
            free(row[c]);
        return WC_ENOMEM;
    }
    for (c = 0; c < t->n_columns; c++) {
        size_t width = table_text_width(row[c]);
        if (width > t->widths[c])
            t->widths[c] = width;
    }
    t->n_rows++;
    return 0;
}

static int render_line(const struct table *t, const char *const *cells, struct wc_buf *out)
{
    for (size_t c = 0; c < t->n_columns; c++) {
        size_t pad = t->widths[c] - table_text_width(cells[c]);
        int last = c + 1 == t->n_columns;
        int rc = 0;
        if (last && t->columns[c].align == TABLE_LEFT && cells[c][0] == '\0')
            break; /* the gap before it would be trailing blanks */
        if (c > 0)
            rc = wc_buf_printf(out, "%*s", TABLE_GAP, "");
        if (rc == 0 && t->columns[c].align == TABLE_RIGHT && pad > 0)
            rc = wc_buf_printf(out, "%*s", (int)pad, "");
        if (rc == 0)
            rc = wc_buf_puts(out, cells[c]);
        if (rc == 0 && t->columns[c].align == TABLE_LEFT && !last && pad > 0)
            rc = wc_buf_printf(out, "%*s", (int)pad, "");
        if (rc != 0)
            return rc;
    }
    return wc_buf_putc(out, '\n');
}

int table_render(const struct table *t, struct wc_buf *out)
{
    const char **header = malloc((t->n_columns ? t->n_columns : 1) * sizeof *header);
    if (header == NULL)
        return WC_ENOMEM;
    for (size_t c = 0; c < t->n_columns; c++)
        header[c] = t->columns[c].name;
    int rc = render_line(t, header, out);
    for (size_t r = 0; rc == 0 && r < t->n_rows; r++)
        rc = render_line(t, (const char *const *)(t->cells + r * t->n_columns), out);
    free(header);
    return rc;
}

void table_free(struct table *t)
{
    for (size_t i = 0; i < t->n_rows * t->n_columns; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t->widths);
    memset(t, 0, sizeof *t);
}
