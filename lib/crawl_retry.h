/* crawl_retry.h - what the crawler decides on its own about a failed request: final or retried,
 * and how long to wait */
#ifndef WC_CRAWL_RETRY_H
#define WC_CRAWL_RETRY_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

/* No parse answer is anywhere near this; a body that is, is not one (a final failure). */
#define CRAWL_MAX_BODY_BYTES ((size_t)256 << 20)
/* A Retry-After beyond this is taken as this: a typo in a header must not park a run for days. */
#define CRAWL_RETRY_AFTER_MAX_MS 600000L

/* Why a request that libcurl could not complete failed, and whether another attempt may cure it.
 * code is "curl_<n>" (n the CURLcode) or "connection_lost"; detail is a sentence. */
struct crawl_curl_verdict {
    char code[32];
    char detail[CURL_ERROR_SIZE + 128];
    int final; /* 1: FAILED now; 0: retried while attempts are left */
};

/* When and whether to try a title again after a retryable answer. */
struct crawl_retry_plan {
    long wait_ms;     /* from now until the next attempt may start */
    int throttled;    /* the wiki asked everybody to slow down (429 or maxlag) */
    long throttle_ms; /* for throttled: the wait to report to the limiter */
    int give_up;      /* no attempt left: the title is FAILED with this answer's reason */
};

/* Prototypes */

/* splitmix64: small, fast, and good enough to spread retries; not for anything secret. Advances
 * *state (any value is a valid state) and returns the next number. */
uint64_t crawl_rng_next(uint64_t *state);

/* "Full jitter" (AWS architecture blog, "Exponential Backoff And Jitter"): after the k-th failed
 * attempt (k from 0) a uniform draw from [0, min(max_ms, base_ms * 2^k)], taken from *rng. 0 when
 * that bound is not positive. */
long crawl_backoff_ms(uint64_t *rng, long base_ms, long max_ms, int k);

/* libcurl's CURLINFO_RETRY_AFTER (seconds; it reads both forms of RFC 9110 section 10.2.3,
 * delay-seconds and an HTTP-date, and gives 0 for none or junk) as the wait in milliseconds:
 * 0 for none or a date in the past, at most CRAWL_RETRY_AFTER_MAX_MS. */
long crawl_retry_after_ms(curl_off_t retry_after_s);

/* libcurl failures that another attempt cannot cure: a URL or protocol we refuse, redirects, TLS
 * certificates, and a body cut at CRAWL_MAX_BODY_BYTES (too_large, seen as CURLE_WRITE_ERROR).
 * Everything else (timeouts, resets, DNS, a write error of ours) is retried. */
int crawl_curl_code_is_final(CURLcode code, int too_large);

/* The verdict on a transfer that ended with result != CURLE_OK. errbuf is the transfer's
 * CURLOPT_ERRORBUFFER (may be empty); resend_refused says libcurl wanted to send the request again
 * on a new connection and no attempt was left for it (a "connection_lost", retried like any lost
 * connection: the caller's attempt count says whether one is left). */
void crawl_curl_verdict(CURLcode result, int too_large, int resend_refused, const char *errbuf,
                        struct crawl_curl_verdict *out);

/* 1 when a retryable answer asks the whole fleet to slow down: HTTP 429, or MediaWiki's maxlag
 * error (https://www.mediawiki.org/wiki/Manual:Maxlag_parameter). code is mw_result.code. */
int crawl_answer_is_throttle(long http_status, const char *code);

/* Plan the next attempt for a title whose attempts-th request (from 1) got a retryable answer:
 * wait the backoff of that attempt (crawl_backoff_ms with k = attempts - 1, drawn from *rng) or
 * the wiki's Retry-After if longer; a throttled answer reports the Retry-After, or the wait when
 * the wiki gave none; give up once attempts reaches max_attempts. */
void crawl_retry_plan(uint64_t *rng, long base_ms, long max_ms, int attempts, int max_attempts,
                      long retry_after_ms, int throttled, struct crawl_retry_plan *out);

#endif
