/* libbpyrace_py.so: the Python-side half of the shim (CPython 3.11).
 * Every function here runs with the GIL held, so the intern tables need no
 * lock: the GIL is their lock. */
#ifndef BPYRACE_PYSHIM_H
#define BPYRACE_PYSHIM_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Built against 3.11's headers, run on 3.13 and 3.14 too: no macro may read
 * a struct whose layout moved.  3.14's tuples cache their hash before
 * ob_item, so items are read through the function. */
#undef PyTuple_GET_ITEM
#define PyTuple_GET_ITEM(t, i) PyTuple_GetItem((t), (i))
#include "../shim.h"

/* Layout of Blender's Python wrappers (bpy_rna.h), per release: the
 * wrapper's PointerRNA sits right after the object head in every release,
 * but its size grows (std::optional in 4.4, ancestors in 5.0), which moves
 * BPy_PropertyRNA.prop and BPy_FunctionRNA.func; bpy_struct.__basicsize__
 * tells the layouts apart (docs/blender-internals.md).  Chosen by
 * py_choose_layout() and checked against this Blender by calibrate(). */
struct rna_pointer {        /* PointerRNA's first fields */
    void *owner_id;
    void *type;             /* StructRNA * */
    void *data;
};
struct py_rna_layout {
    Py_ssize_t struct_size; /* bpy_struct.__basicsize__ */
    size_t prop;            /* BPy_PropertyRNA.prop */
    size_t func;            /* BPy_FunctionRNA.func */
    const char *releases;
};
/* The layout of wrappers whose bpy_struct is STRUCT_SIZE bytes, or NULL. */
const struct py_rna_layout *py_layout_for(Py_ssize_t struct_size);
extern const struct py_rna_layout *py_layout;   /* this Blender's, once chosen */
#define PYRNA_PTR(o) ((struct rna_pointer *)((char *)(o) + 16))
#define PYRNA_PROP(o) (*(void **)((char *)(o) + py_layout->prop))
#define PYRNA_FUNC(o) (*(void **)((char *)(o) + py_layout->func))
#define RNA_PROP_IDENTIFIER(p) (*(const char **)((char *)(p) + 24))
/* mathutils' BaseMathObject: cb_user follows the data pointer, after a
 * PyObject_VAR_HEAD up to 5.1 (Vector.__basicsize__ 48) or a PyObject_HEAD
 * in 5.2 (40); chosen by py_choose_math_layout(). */
extern size_t py_math_cb_user;
#define MATH_CB_USER(o) (*(PyObject **)((char *)(o) + py_math_cb_user))

/* pyversion.c: the interpreter internals of the running Python's version
 * (frames, thread state, code objects, the GIL), read through one table. */
bool py_internals_init(void);      /* false: a version bpyrace does not know */
bool py_locks_are_pymutex(void);   /* 3.13+: threading locks make no libc call */
int py_gil_objects(const void *objs[4], const void **head_lock);
int py_frame_line(const void *f);
#include "pyversion.h"

/* pysync.c: thread creation (and on 3.13+ threading's locks) at the
 * Python level */
void py_install_sync_hooks(bool locks);
bool py_threads_hooked(void);

/* pyshim.c: Py_IsFinalizing (3.13+) or _Py_IsFinalizing (3.11), whichever
 * the running interpreter has: the module loads into every version. */
bool py_is_finalizing(void);

/* intern.c */
uint32_t py_string_id(const char *s, Py_ssize_t len);
uint32_t py_stack_id(void);          /* the current Python stack, interned */
/* The same; *IN_OPS tells whether its innermost frames were bpy/ops.py's
 * (left off the stack: the operator's caller is the site). */
uint32_t py_stack_id_ex(bool *in_ops);
/* The variable of the registry NAME (a static string: "bpy.app.timers"). */
uint32_t py_registry_var(const char *name);
/* The first argument (self) of the innermost of the DEPTH innermost Python
 * frames that runs function FUNC of a file ending in SUFFIX; NULL if none.
 * Borrowed; reads the interpreter frames without materialising frame
 * objects or their locals. */
PyObject *py_frame_self(const char *func, const char *suffix, int depth);
/* Variable of property IDENT of the struct at DATA.  PATH_OF produces the
 * struct's bpy.data path on a miss (repr of OBJ, with fixes). */
