/* clock.h - the one monotonic clock every timeout, backoff and rate in wikicrawl is measured on */
#ifndef WC_CLOCK_H
#define WC_CLOCK_H

/* Prototypes */

/* Milliseconds on CLOCK_MONOTONIC: only differences mean anything. Never jumps with the wall
 * clock, so deadlines and backoffs hold across NTP steps. (Times shared between hosts, such as
 * heartbeats, come from Redis's TIME instead.) */
long long clock_monotonic_ms(void);

/* The same in seconds, with sub-millisecond precision, for rates shown to people. */
double clock_monotonic_s(void);

/* Milliseconds since the Unix epoch on this host's wall clock, for timestamps people read. */
long long clock_wall_ms(void);

#endif
