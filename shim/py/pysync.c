/* Thread creation and locks seen at the Python level.
 *
 * - _thread.start_new_thread / start_joinable_thread (3.13): the
 *   pthread_create they make creates a Python thread (thread.c), whichever
 *   binary holds the interpreter.
 * - On 3.13+, threading's locks are PyMutexes that make no libc call when
 *   uncontended, so lock edges come from here: a successful acquire of a
 *   _thread.lock or _thread.RLock (acquire, __enter__, and RLock's
 *   _acquire_restore, which Condition.wait uses) is an acquire event, a
 *   release (release, __exit__, _release_save) a release event, both on the
 *   lock object's address.  Condition, Event, Semaphore, Barrier, Queue and
 *   Future are built on these.  The events are emitted under the GIL, after
 *   the real operation, so a releaser's event always precedes the acquirer's.
 *
 * Each hook patches the builtin's PyMethodDef.ml_meth, which every method
 * descriptor and bound builtin reads at each call. */
#include "pyshim.h"

#include <string.h>

enum role { R_THREAD_START, R_ACQUIRE, R_RELEASE };

struct hook {
    const char *owner;     /* "_thread" (a module function) or a type of it ("lock", "RLock") */
    const char *name;
    enum role role;
    PyMethodDef *def;
    PyCFunction orig;
    int flags;
};

static struct hook hooks[] = {
    {"_thread", "start_new_thread", R_THREAD_START, NULL, NULL, 0},
    {"_thread", "start_joinable_thread", R_THREAD_START, NULL, NULL, 0},
    {"lock", "acquire", R_ACQUIRE, NULL, NULL, 0},
    {"lock", "acquire_lock", R_ACQUIRE, NULL, NULL, 0},
    {"lock", "__enter__", R_ACQUIRE, NULL, NULL, 0},
    {"lock", "release", R_RELEASE, NULL, NULL, 0},
    {"lock", "release_lock", R_RELEASE, NULL, NULL, 0},
    {"lock", "__exit__", R_RELEASE, NULL, NULL, 0},
    {"RLock", "acquire", R_ACQUIRE, NULL, NULL, 0},
    {"RLock", "__enter__", R_ACQUIRE, NULL, NULL, 0},
    {"RLock", "_acquire_restore", R_ACQUIRE, NULL, NULL, 0},
    {"RLock", "release", R_RELEASE, NULL, NULL, 0},
    {"RLock", "__exit__", R_RELEASE, NULL, NULL, 0},
    {"RLock", "_release_save", R_RELEASE, NULL, NULL, 0},
};
#define N_HOOKS (sizeof hooks / sizeof hooks[0])

static bool threads_hooked;

/* The call itself, in whichever calling convention the method has. */
struct call {
    PyObject *self;
    PyObject *args, *kw;                 /* METH_VARARGS (and KEYWORDS), METH_O, METH_NOARGS */
    PyObject *const *fargs;              /* METH_FASTCALL */
    Py_ssize_t nargs;
    PyObject *kwnames;
};

static PyObject *call_orig(const struct hook *h, const struct call *c)
{
    int conv = h->flags & (METH_VARARGS | METH_FASTCALL | METH_NOARGS | METH_O | METH_KEYWORDS);
    switch (conv) {
    case METH_VARARGS | METH_KEYWORDS:
        return ((PyCFunctionWithKeywords)(void (*)(void))h->orig)(c->self, c->args, c->kw);
    case METH_FASTCALL:
        return ((_PyCFunctionFast)(void (*)(void))h->orig)(c->self, c->fargs, c->nargs);
    case METH_FASTCALL | METH_KEYWORDS:
        return ((_PyCFunctionFastWithKeywords)(void (*)(void))h->orig)(c->self, c->fargs, c->nargs, c->kwnames);
    default:   /* METH_VARARGS, METH_O, METH_NOARGS: (self, arg) */
        return h->orig(c->self, c->args);
    }
}

/* importlib's module locks (per module, taken by whichever thread imports
 * it first) are the interpreter's bookkeeping, like the thread-state locks
 * (pyshim.c): as edges they would order threads by the accident of who
 * imported what first.  They are taken from its frozen bootstrap code. */
static bool in_importlib(void)
{
    static PyCodeObject *last_code;
    static bool last_answer;
    const void *f = py_innermost_frame();
    PyCodeObject *code = f ? py_frame_code(f) : NULL;
    if (!code)
        return false;
    if (code != last_code) {
        const char *file = PyUnicode_AsUTF8(py_code_filename(code));
        if (!file)
            PyErr_Clear();
        last_answer = file && strncmp(file, "<frozen importlib._bootstrap", 28) == 0;
        last_code = code;
    }
    return last_answer;
}

static PyObject *hooked_call(size_t i, const struct call *c)
{
    const struct hook *h = &hooks[i];
    if (h->role == R_THREAD_START) {
        struct bpr_thread *t = &bpr_tls_thread;
        bool prev = t->python_creating;
        t->python_creating = true;
        PyObject *res = call_orig(h, c);
        t->python_creating = prev;
        return res;
    }
    PyObject *res = call_orig(h, c);
    /* acquire gives True (False: not acquired, non-blocking or timed out);
     * _acquire_restore gives None; a release that raised released nothing */
    bool done = res && (h->role == R_RELEASE || res == Py_True || res == Py_None);
    if (done && py_recording() && !bpr_is_gil_object(c->self) && !in_importlib())
        bpr_emit(h->role == R_ACQUIRE ? TR_ACQUIRE : TR_RELEASE, 0, TRACE_SYNC_MUTEX, 0,
                 (uint64_t)(uintptr_t)c->self, 0);
    return res;
}

