/* s3_answer.c - what an S3 error answer means for the request */
#include "s3_answer.h"

#include <string.h>

bool s3_answer_retryable(long status, const char *code)
{
    if (status >= 500 || status == 429 || status == 408)
        return true;
    static const char *const transient[] = {"RequestTimeout", "OperationAborted", "SlowDown"};
    for (size_t i = 0; code && i < sizeof transient / sizeof transient[0]; i++)
        if (strcmp(code, transient[i]) == 0)
            return true;
    return false;
}
