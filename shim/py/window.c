/* The site of a native window (race model, "site"): where the thread was
 * when Blender released the GIL.  Inside an instrumented bpy call
 * (Scene.frame_set, bpy.ops.*) it is that call and its caller's stack; in
 * other Python code, the stack alone; outside any Python call on the main
 * thread, Blender's phase: start-up, its event loop, or exit; on another
 * thread, that Blender thread's own work.
 *
 * Blender's phase is read off what its main thread runs in Python, since the
 * executable exports no symbol to hook:
 *   - start-up lasts until the last command-line script (-P/--python FILE,
 *     or --python-expr EXPR, recognised by its bytecode) has run: its code
 *     object is exec'ed with no Python frame below it, and the next host
 *     release with no Python frame is its end;
 *   - then comes the event loop, or exit in background mode (-b), where
 *     Blender quits once the scripts have run;
 *   - with an X11 window, the event loop also begins at the main thread's
 *     first XPending (gil.c), script or not;
 *   - exit starts when Blender runs addon_utils.disable_all() on its way out
 *     (WM_exit_ex), or once the interpreter is finalizing.
 * With no command-line script, the window open when the event loop begins
 * is still start-up's; with no X11 either (Wayland), an interactive session
 * stays in "startup" until exit: docs/race-model.md lists it as a limit. */
#include "pyshim.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum phase { PHASE_STARTUP, PHASE_EVENT_LOOP, PHASE_EXIT };
static const char *const phase_site[] = {TRACE_SITE_STARTUP, TRACE_SITE_EVENT_LOOP, TRACE_SITE_EXIT};

static enum phase phase;
static bool background;             /* -b / --background: no event loop */
static char last_script[PATH_MAX];  /* realpath of the last -P/--python FILE, "" none */
static const char *last_expr;       /* or the last --python-expr EXPR, if that came last */
static PyObject *last_expr_code;    /* its bytecode, compiled here once to recognise it */
static bool script_running;         /* the main thread runs that script */

/* Blender's own options, up to "--" (what follows is the script's). */
void py_window_init(void)
{
    static char buf[65536];
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = 0, r;
    while (n < (ssize_t)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - (size_t)n)) > 0)
        n += r;
    close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    const char *end = buf + n;
    const char *arg = buf + strlen(buf) + 1;   /* skip argv[0] */
    while (arg < end) {
        const char *next = arg + strlen(arg) + 1;
        if (strcmp(arg, "--") == 0)
            break;
        if (strcmp(arg, "-b") == 0 || strcmp(arg, "--background") == 0) {
            background = true;
        } else if ((strcmp(arg, "-P") == 0 || strcmp(arg, "--python") == 0) && next < end) {
            if (!realpath(next, last_script))
                snprintf(last_script, sizeof last_script, "%s", next);
            last_expr = NULL;
            next += strlen(next) + 1;
        } else if (strcmp(arg, "--python-expr") == 0 && next < end) {
            last_expr = next;   /* points into the static buffer */
            last_script[0] = 0;
            next += strlen(next) + 1;
        }
        arg = next;
    }
}

static bool python_running(void)
{
    return py_innermost_frame() != NULL;
}


struct py_site py_site_enter(uint32_t stack, uint32_t what)
{
    struct bpr_thread *t = &bpr_tls_thread;
    struct py_site prev = {t->site_stack, t->site_what, t->site_frame};
    t->site_stack = stack;
    t->site_what = what;
    t->site_frame = py_innermost_frame();
    return prev;
}

void py_site_leave(struct py_site prev)
{
    struct bpr_thread *t = &bpr_tls_thread;
    t->site_stack = prev.stack;
    t->site_what = prev.what;
    t->site_frame = prev.frame;
}

/* The race model's rule for host releases (docs/race-model.md, "Host
 * calls"): Blender's when no Python frame runs on the thread, or when the
 * innermost frame is the one that made the instrumented bpy call running
 * now (its native code released the GIL).  A release from any other C
 * function called from Python (time.sleep, lock.acquire, socket.recv, a
 * bpy call we do not instrument) is CPython's own. */
