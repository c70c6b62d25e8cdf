/* Internal interface of the LD_PRELOAD shim (libbpyrace_shim.so).
 * The core (core.c, sync.c, thread.c, gil.c, patch.c) has no libpython dependency, so
 * the shim stays loadable and inert in child processes such as `sh`.  The
 * Python-side instrumentation lives in libbpyrace_py.so, dlopen'ed once
 * Python is initialised; it reaches the core through the BPR_API functions. */
#ifndef BPYRACE_SHIM_H
#define BPYRACE_SHIM_H

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include "../tracer/trace_format.h"
#include "../tracer/trace_writer.h"

#define BPR_API __attribute__((visibility("default")))
#define BPR_HIDDEN __attribute__((visibility("hidden")))

/* Per-thread state, in initial-exec TLS (the shim is preloaded). */
struct bpr_thread {
    struct tw_thread tw;      /* tw.tid == 0: no id yet */
    int busy;                 /* >0 while the shim itself runs: its own calls are not events */
    uint8_t origin;           /* enum trace_origin, set by the creator */
    uint32_t parent;
    uint32_t created_at;      /* stack id recorded by the parent */
    bool started;             /* thread_start emitted */
    bool unseen;              /* not created through our pthread_create */
    bool named;               /* Python name emitted */
    /* The GIL API (gil.c): >0 inside one of its wrappers, whose nested calls
     * (libpython's PyGILState_Ensure calls PyEval_RestoreThread) are not
     * events; and the thread's GIL releases not yet ended by an acquire,
     * innermost last, bit i set when the i-th was a host release. */
    uint32_t gil_nest;
    uint32_t gil_depth;
    uint64_t gil_host;
    /* The instrumented bpy call running on this thread (Scene.frame_set,
     * bpy.ops.*): the site of a native window it opens, and the Python frame
     * that made the call (a GIL release is Blender's only when no newer frame
     * runs).  Set by the Python module around the call; 0 when none. */
    uint32_t site_stack, site_what;
    const void *site_frame;
    bool python_creating;     /* inside _thread.start_new_thread */
    uint32_t task;            /* the pool job this worker runs now (TR_TASK_BEGIN), 0 none */
    const void *py_tstate;    /* the Python module's: its thread state when it last held the GIL */
};

/* The calling thread's state, with a thread id assigned and its start event
 * emitted; NULL when the shim is inactive. */
BPR_API struct bpr_thread *bpr_self(void);
/* True when events should be recorded for this thread now. */
BPR_API bool bpr_active(void);
/* Emit one event for the calling thread (no-op when inactive). */
BPR_API uint64_t bpr_emit(uint8_t type, uint8_t flags, uint16_t aux, uint32_t stack,
                          uint64_t a, int64_t b);
/* The same, with the native stack of the caller when --native-stacks is on
 * (packed into b's upper half with TRF_NATIVE; docs/trace-format.md). */
BPR_API uint64_t bpr_emit_with_native(uint8_t type, uint8_t flags, uint16_t aux, uint32_t stack,
                                      uint64_t a, int64_t b);
/* The Python access path's: T is the caller's bpr_self(), already checked. */
BPR_API uint64_t bpr_emit_access(struct bpr_thread *t, uint8_t type, uint8_t flags, uint16_t aux,
                                 uint32_t stack, uint64_t a, int64_t b);
BPR_API void bpr_emit_def(uint8_t type, uint16_t aux, uint32_t stack, uint64_t a, int64_t b,
                          const void *payload, size_t len);
