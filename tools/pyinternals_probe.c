/* Prints the CPython internals bpyrace reads, for the Python whose headers it
 * is compiled with, as a row of the table in shim/py/pyversion.c:
 *   cc -DPy_BUILD_CORE -I/usr/include/python3.X tools/pyinternals_probe.c
 * tests/unit/pyversion_check.sh compiles it against every Python whose
 * headers are at hand and compares its output with the table. */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <internal/pycore_frame.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_runtime.h>
#if PY_VERSION_HEX >= 0x030E0000
#include <internal/pycore_stackref.h>   /* frames hold tagged _PyStackRefs */
#endif
#include <stddef.h>
#include <stdio.h>

int main(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    /* the GIL moved into the interpreter (a pointer to it) */
    size_t gil_base = offsetof(PyInterpreterState, ceval.gil);
    int gil_in_interp = 1;
    size_t main_interp = offsetof(_PyRuntimeState, _main_interpreter);
#else
    size_t gil_base = offsetof(_PyRuntimeState, ceval.gil);
    int gil_in_interp = 0;
    size_t main_interp = 0;
#endif
#if PY_VERSION_HEX >= 0x030D0000
    size_t ts_frame = offsetof(PyThreadState, current_frame), cframe_frame = 0;
    int via_cframe = 0;
    size_t f_code = offsetof(_PyInterpreterFrame, f_executable);
    size_t f_instr = offsetof(_PyInterpreterFrame, instr_ptr);
    int instr_is_current = 1;
#else
    size_t ts_frame = offsetof(PyThreadState, cframe), cframe_frame = offsetof(_PyCFrame, current_frame);
    int via_cframe = 1;
    size_t f_code = offsetof(_PyInterpreterFrame, f_code);
    size_t f_instr = offsetof(_PyInterpreterFrame, prev_instr);
    int instr_is_current = 0;
#endif
#if PY_VERSION_HEX >= 0x030C0000
    int owned_by_cstack = FRAME_OWNED_BY_CSTACK;
#else
    int owned_by_cstack = -1;
#endif
#if PY_VERSION_HEX >= 0x030D0000
    size_t head_lock = 0;   /* a PyMutex: no libc lock to leave out */
#else
    size_t head_lock = offsetof(_PyRuntimeState, interpreters.mutex);
#endif
#ifdef Py_TAG_BITS
    unsigned long tags = Py_TAG_BITS;
#else
    unsigned long tags = 0;
#endif
    (void)main_interp;
    printf("    {0x%02X%02X, %d, %zu, %zu, %zu, %zu, %zu, %zu, %d, %zu, %zu, %zu, %zu, %d, %zu, %zu, %d, %d, %d, "
           "%zu, %zu, %zu, %zu, %zu, %zu, %zu, %lu},\n",
           PY_MAJOR_VERSION, PY_MINOR_VERSION, gil_in_interp, head_lock, gil_base,
           offsetof(struct _gil_runtime_state, mutex), offsetof(struct _gil_runtime_state, cond),
           offsetof(struct _gil_runtime_state, switch_mutex), offsetof(struct _gil_runtime_state, switch_cond),
           via_cframe, ts_frame, cframe_frame, f_code, offsetof(_PyInterpreterFrame, previous), instr_is_current,
           f_instr, offsetof(_PyInterpreterFrame, owner), FRAME_OWNED_BY_GENERATOR, owned_by_cstack,
           (int)sizeof(_Py_CODEUNIT), offsetof(_PyInterpreterFrame, localsplus),
           offsetof(PyCodeObject, co_code_adaptive), offsetof(PyCodeObject, _co_firsttraceable),
           offsetof(PyCodeObject, co_argcount), offsetof(PyCodeObject, co_filename),
           offsetof(PyCodeObject, co_name), offsetof(PyCodeObject, co_names), tags);
    return 0;
}
