/* openapi.c - the openapi.yaml document GET /openapi.yaml serves, read once at start */
#include "server.h"

#include <stdio.h>
#include <stdlib.h>

/* openapi.yaml is served as a file: where WIKICRAWL_OPENAPI says, or in the working directory,
 * or installed in the share directory. */
char *load_openapi(size_t *len)
{
    const char *candidates[] = {getenv("WIKICRAWL_OPENAPI"), "openapi.yaml",
                                "/usr/share/wikicrawl/openapi.yaml", NULL};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (candidates[i] == NULL)
            continue;
        FILE *f = fopen(candidates[i], "rb");
        if (f == NULL)
            continue;
        struct wc_buf b = WC_BUF_INIT;
        char chunk[8192];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            wc_buf_append(&b, chunk, n);
        fclose(f);
        return wc_buf_detach(&b, len);
    }
    return NULL;
}
