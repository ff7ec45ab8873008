/* test_s3_answer.c - S3 error answers: retried or given up */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "s3_answer.h"

static void test_transient_answers_are_retried(void **state)
{
    (void)state;
    assert_true(s3_answer_retryable(500, "InternalError"));
    assert_true(s3_answer_retryable(503, "SlowDown"));
    assert_true(s3_answer_retryable(503, ""));
    assert_true(s3_answer_retryable(429, ""));
    assert_true(s3_answer_retryable(408, ""));
    assert_true(s3_answer_retryable(400, "RequestTimeout"));
    assert_true(s3_answer_retryable(409, "OperationAborted"));
}

static void test_refusals_are_not(void **state)
{
    (void)state;
    assert_false(s3_answer_retryable(403, "AccessDenied"));
    assert_false(s3_answer_retryable(403, "SignatureDoesNotMatch"));
    assert_false(s3_answer_retryable(404, "NoSuchBucket"));
    assert_false(s3_answer_retryable(400, "InvalidArgument"));
    assert_false(s3_answer_retryable(400, ""));
    assert_false(s3_answer_retryable(409, "BucketAlreadyExists"));
    assert_false(s3_answer_retryable(411, "MissingContentLength"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transient_answers_are_retried),
        cmocka_unit_test(test_refusals_are_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