/* Python frames kept per stack (BPYRACE_STACK_DEPTH, read by the core). */
BPR_API int bpr_stack_depth(void);
/* Warn once per KEY on stderr ("bpyrace: ...") and note it in the trace header. */
BPR_API void bpr_warn_once(const char *key, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Set by the Python module: capture the current Python stack (GIL held),
 * returning an interned stack id or 0.  Used for thread creation sites. */
BPR_API extern uint32_t (*bpr_py_capture_stack)(void);
/* Set by the Python module: the string id of the name of the threading.Thread
 * being started by the calling thread (GIL held), or 0. */
BPR_API extern uint32_t (*bpr_py_thread_name)(void);
/* Set by the Python module: the site of a native window opened now by a host
 * GIL release of the calling thread (GIL still held): the Python stack and
 * the string id of what released it (docs/trace-format.md, TR_GIL_RELEASE). */
BPR_API extern void (*bpr_py_window_site)(uint32_t *stack, uint32_t *what);
/* Set by the Python module: Blender's event loop has begun (called on the
 * main thread, without the GIL: it only sets a flag). */
BPR_API extern void (*bpr_py_event_loop)(void);
/* Set by the Python module: called with the GIL held after each host
 * acquire / before each host release, to install instrumentation once bpy exists. */
BPR_API extern void (*bpr_py_on_host_gil)(void);

/* Set by the Python module: is a GIL release made now by the calling thread
 * (GIL held) Blender's, opening a native window?  (race model, "Host
 * calls": no Python frame running, or an instrumented bpy call with no newer
 * frame).  NULL before Python starts: the caller's module decides. */
BPR_API extern bool (*bpr_py_release_is_host)(void);
/* Set by the Python module once _thread.start_new_thread is hooked: a
 * thread's origin is then told by python_creating. */
BPR_API extern bool bpr_py_python_threads;

/* patch.c: patch the GIL API's entry points when they are defined in the
 * executable, or always when FORCE (BPYRACE_PATCH_ENTRY_POINTS=1). */
BPR_HIDDEN void bpr_patch_entry_points(bool force);
/* Patch N functions, all or none: TARGET's entry jumps to HOOK, and
 * *TRAMPOLINE is set to a function that runs TARGET's original code.  NULL
 * on success; else why not, *BAD naming the function refused. */
#define BPR_MAX_PATCHES 16
struct bpr_code_patch { const char *name; void *target, *hook; void **trampoline; };
BPR_HIDDEN const char *bpr_patch_code(const struct bpr_code_patch *ps, size_t n, size_t *bad);
/* gil.c: the wrappers patch.c aims the entry points at (patched.def). */
struct bpr_entry_hook { const char *name; void *hook; };
BPR_HIDDEN extern const struct bpr_entry_hook bpr_entry_hooks[];
BPR_HIDDEN extern const size_t bpr_n_entry_hooks;
/* core.c: make REAL(NAME) call FN (a trampoline) from now on. */
BPR_HIDDEN bool bpr_set_real(const char *name, void *fn);

/* thread.c: record the calling thread's OS name (TR_THREAD_NAME, TRACE_NAME_OS). */
BPR_HIDDEN void bpr_note_os_name(const char *name);
BPR_HIDDEN void bpr_thread_after_fork(void);   /* thread.c: reset its spinlock in a forked child */

/* core.c */
/* (both read inline by the Python module's access path too) */
BPR_API extern int bpr_state;   /* 0 uninitialised, 1 active, -1 inert */
BPR_API extern bool bpr_opt_native_stacks;      /* --native-stacks (read inline by the Python module too) */
/* The calling thread's state, in initial-exec TLS (the shim is preloaded:
 * its TLS is in the static block, which the Python module reaches too). */
BPR_API extern __thread struct bpr_thread bpr_tls_thread __attribute__((tls_model("initial-exec")));
BPR_API bool bpr_ready(void);
BPR_HIDDEN uint32_t bpr_alloc_tid(void);
BPR_HIDDEN bool bpr_is_host_caller(const void *ret);
BPR_HIDDEN bool bpr_is_python_caller(const void *ret);
BPR_HIDDEN bool bpr_is_quiet_caller(const void *ret);
BPR_HIDDEN uint32_t bpr_native_stack(void);

/* sync.c: the GIL's own mutex and condition variables, and the interpreter's
 * thread bookkeeping locks, are not sync events. */
BPR_API void bpr_sync_ignore_objects(const void *const *objs, int n);
BPR_API bool bpr_is_gil_object(const void *obj);
/* Resolve the real lock functions a quiet library's calls may be sent to
 * (at start-up); then the real function behind one of sync.c's wrappers,
 * NULL for any other address. */
BPR_HIDDEN void bpr_sync_resolve_real(void);
BPR_HIDDEN void *bpr_sync_real_of(const void *fn);
/* quiet.c: send the lock calls of every quiet library loaded now straight
 * to the real functions (at start-up; later ones as they are found). */
BPR_HIDDEN void bpr_bypass_quiet_libraries(void);
/* From now on no semaphore is synchronization (3.13+: CPython's parking lot
 * is their only user; Python locks are recorded at the Python level). */
BPR_API void bpr_sync_ignore_semaphores(void);

/* Python types seen by the core without Python headers.  PyStatus is a
 * 32-byte struct returned through a hidden pointer: a wrapper declared with
 * another return type crashes Blender at start-up. */
typedef void *PyThreadState_p;
typedef struct { int type; const char *func; const char *err_msg; int exitcode; } PyStatus_t;

/* Ids shared by the core's and the Python module's intern tables. */
BPR_API uint32_t bpr_new_string_id(void);
BPR_API uint32_t bpr_new_stack_id(void);
BPR_API uint32_t bpr_new_var_id(void);

/* bpr_ready(), bpr_active() and bpr_is_quiet_caller(), inline for the lock
 * wrappers and the access path: they run on every lock call of the program
 * (most of them an allocator's) and every access, and an exported function
 * is reached through the PLT even from the shim's own files. */
static inline bool bpr_ready_inline(void)
{
    return bpr_state == 1 && tw_is_open();
}
static inline bool bpr_active_inline(void)
{
    return bpr_ready_inline() && bpr_tls_thread.busy == 0;
}
#define BPR_QUIET_SLOTS 16384u
BPR_HIDDEN extern _Atomic uint64_t bpr_quiet_verdicts[BPR_QUIET_SLOTS];
static inline uint32_t bpr_quiet_slot(uint64_t key)
{
    return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 50) % BPR_QUIET_SLOTS;
}
static inline bool bpr_is_quiet_caller_inline(const void *ret)
{
    uint64_t key = (uint64_t)(uintptr_t)ret << 1;
    uint64_t v = atomic_load_explicit(&bpr_quiet_verdicts[bpr_quiet_slot(key)], memory_order_relaxed);
    if ((v & ~1ull) == key)
        return v & 1;
    return bpr_is_quiet_caller(ret);   /* a later probe, or a call site seen first now */
}

/* Real functions, resolved lazily with dlsym(RTLD_NEXT). */
#define BPR_REAL(ret, name, args, version) BPR_HIDDEN ret (*bpr_real_##name(void)) args;
#include "interpose.def"
#undef BPR_REAL
#define REAL(name) (bpr_real_##name())

#endif
