/* The shim's sync wrappers, linked into this program (it stands in for a
 * process with libpython: it defines _PyRuntime).  Four threads hammer one
 * mutex, one semaphore, one rwlock and a condition; the trace must show every
 * operation with the right thread, kind and mode, thread create/start/join
 * with parents, and — because a release is recorded before the real unlock
 * and an acquire after the real lock — a strict acquire/release alternation
 * on the mutex in seq order.  A mutex only the main thread takes, before the
 * others start: after its first acquire, each acquire pairs with the same
 * thread's release and takes the next seq of the thread's block, so it comes
 * right after that release in seq order (a fresh seq would follow the 63
 * seqs the release's block reserved).  Runs under TSan in CI (ctest -L tsan).
 * Exit 0 pass, 1 fail, 99 harness broken. */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_reader.h"
#include "trace_writer.h"
#include "check_all.h"
#include "shim_trace.h"

/* The shim activates only in a process with libpython. */
__attribute__((visibility("default"))) char _PyRuntime[64];

#define THREADS 4
#define ROUNDS 1000
#define SOLO_ROUNDS 200

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t solo = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t cmutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static sem_t sem;
static int counter, ready;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&mutex);
        counter++;
        pthread_mutex_unlock(&mutex);
        sem_post(&sem);
        sem_wait(&sem);
    }
    pthread_rwlock_rdlock(&rwlock);
    pthread_rwlock_unlock(&rwlock);
    pthread_rwlock_wrlock(&rwlock);
    pthread_rwlock_unlock(&rwlock);
    pthread_mutex_lock(&cmutex);
    while (!ready)
        pthread_cond_wait(&cond, &cmutex);
    pthread_mutex_unlock(&cmutex);
    return NULL;
}

int main(void)
{
    const char *base = getenv("BPYRACE_TRACE");
    if (!base) {
        fprintf(stderr, "BPYRACE_TRACE not set\n");
        return 99;
    }
    sem_init(&sem, 0, 0);
    for (int i = 0; i < SOLO_ROUNDS; i++) {
        pthread_mutex_lock(&solo);
        counter++;
        pthread_mutex_unlock(&solo);
    }
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&th[i], NULL, worker, NULL) != 0)
            return 99;
    pthread_mutex_lock(&cmutex);
    ready = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&cmutex);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    char path[4200];
    struct trace_reader *r = shim_test_trace(base, path, sizeof path);
    if (!r)
        return 99;
    CHECK(!trace_truncated(r), "trace closed cleanly");
    int creates = 0, starts = 0, joins = 0;
    int mutex_acq[64] = {0}, mutex_rel[64] = {0}, sem_post_n[64] = {0}, sem_wait_n[64] = {0};
    int rd_acq = 0, rd_rel = 0, wr_acq = 0, wr_rel = 0, signals = 0, wakeups = 0;
    int last_mutex_op = TR_RELEASE, alternation_errors = 0;
    int solo_acq = 0, solo_rel = 0, solo_next_seq = 0;
    struct trace_event prev = {0};
    uint64_t last_seq = 0;
    struct trace_event ev;
    while (trace_next(r, &ev)) {
        CHECK(ev.seq > last_seq, "seq increases (%llu after %llu)", (unsigned long long)ev.seq,
              (unsigned long long)last_seq);
        last_seq = ev.seq;
        uint32_t t = ev.tid < 64 ? ev.tid : 63;
        switch (ev.type) {
        case TR_THREAD_CREATE:
            creates += ev.tid == 1;
            break;
        case TR_THREAD_START:
            if (ev.tid != 1) {
                starts++;
                CHECK(ev.a == TRACE_ORIGIN_BLENDER && ev.b == 1, "T%u: origin %llu parent %lld", ev.tid,
                      (unsigned long long)ev.a, (long long)ev.b);
            }
            break;
        case TR_THREAD_JOIN:
            joins += ev.tid == 1;
            break;
        case TR_ACQUIRE:
        case TR_RELEASE:
            if (ev.a == (uintptr_t)&solo) {
                CHECK(ev.aux == TRACE_SYNC_MUTEX && ev.tid == 1, "solo mutex: kind %u, T%u", ev.aux, ev.tid);
                *(ev.type == TR_ACQUIRE ? &solo_acq : &solo_rel) += 1;
                solo_next_seq += ev.type == TR_ACQUIRE && prev.type == TR_RELEASE && prev.a == ev.a &&
                                 prev.tid == ev.tid && prev.seq + 1 == ev.seq;
            } else if (ev.a == (uintptr_t)&mutex) {
                CHECK(ev.aux == TRACE_SYNC_MUTEX, "mutex kind");
                (ev.type == TR_ACQUIRE ? mutex_acq : mutex_rel)[t]++;
                alternation_errors += ev.type == last_mutex_op;
                last_mutex_op = ev.type;
            } else if (ev.a == (uintptr_t)&sem) {
                CHECK(ev.aux == TRACE_SYNC_SEM, "sem kind");
                (ev.type == TR_ACQUIRE ? sem_wait_n : sem_post_n)[t]++;
            } else if (ev.a == (uintptr_t)&rwlock) {
                bool shared = ev.flags & TRF_SHARED;
                if (ev.type == TR_ACQUIRE)
                    shared ? rd_acq++ : wr_acq++;
                else
                    shared ? rd_rel++ : wr_rel++;
            } else if (ev.a == (uintptr_t)&cond) {
                if (ev.type == TR_RELEASE)
                    signals++;
                else
                    wakeups++;
            }
            break;
        }
        prev = ev;
    }
    CHECK(solo_acq == SOLO_ROUNDS && solo_rel == SOLO_ROUNDS, "solo mutex %d/%d", solo_acq, solo_rel);
    /* every acquire after the first, but for those that start a block (one
     * in 32: a block holds 32 acquire/release pairs) */
    CHECK(solo_next_seq >= SOLO_ROUNDS - 1 - (SOLO_ROUNDS + 31) / 32,
          "solo mutex: %d of %d acquires right after the thread's own release in seq order", solo_next_seq,
          SOLO_ROUNDS - 1);
    CHECK(creates == THREADS && starts == THREADS && joins == THREADS, "threads: %d created, %d started, %d joined",
          creates, starts, joins);
    int threads_with_ops = 0;
    for (int t = 2; t < 64; t++) {
        if (!mutex_acq[t])
            continue;
        threads_with_ops++;
        CHECK(mutex_acq[t] == ROUNDS && mutex_rel[t] == ROUNDS, "T%d mutex %d/%d", t, mutex_acq[t], mutex_rel[t]);
        CHECK(sem_post_n[t] == ROUNDS && sem_wait_n[t] == ROUNDS, "T%d sem %d/%d", t, sem_post_n[t], sem_wait_n[t]);
    }
    CHECK(threads_with_ops == THREADS, "%d threads locked the mutex", threads_with_ops);
    CHECK(alternation_errors == 0, "mutex acquire/release alternate in seq order (%d errors)", alternation_errors);
    CHECK(rd_acq == THREADS && rd_rel == THREADS && wr_acq == THREADS && wr_rel == THREADS,
          "rwlock: read %d/%d write %d/%d", rd_acq, rd_rel, wr_acq, wr_rel);
    CHECK(signals == 1, "one broadcast recorded (%d)", signals);
    CHECK(wakeups <= THREADS, "at most one wake-up per waiter (%d)", wakeups);
    trace_close(r);
    unlink(path);
    if (failures)
        return 1;
    printf("ok: %d threads x %d rounds\n", THREADS, ROUNDS);
    return 0;
}
