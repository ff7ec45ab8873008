/* job_table.c - `wikicrawl list`'s table: one row per job status, for people at a terminal */
#include "job_table.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "wc_error.h"

enum {
    COL_ID,
    COL_STATUS,
    COL_WIKI,
    COL_TITLES,
    COL_PAGES,
    COL_FAILED,
    COL_CREATED,
    COL_LABELS,
    N_COLS
};

static const struct table_column job_columns[N_COLS] = {
    [COL_ID] = {"ID", TABLE_LEFT},           [COL_STATUS] = {"STATUS", TABLE_LEFT},
    [COL_WIKI] = {"WIKI", TABLE_LEFT},       [COL_TITLES] = {"TITLES", TABLE_RIGHT},
    [COL_PAGES] = {"PAGES", TABLE_RIGHT},    [COL_FAILED] = {"FAILED", TABLE_RIGHT},
    [COL_CREATED] = {"CREATED", TABLE_LEFT}, [COL_LABELS] = {"LABELS", TABLE_LEFT}};

/* What a cell shows when the status has no value for it. */
#define ABSENT "-"

int job_table_init(struct table *t)
{
    return table_init(t, job_columns, N_COLS);
}

/* "YYYY-MM-DDTHH:MM:SS" and then only a fraction and the Z of UTC, as jobs.c writes times. */
static int is_status_time(const char *s)
{
    static const char form[] = "dddd-dd-ddTdd:dd:dd";
    for (size_t i = 0; i < sizeof form - 1; i++) {
        int ok = form[i] == 'd' ? isdigit((unsigned char)s[i]) : s[i] == form[i];
        if (!ok)
            return 0; /* also at s's NUL, which is no digit nor separator */
    }
    const char *rest = s + sizeof form - 1;
    if (*rest == '.')
        for (rest++; isdigit((unsigned char)*rest);)
            rest++;
    return strcmp(rest, "Z") == 0;
}

void job_table_time(const char *iso, char *out, size_t size)
{
    if (is_status_time(iso))
        snprintf(out, size, "%.10s %.8s", iso, iso + 11);
    else
        snprintf(out, size, "%s", iso);
}

static void count_cell(const json_t *job, const char *name, char *out, size_t size)
{
    const json_t *value = json_object_get(job, name);
    if (json_is_integer(value))
        snprintf(out, size, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
    else
        snprintf(out, size, "%s", ABSENT);
}

static const char *string_cell(const json_t *job, const char *name)
{
    const char *value = json_string_value(json_object_get(job, name));
    return value && value[0] ? value : ABSENT;
}

int job_table_add(struct table *t, const json_t *job)
{
    char titles[32], pages[32], failed[32], created[64];
    struct wc_buf labels = WC_BUF_INIT;
    int rc = 0;
    count_cell(job, "titles", titles, sizeof titles);
    count_cell(job, "pages", pages, sizeof pages);
    count_cell(job, "failed", failed, sizeof failed);
    job_table_time(string_cell(job, "created"), created, sizeof created);
    const json_t *list = json_object_get(job, "labels");
    for (size_t i = 0; rc == 0 && i < json_array_size(list); i++) {
        const char *label = json_string_value(json_array_get(list, i));
        if (label == NULL)
            continue;
        if (labels.len > 0)
            rc = wc_buf_putc(&labels, ',');
        if (rc == 0)
            rc = wc_buf_puts(&labels, label);
    }
    if (rc == 0) {
        const char *cells[N_COLS] = {
            [COL_ID] = string_cell(job, "id"),
            [COL_STATUS] = string_cell(job, "status"),
            [COL_WIKI] = string_cell(job, "wiki"),
            [COL_TITLES] = titles,
            [COL_PAGES] = pages,
            [COL_FAILED] = failed,
            [COL_CREATED] = created,
            [COL_LABELS] = labels.len > 0 ? labels.data : ABSENT,
        };
        rc = table_add_row(t, cells);
    }
    wc_buf_free(&labels);
    return rc;
}
