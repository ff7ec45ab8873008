/* html_text_bench.c - page_text extraction throughput over the corpus (MB of HTML per second) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "html_text.h"

/* usage: html_text_bench ROUNDS FILE...   (action=parse answers, formatversion 1 or 2)
 * Prints one line: "bytes=N seconds=S mb_per_s=X" for ROUNDS passes over all pages. */

static char *html_of(const char *path, size_t *len)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    json_t *text = json_object_get(json_object_get(root, "parse"), "text");
    if (json_is_object(text))
        text = json_object_get(text, "*");
    char *copy = NULL;
    if (json_is_string(text)) {
        *len = json_string_length(text);
        copy = malloc(*len + 1);
        if (copy)
            memcpy(copy, json_string_value(text), *len + 1);
    }
    json_decref(root);
    return copy;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s ROUNDS FILE...\n", argv[0]);
        return 2;
    }
    int rounds = atoi(argv[1]);
    int n = 0;
    char **pages = calloc((size_t)argc, sizeof *pages);
    size_t *lens = calloc((size_t)argc, sizeof *lens);
    size_t total = 0;
    for (int i = 2; i < argc; i++) {
        pages[n] = html_of(argv[i], &lens[n]);
        if (pages[n]) {
            total += lens[n];
            n++;
        }
    }
    struct html_text *x = html_text_new();
    struct wc_buf out = WC_BUF_INIT;
    size_t checksum = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < n; i++) {
            wc_buf_reset(&out);
            if (html_text_extract(x, pages[i], lens[i], &out, NULL) != 0)
                return 1;
            checksum += out.len;
        }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double bytes = (double)total * rounds;
    printf("pages=%d bytes=%.0f seconds=%.4f mb_per_s=%.2f text_bytes=%zu\n", n, bytes, secs,
           bytes / secs / 1e6, checksum);
    wc_buf_free(&out);
    html_text_free(x);
    for (int i = 0; i < n; i++)
        free(pages[i]);
    free(pages);
    free(lens);
    return 0;
}
