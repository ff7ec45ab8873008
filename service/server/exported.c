/* exported.c - 410 exported: a range of a job's lines that left Redis for its export */
#include "server.h"
#include "export_request.h"
#include "json_write.h"

#include <stdio.h>
#include <string.h>

long long exported_lines(const struct job_status *st, int errors)
{
    if (strcmp(st->export_keep, EXPORT_KEEP_EXPORT) != 0)
        return 0;
    /* results leave part by part, as each is durable; errors all at once, at the end */
    if (!errors)
        return st->export_records;
    return strcmp(st->export_state, JOB_EXPORT_DONE) == 0 ? st->n_errors : 0;
}

enum MHD_Result respond_exported(struct MHD_Connection *c, const struct job_status *st, int errors,
                                 long long exported)
{
    struct wc_buf body = WC_BUF_INIT, message = WC_BUF_INIT, link = WC_BUF_INIT;
    enum MHD_Result ret = MHD_NO;
    if (wc_buf_printf(&message,
                      "%s 1 to %lld of this job left Redis for its export: read them from %s "
                      "(its _manifest.json lists the parts); the API serves from cursor %lld",
                      errors ? "error lines" : "records", exported, st->export_location,
                      exported) != 0 ||
        wc_buf_putc(&message, '\0') != 0 ||
        wc_buf_puts(&body, "{\"error\":{\"code\":\"exported\",\"message\":") != 0 ||
        json_write_cstring(&body, message.data) != 0 || wc_buf_puts(&body, "}}") != 0 ||
        wc_buf_printf(&link, "<%s_manifest.json>; rel=\"describedby\"", st->export_location) != 0 ||
        wc_buf_putc(&link, '\0') != 0)
        goto out;
    const char *headers[] = {"Link", link.data, NULL};
    ret = respond_json_headers(c, MHD_HTTP_GONE, &body, headers);
out:
    wc_buf_free(&body);
    wc_buf_free(&message);
    wc_buf_free(&link);
    return ret;
}
