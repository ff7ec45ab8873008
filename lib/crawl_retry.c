/* crawl_retry.c - retry classification, backoff with full jitter and Retry-After for the crawler */
#include "crawl_retry.h"

#include <stdio.h>
#include <string.h>

uint64_t crawl_rng_next(uint64_t *state)
{
    *state += 0x9E3779B97F4A7C15ULL;
    uint64_t z = *state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

long crawl_backoff_ms(uint64_t *rng, long base_ms, long max_ms, int k)
{
    long cap = base_ms;
    for (int i = 0; i < k && cap < max_ms; i++)
        cap *= 2;
    if (cap > max_ms)
        cap = max_ms;
    if (cap <= 0)
        return 0;
    return (long)(crawl_rng_next(rng) % ((uint64_t)cap + 1));
}

long crawl_retry_after_ms(curl_off_t retry_after_s)
{
    if (retry_after_s <= 0)
        return 0;
    if (retry_after_s > CRAWL_RETRY_AFTER_MAX_MS / 1000)
        return CRAWL_RETRY_AFTER_MAX_MS;
    return (long)retry_after_s * 1000;
}

int crawl_curl_code_is_final(CURLcode code, int too_large)
{
    switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return 1;
    case CURLE_WRITE_ERROR:
        return too_large;
    default:
        return 0;
    }
}

void crawl_curl_verdict(CURLcode result, int too_large, int resend_refused, const char *errbuf,
                        struct crawl_curl_verdict *out)
{
    const char *what = curl_easy_strerror(result);
    if (resend_refused) {
        /* errbuf still says why the first connection died. */
        snprintf(out->code, sizeof out->code, "connection_lost");
        snprintf(out->detail, sizeof out->detail, "%s; no attempt left to send the request again",
                 errbuf[0] ? errbuf : "the connection closed before an answer");
        out->final = 0;
        return;
    }
    snprintf(out->code, sizeof out->code, "curl_%d", (int)result);
    if (too_large)
        snprintf(out->detail, sizeof out->detail, "the answer is larger than %zu bytes",
                 CRAWL_MAX_BODY_BYTES);
    else if (errbuf[0] && strcmp(errbuf, what) != 0)
        snprintf(out->detail, sizeof out->detail, "%s (%s)", what, errbuf);
    else
        snprintf(out->detail, sizeof out->detail, "%s", what);
    out->final = crawl_curl_code_is_final(result, too_large);
}

int crawl_answer_is_throttle(long http_status, const char *code)
{
    return http_status == 429 || strcmp(code, "maxlag") == 0;
}

void crawl_retry_plan(uint64_t *rng, long base_ms, long max_ms, int attempts, int max_attempts,
                      long retry_after_ms, int throttled, struct crawl_retry_plan *out)
{
    long wait_ms = crawl_backoff_ms(rng, base_ms, max_ms, attempts - 1);
    if (retry_after_ms > wait_ms)
        wait_ms = retry_after_ms;
    out->wait_ms = wait_ms;
    out->throttled = throttled;
    out->throttle_ms = retry_after_ms > 0 ? retry_after_ms : wait_ms;
    out->give_up = attempts >= max_attempts;
}
