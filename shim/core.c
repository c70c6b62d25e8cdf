/* Shim core: start-up, per-thread state, the trace, options and warnings.
 * Follows TSan's interceptor shape: every wrapper passes straight through
 * when the shim is inert or the thread is inside the shim (busy). */
#define _GNU_SOURCE
#include "shim.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

int bpr_state;
__thread struct bpr_thread bpr_tls_thread __attribute__((tls_model("initial-exec")));
static _Atomic uint32_t next_tid = 1;
static _Atomic uint32_t next_string_id = 1;
static _Atomic uint32_t next_stack_id = 1;
static _Atomic uint32_t next_var_id = 1;   /* 0 means "global" in TR_CALL */
static int opt_stack_depth = 8;
bool bpr_opt_native_stacks;
static char trace_base[4096];

uint32_t (*bpr_py_capture_stack)(void);
uint32_t (*bpr_py_thread_name)(void);
void (*bpr_py_on_host_gil)(void);
void (*bpr_py_window_site)(uint32_t *stack, uint32_t *what);
void (*bpr_py_event_loop)(void);
bool (*bpr_py_release_is_host)(void);
bool bpr_py_python_threads;

/* ---- real functions ---------------------------------------------------- */

/* dlsym gives the default version (pthread_cond_*@@GLIBC_2.3.2 in glibc),
 * and goes through any other interposer in between (TSan's, in the shim's
 * TSan test); the named version is the fallback. */
static void *resolve(const char *name, const char *version)
{
    void *fn = dlsym(RTLD_NEXT, name);
    if (!fn && version)
        fn = dlvsym(RTLD_NEXT, name, version);
    return fn;
}

/* Each accessor caches its pointer; the race between two first callers
 * stores the same value, hence the relaxed atomics.  An entry point patched
 * in place (patch.c) has its trampoline stored here instead. */
