/* wc_error.h - error codes returned by lib/ and the struct that carries their message */
#ifndef WC_ERROR_H
#define WC_ERROR_H

/* Every lib/ function that can fail returns 0 or one of these negative codes, and when the caller
 * passed a struct wc_error, fills it with a message a person can read. lib/ never prints. */
enum wc_error_code {
    WC_OK = 0,
    WC_ENOMEM = -1,  /* an allocation failed */
    WC_EINVAL = -2,  /* an argument or a value in the input is not acceptable */
    WC_EPARSE = -3,  /* the input is not well formed (JSON, chunk, answer) */
    WC_ELIMIT = -4,  /* a configured limit was exceeded */
    WC_EIO = -5,     /* reading or writing a file or stream failed */
    WC_ESTOP = -6,   /* a caller's callback asked to stop */
    WC_EREMOTE = -7, /* a peer (Redis, the wiki) failed or answered something unusable */
    WC_EDENIED = -8, /* the caller may not ask for this (a priority its API key is not allowed) */
    WC_EFULL = -9,   /* a store answered but refused a write: it is out of memory */
};

struct wc_error {
    int code;
    char message[256];
};

/* Prototypes */

/* Fill err (which may be NULL) with code and a printf-style message; returns code, so that
 * `return wc_error_set(err, WC_EINVAL, "...")` reads naturally. */
int wc_error_set(struct wc_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A short constant name for a code ("out of memory", "parse error", ...). */
const char *wc_strerror(int code);

#endif
