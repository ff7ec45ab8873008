/* header_deadline.c - a request's headers in time, or its connection is shut down (see .h) */
#include "header_deadline.h"
#include "clock.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

struct header_deadline {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC, as the deadlines */
    pthread_t thread;
    long deadline_ms;
    struct header_wait *head, *tail; /* by due_ms, earliest first */
    long long expired;               /* since the last header_deadline_take_expired() */
    int stopping;
};

/* Called under the lock. */
static void unlink_wait(struct header_deadline *hd, struct header_wait *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        hd->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        hd->tail = w->prev;
    w->prev = w->next = NULL;
    w->armed = 0;
}

static void *watch(void *arg)
{
    struct header_deadline *hd = arg;
    pthread_mutex_lock(&hd->lock);
    while (!hd->stopping) {
        long long now = clock_monotonic_ms();
        while (hd->head && hd->head->due_ms <= now) {
            struct header_wait *late = hd->head;
            unlink_wait(hd, late);
            /* Under the lock: the connection cannot reach its close(2) (it disarms first), so
             * fd is still its socket. SHUT_RDWR wakes its thread with end-of-file. */
            shutdown(late->fd, SHUT_RDWR);
            hd->expired++;
        }
        if (hd->head == NULL) {
            pthread_cond_wait(&hd->wake, &hd->lock);
            continue;
        }
        struct timespec due = {.tv_sec = hd->head->due_ms / 1000,
                               .tv_nsec = (long)(hd->head->due_ms % 1000) * 1000000};
        pthread_cond_timedwait(&hd->wake, &hd->lock, &due);
    }
    pthread_mutex_unlock(&hd->lock);
    return NULL;
}

struct header_deadline *header_deadline_start(long deadline_ms)
{
    struct header_deadline *hd = calloc(1, sizeof *hd);
    pthread_condattr_t attr;
    if (hd == NULL)
        return NULL;
    hd->deadline_ms = deadline_ms;
    pthread_mutex_init(&hd->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&hd->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&hd->thread, NULL, watch, hd) != 0) {
        pthread_cond_destroy(&hd->wake);
        pthread_mutex_destroy(&hd->lock);
        free(hd);
        return NULL;
    }
    return hd;
}

void header_deadline_stop(struct header_deadline *hd)
{
    if (hd == NULL)
        return;
    pthread_mutex_lock(&hd->lock);
    hd->stopping = 1;
    pthread_cond_signal(&hd->wake);
    pthread_mutex_unlock(&hd->lock);
    pthread_join(hd->thread, NULL);
    pthread_cond_destroy(&hd->wake);
    pthread_mutex_destroy(&hd->lock);
    free(hd);
}

void header_deadline_arm(struct header_deadline *hd, struct header_wait *w, int fd)
{
    pthread_mutex_lock(&hd->lock);
    if (w->armed)
        unlink_wait(hd, w);
    /* Read under the lock, so that the queue stays in due order. */
    w->due_ms = clock_monotonic_ms() + hd->deadline_ms;
    w->fd = fd;
    w->armed = 1;
    w->prev = hd->tail;
    if (hd->tail)
        hd->tail->next = w;
    else
        hd->head = w;
    hd->tail = w;
    if (hd->head == w) /* the thread sleeps without a deadline */
        pthread_cond_signal(&hd->wake);
    pthread_mutex_unlock(&hd->lock);
}

void header_deadline_disarm(struct header_deadline *hd, struct header_wait *w)
{
    pthread_mutex_lock(&hd->lock);
    if (w->armed)
        unlink_wait(hd, w);
    pthread_mutex_unlock(&hd->lock);
}

long long header_deadline_take_expired(struct header_deadline *hd)
{
    pthread_mutex_lock(&hd->lock);
    long long expired = hd->expired;
    hd->expired = 0;
    pthread_mutex_unlock(&hd->lock);
    return expired;
}