#define BPR_REAL(ret, name, args, version)                                       \
    static void *real_##name;                                                    \
    ret (*bpr_real_##name(void)) args                                            \
    {                                                                            \
        void *fn = __atomic_load_n(&real_##name, __ATOMIC_RELAXED);              \
        if (!fn) {                                                               \
            fn = resolve(#name, version);                                        \
            __atomic_store_n(&real_##name, fn, __ATOMIC_RELAXED);                \
        }                                                                        \
        return (ret (*) args)fn;                                                 \
    }
#include "interpose.def"
#undef BPR_REAL

bool bpr_set_real(const char *name, void *fn)
{
#define BPR_REAL(ret, name_, args, version)                                      \
    if (strcmp(name, #name_) == 0) {                                             \
        __atomic_store_n(&real_##name_, fn, __ATOMIC_RELAXED);                   \
        return true;                                                             \
    }
#include "interpose.def"
#undef BPR_REAL
    return false;
}

/* ---- modules: which code called us ------------------------------------- */

struct range { uintptr_t lo, hi; };
static struct range exe_ranges[8], py_ranges[8];
static int n_exe_ranges, n_py_ranges;

static int collect_ranges(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    int *first = data;
    bool is_exe = *first;
    bool is_py = info->dlpi_name && strstr(info->dlpi_name, "libpython");
    *first = 0;
    if (!is_exe && !is_py)
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        struct range r = {info->dlpi_addr + ph->p_vaddr, info->dlpi_addr + ph->p_vaddr + ph->p_memsz};
        if (is_exe && n_exe_ranges < 8)
            exe_ranges[n_exe_ranges++] = r;
        else if (is_py && n_py_ranges < 8)
            py_ranges[n_py_ranges++] = r;
    }
    return 0;
}

static bool in_ranges(const struct range *r, int n, const void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    for (int i = 0; i < n; i++)
        if (a >= r[i].lo && a < r[i].hi)
            return true;
    return false;
}

bool bpr_is_host_caller(const void *ret) { return in_ranges(exe_ranges, n_exe_ranges, ret); }
bool bpr_is_python_caller(const void *ret) { return in_ranges(py_ranges, n_py_ranges, ret); }

/* ---- warnings ---------------------------------------------------------- */

static char warned[32][48];
static _Atomic int n_warned;
static _Atomic int warn_lock;

void bpr_warn_once(const char *key, const char *fmt, ...)
{
    while (atomic_exchange_explicit(&warn_lock, 1, memory_order_acquire))
        ;
    int n = atomic_load(&n_warned);
    for (int i = 0; i < n; i++)
        if (strcmp(warned[i], key) == 0) {
            atomic_store_explicit(&warn_lock, 0, memory_order_release);
            return;
        }
    if (n < 32) {
        snprintf(warned[n], sizeof warned[n], "%s", key);
        atomic_store(&n_warned, n + 1);
    }
    atomic_store_explicit(&warn_lock, 0, memory_order_release);

    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    dprintf(2, "bpyrace: %s\n", msg);
    tw_note_coverage(msg);
}

/* ---- threads ------------------------------------------------------------ */

uint32_t bpr_alloc_tid(void) { return atomic_fetch_add(&next_tid, 1); }
uint32_t bpr_new_string_id(void) { return atomic_fetch_add(&next_string_id, 1); }
uint32_t bpr_new_stack_id(void) { return atomic_fetch_add(&next_stack_id, 1); }
uint32_t bpr_new_var_id(void) { return atomic_fetch_add(&next_var_id, 1); }
int bpr_stack_depth(void) { return opt_stack_depth; }

bool bpr_ready(void) { return bpr_ready_inline(); }

static pid_t bpr_gettid(void);

/* A thread we did not see created may have named itself already: its name
 * is read once, from /proc (unless it is the process's own, inherited). */
static void note_comm(struct bpr_thread *t)
{
    char path[64], name[32] = "", self[32] = "";
    t->busy++;
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)bpr_gettid());
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, name, sizeof name - 1) : -1;
    if (fd >= 0)
        close(fd);
    fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
    ssize_t m = fd >= 0 ? read(fd, self, sizeof self - 1) : -1;
    if (fd >= 0)
        close(fd);
    t->busy--;
    if (n <= 0)
        return;
    name[strcspn(name, "\n")] = 0;
    if (m > 0)
        self[strcspn(self, "\n")] = 0;
    if (strcmp(name, self) != 0)
        bpr_note_os_name(name);
}

struct bpr_thread *bpr_self(void)
{
    if (!bpr_ready_inline())
        return NULL;
    struct bpr_thread *t = &bpr_tls_thread;
    if (t->tw.tid == 0) {
        /* A thread we did not see created (started before the shim, or by a
         * path we do not interpose): it gets an id now, origin blender. */
        t->tw.tid = bpr_alloc_tid();
        if (!t->origin)
            t->origin = TRACE_ORIGIN_BLENDER;
        t->unseen = true;
    }
    if (!t->started) {
        t->started = true;
        tw_emit(&t->tw, TR_THREAD_START, 0, 0, t->created_at, t->origin, t->parent);
        if (t->unseen)
            note_comm(t);
    }
    return t;
}

bool bpr_active(void) { return bpr_active_inline(); }

uint64_t bpr_emit(uint8_t type, uint8_t flags, uint16_t aux, uint32_t stack, uint64_t a, int64_t b)
{
    struct bpr_thread *t = bpr_self();
    if (!t)
        return 0;
    return tw_emit(&t->tw, type, flags, aux, stack, a, b);
}

__attribute__((noinline)) uint64_t bpr_emit_with_native(uint8_t type, uint8_t flags, uint16_t aux, uint32_t stack, uint64_t a, int64_t b)
{
    uint32_t native = bpr_native_stack();
    if (native) {
        flags |= TRF_NATIVE;
        b = (int64_t)(((uint64_t)native << 32) | (uint32_t)b);
    }
    return bpr_emit(type, flags, aux, stack, a, b);
}

/* One call and no re-check of the thread per access (the recorder's hot
 * path); the native stack, when asked for, starts at the same depth as
 * bpr_emit_with_native's. */
__attribute__((noinline)) uint64_t bpr_emit_access(struct bpr_thread *t, uint8_t type, uint8_t flags,
                                                   uint16_t aux, uint32_t stack, uint64_t a, int64_t b)
{
    if (__builtin_expect(bpr_opt_native_stacks, 0)) {
        uint32_t native = bpr_native_stack();
        if (native) {
            flags |= TRF_NATIVE;
            b = (int64_t)(((uint64_t)native << 32) | (uint32_t)b);
        }
    }
    /* (with the GIL held: no other thread's access until a hand-off) */
    if (flags & TRF_GIL)
        return tw_emit_in_block(&t->tw, type, flags, aux, stack, a, b);
    return tw_emit(&t->tw, type, flags, aux, stack, a, b);
}

void bpr_emit_def(uint8_t type, uint16_t aux, uint32_t stack, uint64_t a, int64_t b,
                  const void *payload, size_t len)
{
    struct bpr_thread *t = bpr_self();
    if (t)
        tw_emit_def(&t->tw, type, aux, stack, a, b, payload, len);
}

/* ---- native stacks (option): interned under a spinlock, off the fast path */

#define NSTACK_SLOTS 65536
static struct { uint64_t hash; uint32_t id; } nstack_table[NSTACK_SLOTS];
static _Atomic int nstack_lock;

/* Module and symbol names from dladdr point into the loaded objects: the
 * pointer is the key (called under nstack_lock). */
#define NSTRING_SLOTS 8192
static struct { const char *s; uint32_t id; } nstring_table[NSTRING_SLOTS];

static uint32_t native_string(const char *s)
{
    uint32_t slot = (uint32_t)(((uintptr_t)s >> 3) % NSTRING_SLOTS);
    for (int probe = 0; probe < 32; probe++, slot = (slot + 1) % NSTRING_SLOTS) {
        if (nstring_table[slot].s == s)
            return nstring_table[slot].id;
        if (!nstring_table[slot].s)
            break;
    }
    uint32_t id = bpr_new_string_id();
    bpr_emit_def(TR_DEF_STRING, 0, 0, id, (int64_t)strlen(s), s, strlen(s));
    if (!nstring_table[slot].s)
        nstring_table[slot].s = s, nstring_table[slot].id = id;
    return id;
}

static uint32_t intern_native_stack(void **frames, int n)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < n; i++)
        h = (h ^ (uintptr_t)frames[i]) * 1099511628211ull;
    while (atomic_exchange_explicit(&nstack_lock, 1, memory_order_acquire))
        ;
    uint32_t slot = (uint32_t)(h % NSTACK_SLOTS), id = 0;
    for (int probe = 0; probe < 16; probe++, slot = (slot + 1) % NSTACK_SLOTS) {
        if (nstack_table[slot].hash == h) {
            id = nstack_table[slot].id;
            break;
        }
        if (nstack_table[slot].id == 0)
            break;
    }
    if (!id) {
        struct trace_frame tf[14];
        for (int i = 0; i < n; i++) {
            Dl_info info;
            const char *mod = "??", *sym = "??";
            uintptr_t off = (uintptr_t)frames[i];
            if (dladdr(frames[i], &info) && info.dli_fname) {
                mod = strrchr(info.dli_fname, '/') ? strrchr(info.dli_fname, '/') + 1 : info.dli_fname;
                if (info.dli_sname)
                    sym = info.dli_sname;
                off = (uintptr_t)frames[i] - (uintptr_t)info.dli_fbase;
            }
            tf[i] = (struct trace_frame){native_string(mod), native_string(sym), (int32_t)off, 1};
        }
        id = bpr_new_stack_id();
        bpr_emit_def(TR_DEF_STACK, 0, 0, id, n, tf, sizeof(struct trace_frame) * (size_t)n);
        if (nstack_table[slot].id == 0)
            nstack_table[slot].hash = h, nstack_table[slot].id = id;
    }
    atomic_store_explicit(&nstack_lock, 0, memory_order_release);
    return id;
}

