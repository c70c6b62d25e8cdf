/* The CPython internals bpyrace reads, per interpreter version, chosen at
 * run time by the running interpreter's Py_Version: the module is built once
 * (against Debian 12's 3.11 headers, public API only) and loads into Blender
 * 4.3 on 3.13 or a blender.org build alike, as py-spy and austin do.
 *
 * Each row is what tools/pyinternals_probe.c prints when compiled against
 * that version's internal headers (tests/unit/pyversion_check.sh compares
 * them).  Everything that differs between versions is in this table; the
 * accessors in pyversion.h are the only readers of interpreter frames,
 * thread states and code objects. */
#include "pyshim.h"

#include <dlfcn.h>
#include <stddef.h>
#include <string.h>

static const struct py_internals table[] = {
    /* 3.11 (Debian 12: Blender 3.4.1; blender.org 4.2 to 5.0) */
    {0x030B, 0, 32, 360, 80, 32, 168, 120, 1, 56, 8, 32, 48, 0, 56, 69, 1, -1, 2, 72, 184, 168, 56, 112, 120, 32, 0},
    /* 3.13 (Debian 13: Blender 4.3.2; blender.org 5.1 and later) */
    {0x030D, 1, 0, 16, 80, 32, 168, 120, 0, 72, 0, 0, 8, 1, 56, 70, 1, 3, 2, 72, 200, 184, 52, 112, 120, 32, 0},
    /* 3.14 (Debian unstable: Blender 5.2.2): frames hold tagged _PyStackRefs */
    {0x030E, 1, 0, 16, 80, 32, 168, 120, 0, 72, 0, 0, 8, 1, 56, 74, 1, 4, 2, 80, 208, 192, 52, 112, 120, 32, 3},
};

const struct py_internals *py_in;

bool py_internals_init(void)
{
    unsigned v = (unsigned)(Py_Version >> 16);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].version == v)
            py_in = &table[i];
    py_unchecked_tstate = (PyThreadState * (*)(void)) dlsym(RTLD_DEFAULT, "PyThreadState_GetUnchecked");
    if (!py_unchecked_tstate)
        py_unchecked_tstate = (PyThreadState * (*)(void)) dlsym(RTLD_DEFAULT, "_PyThreadState_UncheckedGet");
    if (!py_unchecked_tstate)
        py_in = NULL;
    return py_in != NULL;
}

bool py_locks_are_pymutex(void)
{
    return py_in && py_in->version >= 0x030D;
}

int py_gil_objects(const void *objs[4], const void **head_lock)
{
    char *gil = NULL;
    *head_lock = NULL;
    if (!py_in)
        return 0;
    if (py_in->gil_in_interp) {
        PyInterpreterState *interp = PyInterpreterState_Main();
        gil = interp ? PY_AT(interp, py_in->gil, char *) : NULL;
    } else {
        char *runtime = dlsym(RTLD_DEFAULT, "_PyRuntime");
        gil = runtime ? runtime + py_in->gil : NULL;
        if (runtime && py_in->head_lock)
            *head_lock = PY_AT(runtime, py_in->head_lock, void *);
    }
    if (!gil)
        return 0;
    objs[0] = gil + py_in->gil_mutex;
    objs[1] = gil + py_in->gil_cond;
    objs[2] = gil + py_in->gil_switch_mutex;
    objs[3] = gil + py_in->gil_switch_cond;
    return 4;
}

PyThreadState *(*py_unchecked_tstate)(void);

int py_frame_line(const void *f)
{
    PyCodeObject *code = py_frame_code(f);
    return code ? PyCode_Addr2Line(code, py_frame_lasti(f) * py_in->codeunit) : -1;
}
