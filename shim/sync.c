/* Mutexes, rwlocks, condition variables and POSIX semaphores.
 * TSan's order: a release is recorded before the real unlock, an acquire
 * after the real lock succeeds, so seq order never shows an acquire before
 * the release it pairs with.  The GIL's own mutex and conditions are left
 * out: they are the interpreter's thread switches (edge kind 5), and as
 * lock edges they would order every Python-level race away. */
#define _GNU_SOURCE
#include "shim.h"

#include <errno.h>

static const void *gil_objects[8];
static int n_gil_objects;

void bpr_sync_set_gil_objects(const void *const *objs, int n)
{
    for (int i = 0; i < n && i < 8; i++)
        gil_objects[i] = objs[i];
    __atomic_store_n(&n_gil_objects, n < 8 ? n : 8, __ATOMIC_RELEASE);
}

bool bpr_is_gil_object(const void *obj)
{
    int n = __atomic_load_n(&n_gil_objects, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (gil_objects[i] == obj)
            return true;
    return false;
}

static inline bool should_record(const void *obj)
{
    return bpr_active() && !bpr_is_gil_object(obj);
}

static inline void record(uint8_t type, uint16_t kind, const void *obj, uint8_t flags)
{
    bpr_emit(type, flags, kind, bpr_native_stack(), (uint64_t)(uintptr_t)obj, 0);
}

static inline int acquired(int rc, uint16_t kind, const void *obj, uint8_t flags)
{
    if ((rc == 0 || rc == EOWNERDEAD) && should_record(obj))
        record(TR_ACQUIRE, kind, obj, flags);
    return rc;
}

/* ---- mutex ---- */
int pthread_mutex_lock(pthread_mutex_t *m)
{
    return acquired(REAL(pthread_mutex_lock)(m), TRACE_SYNC_MUTEX, m, 0);
}
int pthread_mutex_trylock(pthread_mutex_t *m)
{
    return acquired(REAL(pthread_mutex_trylock)(m), TRACE_SYNC_MUTEX, m, 0);
}
int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *t)
{
    return acquired(REAL(pthread_mutex_timedlock)(m, t), TRACE_SYNC_MUTEX, m, 0);
}
int pthread_mutex_unlock(pthread_mutex_t *m)
{
    if (should_record(m))
        record(TR_RELEASE, TRACE_SYNC_MUTEX, m, 0);
    return REAL(pthread_mutex_unlock)(m);
}

/* ---- rwlock: read locks carry TRF_SHARED ----
 * Which mode an unlock releases is not in its arguments: each thread keeps
 * the read locks it holds (nesting of distinct rwlocks is shallow). */
static __thread const void *held_read[16] __attribute__((tls_model("initial-exec")));

static int read_locked(int rc, pthread_rwlock_t *l)
{
    if (rc != 0)
        return rc;
    for (int i = 0; i < 16; i++)
        if (!held_read[i]) {
            held_read[i] = l;
            break;
        }
    return acquired(rc, TRACE_SYNC_RWLOCK, l, TRF_SHARED);
}

static bool take_read_mark(const void *l)
{
    for (int i = 0; i < 16; i++)
        if (held_read[i] == l) {
            held_read[i] = NULL;
            return true;
        }
    return false;
}

int pthread_rwlock_rdlock(pthread_rwlock_t *l) { return read_locked(REAL(pthread_rwlock_rdlock)(l), l); }
int pthread_rwlock_tryrdlock(pthread_rwlock_t *l) { return read_locked(REAL(pthread_rwlock_tryrdlock)(l), l); }
int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t)
{
    return read_locked(REAL(pthread_rwlock_timedrdlock)(l, t), l);
}
int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
    return acquired(REAL(pthread_rwlock_wrlock)(l), TRACE_SYNC_RWLOCK, l, 0);
}
int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
    return acquired(REAL(pthread_rwlock_trywrlock)(l), TRACE_SYNC_RWLOCK, l, 0);
}
int pthread_rwlock_timedwrlock(pthread_rwlock_t *l, const struct timespec *t)
{
    return acquired(REAL(pthread_rwlock_timedwrlock)(l, t), TRACE_SYNC_RWLOCK, l, 0);
}
int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
    bool shared = take_read_mark(l);
    if (should_record(l))
        record(TR_RELEASE, TRACE_SYNC_RWLOCK, l, shared ? TRF_SHARED : 0);
    return REAL(pthread_rwlock_unlock)(l);
}

/* ---- condition variables ---- */
static int cond_waited(int rc, pthread_cond_t *c, pthread_mutex_t *m)
{
    /* The wait re-locked M whatever RC says (except on a broken mutex). */
    if (should_record(c)) {
        if (rc == 0)
            record(TR_ACQUIRE, TRACE_SYNC_COND, c, 0);
        record(TR_ACQUIRE, TRACE_SYNC_MUTEX, m, 0);
    }
    return rc;
}

static void cond_before_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (should_record(c))
        record(TR_RELEASE, TRACE_SYNC_MUTEX, m, 0);
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    cond_before_wait(c, m);
    return cond_waited(REAL(pthread_cond_wait)(c, m), c, m);
}
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
    cond_before_wait(c, m);
    return cond_waited(REAL(pthread_cond_timedwait)(c, m, t), c, m);
}
int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk, const struct timespec *t)
{
    cond_before_wait(c, m);
    return cond_waited(REAL(pthread_cond_clockwait)(c, m, clk, t), c, m);
}
int pthread_cond_signal(pthread_cond_t *c)
{
    if (should_record(c))
        record(TR_RELEASE, TRACE_SYNC_COND, c, 0);
    return REAL(pthread_cond_signal)(c);
}
int pthread_cond_broadcast(pthread_cond_t *c)
{
    if (should_record(c))
        record(TR_RELEASE, TRACE_SYNC_COND, c, 0);
    return REAL(pthread_cond_broadcast)(c);
}

/* ---- semaphores: PyThread locks in CPython 3.11 ---- */
int sem_wait(sem_t *s) { return acquired(REAL(sem_wait)(s), TRACE_SYNC_SEM, s, 0); }
int sem_trywait(sem_t *s) { return acquired(REAL(sem_trywait)(s), TRACE_SYNC_SEM, s, 0); }
int sem_timedwait(sem_t *s, const struct timespec *t)
{
    return acquired(REAL(sem_timedwait)(s, t), TRACE_SYNC_SEM, s, 0);
}
int sem_clockwait(sem_t *s, clockid_t clk, const struct timespec *t)
{
    return acquired(REAL(sem_clockwait)(s, clk, t), TRACE_SYNC_SEM, s, 0);
}
int sem_post(sem_t *s)
{
    if (should_record(s))
        record(TR_RELEASE, TRACE_SYNC_SEM, s, 0);
    return REAL(sem_post)(s);
}
