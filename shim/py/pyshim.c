/* Entry points of libbpyrace_py.so, called by the core around
 * Py_InitializeFromConfig, and the audit hook that installs the RNA
 * instrumentation as soon as bpy exists. */
#include "pyshim.h"

#include <dlfcn.h>
#include <string.h>

static bool supported;     /* this libpython is the one we were built for */
static int (*finalizing_fn)(void);

bool py_is_finalizing(void)
{
    return finalizing_fn && finalizing_fn();
}
static int installed;      /* 0 not yet, 1 done, -1 gave up */

/* The GIL's mutex and conditions (ceval_gil.c): their lock/unlock are the
 * interpreter's own thread switches, not synchronization (race model).
 * 3.11 keeps them in _PyRuntime, known before start-up; 3.12+ in the main
 * interpreter, known once it exists. */
static bool gil_known;

static void learn_gil(void)
{
    const void *objs[4], *head_lock;
    if (gil_known || py_gil_objects(objs, &head_lock) != 4)
        return;
    bpr_sync_ignore_objects(objs, 4);
    if (head_lock)   /* HEAD_LOCK, the thread-state list's lock (below) */
        bpr_sync_ignore_objects(&head_lock, 1);
    gil_known = true;
}

BPR_API void bpr_py_preinit(void);
void bpr_py_preinit(void)
{
    finalizing_fn = (int (*)(void))dlsym(RTLD_DEFAULT, "Py_IsFinalizing");
    if (!finalizing_fn)
        finalizing_fn = (int (*)(void))dlsym(RTLD_DEFAULT, "_Py_IsFinalizing");
    char v[32];
    snprintf(v, sizeof v, "%s", Py_GetVersion());
    char *sp = strchr(v, ' ');
    if (sp)
        *sp = 0;
    tw_set_python_version(v);
    supported = py_internals_init();
    if (supported && !(py_hooks_memory_init() && py_intern_memory_init())) {
        bpr_warn_once("memory", "no memory for the recorder's tables: no RNA access is recorded");
        supported = false;
        return;
    }
    if (!supported) {
        bpr_warn_once("python", "Python %s is not supported (bpyrace knows 3.11, 3.13 and 3.14): no RNA access "
                                "is recorded, the program runs unchanged", v);
        return;
    }
    /* 3.13+: threading locks are PyMutexes, recorded at the Python level
     * (locks.c); the semaphores libpython still uses are its parking lot's,
     * one per waiting thread, not the program's synchronization. */
    if (py_locks_are_pymutex())
        bpr_sync_ignore_semaphores();
    learn_gil();
}

/* The interpreter's thread bookkeeping: the runtime's thread-state list lock
 * (HEAD_LOCK) and threading's _active_limbo_lock and _shutdown_locks_lock are
 * taken by every thread at start and at exit.  As lock edges they would order
 * a thread that happened to finish before another started, so verdicts would
 * depend on the schedule; user code never takes them.  On 3.11 a
 * _thread.lock (and _thread.RLock) keeps its PyThread_type_lock (a sem_t *)
 * right after the object head, and that is what sync.c sees; on 3.13+ the
 * lock object itself is what locks.c records. */
static bool bookkeeping_done;

/* Retried at audit events until the threading module is fully imported (the
 * first attempt can come while it is still executing).  3.13 has no
 * _shutdown_locks_lock. */
static void ignore_bookkeeping_locks(void)
{
    PyObject *mods = PyImport_GetModuleDict();
    PyObject *threading = mods ? PyDict_GetItemString(mods, "threading") : NULL;
    if (!threading)
        return;
    const void *objs[2] = {NULL, NULL};
    const char *names[2] = {"_active_limbo_lock", "_shutdown_locks_lock"};
    for (int i = 0; i < 2; i++) {
        PyObject *lock = PyObject_GetAttrString(threading, names[i]);
        if (lock && (strcmp(Py_TYPE(lock)->tp_name, "_thread.lock") == 0 ||
                     strcmp(Py_TYPE(lock)->tp_name, "_thread.RLock") == 0))
            objs[i] = py_locks_are_pymutex() ? (void *)lock : *(void **)((char *)lock + sizeof(PyObject));
        Py_XDECREF(lock);
    }
    PyErr_Clear();
    bool need_second = !py_locks_are_pymutex();
    if (objs[0] && (objs[1] || !need_second)) {
        bpr_sync_ignore_objects(objs, objs[1] ? 2 : 1);
        bookkeeping_done = true;
    }
}

