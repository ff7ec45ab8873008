/* openapi.h - the openapi.yaml GET /openapi.yaml serves, built into the binary */
#ifndef WC_OPENAPI_H
#define WC_OPENAPI_H

#include <stddef.h>

/* The repository's openapi.yaml byte for byte, turned into a constant at build time by
 * scripts/text2c.sh (build/gen/openapi_yaml.c), as the Lua scripts are: the contract served is the
 * one of this binary, whatever the working directory, the installation or the container. There is
 * no file to look up and nothing to configure. */

extern const char OPENAPI_YAML[];     /* NUL-terminated, static */
extern const size_t OPENAPI_YAML_LEN; /* bytes before the NUL */

#endif
