/* Mutexes, rwlocks, condition variables and POSIX semaphores.
 * TSan's order: a release is recorded before the real unlock, an acquire
 * after the real lock succeeds, so seq order never shows an acquire before
 * the release it pairs with.  The GIL's own mutex and conditions are left
 * out: they are the interpreter's thread switches (edge kind 5), and as
 * lock edges they would order every Python-level race away.  So are the
 * interpreter's thread bookkeeping locks (docs/design.md). */
#define _GNU_SOURCE
#include "shim.h"

#include <errno.h>

#define MAX_GIL_OBJECTS 16
static const void *gil_objects[MAX_GIL_OBJECTS];
static int n_gil_objects;
/* A 256-bit filter of their addresses: nearly every lock the program takes
 * is told apart in one load and a test, instead of a scan (the heap and the
 * libraries' data interleave, so address bounds did not separate them). */
static _Atomic uint64_t gil_filter[4];

static inline unsigned gil_filter_bit(const void *obj)
{
    return (unsigned)((((uintptr_t)obj >> 3) * 0x9e3779b97f4a7c15ull) >> 56);
}

/* Called with the GIL held, so additions never race each other; readers see
 * an entry only after its count is published. */
void bpr_sync_ignore_objects(const void *const *objs, int n)
{
    int have = __atomic_load_n(&n_gil_objects, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n && have < MAX_GIL_OBJECTS; i++)
        if (objs[i]) {
            gil_objects[have++] = objs[i];
            /* set before the count is published: a reader that sees the
             * entry passes the filter */
            unsigned b = gil_filter_bit(objs[i]);
            atomic_fetch_or_explicit(&gil_filter[b >> 6], 1ull << (b & 63), memory_order_relaxed);
        }
    __atomic_store_n(&n_gil_objects, have, __ATOMIC_RELEASE);
}

/* 3.13+: libpython's semaphores are its parking lot's (pyshim.c). */
static bool ignore_semaphores;

void bpr_sync_ignore_semaphores(void)
{
    __atomic_store_n(&ignore_semaphores, true, __ATOMIC_RELEASE);
}

static bool sem_recorded(void)
{
    return !__atomic_load_n(&ignore_semaphores, __ATOMIC_ACQUIRE);
}