static void retry_bookkeeping(void)
{
    if (installed != 1 || py_is_finalizing())
        return;
    PyObject *exc_type, *exc, *tb;
    PyErr_Fetch(&exc_type, &exc, &tb);
    py_enter();
    if (!bookkeeping_done)
        ignore_bookkeeping_locks();
    py_hooks_retry();
    py_leave();
    PyErr_Restore(exc_type, exc, tb);
}

/* Called by pthread_create for a Python thread, GIL held: also the last
 * moment to learn threading's bookkeeping locks before the thread uses them. */
static uint32_t capture_stack(void)
{
    if (!PyGILState_Check() || !bpr_active())
        return 0;
    retry_bookkeeping();
    return py_stack_id();
}

/* The wrapper layouts bpyrace knows (docs/blender-internals.md). */
static const struct py_rna_layout layouts[] = {
    {40, 40, 40, "2.8 to 4.3"},
    {48, 48, 48, "4.4 and 4.5 (std::optional<PointerRNA>)"},
    {104, 104, 104, "5.0 and later (PointerRNA with ancestors)"},
};
const struct py_rna_layout *py_layout = &layouts[0];

const struct py_rna_layout *py_layout_for(Py_ssize_t struct_size)
{
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
        if (layouts[i].struct_size == struct_size)
            return &layouts[i];
    return NULL;
}

/* The address of bl_rna.<what>[name] of OBJ's type (as_pointer), or NULL. */
static void *rna_definition(PyObject *obj, const char *what, const char *name)
{
    PyObject *rna = PyObject_GetAttrString(obj, "bl_rna");
    PyObject *defs = rna ? PyObject_GetAttrString(rna, what) : NULL;
    PyObject *def = defs ? PyMapping_GetItemString(defs, name) : NULL;
    PyObject *ptr = def ? PyObject_CallMethod(def, "as_pointer", NULL) : NULL;
    void *p = ptr ? PyLong_AsVoidPtr(ptr) : NULL;
    Py_XDECREF(ptr);
    Py_XDECREF(def);
    Py_XDECREF(defs);
    Py_XDECREF(rna);
    PyErr_Clear();
    return p;
}

/* Layout check: our offsets must match this Blender's wrappers.  The layout
 * is chosen by bpy_struct's size, then every offset is checked against
 * addresses Blender itself gives (as_pointer): bpy.data's Main, the
 * "objects" property behind bpy.data.objects, and the "new" function behind
 * bpy.data.objects.new. */
static bool calibrate(PyObject *bpy)
{
    PyObject *types = PyObject_GetAttrString(bpy, "types");
    PyObject *base = types ? PyObject_GetAttrString(types, "bpy_struct") : NULL;
    Py_ssize_t size = base && PyType_Check(base) ? ((PyTypeObject *)base)->tp_basicsize : -1;
    Py_XDECREF(base);
    Py_XDECREF(types);
    PyErr_Clear();
    py_layout = py_layout_for(size);
    if (!py_layout) {
        PyObject *app = PyObject_GetAttrString(bpy, "app");
        PyObject *v = app ? PyObject_GetAttrString(app, "version_string") : NULL;
        Py_XDECREF(app);
        bpr_warn_once("layout", "Blender %s: bpy_struct is %zd bytes, a wrapper layout bpyrace does not know: "
                                "RNA accesses are not recorded", v && PyUnicode_Check(v) ? PyUnicode_AsUTF8(v) : "?",
                      size);
        Py_XDECREF(v);
        PyErr_Clear();
        py_layout = &layouts[0];
        return false;
    }
    bool ok = false;
    PyObject *data = PyObject_GetAttrString(bpy, "data");
    PyObject *ptr = data ? PyObject_CallMethod(data, "as_pointer", NULL) : NULL;
    PyObject *rna = data ? PyObject_GetAttrString(data, "bl_rna") : NULL;
    PyObject *props = rna ? PyObject_GetAttrString(rna, "properties") : NULL;
    PyObject *objs = props ? PyMapping_GetItemString(props, "objects") : NULL;
    PyObject *pptr = objs ? PyObject_CallMethod(objs, "as_pointer", NULL) : NULL;
    PyObject *coll = data ? PyObject_GetAttrString(data, "objects") : NULL;
    PyObject *fn = coll ? PyObject_GetAttrString(coll, "new") : NULL;
    if (ptr && pptr && fn) {
        void *main = PyLong_AsVoidPtr(ptr);
        void *prop = PyLong_AsVoidPtr(pptr);
        void *func = rna_definition(coll, "functions", "new");
        ok = PYRNA_PTR(data)->data == main && prop && PYRNA_PROP(coll) == prop && func &&
             PYRNA_FUNC(fn) == func && strcmp(RNA_PROP_IDENTIFIER(prop), "objects") == 0;
        if (ok)
            py_main_data = main;
    }
    Py_XDECREF(fn);
    Py_XDECREF(coll);
    Py_XDECREF(pptr);
    Py_XDECREF(objs);
    Py_XDECREF(props);
    Py_XDECREF(rna);
    Py_XDECREF(ptr);
    Py_XDECREF(data);
    PyErr_Clear();
    return ok;
}

