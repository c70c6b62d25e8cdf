/* A small program that embeds CPython the way Blender does, to test bpyrace
 * on a Python linked into the executable (blender.org builds) against its
 * twin linked with libpython3.11.so (Debian's Blender).
 *
 * Like Blender: Py_InitializeFromConfig, then PyEval_ReleaseThread (the main
 * thread runs without the GIL from then on); the script runs under
 * PyGILState_Ensure/Release; a main loop calls back into Python; a native
 * thread does the same with PyGILState_Ensure/Release.  The script's own
 * Python threads sleep and take locks (CPython's own GIL releases).
 *
 * usage: host SCRIPT [TICKS]  -- SCRIPT defines main_tick(i), native_tick(i)
 * and finish(). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int ticks = 20;

/* One call into the script's FUNC(i) under PyGILState_Ensure/Release, as
 * Blender's timers, handlers and drivers do. */
static void call_script(const char *func, int i)
{
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *main = PyImport_AddModule("__main__");   /* borrowed */
    PyObject *res = main ? PyObject_CallMethod(main, func, i >= 0 ? "i" : NULL, i) : NULL;
    if (!res)
        PyErr_Print();
    Py_XDECREF(res);
    PyGILState_Release(g);
}

static void *native_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < ticks; i++) {
        call_script("native_tick", i);
        usleep(500);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s SCRIPT [TICKS]\n", argv[0]);
        return 2;
    }
    if (argc > 2)
        ticks = atoi(argv[2]);
    PyConfig config;
    PyConfig_InitPythonConfig(&config);
    config.install_signal_handlers = 0;
    PyStatus status = PyConfig_SetBytesArgv(&config, 1, argv + 1);
    if (!PyStatus_Exception(status))
        status = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(status))
        Py_ExitStatusException(status);
    PyEval_ReleaseThread(PyThreadState_Get());   /* start-up is over */

    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    PyGILState_STATE g = PyGILState_Ensure();
    int rc = PyRun_SimpleFileExFlags(f, argv[1], 1, NULL);
    PyGILState_Release(g);
    if (rc != 0)
        return 1;

    pthread_t native;
    if (pthread_create(&native, NULL, native_thread, NULL) != 0)
        return 1;
    for (int i = 0; i < ticks; i++) {   /* the event loop */
        call_script("main_tick", i);
        usleep(500);
    }
    pthread_join(native, NULL);
    call_script("finish", -1);

    PyGILState_Ensure();
    return Py_FinalizeEx() < 0 ? 1 : 0;
}