bool bpr_is_gil_object(const void *obj)
{
    unsigned b = gil_filter_bit(obj);
    if (!(atomic_load_explicit(&gil_filter[b >> 6], memory_order_relaxed) & (1ull << (b & 63))))
        return false;
    int n = __atomic_load_n(&n_gil_objects, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (gil_objects[i] == obj)
            return true;
    return false;
}

/* CALLER is the wrapper's return address: locks taken inside an allocator
 * are not the program's synchronization. */
static inline bool should_record_from(const void *obj, const void *caller)
{
    if (!bpr_ready_inline())
        return false;
    /* A lock call on the GIL's objects: the thread is handing the GIL on or
     * waiting for it, so another thread's access may come next, which must
     * not get an earlier seq than this thread's next one (tw_emit_in_block).
     * Whatever the thread is doing, the shim's own calls included. */
    if (bpr_is_gil_object(obj)) {
        tw_end_block(&bpr_tls_thread.tw);
        return false;
    }
    /* then the caller: most other lock calls are the allocator's (quiet) */
    return bpr_tls_thread.busy == 0 && !bpr_is_quiet_caller_inline(caller);
}
#define should_record(obj) should_record_from((obj), __builtin_return_address(0))

/* Which thread holds each mutex's chain: it made a recorded acquire with a
 * fresh seq, and since then the mutex's only recorded events were that
 * thread's.  A mutex that one thread takes again and again (Blender's, around
 * every RNA update) is most of the program's lock events.  The chain
 * holder's next acquire joins only releases its clock already holds (every
 * other thread's came before its fresh acquire, with smaller seqs), so it
 * need not be ordered after any other thread's event and takes the next seq
 * of the thread's block instead of a fresh one: two locked adds fewer per
 * lock (docs/trace-format.md, "Sequence numbers"; docs/performance.md,
 * "Sixteenth pass").  A direct-mapped table of (mutex, thread) words: a
 * fresh acquire writes its own; a recorded release by a thread that does not
 * hold the chain (its acquire was not recorded) clears it, and so does
 * another mutex taking the slot: the next acquire is then fresh, as before.
 * Read and written with the mutex held, so the mutex orders them. */
#define MUTEX_CHAIN_BITS 12
static _Atomic uint64_t mutex_chain[1u << MUTEX_CHAIN_BITS];

static inline _Atomic uint64_t *mutex_chain_slot(const void *m)
{
    return &mutex_chain[(((uintptr_t)m >> 3) * 0x9e3779b97f4a7c15ull) >> (64 - MUTEX_CHAIN_BITS)];
}

/* (M, TID) as one word, never 0; 0 when they do not fit in one (a mutex
 * address beyond 47 bits, a thread id beyond 20 bits). */
static inline uint64_t mutex_thread_word(const void *m, uint32_t tid)
{
    uint64_t a = (uint64_t)(uintptr_t)m >> 3;
    if (!a || a >> 44 || tid >> 20)
        return 0;
    return a << 20 | tid;
}

/* Called once should_record said yes: the thread is active. */
static inline void record(uint8_t type, uint16_t kind, const void *obj, uint8_t flags)
{
    if (__builtin_expect(bpr_opt_native_stacks, 0)) {
        bpr_emit_with_native(type, flags, kind, 0, (uint64_t)(uintptr_t)obj, 0);
        return;
    }
    struct bpr_thread *t = &bpr_tls_thread;
    if (__builtin_expect(!t->started, 0) && !(t = bpr_self()))
        return;
    /* A release's seq need only come before the acquire that pairs with it,
     * which takes a fresh one after the real lock returns (unless it is the
     * chain holder's next acquire: above). */
    if (type == TR_RELEASE) {
        if (kind == TRACE_SYNC_MUTEX) {
            _Atomic uint64_t *slot = mutex_chain_slot(obj);
            uint64_t own = mutex_thread_word(obj, t->tw.tid);
            if (!own || atomic_load_explicit(slot, memory_order_relaxed) != own)
                atomic_store_explicit(slot, 0, memory_order_relaxed);
        }
        tw_emit_in_block(&t->tw, type, flags, kind, 0, (uint64_t)(uintptr_t)obj, 0);
        return;
    }
    if (kind == TRACE_SYNC_MUTEX && type == TR_ACQUIRE) {
        _Atomic uint64_t *slot = mutex_chain_slot(obj);
        uint64_t own = mutex_thread_word(obj, t->tw.tid);
        if (own && atomic_load_explicit(slot, memory_order_relaxed) == own) {
            tw_emit_in_block(&t->tw, type, flags, kind, 0, (uint64_t)(uintptr_t)obj, 0);
            return;
        }
        tw_emit(&t->tw, type, flags, kind, 0, (uint64_t)(uintptr_t)obj, 0);
        atomic_store_explicit(slot, own, memory_order_relaxed);
        return;
    }
    tw_emit(&t->tw, type, flags, kind, 0, (uint64_t)(uintptr_t)obj, 0);
}

static inline int acquired_from(int rc, uint16_t kind, const void *obj, uint8_t flags, const void *caller)
{
    if ((rc == 0 || rc == EOWNERDEAD) && (kind != TRACE_SYNC_SEM || sem_recorded()) &&
        should_record_from(obj, caller))
        record(TR_ACQUIRE, kind, obj, flags);
    return rc;
}
#define acquired(rc, kind, obj, flags) acquired_from((rc), (kind), (obj), (flags), __builtin_return_address(0))

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

static int read_locked(int rc, pthread_rwlock_t *l, const void *caller)
{
    if (rc != 0)
        return rc;
    for (int i = 0; i < 16; i++)
        if (!held_read[i]) {
            held_read[i] = l;
            break;
        }
    return acquired_from(rc, TRACE_SYNC_RWLOCK, l, TRF_SHARED, caller);
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

int pthread_rwlock_rdlock(pthread_rwlock_t *l) { return read_locked(REAL(pthread_rwlock_rdlock)(l), l, __builtin_return_address(0)); }
int pthread_rwlock_tryrdlock(pthread_rwlock_t *l) { return read_locked(REAL(pthread_rwlock_tryrdlock)(l), l, __builtin_return_address(0)); }
int pthread_rwlock_timedrdlock(pthread_rwlock_t *l, const struct timespec *t)
{
    return read_locked(REAL(pthread_rwlock_timedrdlock)(l, t), l, __builtin_return_address(0));
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
static int cond_waited(int rc, pthread_cond_t *c, pthread_mutex_t *m, const void *caller)
{
    /* The wait re-locked M whatever RC says (except on a broken mutex). */
    if (should_record_from(c, caller)) {
        if (rc == 0)
            record(TR_ACQUIRE, TRACE_SYNC_COND, c, 0);
        record(TR_ACQUIRE, TRACE_SYNC_MUTEX, m, 0);
    }
    return rc;
}

static void cond_before_wait(pthread_cond_t *c, pthread_mutex_t *m, const void *caller)
{
    if (should_record_from(c, caller))
        record(TR_RELEASE, TRACE_SYNC_MUTEX, m, 0);
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    cond_before_wait(c, m, __builtin_return_address(0));
    return cond_waited(REAL(pthread_cond_wait)(c, m), c, m, __builtin_return_address(0));
}
int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
    cond_before_wait(c, m, __builtin_return_address(0));
    return cond_waited(REAL(pthread_cond_timedwait)(c, m, t), c, m, __builtin_return_address(0));
}
int pthread_cond_clockwait(pthread_cond_t *c, pthread_mutex_t *m, clockid_t clk, const struct timespec *t)
{
    cond_before_wait(c, m, __builtin_return_address(0));
    return cond_waited(REAL(pthread_cond_clockwait)(c, m, clk, t), c, m, __builtin_return_address(0));
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
    if (sem_recorded() && should_record(s))
        record(TR_RELEASE, TRACE_SYNC_SEM, s, 0);
    return REAL(sem_post)(s);
}

/* ---- quiet libraries' lock calls go straight to the real functions ----
 * An allocator's or the graphics stack's lock calls are never recorded
 * (quiet.c), yet each one still paid for a pass through these wrappers
 * (on a typical script, jemalloc's 200,000 calls were a seventh of the
 * recorder's cost).  quiet.c points such a library's PLT slots that lead
 * here at the real functions instead.  Only the wrappers that keep no
 * state of their own are bypassed: the rwlock ones track read locks, and a
 * lock taken through one path and released through the other would leave
 * a stale mark. */
#define BYPASSED(X)                                                                                \
    X(pthread_mutex_lock) X(pthread_mutex_trylock) X(pthread_mutex_timedlock)                      \
    X(pthread_mutex_unlock) X(pthread_cond_wait) X(pthread_cond_timedwait)                         \
    X(pthread_cond_clockwait) X(pthread_cond_signal) X(pthread_cond_broadcast) X(sem_wait)         \
    X(sem_trywait) X(sem_timedwait) X(sem_clockwait) X(sem_post)

/* This file's own definitions, whatever else interposes the names (GCC
 * wants the declarations' nothrow copied onto the aliases). */
#if defined(__clang__)
#define OWN_ALIAS(name) extern __typeof(name) bpr_own_##name __attribute__((alias(#name), visibility("hidden")));
#else
#define OWN_ALIAS(name)                                                                            \
    extern __typeof(name) bpr_own_##name __attribute__((alias(#name), copy(name), visibility("hidden")));
#endif
BYPASSED(OWN_ALIAS)

#define INDEX(name) BYPASS_##name,
enum { BYPASSED(INDEX) N_BYPASSED };
/* Resolved once at start-up: the slow path that bypasses runs inside a
 * library's lock call, where dlsym (which may allocate) must not run. */
static void *bypass_real[N_BYPASSED];

void bpr_sync_resolve_real(void)
{
#define RESOLVE(name) bypass_real[BYPASS_##name] = (void *)REAL(name);
    BYPASSED(RESOLVE)
}

void *bpr_sync_real_of(const void *fn)
{
#define MATCH(name)                                                                                \
    if (fn == (const void *)bpr_own_##name)                                                        \
        return __atomic_load_n(&bypass_real[BYPASS_##name], __ATOMIC_RELAXED);
    BYPASSED(MATCH)
    return NULL;
}
