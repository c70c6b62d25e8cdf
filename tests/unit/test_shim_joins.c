/* The shim's pthread_t -> tid table over a long session: thousands of
 * short threads that are detached (as Python's are: their pthread_t is
 * forgotten at pthread_detach), or created detached (never forgotten: their
 * pthread_t comes back for a new thread), then threads that are joined.
 * Every join must still be recorded, with the joined thread's tid: a table
 * that filled up with the earlier threads' leftovers lost them, and with
 * them the ordering a join gives.  Exit 0 pass, 1 fail, 99 harness broken. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "trace_reader.h"
#include "trace_writer.h"
#include "check_all.h"
#include "shim_trace.h"

/* The shim activates only in a process with libpython. */
__attribute__((visibility("default"))) char _PyRuntime[64];

#define DETACHED 6000        /* more than the table's 4,096 slots */
#define CREATED_DETACHED 500
#define JOINED 200

static atomic_int finished;

static void *short_thread(void *arg)
{
    (void)arg;
    atomic_fetch_add(&finished, 1);
    return NULL;
}

/* Wait for N threads to have run (their exit is on its way). */
static void wait_finished(int n)
{
    while (atomic_load(&finished) < n)
        usleep(100);
}

int main(void)
{
    const char *base = getenv("BPYRACE_TRACE");
    if (!base) {
        fprintf(stderr, "BPYRACE_TRACE not set\n");
        return 99;
    }
    int started = 0;
    for (int i = 0; i < DETACHED; i++) {
        pthread_t th;
        if (pthread_create(&th, NULL, short_thread, NULL) != 0 || pthread_detach(th) != 0)
            return 99;
        wait_finished(++started);
    }
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < CREATED_DETACHED; i++) {
        pthread_t th;
        if (pthread_create(&th, &attr, short_thread, NULL) != 0)
            return 99;
        wait_finished(++started);
    }
    pthread_attr_destroy(&attr);
    usleep(20000);   /* (the last detached threads' exits) */
    for (int i = 0; i < JOINED; i++) {
        pthread_t th;
        if (pthread_create(&th, NULL, short_thread, NULL) != 0 || pthread_join(th, NULL) != 0)
            return 99;
        started++;
    }
    char path[4200];
    struct trace_reader *r = shim_test_trace(base, path, sizeof path);
    if (!r)
        return 99;
    CHECK(!trace_truncated(r), "trace closed cleanly");
    /* The joined threads are the last JOINED created; each join names the
     * thread created just before it. */
    int creates = 0, joins = 0, wrong = 0;
    uint64_t last_child = 0;
    struct trace_event ev;
    while (trace_next(r, &ev)) {
        if (ev.tid != 1)
            continue;
        if (ev.type == TR_THREAD_CREATE) {
            creates++;
            last_child = ev.a;
        } else if (ev.type == TR_THREAD_JOIN) {
            joins++;
            wrong += ev.a != last_child;
        }
    }
    CHECK(creates == DETACHED + CREATED_DETACHED + JOINED, "%d threads created, %d recorded", started, creates);
    CHECK(joins == JOINED, "%d joins recorded of %d", joins, JOINED);
    CHECK(wrong == 0, "%d joins name another thread than the one joined", wrong);
    trace_close(r);
    unlink(path);
    if (failures)
        return 1;
    printf("ok: %d threads, %d joins recorded\n", creates, joins);
    return 0;
}
