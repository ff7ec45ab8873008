/* fuzz_mwquery.c - libFuzzer target: mwquery_parse() on arbitrary answers to arbitrary batches */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mwparse.h"
#include "mwquery.h"
#include "wc_error.h"

/* Input layout: byte 0 picks the HTTP status; then the submitted titles up to the first '\n',
 * separated by '|' (the titles= separator, so no title can hold one: every title is batchable
 * unless it holds U+001F, which is then dropped), 1..MWQUERY_BATCH_HIGH of them; the rest is the
 * body. Each title is a separate allocation, so that a read past its end traps in ASan. Checked:
 * the contract of mwquery.h, field by field, for every return; and that two entries for the same
 * string resolve alike. */

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            __builtin_trap();                                                                      \
    } while (0)

/* Every string a resolution borrows must be readable to its NUL. */
static void touch(const char *s)
{
    if (s != NULL)
        CHECK(strlen(s) < SIZE_MAX);
}

static int verdict_is_zero(const struct mw_result *v)
{
    return v->outcome == WC_OUTCOME_OK && v->code[0] == '\0' && v->detail[0] == '\0';
}

static int same_string(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static void check_fingerprint(const struct mwquery_resolution *r,
                              char fp[MWQUERY_FINGERPRINT_LEN + 1])
{
    memset(fp, 'x', MWQUERY_FINGERPRINT_LEN + 1);
    mwquery_fingerprint("https://fuzz.example/w/api.php", r, fp);
    if (r->status != MWQUERY_EXISTS) {
        CHECK(fp[0] == '\0');
        return;
    }
    for (size_t i = 0; i < MWQUERY_FINGERPRINT_LEN; i++)
        CHECK((fp[i] >= '0' && fp[i] <= '9') || (fp[i] >= 'a' && fp[i] <= 'f'));
    CHECK(fp[MWQUERY_FINGERPRINT_LEN] == '\0');
}

static void check_resolution(const struct mwquery_resolution *r, const char *submitted,
                             char fp[MWQUERY_FINGERPRINT_LEN + 1])
{
    CHECK(r->submitted == submitted);
    touch(r->final_title);
    touch(r->redirect_to);
    touch(r->touched);
    touch(r->invalidreason);
    CHECK(memchr(r->verdict.code, '\0', sizeof r->verdict.code) != NULL);
    CHECK(memchr(r->verdict.detail, '\0', sizeof r->verdict.detail) != NULL);
    CHECK(mwquery_status_name(r->status) != NULL);
    CHECK(r->redirect_hops >= 0);
    CHECK((r->redirect_hops == 0) == (r->redirect_to == NULL));
    if (r->status != MWQUERY_EXISTS) {
        CHECK(r->pageid == 0 && r->lastrevid == 0 && r->touched == NULL);
        CHECK(r->disambiguation == 0);
    }
    if (r->status != MWQUERY_INVALID)
        CHECK(r->invalidreason == NULL);
    switch (r->status) {
    case MWQUERY_UNRESOLVED:
        CHECK(r->final_title == NULL);
        CHECK(verdict_is_zero(&r->verdict));
        break;
    case MWQUERY_EXISTS:
        CHECK(r->final_title != NULL && r->touched != NULL);
        CHECK(verdict_is_zero(&r->verdict));
        break;
    case MWQUERY_MISSING:
        CHECK(r->final_title != NULL);
        CHECK(r->verdict.outcome == WC_OUTCOME_MISSING);
        CHECK(strcmp(r->verdict.code, "missingtitle") == 0);
        CHECK(r->verdict.detail[0] != '\0');
        break;
    case MWQUERY_INVALID:
        CHECK(r->verdict.outcome == WC_OUTCOME_INVALID);
        CHECK(strcmp(r->verdict.code, "invalidtitle") == 0 ||
              strcmp(r->verdict.code, "pagecannotexist") == 0);
        CHECK(r->verdict.detail[0] != '\0');
        break;
    default:
        CHECK(0);
    }
    check_fingerprint(r, fp);
}

/* Two entries for one string: the answer says the same about both. */
static void check_alike(const struct mwquery_resolution *a, const struct mwquery_resolution *b,
                        const char *fp_a, const char *fp_b)
{
    CHECK(a->status == b->status);
    CHECK(same_string(a->final_title, b->final_title));
    CHECK(same_string(a->redirect_to, b->redirect_to));
    CHECK(a->redirect_hops == b->redirect_hops);
    CHECK(a->verdict.outcome == b->verdict.outcome);
    CHECK(strcmp(a->verdict.code, b->verdict.code) == 0);
    CHECK(strcmp(a->verdict.detail, b->verdict.detail) == 0);
    CHECK(strcmp(fp_a, fp_b) == 0);
}

/* Split data[0..size) into *titles (each its own allocation) and the body. Returns the number of
 * titles. */
static size_t split_input(const uint8_t *data, size_t size, char **titles, const char **body,
                          size_t *body_len)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t line_len = nl ? (size_t)(nl - data) : size;
    *body = nl ? (const char *)nl + 1 : "";
    *body_len = nl ? size - line_len - 1 : 0;
    size_t n = 0;
    size_t start = 0;
    while (start <= line_len && n < MWQUERY_BATCH_HIGH) {
        const uint8_t *bar = memchr(data + start, '|', line_len - start);
        size_t end = bar ? (size_t)(bar - data) : line_len;
        char *t = malloc(end - start + 1);
        CHECK(t != NULL);
        memcpy(t, data + start, end - start);
        t[end - start] = '\0';
        if (mwquery_title_batchable(t))
            titles[n++] = t;
        else
            free(t);
        start = end + 1;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {200, 200, 200, 200, 200, 200, 200, 200,
                                    200, 200, 203, 404, 429, 500, 503, 302};
    if (size < 1)
        return 0;
    long status = statuses[data[0] % 16];
    static char *titles[MWQUERY_BATCH_HIGH];
    static char fps[MWQUERY_BATCH_HIGH][MWQUERY_FINGERPRINT_LEN + 1];
    const char *body;
    size_t body_len;
    size_t n = split_input(data + 1, size - 1, titles, &body, &body_len);
    if (n == 0)
        return 0;
    /* The body in its own allocation too, not NUL-terminated, as a curl buffer need not be. */
    char *copy = malloc(body_len ? body_len : 1);
    CHECK(copy != NULL);
    memcpy(copy, body, body_len);

    struct mwquery_batch batch = MWQUERY_BATCH_INIT;
    struct mw_result verdict;
    memset(&verdict, 0xAA, sizeof verdict);
    struct wc_error err = {0};
    int rc = mwquery_parse(copy, body_len, status, (const char *const *)titles, n, &batch, &verdict,
                           &err);
    CHECK(rc == 0 || rc == WC_EREMOTE || rc == WC_ENOMEM);
    if (rc != 0) {
        CHECK(err.code == rc && err.message[0] != '\0');
        CHECK(batch.n == 0 && batch.items == NULL && batch.n_resolved == 0 && batch.root == NULL);
    }
    if (rc == WC_EREMOTE) {
        CHECK(verdict.outcome == WC_OUTCOME_RETRYABLE || verdict.outcome == WC_OUTCOME_FAILED);
        CHECK(memchr(verdict.code, '\0', sizeof verdict.code) != NULL);
        CHECK(memchr(verdict.detail, '\0', sizeof verdict.detail) != NULL);
        CHECK(verdict.code[0] != '\0');
        if (status == 429 || (status >= 500 && status <= 599))
            CHECK(verdict.outcome == WC_OUTCOME_RETRYABLE);
    }
    if (rc == 0) {
        CHECK(status >= 200 && status <= 299);
        CHECK(batch.n == n && batch.items != NULL);
        size_t resolved = 0;
        for (size_t i = 0; i < n; i++) {
            check_resolution(&batch.items[i], titles[i], fps[i]);
            if (batch.items[i].status != MWQUERY_UNRESOLVED)
                resolved++;
        }
        CHECK(batch.n_resolved == resolved);
        /* Quadratic, but n is small unless the fuzzer spends its bytes on '|'. */
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (strcmp(titles[i], titles[j]) == 0)
                    check_alike(&batch.items[i], &batch.items[j], fps[i], fps[j]);
    }
    mwquery_batch_free(&batch);
    CHECK(batch.n == 0 && batch.items == NULL && batch.root == NULL);
    free(copy);
    for (size_t i = 0; i < n; i++)
        free(titles[i]);
    return 0;
}