__attribute__((noinline)) uint32_t bpr_native_stack(void)
{
    if (!bpr_opt_native_stacks || !bpr_active())
        return 0;
    /* libunwind and dladdr take locks of their own: their calls must pass
     * straight through our wrappers, or a wrapper would unwind again. */
    bpr_tls_thread.busy++;
    void *ips[16];
    int n = unw_backtrace(ips, 16);
    uint32_t id = 0;
    /* skip this function, bpr_emit_with_native and the wrapper that called it */
    if (n > 3)
        id = intern_native_stack(ips + 3, n - 3);
    bpr_tls_thread.busy--;
    return id;
}

/* ---- start-up and exit -------------------------------------------------- */

static void at_exit(void)
{
    if (bpr_state != 1)
        return;
    struct bpr_thread *t = bpr_self();
    if (t)
        tw_emit(&t->tw, TR_THREAD_EXIT, 0, 0, 0, 0, 0);
    tw_close();
}

static bool open_trace(void)
{
    char path[4200];
    const char *root = getenv("BPYRACE_ROOT_PID");
    if (root && atoi(root) == getpid())
        snprintf(path, sizeof path, "%s", trace_base);
    else
        snprintf(path, sizeof path, "%s.%d", trace_base, getpid());
    char exe[256] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = 0;
    if (tw_open(path, getpid(), getppid(), exe, bpr_opt_native_stacks ? TRACE_HF_NATIVE_STACKS : 0) != 0) {
        dprintf(2, "bpyrace: %s: cannot write trace: %s; not recording\n", path, strerror(errno));
        return false;
    }
    return true;
}

