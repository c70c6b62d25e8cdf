/* The GIL calls Blender makes, and Python start-up.
 *
 * A host GIL release (Blender's) opens a native window, the acquire that
 * ends it closes the window (race model, edge 4).  Which releases are
 * Blender's is decided by what the thread is doing, not by who called
 * (docs/race-model.md, "Host calls"): the same rule on Debian's Blender,
 * where these wrappers are reached through the PLT, and on blender.org
 * builds, where patch.c aims the executable's own functions at them and
 * CPython's internal calls (time.sleep, lock waits) arrive here too.
 * - a release is host when the thread runs no Python frame (the event loop,
 *   a native thread's PyGILState_Release) or is inside an instrumented bpy
 *   call with no newer frame (bpr_py_release_is_host); any other release is
 *   CPython's own, and is not recorded: it orders nothing;
 * - an acquire is host when the release it ends was: each thread keeps its
 *   outstanding releases on a bit stack.  An acquire that ends none of ours
 *   (a native thread's first PyGILState_Ensure) is host unless Python
 *   started the thread (its bootstrap's first PyEval_AcquireThread).
 * Only the outermost GIL API call of a thread is an event: libpython's
 * PyGILState_Ensure/Release call PyEval_RestoreThread/SaveThread, which are
 * patched too.  Python start-up's own GIL calls are not events either. */
#define _GNU_SOURCE
#include "shim.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#define PYGILSTATE_UNLOCKED 1   /* PyGILState_STATE: the Ensure really acquired */

static void push_bit(uint32_t *depth, uint64_t *bits, bool v)
{
    if (*depth < 64 && v)
        *bits |= 1ull << *depth;
    else if (*depth < 64)
        *bits &= ~(1ull << *depth);
    (*depth)++;
}

static bool pop_bit(uint32_t *depth, uint64_t *bits, bool empty)
{
    if (*depth == 0)
        return empty;
    (*depth)--;
    return *depth < 64 && (*bits >> *depth) & 1;
}

/* Is the GIL release the calling thread (holding the GIL) makes now a host
 * release?  CALLER is the fallback before the Python module runs. */
static bool release_is_host(const void *caller)
{
    if (bpr_py_release_is_host)
        return bpr_py_release_is_host();
    return bpr_is_host_caller(caller);
}

/* A host call opens or closes a native window: its time is recorded exactly,
 * so the timeline shows the window's true length. */
static void host_time(struct bpr_thread *t)
{
    tw_emit_time(&t->tw);
}

static void host_hook(void)
{
    if (bpr_py_on_host_gil)
        bpr_py_on_host_gil();
}

/* A release: pushed on the thread's stack; a host one is an event, with its
 * site asked of the Python module while this thread still holds the GIL. */
static void gil_released(struct bpr_thread *t, bool host)
{
    push_bit(&t->gil_depth, &t->gil_host, host);
    if (!host)
        return;
    host_hook();
    uint32_t stack = 0, what = 0;
    if (bpr_py_window_site)
        bpr_py_window_site(&stack, &what);
    bpr_emit_with_native(TR_GIL_RELEASE, TRF_HOST, 0, stack, 0, what);
    host_time(t);
}

/* An acquire: ends the thread's innermost outstanding release. */
static void gil_acquired(struct bpr_thread *t)
{
    bool host = pop_bit(&t->gil_depth, &t->gil_host, t->origin != TRACE_ORIGIN_PYTHON);
    if (!host)
        return;
    bpr_emit_with_native(TR_GIL_ACQUIRE, TRF_HOST, 0, 0, 0, 0);
    host_time(t);
    host_hook();
}

/* The calling thread, when this GIL call is an event: recording, and not
 * nested in another GIL API call of the thread. */
static struct bpr_thread *outermost(void)
{
    if (!bpr_active())
        return NULL;
    struct bpr_thread *t = &bpr_tls_thread;
    return t->gil_nest ? NULL : bpr_self();
}

/* The wrappers keep their own (hidden) names for patch.c, and are exported
 * under the API's names for the PLT. */
#define EXPORT_AS(name) __attribute__((alias("bpr_hook_" #name), visibility("default")))
#define NEST_BEGIN(t) do { if (t) t->gil_nest++; } while (0)
#define NEST_END(t) do { if (t) t->gil_nest--; } while (0)

BPR_HIDDEN PyThreadState_p bpr_hook_PyEval_SaveThread(void);
PyThreadState_p bpr_hook_PyEval_SaveThread(void)
{
    struct bpr_thread *t = outermost();
    if (t)
        gil_released(t, release_is_host(__builtin_return_address(0)));
    NEST_BEGIN(t);
    PyThreadState_p ts = REAL(PyEval_SaveThread)();
    NEST_END(t);
    return ts;
}
PyThreadState_p PyEval_SaveThread(void) EXPORT_AS(PyEval_SaveThread);

