/* test_s3_answer.c - S3 error answers: retried or given up */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "s3_answer.h"

static void test_transient_answers_are_retried_refusals_not(void **state)
{
    (void)state;
    static const struct {
        long status;
        const char *code;
        bool retryable;
    } answers[] = {
        {500, "InternalError", true},
        {503, "SlowDown", true},
        {503, "", true},
        {429, "", true},
        {408, "", true},
        {400, "RequestTimeout", true},
        {409, "OperationAborted", true},
        {403, "AccessDenied", false},
        {403, "SignatureDoesNotMatch", false},
        {404, "NoSuchBucket", false},
        {400, "InvalidArgument", false},
        {400, "", false},
        {409, "BucketAlreadyExists", false},
        {411, "MissingContentLength", false},
    };
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++)
        assert_int_equal(s3_answer_retryable(answers[i].status, answers[i].code),
                         answers[i].retryable);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transient_answers_are_retried_refusals_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
