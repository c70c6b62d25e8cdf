/* The CPython internals of the running Python's version (pyversion.c):
 * one table row, read by these inline accessors on the recording path. */
#ifndef BPYRACE_PYVERSION_H
#define BPYRACE_PYVERSION_H

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

extern const struct py_internals *py_in;            /* this interpreter's row */
extern PyThreadState *(*py_unchecked_tstate)(void);

#define PY_AT(base, off, type) (*(type *)((char *)(base) + (off)))

static inline PyThreadState *py_tstate(void)
{
    return py_unchecked_tstate ? py_unchecked_tstate() : NULL;
}

/* TS's innermost frame, entry and unstarted ones included */
static inline const void *py_current_frame_of(PyThreadState *ts)
{
    if (!ts || !py_in)
        return NULL;
    if (py_in->via_cframe) {
        void *cframe = PY_AT(ts, py_in->ts_frame, void *);
        return cframe ? PY_AT(cframe, py_in->cframe_frame, void *) : NULL;
    }
    return PY_AT(ts, py_in->ts_frame, void *);
}

static inline const void *py_current_frame(void)
{
    return py_current_frame_of(py_tstate());
}

static inline const void *py_frame_previous(const void *f)
{
    return PY_AT(f, py_in->f_previous, void *);
}

static inline PyObject *py_untag(PyObject *o)
{
    return (PyObject *)((uintptr_t)o & ~(uintptr_t)py_in->stackref_tags);
}

/* NULL: not a code frame */
static inline PyCodeObject *py_frame_code(const void *f)
{
    PyObject *code = py_untag(PY_AT(f, py_in->f_code, PyObject *));
    return code && PyCode_Check(code) ? (PyCodeObject *)code : NULL;
}

static inline const char *py_code_start(PyCodeObject *code)
{
    return (const char *)code + py_in->co_code_adaptive;
}

/* F's code when F is one of the program's frames, else NULL: a frame that
 * has not started its first traceable instruction yet, or a C-stack entry
 * frame (3.12+), is not one (nor is a frame without code). */
static inline PyCodeObject *py_frame_code_if_complete(const void *f)
{
    int owner = PY_AT(f, py_in->f_owner, signed char);
    if (py_in->owned_by_cstack >= 0 && owner >= py_in->owned_by_cstack)
        return NULL;
    PyCodeObject *code = py_frame_code(f);
    if (!code || owner == py_in->owned_by_generator)
        return code;
    const char *instr = PY_AT(f, py_in->f_instr, const char *);
    bool started = instr >= py_code_start(code) +
                                (size_t)PY_AT(code, py_in->co_firsttraceable, int) * (size_t)py_in->codeunit;
    return started ? code : NULL;
}

static inline bool py_frame_incomplete(const void *f)
{
    return py_frame_code_if_complete(f) == NULL;
}

/* The innermost of the program's frames (entry and unstarted frames
 * skipped): NULL when the thread runs no Python code. */
static inline const void *py_innermost_frame(void)
{
    const void *f = py_current_frame();
    while (f && py_frame_incomplete(f))
        f = py_frame_previous(f);
    return f;
}

static inline int py_frame_lasti(const void *f)
{
    PyCodeObject *code = py_frame_code(f);
    const char *instr = PY_AT(f, py_in->f_instr, const char *);
    return code ? (int)((instr - py_code_start(code)) / py_in->codeunit) : -1;
}

static inline PyObject *py_frame_local0(const void *f)   /* borrowed */
{
    return py_untag(PY_AT(f, py_in->f_localsplus, PyObject *));
}

static inline PyObject *py_code_filename(PyCodeObject *c) { return PY_AT(c, py_in->co_filename, PyObject *); }
static inline PyObject *py_code_name(PyCodeObject *c) { return PY_AT(c, py_in->co_name, PyObject *); }
static inline PyObject *py_code_names(PyCodeObject *c) { return PY_AT(c, py_in->co_names, PyObject *); }
static inline int py_code_argcount(PyCodeObject *c) { return PY_AT(c, py_in->co_argcount, int); }

#endif
