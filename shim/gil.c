/* The GIL calls Blender makes, and Python start-up.
 * A call whose return address lies in the blender executable is a host call:
 * a host release opens a native window, a host acquire closes it (race
 * model, edge 4).  Blender reaches PyEval_RestoreThread and
 * PyGILState_Release by tail jumps, so their return address can be the
 * caller's caller: host-ness of a closing call is taken from the opening
 * call it pairs with (per-thread bit stacks), never from its own address. */
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

static bool pop_bit(uint32_t *depth, uint64_t *bits)
{
    if (*depth == 0)
        return false;
    (*depth)--;
    return *depth < 64 && (*bits >> *depth) & 1;
}

/* A host call opens or closes a native window: its time is recorded exactly,
 * so the timeline shows the window's true length. */
static void host_time(bool host)
{
    struct bpr_thread *t = host ? bpr_self() : NULL;
    if (t)
        tw_emit_time(&t->tw);
}

static void gil_event(uint8_t type, bool host)
{
    bpr_emit_with_native(type, host ? TRF_HOST : 0, 0, 0, 0, 0);
    host_time(host);
}

/* A host release opens a native window: it carries its site, asked of the
 * Python module while this thread still holds the GIL. */
static void gil_release_event(bool host)
{
    uint32_t stack = 0, what = 0;
    if (host && bpr_py_window_site)
        bpr_py_window_site(&stack, &what);
    bpr_emit_with_native(TR_GIL_RELEASE, host ? TRF_HOST : 0, 0, stack, 0, what);
    host_time(host);
}

static void host_hook(void)
{
    if (bpr_py_on_host_gil)
        bpr_py_on_host_gil();
}

PyThreadState_p PyEval_SaveThread(void)
{
    bool host = bpr_is_host_caller(__builtin_return_address(0));
    struct bpr_thread *t = bpr_active() ? bpr_self() : NULL;
    if (t) {
        push_bit(&t->save_depth, &t->save_host, host);
        if (host)
            host_hook();
        gil_release_event(host);
    }
    return REAL(PyEval_SaveThread)();
}

void PyEval_RestoreThread(PyThreadState_p ts)
{
    REAL(PyEval_RestoreThread)(ts);
    struct bpr_thread *t = bpr_active() ? bpr_self() : NULL;
    if (t) {
        bool host = pop_bit(&t->save_depth, &t->save_host);
        gil_event(TR_GIL_ACQUIRE, host);
        if (host)
            host_hook();
    }
}

/* Start-up ends with PyEval_ReleaseThread: from then on Blender's main
 * thread runs without the GIL between its calls into Python. */
void PyEval_ReleaseThread(PyThreadState_p ts)
{
    bool host = bpr_is_host_caller(__builtin_return_address(0));
    if (bpr_active()) {
        if (host)
            host_hook();
        gil_release_event(host);
    }
    REAL(PyEval_ReleaseThread)(ts);
}

void PyEval_AcquireThread(PyThreadState_p ts)
{
    bool host = bpr_is_host_caller(__builtin_return_address(0));
    REAL(PyEval_AcquireThread)(ts);
    if (bpr_active()) {
        gil_event(TR_GIL_ACQUIRE, host);
        if (host)
            host_hook();
    }
}

int PyGILState_Ensure(void)
{
    bool host = bpr_is_host_caller(__builtin_return_address(0));
    int state = REAL(PyGILState_Ensure)();
    struct bpr_thread *t = bpr_active() ? bpr_self() : NULL;
    if (t) {
        bool acquired = state == PYGILSTATE_UNLOCKED;
        push_bit(&t->ensure_depth, &t->ensure_host, host);
        if (acquired) {
            gil_event(TR_GIL_ACQUIRE, host);
            if (host)
                host_hook();
        }
    }
    return state;
}

void PyGILState_Release(int state)
{
    struct bpr_thread *t = bpr_active() ? bpr_self() : NULL;
    if (t) {
        bool host = pop_bit(&t->ensure_depth, &t->ensure_host);
        if (state == PYGILSTATE_UNLOCKED) {
            if (host)
                host_hook();
            gil_release_event(host);
        }
    }
    REAL(PyGILState_Release)(state);
}

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

PyStatus_t Py_InitializeFromConfig(const void *config)
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
    PyStatus_t status = REAL(Py_InitializeFromConfig)(config);
    if (post && status.type == 0)
        post();  /* audit hook; instrumentation once bpy exists */
    return status;
}

/* ---- Blender's event loop ----
 * With an X11 window, GHOST's event processing asks XPending on the main
 * thread, first from WM_main's loop (never during start-up: checked under
 * Xvfb, docs/blender-internals.md): from then on the main thread's windows
 * outside Python are the event loop's, with or without a --python script. */
int XPending(void *display)
{
    static bool seen;
    if (!seen && bpr_active() && bpr_tls()->origin == TRACE_ORIGIN_MAIN && bpr_py_event_loop) {
        seen = true;
        bpr_py_event_loop();
    }
    return REAL(XPending)(display);
}