enum py_path_source { PATH_STRUCT, PATH_PROPERTY };
uint32_t py_var(uint16_t kind, void *data, void *owner_id, const char *ident, Py_ssize_t len,
                PyObject *obj, enum py_path_source src);
uint32_t py_id_var(void *owner_id, PyObject *obj, enum py_path_source src);
/* Start loading what py_var's definition of that variable reads first (its
 * slot, its owner's and data's chains, its owner's variable, OBJ's struct
 * path when SRC is PATH_STRUCT), and change nothing: a hook calls it before
 * the original call when no memo knew the variable. */
void py_var_prefetch(uint16_t kind, void *data, void *owner_id, const char *ident, Py_ssize_t len,
                     PyObject *obj, enum py_path_source src);
void py_note_thread_name(void);
/* A rename, an RNA function or operator call, or an ID removal may have
 * changed structs' paths: the memo of struct paths is emptied. */
void py_paths_may_change(void);
/* Paths of structs that are not IDs may have changed; IDs' paths have not. */
void py_struct_paths_may_change(void);
/* The ID at ID was removed: forget its variables (and its sub-structs'). */
void py_forget_id(void *id);
extern void *py_main_data;           /* bpy.data's Main pointer */

/* own_memory.c: the recorder's long-lived memory, out of the program's
 * heap: a copy of S[0..N) kept for the process (NULL when no memory is
 * left), and zeroed tables, resident, freed whole. */
char *py_own_strndup(const char *s, size_t n);
void *py_own_table(size_t bytes);
void py_own_table_free(void *t, size_t bytes);
/* A zeroed table from the hot region (huge pages), else py_own_table's. */
void *py_hot_table(size_t bytes);
/* The memos of hooks.c and intern.c, allocated there: false if no memory. */
bool py_hooks_memory_init(void);
bool py_intern_memory_init(void);

/* Record one access (GIL held).  VAR 0 means nothing to record. */
void py_record(uint8_t type, uint32_t var, int64_t index);
/* A coarse write at STACK by the call named by string id WHAT. */
void py_record_call(uint16_t level, uint32_t id_var, uint32_t stack, uint32_t what);

/* The bpy call running on this thread, kept as the site of the native
 * window its GIL release opens, with the Python frame that made it
 * (window.c). */
struct py_site { uint32_t stack, what; const void *frame; };
struct py_site py_site_enter(uint32_t stack, uint32_t what);
void py_site_leave(struct py_site prev);
/* Is recording on for this thread (shim active and not inside the shim)? */
static inline bool py_recording(void) { return bpr_active_inline(); }
static inline void py_enter(void) { bpr_tls_thread.busy++; }
static inline void py_leave(void) { bpr_tls_thread.busy--; }
/* bpr_self(), without a call once the thread has started recording. */
static inline struct bpr_thread *py_self(void)
{
    struct bpr_thread *t = &bpr_tls_thread;
    return t->started && bpr_ready_inline() ? t : bpr_self();
}

/* window.c: sites of native windows, and Blender's phase (start-up, event
 * loop, exit) for windows opened outside any Python call */
void py_window_init(void);
void py_window_audit(const char *event, PyObject *args);
void py_window_site(uint32_t *stack, uint32_t *what);
void py_window_event_loop(void);
/* Is a GIL release made now by this thread Blender's (gil.c)? */
bool py_release_is_host(void);

/* tasks.c: the _bpyrace functions bpyrace_pools.py calls */
PyObject *py_task_spawn(PyObject *self, PyObject *args);
PyObject *py_task_begin(PyObject *self, PyObject *arg);
PyObject *py_task_end(PyObject *self, PyObject *arg);
PyObject *py_pool_join(PyObject *self, PyObject *arg);
PyObject *py_task_begin_family(PyObject *self, PyObject *arg);
PyObject *py_family_join(PyObject *self, PyObject *args);

/* hooks.c */
int py_install_rna_hooks(void);
int py_install_mathutils_hooks(void);
void py_hooks_retry(void);
bool py_is_rna_property(PyObject *self, PyObject *name, const char **ident, Py_ssize_t *len);

#endif
