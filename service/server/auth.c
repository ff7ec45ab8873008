/* auth.c - API keys by SHA-256 digest, compared in constant time; jobs in flight per key */
#include "auth.h"
#include "common/jobs.h"
#include "keys.h"
#include "common/rconn.h"
#include "sha256.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct auth {
    uint8_t (*digests)[SHA256_DIGEST_LEN];
    unsigned *may; /* AUTH_MAY_* of each key */
    int n;
};

/* The marks a keys file line names after its key (mark: its second column, may be empty). 0 or
 * WC_EINVAL. */
static int parse_marks(const char *mark, unsigned *may)
{
    *may = 0;
    if (mark[0] == '\0')
        return 0;
    if (strcmp(mark, "high") == 0) {
        *may = AUTH_MAY_HIGH;
        return 0;
    }
    return WC_EINVAL;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

struct auth *auth_load(const char *path, struct wc_error *err)
{
    struct auth *a = calloc(1, sizeof *a);
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    int n_alloc = 0;
    if (a == NULL) {
        wc_error_set(err, WC_ENOMEM, "out of memory");
        goto fail;
    }
    if (f == NULL) {
        wc_error_set(err, WC_EIO, "cannot read the API keys file %s: %s", path, strerror(errno));
        goto fail;
    }
    int line_no = 0;
    while (getline(&line, &cap, f) >= 0) {
        line_no++;
        char *key = trim(line);
        if (key[0] == '\0' || key[0] == '#')
            continue;
        size_t key_len = strcspn(key, " \t");
        char *mark = trim(key + key_len);
        unsigned may;
        if (parse_marks(mark, &may) != 0) {
            wc_error_set(err, WC_EINVAL,
                         "the API keys file %s, line %d: after the key, only \"high\" may follow",
                         path, line_no);
            goto fail;
        }
        if (a->n == n_alloc) {
            n_alloc = n_alloc ? n_alloc * 2 : 8;
            void *grown = realloc(a->digests, (size_t)n_alloc * sizeof *a->digests);
            if (grown != NULL)
                a->digests = grown;
            unsigned *grown_may = realloc(a->may, (size_t)n_alloc * sizeof *a->may);
            if (grown_may != NULL)
                a->may = grown_may;
            if (grown == NULL || grown_may == NULL) {
                wc_error_set(err, WC_ENOMEM, "out of memory");
                goto fail;
            }
        }
        a->may[a->n] = may;
        sha256(key, key_len, a->digests[a->n++]);
        explicit_bzero(line, cap);
    }
    if (a->n == 0) {
        wc_error_set(err, WC_EINVAL, "the API keys file %s holds no key", path);
        goto fail;
    }
    free(line);
    fclose(f);
    return a;
fail:
    if (line)
        explicit_bzero(line, cap);
    free(line);
    if (f)
        fclose(f);
    auth_free(a);
    return NULL;
}

enum auth_verdict auth_check(const struct auth *a, const char *authorization, char *owner,
                             unsigned *may)
{
    static const char bearer[] = "Bearer ";
    if (authorization == NULL || strncasecmp(authorization, bearer, sizeof bearer - 1) != 0)
        return AUTH_MISSING;
    const char *key = authorization + sizeof bearer - 1;
    while (*key == ' ')
        key++;
    size_t len = strlen(key);
    while (len > 0 && key[len - 1] == ' ')
        len--;
    if (len == 0)
        return AUTH_MISSING;
    uint8_t digest[SHA256_DIGEST_LEN];
    sha256(key, len, digest);
    /* Every stored digest is compared, so the time does not tell which key was close. */
    int found = -1;
    for (int i = 0; i < a->n; i++)
        if (sha256_equal_ct(digest, a->digests[i], SHA256_DIGEST_LEN))
            found = i;
    if (found < 0)
        return AUTH_UNKNOWN;
    *may = a->may[found];
    for (int i = 0; i < AUTH_OWNER_LEN / 2; i++)
        snprintf(owner + 2 * i, 3, "%02x", digest[i]);
    return AUTH_OK;
}

int auth_count(const struct auth *a)
{
    return a ? a->n : 0;
}

void auth_free(struct auth *a)
{
    if (a == NULL)
        return;
    if (a->digests)
        explicit_bzero(a->digests, (size_t)a->n * sizeof *a->digests);
    free(a->digests);
    free(a->may);
    free(a);
}

long long auth_jobs_in_flight(redisContext *c, const char *owner, struct wc_error *err)
{
    char set[KEYS_MAX];
    keys_owner_jobs(set, sizeof set, owner);
    const char *argv[] = {"SMEMBERS", set};
    redisReply *members = rconn_run(c, 2, argv, NULL, err);
    if (members == NULL)
        return WC_EREMOTE;
    long long live = 0;
    for (size_t i = 0; i < members->elements; i++) {
        const char *id = members->element[i]->str;
        struct job_status st;
        int rc = keys_job_id_valid(id) ? jobs_get(c, id, &st, err) : 1;
        if (rc < 0) {
            live = WC_EREMOTE;
            break;
        }
        if (rc == 0 && !jobs_is_final(&st)) {
            live++;
            continue;
        }
        redisReply *r = redisCommand(c, "SREM %s %s", set, id);
        freeReplyObject(r);
    }
    freeReplyObject(members);
    return live;
}

int auth_track_job(redisContext *c, const char *owner, const char *job_id, struct wc_error *err)
{
    char set[KEYS_MAX];
    keys_owner_jobs(set, sizeof set, owner);
    const char *argv[] = {"SADD", set, job_id};
    redisReply *r = rconn_run(c, 3, argv, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    freeReplyObject(r);
    /* The sweep (common/sweep.h) walks the sets of the owners in this registry. */
    char owners[KEYS_MAX];
    keys_queue(owners, sizeof owners, "owners");
    const char *reg[] = {"SADD", owners, owner};
    r = rconn_run(c, 3, reg, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    freeReplyObject(r);
    return 0;
}

int auth_admit_job(redisContext *c, const char *owner, const char *job_id, int max_jobs,
                   long long *others_live, struct wc_error *err)
{
    *others_live = 0;
    int rc = auth_track_job(c, owner, job_id, err);
    if (rc != 0 || max_jobs <= 0)
        return rc;
    long long live = auth_jobs_in_flight(c, owner, err);
    if (live < 0)
        return (int)live;
    if (live <= max_jobs)
        return AUTH_ADMITTED;
    *others_live = live - 1;
    char set[KEYS_MAX];
    keys_owner_jobs(set, sizeof set, owner);
    const char *argv[] = {"SREM", set, job_id};
    redisReply *r = rconn_run(c, 3, argv, NULL, err);
    if (r == NULL)
        return WC_EREMOTE;
    freeReplyObject(r);
    return AUTH_REFUSED;
}
