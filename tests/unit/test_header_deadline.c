/* test_header_deadline.c - connections whose headers are late are shut down, others are not */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/header_deadline.h"

#define N_LATE 3

/* Wait, as long as it takes, for the peer of a socketpair to see end of file. */
static void wait_for_eof(int peer)
{
    char byte;
    struct pollfd p = {.fd = peer, .events = POLLIN};
    assert_int_equal(poll(&p, 1, -1), 1);
    assert_int_equal(read(peer, &byte, 1), 0);
}

static void late_connections_are_shut_down_and_counted(void **state)
{
    (void)state;
    int pairs[N_LATE][2];
    struct header_wait waits[N_LATE];
    memset(waits, 0, sizeof waits);
    struct header_deadline *hd = header_deadline_start(1);
    assert_non_null(hd);
    for (int i = 0; i < N_LATE; i++) {
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pairs[i]), 0);
        header_deadline_arm(hd, &waits[i], pairs[i][0]);
    }
    for (int i = 0; i < N_LATE; i++)
        wait_for_eof(pairs[i][1]);
    assert_int_equal(header_deadline_take_expired(hd), N_LATE);
    assert_int_equal(header_deadline_take_expired(hd), 0);
    for (int i = 0; i < N_LATE; i++) {
        assert_int_equal(waits[i].armed, 0);
        /* Shut down, never closed: the socket stays its owner's to close. */
        assert_int_not_equal(fcntl(pairs[i][0], F_GETFD), -1);
        /* Disarming what the deadline already took is harmless (a connection closing). */
        header_deadline_disarm(hd, &waits[i]);
        close(pairs[i][0]);
        close(pairs[i][1]);
    }
    header_deadline_stop(hd);
}

static void connections_whose_headers_came_are_left_alone(void **state)
{
    (void)state;
    int done[2], waiting[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, done), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, waiting), 0);
    /* An hour: nothing expires while the test runs, whatever the machine's load. */
    struct header_deadline *hd = header_deadline_start(3600L * 1000);
    struct header_wait w_done = {0}, w_waiting = {0};
    header_deadline_arm(hd, &w_done, done[0]);
    header_deadline_arm(hd, &w_waiting, waiting[0]);
    header_deadline_disarm(hd, &w_done);
    assert_int_equal(w_done.armed, 0);
    /* Re-armed for a keep-alive connection's next request, then disarmed again. */
    header_deadline_arm(hd, &w_done, done[0]);
    assert_int_equal(w_done.armed, 1);
    header_deadline_disarm(hd, &w_done);
    /* Stopping leaves a connection still armed alone. */
    header_deadline_stop(hd);
    assert_int_equal(w_waiting.armed, 1);
    char byte = 'x';
    for (int s = 0; s < 2; s++) {
        int *pair = s ? done : waiting;
        assert_int_equal(write(pair[1], &byte, 1), 1);
        assert_int_equal(read(pair[0], &byte, 1), 1);
        close(pair[0]);
        close(pair[1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(late_connections_are_shut_down_and_counted),
        cmocka_unit_test(connections_whose_headers_came_are_left_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
