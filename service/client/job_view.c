/* job_view.c - a job's status as the client reads it from GET /v1/jobs/ID */
#include "job_view.h"

#include <string.h>

#include <jansson.h>

int job_view_parse(const struct client_reply *reply, struct job_view *v)
{
    memset(v, 0, sizeof *v);
    json_t *root = reply->body.data ? json_loadb(reply->body.data, reply->body.len, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(root, "id"));
    const char *status = json_string_value(json_object_get(root, "status"));
    if (id == NULL || status == NULL) {
        json_decref(root);
        return WC_EPARSE;
    }
    snprintf(v->id, sizeof v->id, "%s", id);
    snprintf(v->status, sizeof v->status, "%s", status);
    struct {
        const char *name;
        long long *value;
    } fields[] = {{"titles", &v->titles},
                  {"chunks", &v->chunks},
                  {"chunks_done", &v->chunks_done},
                  {"pages", &v->pages},
                  {"disambiguation", &v->disambiguation},
                  {"missing", &v->missing},
                  {"invalid", &v->invalid},
                  {"failed", &v->failed},
                  {"duplicates", &v->duplicates}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        *fields[i].value = (long long)json_integer_value(json_object_get(root, fields[i].name));
    json_t *export = json_object_get(root, "export");
    const char *state = json_string_value(json_object_get(export, "state"));
    const char *location = json_string_value(json_object_get(export, "location"));
    const char *error = json_string_value(json_object_get(export, "error"));
    snprintf(v->export_state, sizeof v->export_state, "%s", state ? state : "");
    snprintf(v->export_location, sizeof v->export_location, "%s", location ? location : "");
    snprintf(v->export_error, sizeof v->export_error, "%s", error ? error : "");
    json_decref(root);
    return 0;
}

int job_view_export_over(const struct job_view *v)
{
    return v->export_state[0] == '\0' || strcmp(v->export_state, "done") == 0 ||
           strcmp(v->export_state, "failed") == 0;
}

int job_view_final(const struct job_view *v)
{
    return strcmp(v->status, "done") == 0 || strcmp(v->status, "cancelled") == 0;
}

long long job_view_accounted(const struct job_view *v)
{
    return v->pages + v->disambiguation + v->missing + v->invalid + v->failed;
}

int job_view_fetch(struct session *s, const char *command, const char *id, long wait_s,
                   struct client_reply *reply, struct job_view *view)
{
    char path[128];
    if (wait_s > 0)
        snprintf(path, sizeof path, "/v1/jobs/%s?wait=%ld", id, wait_s);
    else
        snprintf(path, sizeof path, "/v1/jobs/%s", id);
    struct wc_error err = {0};
    int rc, attempt = 0;
    do {
        rc = client_http_json(&s->http, "GET", path, wait_s + CLIENT_REQUEST_SLACK_S, reply, &err);
    } while (rc != 0 && session_retry(s, command, rc, &attempt, &err));
    if (rc == 0 && view && job_view_parse(reply, view) != 0) {
        rc = WC_EREMOTE;
        wc_error_set(&err, rc, "the status answer is not what the API sends");
    }
    if (rc != 0) {
        client_complain(s, command, err.message);
        return rc;
    }
    s->contacted = 1;
    return 0;
}