static void try_install(void)
{
    if (installed || !supported || !bpr_ready())
        return;
    PyObject *exc_type, *exc, *tb;
    PyErr_Fetch(&exc_type, &exc, &tb);
    PyObject *mods = PyImport_GetModuleDict();
    PyObject *bpy = mods ? PyDict_GetItemString(mods, "bpy") : NULL;
    PyObject *types = bpy ? PyObject_GetAttrString(bpy, "types") : NULL;
    PyObject *data = bpy ? PyObject_GetAttrString(bpy, "data") : NULL;
    PyErr_Clear();
    if (types && data) {
        py_enter();
        if (!calibrate(bpy)) {
            bpr_warn_once("layout", "this Blender's Python wrappers do not have the %s layout their size "
                                    "implies: RNA accesses are not recorded", py_layout->releases);
            installed = -1;
        } else if (py_install_rna_hooks() == 0) {
            py_install_mathutils_hooks();
            installed = 1;
        } else {
            installed = -1;
        }
        py_leave();
    }
    Py_XDECREF(types);
    Py_XDECREF(data);
    PyErr_Restore(exc_type, exc, tb);
}

static int audit_hook(const char *event, PyObject *args, void *ud)
{
    (void)ud;
    /* At finalization the module dict is gone: asking for it is fatal. */
    if (bpr_tls_thread.busy || py_is_finalizing())
        return 0;
    if (!installed)
        try_install();
    else
        retry_bookkeeping();
    py_window_audit(event, args);
    return 0;
}

static void on_host_gil(void)
{
    if (bpr_tls_thread.busy == 0 && PyGILState_Check() && !py_is_finalizing()) {
        if (!installed)
            try_install();
        else
            retry_bookkeeping();
    }
}

/* The name of the threading.Thread whose start() is calling pthread_create:
 * the first local (self) of the innermost Python frame, when that frame is
 * Thread.start in threading.py.  Named now, a thread that never touches bpy
 * still shows its name in reports. */
static uint32_t thread_name(void)
{
    if (!PyGILState_Check() || !bpr_active())
        return 0;
    PyObject *self = py_frame_self("start", "/threading.py", 1);   /* borrowed */
    uint32_t id = 0;
    if (self) {
        py_enter();
        PyObject *name = PyObject_GetAttrString(self, "_name");
        Py_ssize_t len;
        const char *s = name && PyUnicode_Check(name) ? PyUnicode_AsUTF8AndSize(name, &len) : NULL;
        if (s)
            id = py_string_id(s, len);
        Py_XDECREF(name);
        PyErr_Clear();
        py_leave();
    }
    return id;
}

BPR_API void bpr_py_postinit(void);
void bpr_py_postinit(void)
{
    if (!supported)
        return;
    bpr_py_capture_stack = capture_stack;
    bpr_py_thread_name = thread_name;
    bpr_py_on_host_gil = on_host_gil;
    bpr_py_release_is_host = py_release_is_host;
    learn_gil();   /* 3.12+: the main interpreter exists now */
    py_enter();
    py_install_sync_hooks(py_locks_are_pymutex());
    py_leave();
    bpr_py_python_threads = py_threads_hooked();
    py_window_init();
    bpr_py_window_site = py_window_site;
    bpr_py_event_loop = py_window_event_loop;
    void py_install_marks(void);   /* marks.c: the _bpyrace module (bpyrace test) */
    py_install_marks();
    if (PySys_AddAuditHook(audit_hook, NULL) != 0) {
        PyErr_Clear();
        bpr_warn_once("audit", "cannot add the audit hook; instrumenting at the first host GIL call instead");
    }
}
