/* Thread birth, origin, name and death: pthread_create/join/detach/exit,
 * pthread_setname_np.
 * The parent gives the child its id and records thread_create before the
 * real call, so the child's first event is always later in seq order. */
#define _GNU_SOURCE
#include "shim.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct start_arg {
    void *(*fn)(void *);
    void *arg;
    uint32_t tid, parent, created_at;
    uint8_t origin;
};

/* pthread_t -> bpyrace tid, for pthread_join.  Creation and joins are rare:
 * a spinlock (not a pthread mutex: those are ours) is enough.  Open
 * addressing by a hash of the pthread_t (the address of the thread's
 * descriptor, whose low bits are the same for every thread); a joined or
 * detached thread leaves a tombstone, reused by the next thread, and a
 * thread created detached leaves its entry, overwritten when its pthread_t
 * comes back for a new thread.  (Without reuse, a session's first 4,096
 * Python threads, detached at birth, filled the table, and every later join
 * went unrecorded: test shim_joins.) */
#define JOIN_SLOTS 4096
#define JOIN_TOMB UINT32_MAX
static struct { pthread_t thread; uint32_t tid; } join_table[JOIN_SLOTS];
static _Atomic int join_lock;

static void lock_table(void)
{
    while (atomic_exchange_explicit(&join_lock, 1, memory_order_acquire))
        ;
}
static void unlock_table(void) { atomic_store_explicit(&join_lock, 0, memory_order_release); }

/* In a forked child (core.c's fork): the lock may have been held by a thread
 * that does not exist there. */
void bpr_thread_after_fork(void) { atomic_store(&join_lock, 0); }

static size_t join_home(pthread_t th)
{
    return (size_t)(((uint64_t)th * 0x9e3779b97f4a7c15ull) >> 52) % JOIN_SLOTS;
}

static void remember(pthread_t th, uint32_t tid)
{
    lock_table();
    size_t slot = join_home(th), free_slot = JOIN_SLOTS;
    for (int i = 0; i < JOIN_SLOTS; i++, slot = (slot + 1) % JOIN_SLOTS) {
        if (join_table[slot].tid == JOIN_TOMB) {
            if (free_slot == JOIN_SLOTS)
                free_slot = slot;
            continue;
        }
        if (join_table[slot].tid == 0 || join_table[slot].thread == th) {
            /* (an entry for TH is a thread that ended detached: TH is new) */
            if (join_table[slot].tid != 0 || free_slot == JOIN_SLOTS)
                free_slot = slot;
            break;
        }
    }
    if (free_slot < JOIN_SLOTS) {
        join_table[free_slot].thread = th;
        join_table[free_slot].tid = tid;
    }
    unlock_table();
    if (free_slot == JOIN_SLOTS)
        bpr_warn_once("joins", "more than %d threads neither joined nor detached at once; "
                               "joins of later threads are not recorded", JOIN_SLOTS);
}

/* Returns the tid of TH and forgets it (a pthread_t is reused after join). */
static uint32_t forget(pthread_t th)
{
    uint32_t tid = 0;
    lock_table();
    size_t slot = join_home(th);
    for (int i = 0; i < JOIN_SLOTS; i++, slot = (slot + 1) % JOIN_SLOTS) {
        if (join_table[slot].tid == 0)
            break;
        if (join_table[slot].tid != JOIN_TOMB && join_table[slot].thread == th) {
            tid = join_table[slot].tid;
            join_table[slot].tid = JOIN_TOMB;   /* tombstone keeps probes intact */
            join_table[slot].thread = 0;
            break;
        }
    }
    unlock_table();
    return tid;
}

/* The thread's end.  What runs after it (TLS and C++ thread_local
 * destructors: a Blender allocator's global mutex on Blender 4.3) is the
 * thread's teardown, not the program's synchronization: as lock edges it
 * would order a thread that happened to finish first before every later
 * user of that mutex.  So nothing more is recorded for the thread. */
