/* s3_answer.h - what an S3 error answer means for the request: try again, or give up */
#ifndef WC_S3_ANSWER_H
#define WC_S3_ANSWER_H

#include <stdbool.h>

/* Prototypes */

/* True when an S3 answer of HTTP status (not 2xx) with error code (the <Code> of its XML body,
 * "" when it had none) may pass by itself, so the request is tried again: every 5xx, 429 and 408,
 * and the 4xx that S3 documents as transient (400 RequestTimeout: the upload was too slow; 409
 * OperationAborted: a conflicting operation on the object; SlowDown). Any other answer (403
 * AccessDenied or SignatureDoesNotMatch, 404 NoSuchBucket, another 4xx) stays until the operator
 * fixes something. https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html */
bool s3_answer_retryable(long status, const char *code);

#endif