#define WRAPPERS(i)                                                                             \
    static PyObject *w_kw_##i(PyObject *s, PyObject *a, PyObject *k)                            \
    {                                                                                           \
        struct call c = {s, a, k, NULL, 0, NULL};                                               \
        return hooked_call(i, &c);                                                              \
    }                                                                                           \
    static PyObject *w_arg_##i(PyObject *s, PyObject *a)                                        \
    {                                                                                           \
        struct call c = {s, a, NULL, NULL, 0, NULL};                                            \
        return hooked_call(i, &c);                                                              \
    }                                                                                           \
    static PyObject *w_fast_##i(PyObject *s, PyObject *const *a, Py_ssize_t n)                  \
    {                                                                                           \
        struct call c = {s, NULL, NULL, a, n, NULL};                                            \
        return hooked_call(i, &c);                                                              \
    }                                                                                           \
    static PyObject *w_fastkw_##i(PyObject *s, PyObject *const *a, Py_ssize_t n, PyObject *kn)  \
    {                                                                                           \
        struct call c = {s, NULL, NULL, a, n, kn};                                              \
        return hooked_call(i, &c);                                                              \
    }
WRAPPERS(0) WRAPPERS(1) WRAPPERS(2) WRAPPERS(3) WRAPPERS(4) WRAPPERS(5) WRAPPERS(6)
WRAPPERS(7) WRAPPERS(8) WRAPPERS(9) WRAPPERS(10) WRAPPERS(11) WRAPPERS(12) WRAPPERS(13)
#define ROW(i) {(void (*)(void))w_kw_##i, (void (*)(void))w_arg_##i, (void (*)(void))w_fast_##i, \
                (void (*)(void))w_fastkw_##i}
static void (*const wrappers[][4])(void) = {
    ROW(0), ROW(1), ROW(2), ROW(3), ROW(4), ROW(5), ROW(6),
    ROW(7), ROW(8), ROW(9), ROW(10), ROW(11), ROW(12), ROW(13),
};
_Static_assert(sizeof wrappers / sizeof wrappers[0] == N_HOOKS, "one wrapper row per hook");

static PyMethodDef *find_def(PyObject *mod, const struct hook *h)
{
    if (strcmp(h->owner, "_thread") == 0) {
        PyObject *fn = PyObject_GetAttrString(mod, h->name);
        PyMethodDef *d = fn && PyCFunction_Check(fn) ? ((PyCFunctionObject *)fn)->m_ml : NULL;
        Py_XDECREF(fn);
        return d;
    }
    PyObject *type = PyObject_GetAttrString(mod, h->owner);
    PyMethodDef *d = NULL;
    if (type && PyType_Check(type))
        for (PyMethodDef *m = ((PyTypeObject *)type)->tp_methods; m && m->ml_name; m++)
            if (strcmp(m->ml_name, h->name) == 0)
                d = m;
    Py_XDECREF(type);
    return d;
}

/* Hook thread creation, and with LOCKS (3.13+) the locks' methods. */
void py_install_sync_hooks(bool locks)
{
    PyObject *mod = PyImport_ImportModule("_thread");
    if (!mod) {
        PyErr_Clear();
        bpr_warn_once("thread", "no _thread module: Python threads are told by their creator's module");
        return;
    }
    /* _thread.lock's type is exposed as LockType (3.11) or lock (3.13) */
    for (size_t i = 0; i < N_HOOKS; i++) {
        struct hook *h = &hooks[i];
        if (h->role != R_THREAD_START && !locks)
            continue;
        PyMethodDef *d = find_def(mod, h);
        if (!d && strcmp(h->owner, "lock") == 0) {
            h->owner = "LockType";
            d = find_def(mod, h);
        }
        PyErr_Clear();
        if (!d)
            continue;   /* start_joinable_thread is 3.13's; acquire_lock may go */
        int conv = d->ml_flags & (METH_VARARGS | METH_FASTCALL | METH_NOARGS | METH_O | METH_KEYWORDS);
        int kind = conv == (METH_VARARGS | METH_KEYWORDS)   ? 0
                   : conv == METH_FASTCALL                  ? 2
                   : conv == (METH_FASTCALL | METH_KEYWORDS) ? 3
                   : conv == METH_VARARGS || conv == METH_O || conv == METH_NOARGS ? 1
                                                                                   : -1;
        if (kind < 0) {
            bpr_warn_once(h->name, "_thread %s.%s has an unknown calling convention: not recorded", h->owner,
                          h->name);
            continue;
        }
        h->def = d;
        h->orig = d->ml_meth;
        h->flags = d->ml_flags;
        d->ml_meth = (PyCFunction)wrappers[i][kind];
        if (h->role == R_THREAD_START)
            threads_hooked = true;
    }
    Py_DECREF(mod);
    if (!threads_hooked)
        bpr_warn_once("thread", "_thread.start_new_thread not found: Python threads are told by their "
                                "creator's module");
}

bool py_threads_hooked(void)
{
    return threads_hooked;
}