BPR_HIDDEN void bpr_hook_PyEval_RestoreThread(PyThreadState_p ts);
void bpr_hook_PyEval_RestoreThread(PyThreadState_p ts)
{
    struct bpr_thread *t = outermost();
    NEST_BEGIN(t);
    REAL(PyEval_RestoreThread)(ts);
    NEST_END(t);
    if (t)
        gil_acquired(t);
}
void PyEval_RestoreThread(PyThreadState_p ts) EXPORT_AS(PyEval_RestoreThread);

/* Start-up ends with PyEval_ReleaseThread: from then on Blender's main
 * thread runs without the GIL between its calls into Python. */
BPR_HIDDEN void bpr_hook_PyEval_ReleaseThread(PyThreadState_p ts);
void bpr_hook_PyEval_ReleaseThread(PyThreadState_p ts)
{
    struct bpr_thread *t = outermost();
    if (t)
        gil_released(t, release_is_host(__builtin_return_address(0)));
    NEST_BEGIN(t);
    REAL(PyEval_ReleaseThread)(ts);
    NEST_END(t);
}
void PyEval_ReleaseThread(PyThreadState_p ts) EXPORT_AS(PyEval_ReleaseThread);

BPR_HIDDEN void bpr_hook_PyEval_AcquireThread(PyThreadState_p ts);
void bpr_hook_PyEval_AcquireThread(PyThreadState_p ts)
{
    struct bpr_thread *t = outermost();
    NEST_BEGIN(t);
    REAL(PyEval_AcquireThread)(ts);
    NEST_END(t);
    if (t)
        gil_acquired(t);
}
void PyEval_AcquireThread(PyThreadState_p ts) EXPORT_AS(PyEval_AcquireThread);

BPR_HIDDEN int bpr_hook_PyGILState_Ensure(void);
int bpr_hook_PyGILState_Ensure(void)
{
    struct bpr_thread *t = outermost();
    NEST_BEGIN(t);
    int state = REAL(PyGILState_Ensure)();
    NEST_END(t);
    if (t && state == PYGILSTATE_UNLOCKED)
        gil_acquired(t);
    return state;
}
int PyGILState_Ensure(void) EXPORT_AS(PyGILState_Ensure);

BPR_HIDDEN void bpr_hook_PyGILState_Release(int state);
void bpr_hook_PyGILState_Release(int state)
{
    struct bpr_thread *t = outermost();
    if (t && state == PYGILSTATE_UNLOCKED)
        gil_released(t, release_is_host(__builtin_return_address(0)));
    NEST_BEGIN(t);
    REAL(PyGILState_Release)(state);
    NEST_END(t);
}
void PyGILState_Release(int state) EXPORT_AS(PyGILState_Release);

/* ---- Python start-up: load the Python-side instrumentation ---- */

static void *py_module;

static void load_py_module(void)
{
    Dl_info info;
    if (!dladdr((void *)load_py_module, &info) || !info.dli_fname) {
        bpr_warn_once("pymod", "cannot locate the shim library; Python-level accesses are not recorded");
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s", info.dli_fname);
    char *slash = strrchr(path, '/');
    snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0), "%s",
             "libbpyrace_py.so");
    py_module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!py_module)
        bpr_warn_once("pymod", "cannot load %s: %s; Python-level accesses are not recorded", path, dlerror());
}

BPR_HIDDEN PyStatus_t bpr_hook_Py_InitializeFromConfig(const void *config);
PyStatus_t bpr_hook_Py_InitializeFromConfig(const void *config)
{
    void (*pre)(void) = NULL, (*post)(void) = NULL;
    if (bpr_ready()) {
        load_py_module();
        if (py_module) {
            pre = (void (*)(void))dlsym(py_module, "bpr_py_preinit");
            post = (void (*)(void))dlsym(py_module, "bpr_py_postinit");
        }
    }
    if (pre)
        pre();   /* learns the GIL's mutex and conditions before the first switch */
    struct bpr_thread *t = bpr_active() ? &bpr_tls_thread : NULL;
    NEST_BEGIN(t);   /* start-up's own GIL calls are not Blender's */
    PyStatus_t status = REAL(Py_InitializeFromConfig)(config);
    NEST_END(t);
    if (post && status.type == 0)
        post();  /* audit hook; instrumentation once bpy exists */
    return status;
}
PyStatus_t Py_InitializeFromConfig(const void *config) EXPORT_AS(Py_InitializeFromConfig);

#define BPR_PATCHED(name) {#name, (void *)bpr_hook_##name},
const struct bpr_entry_hook bpr_entry_hooks[] = {
#include "patched.def"
};
#undef BPR_PATCHED
const size_t bpr_n_entry_hooks = sizeof bpr_entry_hooks / sizeof bpr_entry_hooks[0];

/* ---- Blender's event loop ----
 * With an X11 window, GHOST's event processing asks XPending on the main
 * thread, first from WM_main's loop (never during start-up: checked under
 * Xvfb, docs/blender-internals.md): from then on the main thread's windows
 * outside Python are the event loop's, with or without a --python script. */
int XPending(void *display)
{
    static bool seen;
    if (!seen && bpr_active() && bpr_tls_thread.origin == TRACE_ORIGIN_MAIN && bpr_py_event_loop) {
        seen = true;
        bpr_py_event_loop();
    }
    return REAL(XPending)(display);
}
