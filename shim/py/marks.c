/* Test marks (bpyrace test, docs/testing.md): the `_bpyrace` module that the
 * test-runner hooks bpyrace ships (share/bpyrace/) call at each test's start,
 * outcome and end.  Each call is one TR_MARK event in the trace, ordered
 * with every access by its seq, so the analyzer can say which test made
 * which access.  Installed in sys.modules right after the interpreter
 * starts; when `bpyrace test` set BPYRACE_TEST_PY, that directory goes on
 * sys.path and its bpyrace_hook module (the unittest hook) is imported. */
#include "pyshim.h"

#include <stdlib.h>
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

static PyMethodDef marks_methods[] = {
    {"mark", marks_mark, METH_VARARGS, "mark(kind, test_id, value=0): record a test mark"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef marks_module = {
    PyModuleDef_HEAD_INIT, "_bpyrace", "bpyrace test marks", -1, marks_methods,
    NULL, NULL, NULL, NULL,
};

void py_install_marks(void)
{
    PyObject *exc_type, *exc, *tb;
    PyErr_Fetch(&exc_type, &exc, &tb);
    PyObject *m = PyModule_Create(&marks_module);
    PyObject *mods = PyImport_GetModuleDict();
    if (m && mods && PyDict_SetItemString(mods, "_bpyrace", m) == 0) {
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
