/* The CPython internals bpyrace reads, per interpreter version, chosen at
 * run time by the running interpreter's Py_Version: the module is built once
 * (against Debian 12's 3.11 headers, public API only) and loads into Blender
 * 4.3 on 3.13 or a blender.org build alike, as py-spy and austin do.
 *
 * Each row is what tools/pyinternals_probe.c prints when compiled against
 * that version's internal headers (tests/unit/pyversion_check.sh compares
 * them).  Everything that differs between versions is in this table; the
 * accessors below are the only readers of interpreter frames, thread states
 * and code objects. */
#include "pyshim.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

struct py_internals {
    unsigned version;          /* 0xMMmm */
    int gil_in_interp;         /* 3.12+: the GIL hangs off the interpreter */
    size_t head_lock;          /* _PyRuntime.interpreters.mutex (a lock pointer), 0: a PyMutex */
    size_t gil;                /* ceval.gil: in _PyRuntime (3.11), or a pointer in PyInterpreterState */
    size_t gil_mutex, gil_cond, gil_switch_mutex, gil_switch_cond;
    int via_cframe;            /* 3.11/3.12: tstate->cframe->current_frame */
    size_t ts_frame;           /* tstate->cframe, or tstate->current_frame */
    size_t cframe_frame;       /* _PyCFrame.current_frame */
    size_t f_code;             /* f_code, or f_executable (3.13+) */
    size_t f_previous;
    int instr_is_current;      /* instr_ptr (3.13+) rather than prev_instr */
    size_t f_instr;
    size_t f_owner;            /* a char */
    int owned_by_generator, owned_by_cstack;   /* -1: no such owner */
    int codeunit;              /* sizeof(_Py_CODEUNIT) */
    size_t f_localsplus;
    size_t co_code_adaptive, co_firsttraceable, co_argcount, co_filename, co_name, co_names;
    unsigned long stackref_tags; /* _PyStackRef tag bits (3.14), 0: plain pointers */
};

static const struct py_internals table[] = {
    /* 3.11 (Debian 12: Blender 3.4.1; blender.org 4.2 to 5.0) */
    {0x030B, 0, 32, 360, 80, 32, 168, 120, 1, 56, 8, 32, 48, 0, 56, 69, 1, -1, 2, 72, 184, 168, 56, 112, 120, 32, 0},
    /* 3.13 (Debian 13: Blender 4.3.2; blender.org 5.1 and later) */
    {0x030D, 1, 0, 16, 80, 32, 168, 120, 0, 72, 0, 0, 8, 1, 56, 70, 1, 3, 2, 72, 200, 184, 52, 112, 120, 32, 0},
    /* 3.14 (Debian unstable: Blender 5.2.2): frames hold tagged _PyStackRefs */
    {0x030E, 1, 0, 16, 80, 32, 168, 120, 0, 72, 0, 0, 8, 1, 56, 74, 1, 4, 2, 80, 208, 192, 52, 112, 120, 32, 3},
};

static const struct py_internals *in;
static PyThreadState *(*unchecked_tstate)(void);

#define AT(base, off, type) (*(type *)((char *)(base) + (off)))

bool py_internals_init(void)
{
    unsigned v = (unsigned)(Py_Version >> 16);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].version == v)
            in = &table[i];
    unchecked_tstate = (PyThreadState * (*)(void)) dlsym(RTLD_DEFAULT, "PyThreadState_GetUnchecked");
    if (!unchecked_tstate)
        unchecked_tstate = (PyThreadState * (*)(void)) dlsym(RTLD_DEFAULT, "_PyThreadState_UncheckedGet");
    if (!unchecked_tstate)
        in = NULL;
    return in != NULL;
}

bool py_locks_are_pymutex(void)
{
    return in && in->version >= 0x030D;
}

int py_gil_objects(const void *objs[4], const void **head_lock)
{
    char *gil = NULL;
    *head_lock = NULL;
    if (!in)
        return 0;
    if (in->gil_in_interp) {
        PyInterpreterState *interp = PyInterpreterState_Main();
        gil = interp ? AT(interp, in->gil, char *) : NULL;
    } else {
        char *runtime = dlsym(RTLD_DEFAULT, "_PyRuntime");
        gil = runtime ? runtime + in->gil : NULL;
        if (runtime && in->head_lock)
            *head_lock = AT(runtime, in->head_lock, void *);
    }
    if (!gil)
        return 0;
    objs[0] = gil + in->gil_mutex;
    objs[1] = gil + in->gil_cond;
    objs[2] = gil + in->gil_switch_mutex;
    objs[3] = gil + in->gil_switch_cond;
    return 4;
}

PyThreadState *py_tstate(void)
{
    return unchecked_tstate ? unchecked_tstate() : NULL;
}

const void *py_current_frame(void)
{
    PyThreadState *ts = py_tstate();
    if (!ts || !in)
        return NULL;
    if (in->via_cframe) {
        void *cframe = AT(ts, in->ts_frame, void *);
        return cframe ? AT(cframe, in->cframe_frame, void *) : NULL;
    }
    return AT(ts, in->ts_frame, void *);
}

const void *py_frame_previous(const void *f)
{
    return AT(f, in->f_previous, void *);
}

const void *py_innermost_frame(void)
{
    const void *f = py_current_frame();
    while (f && py_frame_incomplete(f))
        f = py_frame_previous(f);
    return f;
}

static PyObject *untag(PyObject *o)
{
    return (PyObject *)((uintptr_t)o & ~(uintptr_t)in->stackref_tags);
}

PyCodeObject *py_frame_code(const void *f)
{
    PyObject *code = untag(AT(f, in->f_code, PyObject *));
    return code && PyCode_Check(code) ? (PyCodeObject *)code : NULL;
}

static const char *code_start(PyCodeObject *code)
{
    return (const char *)code + in->co_code_adaptive;
}

/* A frame that has not started its first traceable instruction yet, or a
 * C-stack entry frame (3.12+): not one of the program's frames. */
bool py_frame_incomplete(const void *f)
{
    int owner = AT(f, in->f_owner, signed char);
    if (in->owned_by_cstack >= 0 && owner >= in->owned_by_cstack)
        return true;
    PyCodeObject *code = py_frame_code(f);
    if (!code)
        return true;
    if (owner == in->owned_by_generator)
        return false;
    const char *instr = AT(f, in->f_instr, const char *);
    return instr < code_start(code) + (size_t)AT(code, in->co_firsttraceable, int) * (size_t)in->codeunit;
}

int py_frame_lasti(const void *f)
{
    PyCodeObject *code = py_frame_code(f);
    const char *instr = AT(f, in->f_instr, const char *);
    return code ? (int)((instr - code_start(code)) / in->codeunit) : -1;
}

int py_frame_line(const void *f)
{
    PyCodeObject *code = py_frame_code(f);
    return code ? PyCode_Addr2Line(code, py_frame_lasti(f) * in->codeunit) : -1;
}

PyObject *py_frame_local0(const void *f)
{
    return untag(AT(f, in->f_localsplus, PyObject *));
}

PyObject *py_code_filename(PyCodeObject *c) { return AT(c, in->co_filename, PyObject *); }
PyObject *py_code_name(PyCodeObject *c) { return AT(c, in->co_name, PyObject *); }
PyObject *py_code_names(PyCodeObject *c) { return AT(c, in->co_names, PyObject *); }
int py_code_argcount(PyCodeObject *c) { return AT(c, in->co_argcount, int); }
