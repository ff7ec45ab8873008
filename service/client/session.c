/* session.c - what every client command shares: the server, one session with retries, exit
 * codes, messages and usage text */
#include "session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "num.h"

/* After the server has answered once, failures that may pass (a restart, a broken transfer) are
 * retried this often, with delays doubling from RETRY_FIRST_MS to RETRY_MAX_MS: about a minute. */
#define RETRY_ATTEMPTS 8
#define RETRY_FIRST_MS 500
#define RETRY_MAX_MS 15000

static const char common_options[] =
    "  --server URL         the wikicrawl API (default $WIKICRAWL_SERVER, else\n"
    "                       " CLIENT_DEFAULT_SERVER ")\n"
    "  -h, --help           this text\n"
    "\n"
    "A service that requires API keys is sent $WIKICRAWL_API_KEY as a bearer token.\n";

static const char exit_codes[] =
    "Exit status: 0 success; 1 usage error, or a local file could not be read or written;\n"
    "2 the server refused the request (4xx: no such job, malformed titles, too many titles...),\n"
    "its message is printed; 3 the server could not be reached or failed (5xx); 4 the job was\n"
    "cancelled.\n";

void client_usage_print(FILE *out, const struct client_usage *usage)
{
    fputs(usage->head, out);
    fputs(common_options, out);
    fputc('\n', out);
    fputs(exit_codes, out);
    if (usage->notes) {
        fputc('\n', out);
        fputs(usage->notes, out);
    }
}

int client_usage_error(const struct client_usage *usage, const char *command, const char *message)
{
    if (message)
        fprintf(stderr, "wikicrawl %s: %s\n", command, message);
    const char *blank = strstr(usage->head, "\n\n");
    int len = blank ? (int)(blank - usage->head + 1) : (int)strlen(usage->head);
    fprintf(stderr, "%.*s`wikicrawl %s --help` tells more.\n", len, usage->head, command);
    return CLIENT_EXIT_USAGE;
}

int client_valid_id(const struct client_usage *usage, const char *command, const char *id)
{
    if (keys_job_id_valid(id))
        return 1;
    char message[128];
    snprintf(message, sizeof message, "'%.40s' is not a job id (32 hex digits)", id);
    client_usage_error(usage, command, message);
    return 0;
}

int client_parse_page_size(const char *arg, long *out)
{
    return num_parse_long(arg, 1, CLIENT_MAX_PAGE_SIZE, out) == 0 ? 0 : -1;
}

int client_exit_for(int rc)
{
    switch (rc) {
    case 0:
        return CLIENT_EXIT_OK;
    case WC_EINVAL:
        return CLIENT_EXIT_REFUSED;
    case WC_EREMOTE:
        return CLIENT_EXIT_UNREACHABLE;
    default:
        return CLIENT_EXIT_USAGE;
    }
}

void client_complain(struct session *s, const char *command, const char *message)
{
    if (s && s->progress_on)
        client_progress_break(&s->progress);
    fprintf(stderr, "wikicrawl %s: %s\n", command, message);
}

int client_print_body(const struct client_reply *reply, const char *command)
{
    if (reply->body.len > 0)
        fwrite(reply->body.data, 1, reply->body.len, stdout);
    putchar('\n');
    if (fflush(stdout) != 0) {
        fprintf(stderr, "wikicrawl %s: cannot write stdout: %s\n", command, strerror(errno));
        return CLIENT_EXIT_USAGE;
    }
    return CLIENT_EXIT_OK;
}

const char *session_server_url(const char *flag)
{
    if (flag)
        return flag;
    const char *env = getenv("WIKICRAWL_SERVER");
    return env && env[0] ? env : CLIENT_DEFAULT_SERVER;
}

int session_open(struct session *s, const char *server, const char *command)
{
    memset(s, 0, sizeof *s);
    struct wc_error err = {0};
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        client_complain(NULL, command, "cannot initialise libcurl");
        return -1;
    }
    if (client_http_init(&s->http, server, getenv("WIKICRAWL_API_KEY"), &err) != 0) {
        client_complain(NULL, command, err.message);
        client_http_free(&s->http);
        curl_global_cleanup();
        return -1;
    }
    return 0;
}

void session_close(struct session *s)
{
    client_http_free(&s->http);
    curl_global_cleanup();
}

int session_retry(struct session *s, const char *command, int rc, int *attempt,
                  const struct wc_error *err)
{
    if (rc != WC_EREMOTE || !s->contacted || *attempt >= RETRY_ATTEMPTS)
        return 0;
    long delay_ms = RETRY_FIRST_MS;
    for (int i = 0; i < *attempt && delay_ms < RETRY_MAX_MS; i++)
        delay_ms *= 2;
    if (delay_ms > RETRY_MAX_MS)
        delay_ms = RETRY_MAX_MS;
    (*attempt)++;
    char message[512];
    snprintf(message, sizeof message, "%s; retrying in %.1f s (%d/%d)", err->message,
             (double)delay_ms / 1000.0, *attempt, RETRY_ATTEMPTS);
    client_complain(s, command, message);
    usleep((useconds_t)delay_ms * 1000);
    return 1;
}