static void record_exit(void)
{
    bpr_emit(TR_THREAD_EXIT, 0, 0, 0, 0, 0);
    struct bpr_thread *t = &bpr_tls_thread;
    tw_thread_done(&t->tw);   /* its last chunk is copied now, not at close */
    t->busy++;
}

static void *trampoline(void *p)
{
    /* Identity first: free() may take an allocator mutex, whose wrapper
     * would otherwise give this thread an id of its own. */
    struct start_arg a = *(struct start_arg *)p;
    struct bpr_thread *t = &bpr_tls_thread;
    t->tw.tid = a.tid;
    t->origin = a.origin;
    t->parent = a.parent;
    t->created_at = a.created_at;
    bpr_self();   /* thread_start */
    free(p);
    void *ret = a.fn(a.arg);
    record_exit();
    return ret;
}

int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    const void *caller = __builtin_return_address(0);
    struct bpr_thread *self = bpr_active() ? bpr_self() : NULL;
    struct start_arg *a = self ? malloc(sizeof *a) : NULL;
    if (!a)
        return REAL(pthread_create)(th, attr, fn, arg);
    a->fn = fn;
    a->arg = arg;
    a->tid = bpr_alloc_tid();
    a->parent = self->tw.tid;
    /* Python's: made inside _thread.start_new_thread (pyshim.c); without
     * that hook, told by the creator's module. */
    bool python = bpr_py_python_threads ? self->python_creating : bpr_is_python_caller(caller);
    a->origin = python ? TRACE_ORIGIN_PYTHON : TRACE_ORIGIN_BLENDER;
    a->created_at = 0;
    uint32_t name = 0;
    if (a->origin == TRACE_ORIGIN_PYTHON && bpr_py_capture_stack) {
        a->created_at = bpr_py_capture_stack();
        name = bpr_py_thread_name ? bpr_py_thread_name() : 0;
    }
    bpr_emit(TR_THREAD_CREATE, 0, 0, a->created_at, a->tid, name);
    uint32_t child = a->tid;   /* the child frees A, maybe before we return */
    int rc = REAL(pthread_create)(th, attr, trampoline, a);
    if (rc != 0)
        free(a);
    else
        remember(*th, child);
    return rc;
}

int pthread_join(pthread_t th, void **ret)
{
    int rc = REAL(pthread_join)(th, ret);
    if (rc == 0) {
        uint32_t tid = forget(th);
        if (tid && bpr_active())
            bpr_emit(TR_THREAD_JOIN, 0, 0, 0, tid, 0);
    }
    return rc;
}

int pthread_detach(pthread_t th)
{
    int rc = REAL(pthread_detach)(th);
    if (rc == 0)
        forget(th);
    return rc;
}

void pthread_exit(void *ret)
{
    if (bpr_active())
        record_exit();
    REAL(pthread_exit)(ret);
    __builtin_unreachable();
}

/* The OS name a thread gives itself (llvmpipe-0, jemalloc_bg_thd): reports
 * name Blender's threads by it.  A Python thread's own name wins (reader). */
void bpr_note_os_name(const char *name)
{
    if (!name || !*name)
        return;
    struct bpr_thread *t = bpr_self();
    if (!t)
        return;
    size_t n = strnlen(name, 64);
    uint32_t id = bpr_new_string_id();
    bpr_emit_def(TR_DEF_STRING, 0, 0, id, (int64_t)n, name, n);
    bpr_emit(TR_THREAD_NAME, 0, TRACE_NAME_OS, 0, 0, id);
}

int pthread_setname_np(pthread_t th, const char *name)
{
    int rc = REAL(pthread_setname_np)(th, name);
    /* Another thread's name would go in that thread's chunk: only our own. */
    if (rc == 0 && bpr_active() && pthread_equal(th, pthread_self()))
        bpr_note_os_name(name);
    return rc;
}
