/* Test marks (bpyrace test, docs/testing.md): the `_bpyrace` module that the
 * test-runner hooks bpyrace ships (share/bpyrace/) call at each test's start,
 * outcome and end.  Each call is one TR_MARK event in the trace, ordered
 * with every access by its seq, so the analyzer can say which test made
 * which access.  Installed in sys.modules right after the interpreter
 * starts; when `bpyrace test` set BPYRACE_TEST_PY, that directory goes on
 * sys.path and its bpyrace_hook module (the unittest hook) is imported. */
#include "pyshim.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t marks_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* _bpyrace.mark(kind, test_id, value=0): kind 1 start, 2 end, 3 outcome
 * (value 1 passed, 2 failed, 3 skipped, 4 error), 4 message (value: str). */
static PyObject *marks_mark(PyObject *self, PyObject *args)
{
    (void)self;
    int kind;
    const char *test;
    Py_ssize_t len;
    PyObject *value = NULL;
    if (!PyArg_ParseTuple(args, "is#|O:mark", &kind, &test, &len, &value))
        return NULL;
    if (kind < TRACE_MARK_START || kind > TRACE_MARK_MESSAGE) {
        PyErr_SetString(PyExc_ValueError, "mark: kind must be 1..4");
        return NULL;
    }
    if (!bpr_active())
        Py_RETURN_NONE;
    int64_t b = 0;
    if (kind == TRACE_MARK_START || kind == TRACE_MARK_END) {
        b = marks_now_us();
    } else if (kind == TRACE_MARK_OUTCOME) {
        b = value ? PyLong_AsLongLong(value) : 0;
        if (b == -1 && PyErr_Occurred())
            return NULL;
    } else {
        Py_ssize_t mlen;
        const char *msg = value && PyUnicode_Check(value) ? PyUnicode_AsUTF8AndSize(value, &mlen) : NULL;
        if (!msg) {
            PyErr_Clear();
            Py_RETURN_NONE;
        }
        b = py_string_id(msg, mlen);
    }
    uint32_t sid = py_string_id(test, len);
    bpr_emit(TR_MARK, PyGILState_Check() ? TRF_GIL : 0, (uint16_t)kind, 0, sid, b);
    Py_RETURN_NONE;
}

/* _bpyrace.bench_pause(paused): for bench/recording_cost.py only, which
 * times the same code recorded and not recorded in turns within one process
 * (a VM's speed then cancels out of the ratio, docs/performance.md).
 * While paused, the calling thread records nothing (its accesses and its
 * lock calls), as inside the shim's own work; the hooks still run.  Only
 * around code that calls no operator and starts no thread: their paired
 * hooks would see half of a call.  Present only when BPYRACE_BENCH_PAUSE=1,
 * so that no program can switch its recording off by accident. */
static __thread bool bench_paused;

static PyObject *marks_bench_pause(PyObject *self, PyObject *arg)
{
    (void)self;
    int paused = PyObject_IsTrue(arg);
    if (paused < 0)
        return NULL;
    if (paused != bench_paused) {
        bench_paused = paused;
        bpr_tls_thread.busy += paused ? 1 : -1;
    }
    Py_RETURN_NONE;
}

static PyMethodDef bench_methods[] = {
    {"bench_pause", marks_bench_pause, METH_O, "bench_pause(paused): this thread records nothing while paused"},
    {NULL, NULL, 0, NULL},
};

static PyMethodDef marks_methods[] = {
    {"mark", marks_mark, METH_VARARGS, "mark(kind, test_id, value=0): record a test mark"},
    {"task_spawn", py_task_spawn, METH_VARARGS, "task_spawn(pool_id, pool_name) -> task: a job is submitted"},
    {"task_begin", py_task_begin, METH_O, "task_begin(task): this worker runs the job from now on"},
    {"task_end", py_task_end, METH_O, "task_end(task): the job this worker ran is over"},
    {"pool_join", py_pool_join, METH_O, "pool_join(pool_id): every job of the pool has ended"},
    {"task_begin_family", py_task_begin_family, METH_O,
     "task_begin_family(family) -> task: one job of a family begins on this worker"},
    {"family_join", py_family_join, METH_VARARGS,
     "family_join(family, done=False): the family's ended jobs are ordered before what follows"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef marks_module = {
    PyModuleDef_HEAD_INIT, "_bpyrace", "bpyrace test marks", -1, marks_methods,
    NULL, NULL, NULL, NULL,
};

/* share/bpyrace/bpyrace_pools.py, named by BPYRACE_POOLS_PY (bpyrace run and
 * test set it): hooks on ThreadPoolExecutor that make its jobs tasks.  Loaded
 * from its file as _bpyrace_pools, without touching sys.path. */
static void load_pools(void)
{
    const char *path = getenv("BPYRACE_POOLS_PY");
    if (!path || !*path) {
        bpr_warn_once("pools", "BPYRACE_POOLS_PY is not set: thread-pool jobs are recorded as their "
                               "workers' code, not as tasks");
        return;
    }
    PyObject *globals = PyDict_New();
    PyObject *p = PyUnicode_DecodeFSDefault(path);
    PyObject *res = NULL;
    if (globals && p && PyDict_SetItemString(globals, "path", p) == 0 &&
        PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) == 0) {
        py_enter();   /* the import's own locks are not the program's events */
        res = PyRun_String("import importlib.util, sys\n"
                           "spec = importlib.util.spec_from_file_location('_bpyrace_pools', path)\n"
                           "mod = importlib.util.module_from_spec(spec)\n"
                           "sys.modules['_bpyrace_pools'] = mod\n"
                           "spec.loader.exec_module(mod)\n",
                           Py_file_input, globals, globals);
        py_leave();
    }
    if (!res) {
        PyErr_Print();
        bpr_warn_once("pools", "cannot load %s: thread-pool jobs are recorded as their workers' code", path);
    }
    Py_XDECREF(res);
    Py_XDECREF(p);
    Py_XDECREF(globals);
    PyErr_Clear();
}

void py_install_marks(void)
{
    PyObject *exc_type, *exc, *tb;
    PyErr_Fetch(&exc_type, &exc, &tb);
    PyObject *m = PyModule_Create(&marks_module);
    PyObject *mods = PyImport_GetModuleDict();
    if (m && mods && PyDict_SetItemString(mods, "_bpyrace", m) == 0) {
        const char *bench = getenv("BPYRACE_BENCH_PAUSE");
        if (bench && strcmp(bench, "1") == 0 && PyModule_AddFunctions(m, bench_methods) != 0)
            PyErr_Clear();
        load_pools();
        const char *dir = getenv("BPYRACE_TEST_PY");
        if (dir && *dir) {
            PyObject *path = PySys_GetObject("path");   /* borrowed */
            PyObject *d = PyUnicode_DecodeFSDefault(dir);
            if (path && d)
                PyList_Insert(path, 0, d);
            Py_XDECREF(d);
            py_enter();   /* the import's own locks are not the program's events */
            PyObject *hook = PyImport_ImportModule("bpyrace_hook");
            py_leave();
            if (!hook) {
                PyErr_Print();
                bpr_warn_once("testhook", "cannot import bpyrace_hook from %s: tests are not marked", dir);
            }
            Py_XDECREF(hook);
        }
    }
    Py_XDECREF(m);
    PyErr_Clear();
    PyErr_Restore(exc_type, exc, tb);
}
