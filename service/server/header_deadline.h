/* header_deadline.h - a request's headers in time, or its connection is shut down */
#ifndef WC_HEADER_DEADLINE_H
#define WC_HEADER_DEADLINE_H

/* libmicrohttpd's --connection-timeout is an idle timer: a client that sends one byte now and
 * then resets it and holds its connection (and, with one thread per connection, a thread) for
 * good. The deadline here is absolute: a connection armed at time T whose request headers are not
 * complete (disarmed) by T + deadline_ms is shut down with shutdown(2) on its socket, which
 * libmicrohttpd reads as the client hanging up and cleans up itself. The socket is never closed
 * here: it stays libmicrohttpd's.
 *
 * One thread waits for the earliest deadline. All deadlines have the same length, so the armed
 * connections wait in the order they were armed and only the first of them is ever looked at.
 * Every function is thread-safe. */

/* One connection's place in the queue; embedded in the connection's context, zeroed to start. */
struct header_wait {
    struct header_wait *prev, *next;
    long long due_ms; /* CLOCK_MONOTONIC */
    int fd;
    int armed;
};

struct header_deadline;

/* Prototypes */

/* Start the thread. NULL when out of memory or no thread could be made. Stop and free with
 * header_deadline_stop(). */
struct header_deadline *header_deadline_start(long deadline_ms);

/* The thread ends; connections still armed are left alone. NULL is allowed. */
void header_deadline_stop(struct header_deadline *hd);

/* Headers are awaited on fd from now on: when the connection opens, and when a request of a
 * keep-alive connection has been answered (the wait for the next one counts). Re-arming an armed
 * wait restarts its deadline. */
void header_deadline_arm(struct header_deadline *hd, struct header_wait *w, int fd);

/* The headers came, or the connection is closing: no deadline. Must be called before fd is
 * closed. A wait that is not armed (or was already shut down) is left as it is. */
void header_deadline_disarm(struct header_deadline *hd, struct header_wait *w);

/* Connections shut down since the last call. */
long long header_deadline_take_expired(struct header_deadline *hd);

#endif