bool py_release_is_host(void)
{
    const void *frame = py_innermost_frame();
    if (!frame)
        return true;
    struct bpr_thread *t = &bpr_tls_thread;
    return t->site_frame == frame;
}

static bool on_main_thread(void)
{
    return bpr_tls_thread.origin == TRACE_ORIGIN_MAIN;
}

static bool names_contain(PyCodeObject *code, const char *name)
{
    PyObject *names = py_code_names(code);
    for (Py_ssize_t i = 0; names && i < PyTuple_GET_SIZE(names); i++) {
        PyObject *s = PyTuple_GET_ITEM(names, i);
        if (PyUnicode_Check(s) && PyUnicode_CompareWithASCIIString(s, name) == 0)
            return true;
    }
    return false;
}

/* --python-expr's code: Blender compiles the string as "<string>"; the same
 * string compiled here gives the same bytecode. */
static bool is_last_expr(PyCodeObject *code)
{
    if (!last_expr)
        return false;
    if (!last_expr_code) {
        py_enter();   /* compiling raises audit events of its own */
        last_expr_code = Py_CompileString(last_expr, "<string>", Py_file_input);
        py_leave();
        if (!last_expr_code) {
            PyErr_Clear();
            last_expr = NULL;
            return false;
        }
    }
    PyObject *mine = PyCode_GetCode((PyCodeObject *)last_expr_code), *theirs = PyCode_GetCode(code);
    bool same = mine && theirs && PyObject_RichCompareBool(mine, theirs, Py_EQ) == 1;
    Py_XDECREF(mine);
    Py_XDECREF(theirs);
    PyErr_Clear();
    return same;
}

static bool is_last_script(PyCodeObject *code)
{
    if (last_expr)
        return is_last_expr(code);
    const char *file = last_script[0] ? PyUnicode_AsUTF8(py_code_filename(code)) : NULL;
    if (!file) {
        PyErr_Clear();
        return false;
    }
    char real[PATH_MAX];
    return strcmp(file, last_script) == 0 || (realpath(file, real) && strcmp(real, last_script) == 0);
}

/* Audit events are where Blender's main thread is seen starting code. */
void py_window_audit(const char *event, PyObject *args)
{
    if (strcmp(event, "exec") != 0 || !on_main_thread() || python_running() || !PyTuple_Check(args) ||
        PyTuple_GET_SIZE(args) < 1 || !PyCode_Check(PyTuple_GET_ITEM(args, 0)))
        return;
    PyCodeObject *code = (PyCodeObject *)PyTuple_GET_ITEM(args, 0);
    if (names_contain(code, "addon_utils") && names_contain(code, "disable_all"))
        phase = PHASE_EXIT;
    else if (phase == PHASE_STARTUP && is_last_script(code))
        script_running = true;
}

/* The main thread entered Blender's event loop (no GIL held: a flag only). */
void py_window_event_loop(void)
{
    if (phase == PHASE_STARTUP)
        phase = PHASE_EVENT_LOOP;
}

void py_window_site(uint32_t *stack, uint32_t *what)
{
    struct bpr_thread *t = &bpr_tls_thread;
    if (t->site_what) {
        *stack = t->site_stack;
        *what = t->site_what;
        return;
    }
    if (!PyGILState_Check())
        return;
    if (python_running()) {
        *stack = py_stack_id();   /* Python code, but no bpy call we know released it */
        return;
    }
    if (!on_main_thread()) {
        *what = py_string_id(TRACE_SITE_THREAD, -1);
        return;
    }
    if (script_running) {   /* the command-line script has returned */
        script_running = false;
        phase = background ? PHASE_EXIT : PHASE_EVENT_LOOP;
    }
    if (py_is_finalizing())
        phase = PHASE_EXIT;
    *what = py_string_id(phase_site[phase], -1);
}
