/* Thread-pool jobs as tasks (race model, "Tasks"): the functions of the
 * `_bpyrace` module that share/bpyrace/bpyrace_pools.py calls from its hooks
 * on ThreadPoolExecutor.  Each writes one task record (docs/trace-format.md);
 * the analyzer gives every task a clock of its own. */
#include "pyshim.h"

static uint32_t next_task = 1;   /* under the GIL */

/* _bpyrace.task_spawn(pool_id, pool_name) -> task id: on the submitter, at the
 * submit call, with its Python stack. */
PyObject *py_task_spawn(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long pool;
    const char *name;
    Py_ssize_t len;
    int family = 0;
    if (!PyArg_ParseTuple(args, "ks#|p:task_spawn", &pool, &name, &len, &family))
        return NULL;
    uint32_t task = next_task++;
    if (bpr_active()) {
        uint32_t sid = py_string_id(name, len);
        bpr_emit(TR_TASK_SPAWN, PyGILState_Check() ? TRF_GIL : 0, family ? TRACE_SPAWN_FAMILY : TRACE_SPAWN_TASK,
                 py_stack_id(), task, (int64_t)((uint64_t)(uint32_t)pool << 32 | sid));
    }
    return PyLong_FromUnsignedLong(task);
}

/* _bpyrace.task_begin_family(family) -> task: one job of a family (an item of
 * ThreadPool.map) begins on the calling worker. */
PyObject *py_task_begin_family(PyObject *self, PyObject *arg)
{
    (void)self;
    unsigned long family = PyLong_AsUnsignedLong(arg);
    if (PyErr_Occurred())
        return NULL;
    uint32_t task = next_task++;
    struct bpr_thread *t = bpr_active() ? bpr_self() : NULL;
    if (t && !t->task) {
        t->task = task;
        bpr_emit(TR_TASK_BEGIN, 0, 0, 0, task, (int64_t)(uint32_t)family);
    }
    return PyLong_FromUnsignedLong(task);
}

/* _bpyrace.family_join(family, done): the jobs of the family that ended are
 * ordered before what the calling thread does next (a result handed over);
 * DONE: the family has no more. */
PyObject *py_family_join(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long family;
    int done = 0;
    if (!PyArg_ParseTuple(args, "k|p:family_join", &family, &done))
        return NULL;
    if (bpr_active())
        bpr_emit(TR_TASK_JOIN, PyGILState_Check() ? TRF_GIL : 0, done ? TRACE_JOIN_FAMILY_DONE : TRACE_JOIN_FAMILY,
                 0, 0, (int64_t)(uint32_t)family);
    Py_RETURN_NONE;
}

/* _bpyrace.task_begin(task): the calling worker runs the task from now on. */
PyObject *py_task_begin(PyObject *self, PyObject *arg)
{
    (void)self;
    unsigned long task = PyLong_AsUnsignedLong(arg);
    if (PyErr_Occurred())
        return NULL;
    struct bpr_thread *t = bpr_active() ? bpr_self() : NULL;
    if (t && !t->task) {
        t->task = (uint32_t)task;
        bpr_emit(TR_TASK_BEGIN, 0, 0, 0, task, 0);
    }
    Py_RETURN_NONE;
}

/* _bpyrace.task_end(task): the task running on the calling worker is over
 * (a task that never began, a cancelled job, ends nothing). */
PyObject *py_task_end(PyObject *self, PyObject *arg)
{
    (void)self;
    unsigned long task = PyLong_AsUnsignedLong(arg);
    if (PyErr_Occurred())
        return NULL;
    struct bpr_thread *t = bpr_active() ? bpr_self() : NULL;
    if (t && t->task == task) {
        bpr_emit(TR_TASK_END, 0, 0, 0, task, 0);
        t->task = 0;
    }
    Py_RETURN_NONE;
}

/* _bpyrace.pool_join(pool_id): every task of the pool has ended
 * (shutdown(wait=True), the end of a with block). */
PyObject *py_pool_join(PyObject *self, PyObject *arg)
{
    (void)self;
    unsigned long pool = PyLong_AsUnsignedLong(arg);
    if (PyErr_Occurred())
        return NULL;
    if (bpr_active())
        bpr_emit(TR_TASK_JOIN, PyGILState_Check() ? TRF_GIL : 0, TRACE_JOIN_POOL, 0, 0, (int64_t)(uint32_t)pool);
    Py_RETURN_NONE;
}