static pid_t bpr_gettid(void) { return (pid_t)syscall(SYS_gettid); }

/* The trace writer's helper (it makes trace pages resident ahead): started
 * with the real pthread_create, so it is never one of the program's threads
 * in the trace, and detached.  The stack leaves room for the static TLS of
 * Blender's libraries. */
static int start_hidden_thread(void *(*fn)(void *))
{
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return -1;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 512u << 10);
    pthread_t th;
    int rc = REAL(pthread_create)(&th, &attr, fn, NULL);
    pthread_attr_destroy(&attr);
    return rc;
}

__attribute__((constructor)) static void bpr_init(void)
{
    const char *base = getenv("BPYRACE_TRACE");
    /* Inert without a trace to write or without libpython in the process
     * (children such as `sh -c xdg-user-dir` inherit LD_PRELOAD). */
    if (!base || !*base || !dlsym(RTLD_DEFAULT, "_PyRuntime")) {
        bpr_state = -1;
        return;
    }
    snprintf(trace_base, sizeof trace_base, "%s", base);
    const char *depth = getenv("BPYRACE_STACK_DEPTH");
    if (depth && atoi(depth) > 0)
        opt_stack_depth = atoi(depth) > 64 ? 64 : atoi(depth);
    const char *native = getenv("BPYRACE_NATIVE_STACKS");
    bpr_opt_native_stacks = native && *native == '1';

    int first = 1;
    dl_iterate_phdr(collect_ranges, &first);
    tw_set_time_every(TRACE_TIME_EVERY);   /* real time in the timeline, the dump, the report */
    tw_set_thread_starter(start_hidden_thread);
    if (!open_trace()) {
        bpr_state = -1;
        return;
    }
    const char *patch = getenv("BPYRACE_PATCH_ENTRY_POINTS");
    bpr_patch_entry_points(patch && *patch == '1');   /* before main: a static Python's GIL API */
    if (bpr_gettid() == getpid()) {
        bpr_tls_thread.tw.tid = bpr_alloc_tid();   /* T1: the process's first thread */
        bpr_tls_thread.origin = TRACE_ORIGIN_MAIN;
    }
    bpr_state = 1;
    bpr_bypass_quiet_libraries();
    atexit(at_exit);
}

/* fork: the child must not write into the parent's trace.  A forked child
 * that goes on without exec is left unrecorded (it usually execs at once,
 * as Blender's `sh -c xdg-user-dir` does; docs/design.md, "fork"); an
 * exec'ed Blender child gets a trace of its own from this constructor.
 * Only the forking thread lives on in the child: a spinlock another thread
 * held at fork time would never be released, so the child resets them (it
 * still takes join_lock in pthread_detach/join, which Python's threads call,
 * and warn_lock in bpr_warn_once). */
pid_t fork(void)
{
    pid_t pid = REAL(fork)();
    if (pid == 0 && bpr_state == 1) {
        tw_forget_after_fork();
        atomic_store(&warn_lock, 0);
        atomic_store(&nstack_lock, 0);
        bpr_thread_after_fork();
        bpr_state = -1;
    }
    return pid;
}
