/* answer_bench.c - CPU time of one action=parse answer to one record line (µs per page) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer_scan.h"
#include "buf.h"
#include "html_text.h"
#include "mwparse.h"
#include "record_json.h"

/* usage: answer_bench [--reference] ROUNDS FILE...   (action=parse answers, formatversion 1 or 2)
 *
 * Times, in thread CPU time, what a worker does with one answer: mwparse_answer() (or, with
 * --reference, mwparse_answer_reference(): the jansson path), then record_json_append() and the
 * newline for an OK answer. ROUNDS passes over all files make one run; five runs are made and the
 * median is printed as "pages=N us_per_page=X" followed by the five runs, and "fallbacks=K": the
 * answers lib/answer_scan leaves to jansson (mwparse_answer() then parses them twice). */

#define RUNS 5

struct page {
    char *body;
    size_t len;
};

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    struct wc_buf b = WC_BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (wc_buf_append(&b, chunk, n) != 0)
            break;
    fclose(f);
    return wc_buf_detach(&b, len);
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int reference = 0;
    int arg = 1;
    if (arg < argc && strcmp(argv[arg], "--reference") == 0) {
        reference = 1;
        arg++;
    }
    if (argc - arg < 2) {
        fprintf(stderr, "usage: %s [--reference] ROUNDS FILE...\n", argv[0]);
        return 2;
    }
    int rounds = atoi(argv[arg++]);
    int n = 0;
    struct page *pages = calloc((size_t)argc, sizeof *pages);
    if (pages == NULL)
        return 1;
    for (; arg < argc; arg++) {
        pages[n].body = read_file(argv[arg], &pages[n].len);
        if (pages[n].body == NULL) {
            fprintf(stderr, "answer_bench: cannot read %s\n", argv[arg]);
            return 1;
        }
        n++;
    }
    int fallbacks = 0;
    for (int i = 0; i < n; i++) {
        struct answer_scan scan;
        answer_scan_init(&scan);
        if (answer_scan_run(&scan, pages[i].body, pages[i].len) != 0)
            fallbacks++;
        answer_scan_free(&scan);
    }
    struct html_text *x = html_text_new();
    struct wc_buf line = WC_BUF_INIT;
    size_t checksum = 0;
    double runs[RUNS];
    for (int run = 0; run < RUNS; run++) {
        double t0 = now_us();
        for (int r = 0; r < rounds; r++)
            for (int i = 0; i < n; i++) {
                struct wc_record *record = NULL;
                struct mw_result res;
                struct wc_error err = {0};
                int rc = reference ? mwparse_answer_reference(x, pages[i].body, pages[i].len, 200,
                                                              "Bench title", &record, &res, &err)
                                   : mwparse_answer(x, pages[i].body, pages[i].len, 200,
                                                    "Bench title", &record, &res, &err);
                if (rc != 0)
                    return 1;
                if (record != NULL) {
                    wc_buf_reset(&line);
                    if (record_json_append(&line, record) != 0 || wc_buf_putc(&line, '\n') != 0)
                        return 1;
                    checksum += line.len;
                    wc_record_free(record);
                }
                checksum += (size_t)res.outcome;
            }
        runs[run] = (now_us() - t0) / ((double)rounds * n);
    }
    double sorted[RUNS];
    memcpy(sorted, runs, sizeof runs);
    qsort(sorted, RUNS, sizeof *sorted, cmp_double);
    printf("pages=%d us_per_page=%.2f runs=", n, sorted[RUNS / 2]);
    for (int run = 0; run < RUNS; run++)
        printf("%s%.2f", run ? "," : "", runs[run]);
    printf(" fallbacks=%d checksum=%zu\n", fallbacks, checksum);
    wc_buf_free(&line);
    html_text_free(x);
    for (int i = 0; i < n; i++)
        free(pages[i].body);
    free(pages);
    return 0;
}
