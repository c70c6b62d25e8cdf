/* The Python/RNA boundary: type slots and method tables of bpy_struct (and
 * every subtype), bpy_prop_array, bpy_prop_collection, bpy_func, the
 * bpy.ops entry point, and the mathutils callbacks that bpy_rna registers.
 * Blender's binary exports no RNA symbols, so every hook is found at run
 * time from Python objects (docs/blender-internals.md). */
#include "pyshim.h"

#include <link.h>
#include <string.h>

/* ---- originals ---- */
static getattrofunc orig_struct_getattro;
static setattrofunc orig_struct_setattro;
static binaryfunc orig_struct_subscript;
static objobjargproc orig_struct_ass_subscript;
static objobjproc orig_struct_contains;

static ssizeargfunc orig_array_item;
static ssizeobjargproc orig_array_ass_item;
static binaryfunc orig_array_subscript;
static objobjargproc orig_array_ass_subscript;
static getiterfunc orig_array_iter;
static objobjproc orig_array_contains;

static binaryfunc orig_coll_subscript;
static ssizeargfunc orig_coll_item;
static getiterfunc orig_coll_iter;
static lenfunc orig_coll_len;
static lenfunc orig_coll_seq_len;
static objobjproc orig_coll_contains;
static getattrofunc orig_coll_getattro;

static ternaryfunc orig_func_call;

static PyTypeObject *type_struct, *type_array, *type_coll, *type_func;

/* RNA functions recently looked up on a collection (bpy.data.objects.new):
 * calling one writes the collection's membership.  A few are remembered, for
 * `new = objs.new; remove = objs.remove`.  The object's address alone does
 * not identify one: once freed, the next bpy_func (mesh.update) is often
 * allocated at the same address, so the function and struct are compared too. */
#define N_COLL_FUNCS 8
static struct coll_func {
    PyObject *obj;
    void *func, *data, *type;
    uint32_t var;
} coll_funcs[N_COLL_FUNCS];
static unsigned coll_funcs_next;

static void remember_coll_func(PyObject *f, uint32_t var)
{
    coll_funcs[coll_funcs_next++ % N_COLL_FUNCS] =
        (struct coll_func){f, PYRNA_FUNC(f), PYRNA_PTR(f)->data, PYRNA_PTR(f)->type, var};
}

/* The collection variable F writes, or 0 when F is not a collection's function. */
static uint32_t coll_func_var(PyObject *f)
{
    for (int i = 0; i < N_COLL_FUNCS; i++) {
        const struct coll_func *c = &coll_funcs[i];
        if (c->obj == f && c->func == PYRNA_FUNC(f) && c->data == PYRNA_PTR(f)->data &&
            c->type == PYRNA_PTR(f)->type)
            return c->var;
    }
    return 0;
}

/* ---- variables of wrapper objects ---- */

bool py_is_rna_property(PyObject *self, PyObject *name, const char **ident, Py_ssize_t *len);

/* The last answers of prop_var by (data, PropertyRNA): a Vector's element
 * reads and writes (ob.location.x) skip the variable lookup.  Sets of two
 * entries, a cache line each: direct-mapped into 1,024 slots, the 300
 * objects of the typical script's final loop put 60 of their keys beside
 * another's, and those missed on every pass (1,497 variable lookups in 20
 * passes instead of the first pass's 300).  Emptied with the attribute memo
 * below, when an ID is removed.  Used under the GIL only. */
#define PROP_MEMO_BITS 11   /* 2,048 sets, 128 KiB */
#define PROP_WAYS 2
static struct __attribute__((aligned(64))) prop_set {
    struct prop_memo {
        void *data, *prop;
        const char *ident;   /* (a dynamic property freed and another made at its address) */
        uint32_t var;
    } way[PROP_WAYS];
} *prop_memo;   /* 1 << PROP_MEMO_BITS sets, in the hot region (py_hooks_memory_init) */
_Static_assert(sizeof(struct prop_set) == 64, "one cache line per set");

static inline struct prop_set *prop_set_of(void *data, void *prop)
{
    uint64_t k = ((uint64_t)(uintptr_t)data ^ ((uint64_t)(uintptr_t)prop << 7)) * 0x9e3779b97f4a7c15ull;
    return &prop_memo[k >> (64 - PROP_MEMO_BITS)];
}

static inline uint32_t prop_memo_get(const struct prop_set *set, void *data, void *prop, const char *id)
{
    for (int w = 0; w < PROP_WAYS; w++) {
        const struct prop_memo *m = &set->way[w];
        if (m->var && m->data == data && m->prop == prop && m->ident == id)
            return m->var;
    }
    return 0;
}

static inline uint32_t last_attr_prop(const struct rna_pointer *ptr, const char *id);

static uint32_t prop_var(PyObject *pyprop)
{
    struct rna_pointer *ptr = PYRNA_PTR(pyprop);
    void *prop = PYRNA_PROP(pyprop);
    if (!prop)
        return 0;
    const char *id = RNA_PROP_IDENTIFIER(prop);
    uint32_t var = last_attr_prop(ptr, id);
    if (var)
        return var;
    struct prop_set *set = prop_set_of(ptr->data, prop);
    var = prop_memo_get(set, ptr->data, prop, id);
    if (var)
        return var;
    var = py_var(TRACE_VAR_PROPERTY, ptr->data, ptr->owner_id, id, (Py_ssize_t)strlen(id), pyprop, PATH_PROPERTY);
    if (var) {   /* the newest first: the older of the two makes room */
        set->way[1] = set->way[0];
        set->way[0] = (struct prop_memo){ptr->data, prop, id, var};
    }
    return var;
}

/* The last answers of struct_attr_var and idprop_var: a loop over the same
 * attributes skips the name and variable lookups (the recorder's hot path,
 * docs/performance.md).  One bucket of two cache lines per struct, by
 * (data, struct type), holds up to ATTR_WAYS of its attributes by name
 * object (and ID property keys by key object): a loop over many objects
 * misses the cache once per object, not once per attribute, and a struct's
 * attributes never evict each other's entries unless it has more than
 * ATTR_WAYS of them in use (an add-on's object is read and written through
 * six or seven: with four ways, two names of a loop's four took the same way
 * in most runs, and a third of the typical script's accesses missed).  Each entry holds a reference to its
 * name, so that address cannot come to name another string while it is
 * here.  When an ID is removed (its address may come back as another ID's)
 * py_forget_attr_memo starts a new generation: a bucket of an older one
 * reads as empty, and gives its names back when it is next filled (a sweep
 * of the 512 KiB at every removal cost 14 us).  Used under the GIL only. */
#define ATTR_WAYS 8
#define ATTR_MEMO_BITS 12   /* 4,096 structs, 512 KiB */
#define ATTR_MEMO (1u << ATTR_MEMO_BITS)
static struct __attribute__((aligned(128))) attr_bucket {
    void *data, *srna;
    PyObject *name[ATTR_WAYS];
    uint32_t var[ATTR_WAYS];
    uint32_t gen;   /* attr_gen when filled */
} *attr_memo;   /* ATTR_MEMO buckets, in the hot region */
static uint32_t attr_gen = 1;
_Static_assert(sizeof(struct attr_bucket) == 128, "two cache lines per struct");

/* The last attribute of a struct read through its getattro that gave an
 * array or a wrapper: ob.location.x reads the element right after
 * ob.location, and the element's variable is the attribute's, (data,
 * identifier).  The property memo's line for it is a miss after Blender's
 * work between two objects (80 ns, most of a mathutils element's cost in the
 * typical script's final loop: docs/performance.md, "Sixteenth pass"), the
 * struct's bucket was just read.  Holds a reference to the name (an exact
 * str).  Stale once attr_gen moves (an ID removed).  Under the GIL. */
static struct {
    void *data;
    PyObject *name;
    uint32_t var, gen;
} last_attr;

static inline void last_attr_note(const struct rna_pointer *ptr, PyObject *name, uint32_t var, PyObject *res)
{
    /* (values and structs have no elements to read through prop_before) */
    if (!var || !PyUnicode_CheckExact(name) || PyFloat_CheckExact(res) || PyLong_CheckExact(res) || PyBool_Check(res) ||
        PyUnicode_CheckExact(res) || res == Py_None || PyObject_TypeCheck(res, type_struct))
        return;
    if (last_attr.name != name) {
        PyObject *old = last_attr.name;
        Py_INCREF(name);
        last_attr.name = name;
        Py_XDECREF(old);
    }
    last_attr.data = ptr->data;
    last_attr.var = var;
    last_attr.gen = attr_gen;
}

/* The variable of PTR's property named ID if it is the last attribute's. */
static inline uint32_t last_attr_prop(const struct rna_pointer *ptr, const char *id)
{
    if (last_attr.data != ptr->data || last_attr.gen != attr_gen || !last_attr.var || !id)
        return 0;
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(last_attr.name, &n);
    if (!s) {
        PyErr_Clear();
        return 0;
    }
    return strncmp(s, id, (size_t)n) == 0 && id[n] == 0 ? last_attr.var : 0;
}

bool py_hooks_memory_init(void)
{
    prop_memo = py_hot_table(sizeof *prop_memo << PROP_MEMO_BITS);
    attr_memo = py_hot_table(sizeof *attr_memo * ATTR_MEMO);
    return prop_memo && attr_memo;
}

/* A way holds an attribute's name object, or an ID property's key object
 * with its low bit set (ob["location"] is not ob.location); either way a
 * reference to the object. */
#define IDPROP_KEY(key) ((PyObject *)((uintptr_t)(key) | 1u))
static PyObject *way_object(PyObject *n)
{
    return (PyObject *)((uintptr_t)n & ~(uintptr_t)1u);
}

static void attr_bucket_clear(struct attr_bucket *b)
{
    for (int w = 0; w < ATTR_WAYS; w++) {
        b->var[w] = 0;
        PyObject *n = way_object(b->name[w]);
        b->name[w] = NULL;
        Py_XDECREF(n);
    }
}

static void py_forget_attr_memo(void)
{
    if (++attr_gen == 0) {   /* (wrapped: every bucket could look current) */
        for (size_t i = 0; i < ATTR_MEMO; i++) {
            attr_bucket_clear(&attr_memo[i]);
            attr_memo[i].data = attr_memo[i].srna = NULL;
        }
        attr_gen = 1;
    }
    memset(prop_memo, 0, sizeof *prop_memo << PROP_MEMO_BITS);
}

static bool attr_bucket_is(const struct attr_bucket *b, const void *data, const void *srna)
{
    return b->data == data && b->srna == srna && b->gen == attr_gen;
}

/* Remember NAME -> VAR in B, B's struct now (DATA, SRNA): a free way, else
 * the one the name's address picks (a loop over five attributes then loses
 * one or two of them, where evicting the oldest would lose all five). */
static void attr_memo_put(struct attr_bucket *b, void *data, void *srna, PyObject *name, uint32_t var)
{
    if (!attr_bucket_is(b, data, srna)) {
        attr_bucket_clear(b);
        b->data = data;
        b->srna = srna;
        b->gen = attr_gen;
    }
    int way = (int)(((uintptr_t)name >> 4) % ATTR_WAYS);
    for (int w = 0; w < ATTR_WAYS; w++)
        if (!b->var[w]) {
            way = w;
            break;
        }
    Py_INCREF(way_object(name));
    PyObject *old = way_object(b->name[way]);
    b->name[way] = name;
    b->var[way] = var;
    Py_XDECREF(old);
}

/* PTR's bucket: one of two, picked by two parts of its key's hash.  With
 * one place each, 300 objects in 4,096 buckets put some beside another, and
 * such pairs evicted each other on every pass of a loop over them, a
 * variable lookup for each of their attributes (the typical script's final
 * loop: 2,417 lookups in 20 passes, where the first pass's 1,201 are all it
 * needs, as it now takes).  Its own if it has one (*OWN true), else a
 * free one, else the second, whose struct gives way. */
static inline struct attr_bucket *attr_bucket_of(const struct rna_pointer *ptr, bool *own)
{
    uint64_t k = ((uint64_t)(uintptr_t)ptr->data ^ ((uint64_t)(uintptr_t)ptr->type << 3)) * 0x9e3779b97f4a7c15ull;
    struct attr_bucket *b = &attr_memo[k >> (64 - ATTR_MEMO_BITS)];
    *own = attr_bucket_is(b, ptr->data, ptr->type);
    if (*own)
        return b;
    struct attr_bucket *b2 = &attr_memo[(k >> (64 - 2 * ATTR_MEMO_BITS)) & (ATTR_MEMO - 1)];
    *own = attr_bucket_is(b2, ptr->data, ptr->type);
    return *own || b->gen == attr_gen ? b2 : b;
}

/* NAME's variable in B (PTR's bucket if OWN) if remembered there, else 0. */
static inline uint32_t attr_memo_get(const struct attr_bucket *b, bool own, PyObject *name)
{
    if (own)
        for (int w = 0; w < ATTR_WAYS; w++)
            if (b->name[w] == name && b->var[w])
                return b->var[w];
    return 0;
}

static uint32_t struct_attr_var(PyObject *self, PyObject *name)
{
    struct rna_pointer *ptr = PYRNA_PTR(self);
    bool own;
    struct attr_bucket *b = attr_bucket_of(ptr, &own);
    uint32_t var = attr_memo_get(b, own, name);
    if (var)
        return var;
    const char *ident;
    Py_ssize_t len;
    if (!py_is_rna_property(self, name, &ident, &len))
        return 0;
    var = py_var(TRACE_VAR_PROPERTY, ptr->data, ptr->owner_id, ident, len, self, PATH_STRUCT);
    if (var && PyUnicode_CheckExact(name))   /* (a str subclass: see idprop_var) */
        attr_memo_put(b, ptr->data, ptr->type, name, var);
    return var;
}

/* ob["key"]: remembered beside the struct's attributes, by the key object
 * (a loop's literal key is the same object every time).  Only a plain str:
 * a subclass's __del__, run when the memo lets go of it, would be the
 * program's code running inside a hook. */
static uint32_t idprop_var(PyObject *self, PyObject *key)
{
    if (!PyUnicode_Check(key))
        return 0;
    struct rna_pointer *ptr = PYRNA_PTR(self);
    bool memo = PyUnicode_CheckExact(key), own = false;
    struct attr_bucket *b = memo ? attr_bucket_of(ptr, &own) : NULL;
    uint32_t var = memo ? attr_memo_get(b, own, IDPROP_KEY(key)) : 0;
    if (var)
        return var;
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(key, &len);
    if (!s) {
        PyErr_Clear();
        return 0;
    }
    var = py_var(TRACE_VAR_IDPROP, ptr->data, ptr->owner_id, s, len, self, PATH_STRUCT);
    if (var && memo)
        attr_memo_put(b, ptr->data, ptr->type, IDPROP_KEY(key), var);
    return var;
}

/* ---- before the original call ----
 * A hook looks its access's variable up before it calls Blender.  On a memo
 * hit it has the variable, and keeps it unless an ID was removed during the
 * call (that empties the memos and moves attr_gen on).  On a miss it starts
 * loading the lines the definition after the call will read
 * (py_var_prefetch): their misses then overlap Blender's work instead of
 * following it, a third of a definition's cost (docs/performance.md,
 * "Fourteenth pass").  Nothing is defined before the call: an access that
 * fails defines nothing, as before. */
static __attribute__((noinline, cold)) void prefetch_named(uint16_t kind, PyObject *self, PyObject *name)
{
    if (!PyUnicode_Check(name))
        return;
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(name, &len);
    if (!s) {
        PyErr_Clear();
        return;
    }
    struct rna_pointer *ptr = PYRNA_PTR(self);
    py_var_prefetch(kind, ptr->data, ptr->owner_id, s, len, self, PATH_STRUCT);
}

static inline uint32_t struct_attr_before(PyObject *self, PyObject *name)
{
    bool own;
    const struct attr_bucket *b = attr_bucket_of(PYRNA_PTR(self), &own);
    uint32_t var = attr_memo_get(b, own, name);
    if (__builtin_expect(!var, 0))
        prefetch_named(TRACE_VAR_PROPERTY, self, name);
    return var;
}

static inline uint32_t idprop_before(PyObject *self, PyObject *key)
{
    if (!PyUnicode_CheckExact(key))
        return 0;
    bool own;
    const struct attr_bucket *b = attr_bucket_of(PYRNA_PTR(self), &own);
    uint32_t var = attr_memo_get(b, own, IDPROP_KEY(key));
    if (__builtin_expect(!var, 0))
        prefetch_named(TRACE_VAR_IDPROP, self, key);
    return var;
}

static inline uint32_t prop_before(PyObject *pyprop)
{
    struct rna_pointer *ptr = PYRNA_PTR(pyprop);
    void *prop = PYRNA_PROP(pyprop);
    if (!prop)
        return 0;
    const char *id = RNA_PROP_IDENTIFIER(prop);
    uint32_t var = last_attr_prop(ptr, id);
    if (var)
        return var;
    const struct prop_set *set = prop_set_of(ptr->data, prop);
    var = prop_memo_get(set, ptr->data, prop, id);
    if (__builtin_expect(!var, 0))
        py_var_prefetch(TRACE_VAR_PROPERTY, ptr->data, ptr->owner_id, id, (Py_ssize_t)strlen(id), pyprop,
                        PATH_PROPERTY);
    return var;
}

/* VAR found before the call if it still stands (GEN: attr_gen then), else
 * the lookup LATER. */
#define AFTER(var, gen, later) ((var) && (gen) == attr_gen ? (var) : (later))

static int64_t key_index(PyObject *key)
{
    if (PyLong_Check(key)) {
        long v = PyLong_AsLong(key);
        if (v == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            return -1;
        }
        return v;
    }
    return -1;
}

/* ---- bpy_struct ---- */

static PyObject *hook_struct_getattro(PyObject *self, PyObject *name)
{
    uint32_t gen = attr_gen, var = py_recording() ? struct_attr_before(self, name) : 0;
    PyObject *res = orig_struct_getattro(self, name);
    if (res && py_recording()) {
        var = AFTER(var, gen, struct_attr_var(self, name));
        py_record(TR_READ, var, -1);
        last_attr_note(PYRNA_PTR(self), name, var, res);
    }
    return res;
}

static int hook_struct_setattro(PyObject *self, PyObject *name, PyObject *value)
{
    uint32_t gen = attr_gen, var = py_recording() ? struct_attr_before(self, name) : 0;
    int rc = orig_struct_setattro(self, name, value);
    if (PyUnicode_Check(name) && PyUnicode_GET_LENGTH(name) == 4 && PyUnicode_CompareWithASCIIString(name, "name") == 0)
        py_paths_may_change();   /* a struct's name is in its path and its children's */
    if (rc == 0 && py_recording())
        py_record(TR_WRITE, AFTER(var, gen, struct_attr_var(self, name)), -1);
    return rc;
}

static PyObject *hook_struct_subscript(PyObject *self, PyObject *key)
{
    uint32_t gen = attr_gen, var = py_recording() ? idprop_before(self, key) : 0;
    PyObject *res = orig_struct_subscript(self, key);
    if (res && py_recording())
        py_record(TR_READ, AFTER(var, gen, idprop_var(self, key)), -1);
    return res;
}

static int hook_struct_ass_subscript(PyObject *self, PyObject *key, PyObject *value)
{
    uint32_t gen = attr_gen, var = py_recording() ? idprop_before(self, key) : 0;
    int rc = orig_struct_ass_subscript(self, key, value);
    if (rc == 0 && py_recording())
        py_record(TR_WRITE, AFTER(var, gen, idprop_var(self, key)), -1);
    return rc;
}

static int hook_struct_contains(PyObject *self, PyObject *key)
{
    int rc = orig_struct_contains(self, key);
    if (rc >= 0 && py_recording())
        py_record(TR_READ, idprop_var(self, key), -1);
    return rc;
}

/* ---- bpy_prop_array: one variable, element index kept ---- */

static PyObject *hook_array_item(PyObject *self, Py_ssize_t i)
{
    uint32_t gen = attr_gen, var = py_recording() ? prop_before(self) : 0;
    PyObject *res = orig_array_item(self, i);
    if (res && py_recording())
        py_record(TR_READ, AFTER(var, gen, prop_var(self)), i);
    return res;
}

static int hook_array_ass_item(PyObject *self, Py_ssize_t i, PyObject *v)
{
    uint32_t gen = attr_gen, var = py_recording() ? prop_before(self) : 0;
    int rc = orig_array_ass_item(self, i, v);
    if (rc == 0 && py_recording())
        py_record(TR_WRITE, AFTER(var, gen, prop_var(self)), i);
    return rc;
}

static PyObject *hook_array_subscript(PyObject *self, PyObject *key)
{
    uint32_t gen = attr_gen, var = py_recording() ? prop_before(self) : 0;
    PyObject *res = orig_array_subscript(self, key);
    if (res && py_recording())
        py_record(TR_READ, AFTER(var, gen, prop_var(self)), key_index(key));
    return res;
}

static int hook_array_ass_subscript(PyObject *self, PyObject *key, PyObject *v)
{
    uint32_t gen = attr_gen, var = py_recording() ? prop_before(self) : 0;
    int rc = orig_array_ass_subscript(self, key, v);
    if (rc == 0 && py_recording())
        py_record(TR_WRITE, AFTER(var, gen, prop_var(self)), key_index(key));
    return rc;
}

static PyObject *hook_array_iter(PyObject *self)
{
    PyObject *res = orig_array_iter(self);
    if (res && py_recording())
        py_record(TR_READ, prop_var(self), -1);
    return res;
}

static int hook_array_contains(PyObject *self, PyObject *v)
{
    int rc = orig_array_contains(self, v);
    if (rc >= 0 && py_recording())
        py_record(TR_READ, prop_var(self), -1);
    return rc;
}

/* ---- bpy_prop_collection: the membership variable ---- */

static PyObject *hook_coll_subscript(PyObject *self, PyObject *key)
{
    PyObject *res = orig_coll_subscript(self, key);
    if (res && py_recording())
        py_record(TR_READ, prop_var(self), key_index(key));
    return res;
}

static PyObject *hook_coll_item(PyObject *self, Py_ssize_t i)
{
    PyObject *res = orig_coll_item(self, i);
    if (res && py_recording())
        py_record(TR_READ, prop_var(self), i);
    return res;
}

static PyObject *hook_coll_iter(PyObject *self)
{
    PyObject *res = orig_coll_iter(self);
    if (res && py_recording())
        py_record(TR_READ, prop_var(self), -1);
    return res;
}

static Py_ssize_t hook_coll_len(PyObject *self)
{
    Py_ssize_t n = orig_coll_len(self);
    if (n >= 0 && py_recording())
        py_record(TR_READ, prop_var(self), -1);
    return n;
}

static Py_ssize_t hook_coll_seq_len(PyObject *self)
{
    Py_ssize_t n = orig_coll_seq_len(self);
    if (n >= 0 && py_recording())
        py_record(TR_READ, prop_var(self), -1);
    return n;
}

static int hook_coll_contains(PyObject *self, PyObject *key)
{
    int rc = orig_coll_contains(self, key);
    if (rc >= 0 && py_recording())
        py_record(TR_READ, prop_var(self), -1);
    return rc;
}

static PyObject *hook_coll_getattro(PyObject *self, PyObject *name)
{
    PyObject *res = orig_coll_getattro(self, name);
    if (res && Py_TYPE(res) == type_func && py_recording())
        remember_coll_func(res, prop_var(self));
    return res;
}

/* ---- RNA function calls ---- */

/* "Scene.frame_set": the struct type and function, as Blender's repr of the
 * bpy_func writes them ("<bpy_func Scene.frame_set()>"), interned per
 * (StructRNA, FunctionRNA) so the repr runs once per function. */
/* RNA functions that never rename an ID nor change its library, so IDs'
 * paths stay (py_struct_paths_may_change): by the function's own name. */
static bool keeps_id_paths(const char *func, size_t n)
{
    static const char *const keep[] = {"new", "link", "unlink", "frame_set", "update", "evaluated_get", "copy"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        if (strlen(keep[i]) == n && strncmp(func, keep[i], n) == 0)
            return true;
    return false;
}

static uint32_t func_name_id(PyObject *f, bool *is_remove, bool *keeps_ids)
{
    static struct { void *srna, *func; uint32_t id; bool set, remove, keeps; } cache[256];
    void *srna = PYRNA_PTR(f)->type, *func = PYRNA_FUNC(f);
    size_t slot = (((uintptr_t)srna >> 4) ^ ((uintptr_t)func >> 4)) % 256;
    if (cache[slot].set && cache[slot].srna == srna && cache[slot].func == func) {
        *is_remove = cache[slot].remove;
        *keeps_ids = cache[slot].keeps;
        return cache[slot].id;   /* (0 too: a name that cannot be had is not asked again) */
    }
    uint32_t id = 0;
    bool remove = false, keeps = false;
    py_enter();
    PyObject *r = PyObject_Repr(f);
    const char *s = r ? PyUnicode_AsUTF8(r) : NULL;
    const char *name = s ? strchr(s, ' ') : NULL;
    if (name) {
        name++;
        size_t n = strcspn(name, "(>");
        id = py_string_id(name, (Py_ssize_t)n);
        /* the function's own name, after the struct's: "BlendDataObjects.remove" */
        remove = n >= 7 && strncmp(name + n - 7, ".remove", 7) == 0;
        const char *dot = memchr(name, '.', n);
        if (dot)
            keeps = keeps_id_paths(dot + 1, n - (size_t)(dot + 1 - name));
    }
    Py_XDECREF(r);
    PyErr_Clear();
    py_leave();
    cache[slot].srna = srna;
    cache[slot].func = func;
    cache[slot].id = id;
    cache[slot].remove = remove;
    cache[slot].keeps = keeps;
    cache[slot].set = true;
    *is_remove = remove;
    *keeps_ids = keeps;
    return id;
}

/* bpy/ops.py updates the view layer before and after each operator: the
 * native window it opens belongs to the operator call being made
 * (BPyOpsSubModOp.__call__, whose self holds _module and _func). */
static uint32_t ops_wrapper_call(void)
{
    PyObject *op = py_frame_self("__call__", "/bpy/ops.py", 4);
    if (!op)
        return 0;
    uint32_t id = 0;
    py_enter();
    PyObject *mod = PyObject_GetAttrString(op, "_module");
    PyObject *fn = mod ? PyObject_GetAttrString(op, "_func") : NULL;
    const char *m = mod && PyUnicode_Check(mod) ? PyUnicode_AsUTF8(mod) : NULL;
    const char *f = fn && PyUnicode_Check(fn) ? PyUnicode_AsUTF8(fn) : NULL;
    if (m && f) {
        char what[256];
        snprintf(what, sizeof what, "bpy.ops.%s.%s", m, f);
        id = py_string_id(what, -1);
    }
    Py_XDECREF(fn);
    Py_XDECREF(mod);
    PyErr_Clear();
    py_leave();
    return id;
}

static PyObject *hook_func_call(PyObject *self, PyObject *args, PyObject *kw)
{
    void *removed_id = NULL;
    struct py_site prev = {0, 0, NULL};
    bool site = false, keeps_ids = false;
    if (py_recording()) {
        bool in_ops = false;
        bool is_remove = false;
        uint32_t what = func_name_id(self, &is_remove, &keeps_ids), stack = py_stack_id_ex(&in_ops);
        uint32_t coll = coll_func_var(self);
        if (coll) {
            /* new/remove/link/clear on a collection write its membership */
            py_record(TR_WRITE, coll, -1);
            PyObject *arg0 = args && PyTuple_GET_SIZE(args) > 0 ? PyTuple_GET_ITEM(args, 0) : NULL;
            if (is_remove && arg0 &&
                PyObject_TypeCheck(arg0, type_struct)) {
                struct rna_pointer *p = PYRNA_PTR(arg0);
                py_record_call(TRACE_LEVEL_ID, py_id_var(p->owner_id, arg0, PATH_STRUCT), stack, what);
                if (p->owner_id && p->owner_id == p->data)
                    removed_id = p->owner_id;   /* bpy.data.X.remove(id): the ID is freed */
            }
        } else {
            struct rna_pointer *ptr = PYRNA_PTR(self);
            py_record_call(TRACE_LEVEL_ID, py_id_var(ptr->owner_id, NULL, PATH_STRUCT), stack, what);
        }
        /* Scene.frame_set, ViewLayer.update release the GIL: this call is
         * the site of the native window they open. */
        uint32_t op = in_ops ? ops_wrapper_call() : 0;
        prev = py_site_enter(stack, op ? op : what);
        site = true;
    }
    /* remove(), move(), rename() change paths (the paths named above are
     * those from before the call) */
    if (keeps_ids)
        py_struct_paths_may_change();
    else
        py_paths_may_change();
    PyObject *res = orig_func_call(self, args, kw);
    if (site)
        py_site_leave(prev);
    /* A new ID may be allocated where the removed one was: its variables are
     * new variables, not the removed ID's under a stale name. */
    if (res && removed_id) {
        py_forget_id(removed_id);
        py_forget_attr_memo();
        py_paths_may_change();
    }
    return res;
}

/* ---- methods (PyMethodDef tables of static types) ---- */

enum method_role {
    M_ID_CALL,        /* keyframe_insert, driver_add...: an ID-level write */
    M_IDPROP_READ,    /* bpy_struct.get(key) */
    M_IDPROP_WRITE,   /* bpy_struct.pop(key) */
    M_PATH_RESOLVE,   /* bpy_struct.path_resolve(path[, coerce]) */
    M_COLL_READ,      /* collection get/find/keys/items/values */
    M_COLL_FOREACH,   /* collection foreach_get/foreach_set(attr, seq) */
    M_ARRAY_READ,     /* array foreach_get */
    M_ARRAY_WRITE,    /* array foreach_set */
    M_REGISTRY,       /* a module function changing (or reading) one of Blender's registries */
};

struct method_hook {
    PyTypeObject **type;  /* a method of this type, or */
    const char *name;     /* with type NULL: a function's path from the _bpy module */
    enum method_role role;
    uint8_t access;       /* TR_READ / TR_WRITE where it applies */
    const char *registry; /* M_REGISTRY: the registry's variable (race model, "Registries") */
    PyMethodDef *def;
    PyCFunction orig;
};

static struct method_hook method_hooks[] = {
    {&type_struct, "keyframe_insert", M_ID_CALL, TR_WRITE, NULL, NULL, NULL},
    {&type_struct, "keyframe_delete", M_ID_CALL, TR_WRITE, NULL, NULL, NULL},
    {&type_struct, "driver_add", M_ID_CALL, TR_WRITE, NULL, NULL, NULL},
    {&type_struct, "driver_remove", M_ID_CALL, TR_WRITE, NULL, NULL, NULL},
    {&type_struct, "get", M_IDPROP_READ, TR_READ, NULL, NULL, NULL},
    {&type_struct, "pop", M_IDPROP_WRITE, TR_WRITE, NULL, NULL, NULL},
    {&type_struct, "path_resolve", M_PATH_RESOLVE, TR_READ, NULL, NULL, NULL},
    {&type_coll, "get", M_COLL_READ, TR_READ, NULL, NULL, NULL},
    {&type_coll, "find", M_COLL_READ, TR_READ, NULL, NULL, NULL},
    {&type_coll, "keys", M_COLL_READ, TR_READ, NULL, NULL, NULL},
    {&type_coll, "items", M_COLL_READ, TR_READ, NULL, NULL, NULL},
    {&type_coll, "values", M_COLL_READ, TR_READ, NULL, NULL, NULL},
    {&type_coll, "foreach_get", M_COLL_FOREACH, TR_READ, NULL, NULL, NULL},
    {&type_coll, "foreach_set", M_COLL_FOREACH, TR_WRITE, NULL, NULL, NULL},
    {&type_array, "foreach_get", M_ARRAY_READ, TR_READ, NULL, NULL, NULL},
    {&type_array, "foreach_set", M_ARRAY_WRITE, TR_WRITE, NULL, NULL, NULL},
    /* Blender's global registries, changed from Python without any RNA
     * property (docs/race-model.md lists what is not covered) */
    {NULL, "app.timers.register", M_REGISTRY, TR_WRITE, "bpy.app.timers", NULL, NULL},
    {NULL, "app.timers.unregister", M_REGISTRY, TR_WRITE, "bpy.app.timers", NULL, NULL},
    {NULL, "app.timers.is_registered", M_REGISTRY, TR_READ, "bpy.app.timers", NULL, NULL},
    {NULL, "register_class", M_REGISTRY, TR_WRITE, "bpy.types", NULL, NULL},
    {NULL, "unregister_class", M_REGISTRY, TR_WRITE, "bpy.types", NULL, NULL},
    {NULL, "msgbus.subscribe_rna", M_REGISTRY, TR_WRITE, "bpy.msgbus", NULL, NULL},
    {NULL, "msgbus.clear_by_owner", M_REGISTRY, TR_WRITE, "bpy.msgbus", NULL, NULL},
    {NULL, "msgbus.publish_rna", M_REGISTRY, TR_WRITE, "bpy.msgbus", NULL, NULL},
    {NULL, "app.translations.register", M_REGISTRY, TR_WRITE, "bpy.app.translations", NULL, NULL},
    {NULL, "app.translations.unregister", M_REGISTRY, TR_WRITE, "bpy.app.translations", NULL, NULL},
};
#define N_METHOD_HOOKS (sizeof method_hooks / sizeof method_hooks[0])

/* foreach_get/set("co", seq) touch "co" of every item: one variable each. */
static void record_foreach(PyObject *coll, PyObject *attr, uint8_t access)
{
    if (!attr || !PyUnicode_Check(attr))
        return;
    py_enter();
    PyObject *it = PyObject_GetIter(coll);
    PyObject *item;
    Py_ssize_t i = 0;
    uint32_t vars_small[256];
    uint32_t *vars = vars_small;
    size_t cap = 256, n = 0;
    while (it && (item = PyIter_Next(it))) {
        if (PyObject_TypeCheck(item, type_struct)) {
            Py_ssize_t len;
            const char *s = PyUnicode_AsUTF8AndSize(attr, &len);
            struct rna_pointer *ptr = PYRNA_PTR(item);
            if (n == cap) {
                uint32_t *nv = malloc(sizeof *nv * cap * 2);
                if (!nv) {
                    Py_DECREF(item);
                    break;
                }
                memcpy(nv, vars, sizeof *nv * n);
                if (vars != vars_small)
                    free(vars);
                vars = nv;
                cap *= 2;
            }
            vars[n++] = s ? py_var(TRACE_VAR_PROPERTY, ptr->data, ptr->owner_id, s, len, item, PATH_STRUCT) : 0;
        }
        Py_DECREF(item);
        i++;
    }
    Py_XDECREF(it);
    PyErr_Clear();
    py_leave();
    for (size_t k = 0; k < n; k++)
        py_record(access, vars[k], (int64_t)k);
    if (vars != vars_small)
        free(vars);
}

static void method_before(struct method_hook *h, PyObject *self, PyObject *args)
{
    if (!py_recording())
        return;
    PyObject *arg0 = NULL;
    if (args && PyTuple_Check(args) && PyTuple_GET_SIZE(args) > 0)
        arg0 = PyTuple_GET_ITEM(args, 0);
    else if (args && !PyTuple_Check(args))
        arg0 = args;   /* METH_O */
    switch (h->role) {
    case M_ID_CALL:
        py_record_call(TRACE_LEVEL_ID, py_id_var(PYRNA_PTR(self)->owner_id, self, PATH_STRUCT),
                       py_stack_id(), py_string_id(h->name, -1));
        break;
    case M_REGISTRY:
        py_record(h->access, py_registry_var(h->registry), -1);
        break;
    case M_IDPROP_READ:
    case M_IDPROP_WRITE:
        if (arg0)
            py_record(h->access, idprop_var(self, arg0), -1);
        break;
    case M_PATH_RESOLVE: {
        /* coerce=False returns the property wrapper: reading it comes later */
        PyObject *coerce = PyTuple_GET_SIZE(args) > 1 ? PyTuple_GET_ITEM(args, 1) : Py_True;
        if (arg0 && PyObject_IsTrue(coerce) == 1)
            py_record(TR_READ, struct_attr_var(self, arg0), -1);
        PyErr_Clear();
        break;
    }
    case M_COLL_READ:
    case M_ARRAY_READ:
    case M_ARRAY_WRITE:
        py_record(h->access, prop_var(self), -1);
        break;
    case M_COLL_FOREACH:
        record_foreach(self, arg0, h->access);
        break;
    }
}

#define METHOD_WRAPPERS(i)                                                               \
    static PyObject *method_##i(PyObject *self, PyObject *args, PyObject *kw)            \
    {                                                                                    \
        struct method_hook *h = &method_hooks[i];                                        \
        int flags = h->def->ml_flags;                                                    \
        method_before(h, self, (flags & METH_NOARGS) ? NULL : args);                     \
        if (flags & METH_KEYWORDS)                                                       \
            return ((PyCFunctionWithKeywords)(void (*)(void))h->orig)(self, args, kw);   \
        return h->orig(self, args);                                                      \
    }
METHOD_WRAPPERS(0) METHOD_WRAPPERS(1) METHOD_WRAPPERS(2) METHOD_WRAPPERS(3)
METHOD_WRAPPERS(4) METHOD_WRAPPERS(5) METHOD_WRAPPERS(6) METHOD_WRAPPERS(7)
METHOD_WRAPPERS(8) METHOD_WRAPPERS(9) METHOD_WRAPPERS(10) METHOD_WRAPPERS(11)
METHOD_WRAPPERS(12) METHOD_WRAPPERS(13) METHOD_WRAPPERS(14) METHOD_WRAPPERS(15)
METHOD_WRAPPERS(16) METHOD_WRAPPERS(17) METHOD_WRAPPERS(18) METHOD_WRAPPERS(19)
METHOD_WRAPPERS(20) METHOD_WRAPPERS(21) METHOD_WRAPPERS(22) METHOD_WRAPPERS(23)
METHOD_WRAPPERS(24) METHOD_WRAPPERS(25)
static PyCFunctionWithKeywords method_wrappers[] = {
    method_0, method_1, method_2, method_3, method_4, method_5, method_6, method_7,
    method_8, method_9, method_10, method_11, method_12, method_13, method_14, method_15,
    method_16, method_17, method_18, method_19, method_20, method_21, method_22, method_23,
    method_24, method_25,
};
_Static_assert(sizeof method_wrappers / sizeof method_wrappers[0] == N_METHOD_HOOKS, "one wrapper per hook");

/* The PyMethodDef of a builtin function reached from _bpy by a dotted path
 * ("app.timers.register"); NULL if there is none. */
static PyMethodDef *module_function_def(const char *path)
{
    PyObject *mods = PyImport_GetModuleDict();
    PyObject *o = PyDict_GetItemString(mods, "_bpy");
    Py_XINCREF(o);
    char part[64];
    for (const char *p = path; o && *p;) {
        size_t n = strcspn(p, ".");
        snprintf(part, sizeof part, "%.*s", (int)n, p);
        PyObject *next = PyObject_GetAttrString(o, part);
        Py_DECREF(o);
        o = next;
        p += n + (p[n] == '.');
    }
    PyErr_Clear();
    PyMethodDef *d = o && PyCFunction_Check(o) ? ((PyCFunctionObject *)o)->m_ml : NULL;
    Py_XDECREF(o);
    return d;
}

static void install_methods(void)
{
    for (size_t i = 0; i < N_METHOD_HOOKS; i++) {
        struct method_hook *h = &method_hooks[i];
        PyTypeObject *t = h->type ? *h->type : NULL;
        PyMethodDef *d = NULL;
        if (h->type) {
            for (d = t ? t->tp_methods : NULL; d && d->ml_name && strcmp(d->ml_name, h->name) != 0; d++)
                ;
            if (d && !d->ml_name)
                d = NULL;
        } else {
            d = module_function_def(h->name);
        }
        const char *owner = h->type ? (t ? t->tp_name : "?") : "_bpy";
        if (!d) {
            bpr_warn_once(h->name, "%s.%s not found; its accesses are not recorded", owner, h->name);
            continue;
        }
        int kind = d->ml_flags & (METH_VARARGS | METH_KEYWORDS | METH_NOARGS | METH_O | METH_FASTCALL);
        if (kind != METH_VARARGS && kind != (METH_VARARGS | METH_KEYWORDS) && kind != METH_NOARGS &&
            kind != METH_O) {
            bpr_warn_once(h->name, "%s.%s has an unexpected calling convention; its accesses are not recorded",
                          owner, h->name);
            continue;
        }
        h->def = d;
        h->orig = d->ml_meth;
        /* Method descriptors and builtin functions point at this PyMethodDef
         * and read ml_meth at each call, so patching it reaches every caller. */
        d->ml_meth = (PyCFunction)(void (*)(void))method_wrappers[i];
    }
}

/* ---- bpy.ops: _bpy.ops.call(idname, ...) is a global write ---- */

static PyCFunction orig_ops_call;

/* An operator call named WHAT ("bpy.ops.object.select_all") begins: a global
 * coarse write at the caller's line, and the site of the windows it opens.
 * Returns the site to restore when it ends. */
static struct py_site op_call_begin(const char *what)
{
    uint32_t stack = py_stack_id(), what_id = py_string_id(what, -1);
    py_record_call(TRACE_LEVEL_GLOBAL, 0, stack, what_id);
    return py_site_enter(stack, what_id);
}

static PyObject *hook_ops_call(PyObject *self, PyObject *args)
{
    py_paths_may_change();   /* an operator may rename, reorder or undo */
    if (py_recording() && PyTuple_GET_SIZE(args) > 0 && PyUnicode_Check(PyTuple_GET_ITEM(args, 0))) {
        /* OBJECT_OT_select_all -> bpy.ops.object.select_all */
        const char *id = PyUnicode_AsUTF8(PyTuple_GET_ITEM(args, 0));
        char what[256] = "bpy.ops.";
        const char *ot = id ? strstr(id, "_OT_") : NULL;
        if (ot) {
            size_t o = strlen(what);
            for (const char *p = id; p < ot && o < 200; p++)
                what[o++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
            what[o++] = '.';
            snprintf(what + o, sizeof what - o, "%s", ot + 4);
        } else if (id) {
            snprintf(what + 8, sizeof what - 8, "%s", id);
        }
        PyErr_Clear();
        struct py_site prev = op_call_begin(what);
        PyObject *res = orig_ops_call(self, args);
        py_site_leave(prev);
        return res;
    }
    return orig_ops_call(self, args);
}

/* Blender 5.x: each operator is a BPyOpFunction object (made by
 * _bpy.ops.create_function) called through its type's tp_call; bpy/ops.py
 * no longer wraps it.  Its idname_py() is "object.select_all". */
static ternaryfunc orig_op_function_call;

static PyObject *hook_op_function_call(PyObject *self, PyObject *args, PyObject *kw)
{
    py_paths_may_change();   /* as hook_ops_call */
    if (!py_recording())
        return orig_op_function_call(self, args, kw);
    py_enter();
    PyObject *name = PyObject_CallMethod(self, "idname_py", NULL);
    py_leave();
    char what[256];
    const char *n = name && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
    snprintf(what, sizeof what, "bpy.ops.%s", n ? n : "?");
    Py_XDECREF(name);
    PyErr_Clear();
    struct py_site prev = op_call_begin(what);
    PyObject *res = orig_op_function_call(self, args, kw);
    py_site_leave(prev);
    return res;
}

static bool op_functions_pending;   /* 5.x: bpy.ops not importable yet */

static bool install_op_functions(void)
{
    PyObject *bpy = PyImport_ImportModule("bpy");
    PyObject *ops = bpy ? PyObject_GetAttrString(bpy, "ops") : NULL;
    PyObject *wm = ops ? PyObject_GetAttrString(ops, "wm") : NULL;
    PyObject *op = wm ? PyObject_GetAttrString(wm, "quit_blender") : NULL;
    PyTypeObject *t = op ? Py_TYPE(op) : NULL;
    bool ok = t && strcmp(t->tp_name, "BPyOpFunction") == 0 && t->tp_call &&
              !(t->tp_flags & Py_TPFLAGS_HAVE_VECTORCALL);
    if (ok && t->tp_call != hook_op_function_call) {
        orig_op_function_call = t->tp_call;
        t->tp_call = hook_op_function_call;
    }
    Py_XDECREF(op);
    Py_XDECREF(wm);
    Py_XDECREF(ops);
    Py_XDECREF(bpy);
    PyErr_Clear();
    return ok;
}

/* Called at audit events while the 5.x operator type is still to hook. */
void py_hooks_retry(void)
{
    if (op_functions_pending)
        op_functions_pending = !install_op_functions();
}

static void install_ops(void)
{
    PyObject *mods = PyImport_GetModuleDict();
    PyObject *bpy_c = PyDict_GetItemString(mods, "_bpy");
    PyObject *ops = bpy_c ? PyObject_GetAttrString(bpy_c, "ops") : NULL;
    PyObject *call = ops ? PyObject_GetAttrString(ops, "call") : NULL;
    if (call && PyCFunction_Check(call) &&
        (((PyCFunctionObject *)call)->m_ml->ml_flags & ~METH_COEXIST) == METH_VARARGS) {
        PyMethodDef *d = ((PyCFunctionObject *)call)->m_ml;
        orig_ops_call = d->ml_meth;
        d->ml_meth = hook_ops_call;
    } else if (ops && PyObject_HasAttrString(ops, "create_function")) {
        op_functions_pending = !install_op_functions();   /* retried until bpy.ops exists */
    } else {
        bpr_warn_once("ops", "neither _bpy.ops.call nor _bpy.ops.create_function found: bpy.ops calls are "
                             "not recorded");
    }
    PyErr_Clear();
    Py_XDECREF(call);
    Py_XDECREF(ops);
}

/* ---- bpy_struct subtypes: each holds its own copy of the slots ---- */

static void patch_struct_type(PyTypeObject *t)
{
    if (t->tp_getattro == orig_struct_getattro)
        t->tp_getattro = hook_struct_getattro;
    if (t->tp_setattro == orig_struct_setattro)
        t->tp_setattro = hook_struct_setattro;
    if (t->tp_as_mapping && t->tp_as_mapping->mp_subscript == orig_struct_subscript)
        t->tp_as_mapping->mp_subscript = hook_struct_subscript;
    if (t->tp_as_mapping && t->tp_as_mapping->mp_ass_subscript == orig_struct_ass_subscript)
        t->tp_as_mapping->mp_ass_subscript = hook_struct_ass_subscript;
    if (t->tp_as_sequence && t->tp_as_sequence->sq_contains == orig_struct_contains)
        t->tp_as_sequence->sq_contains = hook_struct_contains;
    PyType_Modified(t);
}

static void patch_coll_type(PyTypeObject *t)
{
    if (t->tp_as_mapping && t->tp_as_mapping->mp_subscript == orig_coll_subscript)
        t->tp_as_mapping->mp_subscript = hook_coll_subscript;
    if (t->tp_as_mapping && t->tp_as_mapping->mp_length == orig_coll_len)
        t->tp_as_mapping->mp_length = hook_coll_len;
    if (t->tp_as_sequence && t->tp_as_sequence->sq_item == orig_coll_item && orig_coll_item)
        t->tp_as_sequence->sq_item = hook_coll_item;
    if (t->tp_as_sequence && t->tp_as_sequence->sq_length == orig_coll_seq_len && orig_coll_seq_len)
        t->tp_as_sequence->sq_length = hook_coll_seq_len;
    if (t->tp_as_sequence && t->tp_as_sequence->sq_contains == orig_coll_contains && orig_coll_contains)
        t->tp_as_sequence->sq_contains = hook_coll_contains;
    if (t->tp_iter == orig_coll_iter)
        t->tp_iter = hook_coll_iter;
    if (t->tp_getattro == orig_coll_getattro)
        t->tp_getattro = hook_coll_getattro;
    PyType_Modified(t);
}

/* A subtype made after installation fills its slots from the slot wrappers
 * it finds in the MRO (CPython's update_one_slot takes their d_wrapped
 * function): point bpy_struct's wrappers at the hooks too. */
static void patch_wrapper(PyTypeObject *t, const char *name, void *orig, void *hook)
{
    PyObject *d = t->tp_dict ? PyDict_GetItemString(t->tp_dict, name) : NULL;
    if (d && Py_TYPE(d) == &PyWrapperDescr_Type && ((PyWrapperDescrObject *)d)->d_wrapped == orig)
        ((PyWrapperDescrObject *)d)->d_wrapped = hook;
}

static void walk_subclasses(PyTypeObject *t, void (*patch)(PyTypeObject *), int depth)
{
    patch(t);
    if (depth > 64)
        return;
    PyObject *subs = PyObject_CallMethod((PyObject *)t, "__subclasses__", NULL);
    if (!subs) {
        PyErr_Clear();
        return;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(subs); i++)
        walk_subclasses((PyTypeObject *)PyList_GET_ITEM(subs, i), patch, depth + 1);
    Py_DECREF(subs);
}

static PyTypeObject *bpy_type(PyObject *types, const char *name)
{
    PyObject *t = PyObject_GetAttrString(types, name);
    if (!t || !PyType_Check(t)) {
        PyErr_Clear();
        Py_XDECREF(t);
        return NULL;
    }
    Py_DECREF(t);   /* bpy.types keeps it alive */
    return (PyTypeObject *)t;
}

int py_install_rna_hooks(void)
{
    PyObject *mods = PyImport_GetModuleDict();
    PyObject *bpy = PyDict_GetItemString(mods, "bpy");
    PyObject *types = bpy ? PyObject_GetAttrString(bpy, "types") : NULL;
    if (!types) {
        PyErr_Clear();
        return -1;
    }
    type_struct = bpy_type(types, "bpy_struct");
    type_array = bpy_type(types, "bpy_prop_array");
    type_coll = bpy_type(types, "bpy_prop_collection");
    type_func = bpy_type(types, "bpy_func");
    Py_DECREF(types);
    if (!type_struct || !type_array || !type_coll || !type_func) {
        bpr_warn_once("types", "bpy.types lacks bpy_struct/bpy_prop_array/bpy_prop_collection/bpy_func: "
                               "RNA accesses are not recorded");
        return -1;
    }

    orig_struct_getattro = type_struct->tp_getattro;
    orig_struct_setattro = type_struct->tp_setattro;
    orig_struct_subscript = type_struct->tp_as_mapping ? type_struct->tp_as_mapping->mp_subscript : NULL;
    orig_struct_ass_subscript = type_struct->tp_as_mapping ? type_struct->tp_as_mapping->mp_ass_subscript : NULL;
    orig_struct_contains = type_struct->tp_as_sequence ? type_struct->tp_as_sequence->sq_contains : NULL;
    walk_subclasses(type_struct, patch_struct_type, 0);
    patch_wrapper(type_struct, "__getattribute__", orig_struct_getattro, hook_struct_getattro);
    patch_wrapper(type_struct, "__setattr__", orig_struct_setattro, hook_struct_setattro);
    patch_wrapper(type_struct, "__delattr__", orig_struct_setattro, hook_struct_setattro);
    patch_wrapper(type_struct, "__getitem__", orig_struct_subscript, hook_struct_subscript);
    patch_wrapper(type_struct, "__setitem__", orig_struct_ass_subscript, hook_struct_ass_subscript);
    patch_wrapper(type_struct, "__delitem__", orig_struct_ass_subscript, hook_struct_ass_subscript);
    patch_wrapper(type_struct, "__contains__", orig_struct_contains, hook_struct_contains);
    PyType_Modified(type_struct);

    PySequenceMethods *as = type_array->tp_as_sequence;
    PyMappingMethods *am = type_array->tp_as_mapping;
    if (as) {
        if ((orig_array_item = as->sq_item))
            as->sq_item = hook_array_item;
        if ((orig_array_ass_item = as->sq_ass_item))
            as->sq_ass_item = hook_array_ass_item;
        if ((orig_array_contains = as->sq_contains))
            as->sq_contains = hook_array_contains;
    }
    if (am) {
        if ((orig_array_subscript = am->mp_subscript))
            am->mp_subscript = hook_array_subscript;
        if ((orig_array_ass_subscript = am->mp_ass_subscript))
            am->mp_ass_subscript = hook_array_ass_subscript;
    }
    if ((orig_array_iter = type_array->tp_iter))
        type_array->tp_iter = hook_array_iter;
    PyType_Modified(type_array);

    PyMappingMethods *cm = type_coll->tp_as_mapping;
    PySequenceMethods *cs = type_coll->tp_as_sequence;
    orig_coll_subscript = cm ? cm->mp_subscript : NULL;
    orig_coll_len = cm ? cm->mp_length : NULL;
    orig_coll_item = cs ? cs->sq_item : NULL;
    orig_coll_seq_len = cs ? cs->sq_length : NULL;
    orig_coll_contains = cs ? cs->sq_contains : NULL;
    orig_coll_iter = type_coll->tp_iter;
    orig_coll_getattro = type_coll->tp_getattro;
    walk_subclasses(type_coll, patch_coll_type, 0);

    /* Blender 5.x gives bpy_func a vectorcall; with the type's flag off,
     * calls go through tp_call (hooked), whose PyVectorcall_Call still
     * finds each object's vectorcall without the flag. */
    if (type_func->tp_call && (type_func->tp_flags & Py_TPFLAGS_HAVE_VECTORCALL) &&
        type_func->tp_call == PyVectorcall_Call)
        type_func->tp_flags &= ~Py_TPFLAGS_HAVE_VECTORCALL;
    if (type_func->tp_call && !(type_func->tp_flags & Py_TPFLAGS_HAVE_VECTORCALL)) {
        orig_func_call = type_func->tp_call;
        type_func->tp_call = hook_func_call;
    } else {
        bpr_warn_once("func", "bpy_func has no call slot to hook: RNA function calls are not recorded");
    }
    install_methods();
    install_ops();
    return 0;
}

/* ---- RNA property names, cached per (StructRNA, name) ---- */

struct name_slot {
    void *srna;
    PyObject *name;      /* interned attribute name, kept alive */
    const char *ident;
    Py_ssize_t len;
    int is_prop;
};
static struct name_slot *names;
static size_t names_cap, names_used;

static size_t name_hash(void *srna, Py_hash_t h)
{
    return ((uintptr_t)srna >> 4) * 31u + (size_t)h;
}

bool py_is_rna_property(PyObject *self, PyObject *name, const char **ident, Py_ssize_t *len)
{
    if (!PyUnicode_Check(name))
        return false;
    void *srna = PYRNA_PTR(self)->type;
    Py_hash_t h = PyObject_Hash(name);
    if (names_used * 2 >= names_cap) {
        size_t ncap = names_cap ? names_cap * 2 : 4096;
        struct name_slot *ns = py_hot_table(ncap * sizeof *ns);
        if (!ns)
            return false;
        for (size_t i = 0; i < names_cap; i++)
            if (names[i].name) {
                size_t j = name_hash(names[i].srna, PyObject_Hash(names[i].name)) & (ncap - 1);
                while (ns[j].name)
                    j = (j + 1) & (ncap - 1);
                ns[j] = names[i];
            }
        py_own_table_free(names, names_cap * sizeof *names);
        names = ns;
        names_cap = ncap;
    }
    size_t i = name_hash(srna, h) & (names_cap - 1);
    while (names[i].name) {
        if (names[i].srna == srna &&
            (names[i].name == name || PyUnicode_Compare(names[i].name, name) == 0)) {
            *ident = names[i].ident;
            *len = names[i].len;
            return names[i].is_prop;
        }
        i = (i + 1) & (names_cap - 1);
    }
    /* First time this struct type meets this name: ask RNA. */
    int is_prop = 0;
    py_enter();
    PyObject *bl_rna = PyObject_GetAttrString(self, "bl_rna");
    PyObject *props = bl_rna ? PyObject_GetAttrString(bl_rna, "properties") : NULL;
    if (props)
        is_prop = PySequence_Contains(props, name) == 1;
    Py_XDECREF(props);
    Py_XDECREF(bl_rna);
    PyErr_Clear();
    py_leave();
    Py_INCREF(name);
    names[i].srna = srna;
    names[i].name = name;
    names[i].ident = PyUnicode_AsUTF8AndSize(name, &names[i].len);
    names[i].is_prop = is_prop && names[i].ident;
    names_used++;
    *ident = names[i].ident;
    *len = names[i].len;
    return names[i].is_prop;
}

/* ---- mathutils: the callbacks bpy_rna registers ----
 * A wrapped Vector/Euler/Matrix reads and writes its RNA data only through
 * mathutils_callbacks[cb_type]->get/set/get_index/set_index.  The array is
 * static in Blender's mathutils.c; it is found by its shape (docs). */

typedef int (*math_check_fn)(PyObject *);
typedef int (*math_get_fn)(PyObject *, int);
typedef int (*math_get_index_fn)(PyObject *, int, int);
struct math_callback {
    math_check_fn check;
    math_get_fn get, set;
    math_get_index_fn get_index, set_index;
};

#define N_RNA_CALLBACKS 2   /* bpy_rna registers the array (0) and matrix (1) callbacks first */
static struct math_callback orig_cb[N_RNA_CALLBACKS], hook_cb[N_RNA_CALLBACKS];

/* Only wrappers of RNA arrays: the callback slots bpy_rna registered. */
static inline PyObject *math_rna_user(PyObject *self)
{
    PyObject *user = MATH_CB_USER(self);
    return user && py_recording() && PyObject_TypeCheck(user, type_array) ? user : NULL;
}

/* After the original callback: USER (math_rna_user) and VAR (prop_before)
 * were found before it, when attr_gen was GEN; USER is NULL if recording
 * was off then. */
static void math_record(PyObject *self, uint8_t type, int64_t index, PyObject *user, uint32_t var, uint32_t gen)
{
    if (user ? py_recording() : (user = math_rna_user(self)) != NULL)
        py_record(type, AFTER(var, gen, prop_var(user)), index);
}

#define MATH_HOOKS(i)                                                                       \
    static int math_get_##i(PyObject *s, int sub)                                           \
    {                                                                                       \
        uint32_t gen = attr_gen;                                                            \
        PyObject *user = math_rna_user(s);                                                  \
        uint32_t var = user ? prop_before(user) : 0;                                        \
        int rc = orig_cb[i].get(s, sub);                                                    \
        if (rc != -1)                                                                       \
            math_record(s, TR_READ, -1, user, var, gen);                                    \
        return rc;                                                                          \
    }                                                                                       \
    static int math_set_##i(PyObject *s, int sub)                                           \
    {                                                                                       \
        uint32_t gen = attr_gen;                                                            \
        PyObject *user = math_rna_user(s);                                                  \
        uint32_t var = user ? prop_before(user) : 0;                                        \
        int rc = orig_cb[i].set(s, sub);                                                    \
        if (rc != -1)                                                                       \
            math_record(s, TR_WRITE, -1, user, var, gen);                                   \
        return rc;                                                                          \
    }                                                                                       \
    static int math_get_index_##i(PyObject *s, int sub, int idx)                            \
    {                                                                                       \
        uint32_t gen = attr_gen;                                                            \
        PyObject *user = math_rna_user(s);                                                  \
        uint32_t var = user ? prop_before(user) : 0;                                        \
        int rc = orig_cb[i].get_index(s, sub, idx);                                         \
        if (rc != -1)                                                                       \
            math_record(s, TR_READ, idx, user, var, gen);                                   \
        return rc;                                                                          \
    }                                                                                       \
    static int math_set_index_##i(PyObject *s, int sub, int idx)                            \
    {                                                                                       \
        uint32_t gen = attr_gen;                                                            \
        PyObject *user = math_rna_user(s);                                                  \
        uint32_t var = user ? prop_before(user) : 0;                                        \
        int rc = orig_cb[i].set_index(s, sub, idx);                                         \
        if (rc != -1)                                                                       \
            math_record(s, TR_WRITE, idx, user, var, gen);                                  \
        return rc;                                                                          \
    }
MATH_HOOKS(0)
MATH_HOOKS(1)

struct seg { uintptr_t lo, hi; int flags; };
struct exe_map {
    struct seg segs[16];
    int n;
    uintptr_t lo, hi;     /* hull of the segments */
    uintptr_t wlo, whi;   /* hull of the writable ones */
};

static int exe_segments(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct exe_map *m = data;
    for (int i = 0; i < info->dlpi_phnum && m->n < 16; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD)
            m->segs[m->n++] = (struct seg){info->dlpi_addr + ph->p_vaddr,
                                           info->dlpi_addr + ph->p_vaddr + ph->p_memsz, (int)ph->p_flags};
    }
    m->lo = m->wlo = UINTPTR_MAX;
    for (int i = 0; i < m->n; i++) {
        m->lo = m->segs[i].lo < m->lo ? m->segs[i].lo : m->lo;
        m->hi = m->segs[i].hi > m->hi ? m->segs[i].hi : m->hi;
        if (m->segs[i].flags & PF_W) {
            m->wlo = m->segs[i].lo < m->wlo ? m->segs[i].lo : m->wlo;
            m->whi = m->segs[i].hi > m->whi ? m->segs[i].hi : m->whi;
        }
    }
    return 1;   /* the first object is the executable */
}

static bool in_seg(const struct exe_map *m, uintptr_t p, int need)
{
    for (int i = 0; i < m->n; i++)
        if (p >= m->segs[i].lo && p + 8 <= m->segs[i].hi && (m->segs[i].flags & need) == need)
            return true;
    return false;
}

/* P points at what could be a registered Mathutils_Callback: five words in a
 * segment with the flags WHERE, at least three of them (the first three
 * always) pointers into code. */
static bool looks_like_callback(const struct exe_map *m, uintptr_t p, int where)
{
    /* most words of a data segment are no pointer into the executable: two
     * comparisons, before the segments are looked at (start-up time) */
    uintptr_t lo = where & PF_W ? m->wlo : m->lo, hi = where & PF_W ? m->whi : m->hi;
    if (p < lo || p >= hi || (p & 7) || !in_seg(m, p, where) || !in_seg(m, p + 32, where))
        return false;
    const uintptr_t *fn = (const uintptr_t *)p;
    int nonnull = 0;
    for (int i = 0; i < 5; i++) {
        if (fn[i] && !in_seg(m, fn[i], PF_X))
            return false;
        nonnull += fn[i] != 0;
    }
    return nonnull >= 3 && fn[0] && fn[1] && fn[2];
}

/* The executable's table of registered callbacks: in a writable segment,
 * at least two entries that look like callbacks (WHERE: see above), then
 * NULLs up to its 16th.  Sets *MATCHES to the number of such tables. */
static uintptr_t **find_callback_table(const struct exe_map *m, int where, int *matches)
{
    uintptr_t **found = NULL;
    *matches = 0;
    for (int s = 0; s < m->n; s++) {
        if (!(m->segs[s].flags & PF_W))
            continue;
        uintptr_t lo = (m->segs[s].lo + 7) & ~(uintptr_t)7;
        for (uintptr_t a = lo; a + 16 * 8 <= m->segs[s].hi; a += 8) {
            uintptr_t *arr = (uintptr_t *)a;
            if (!looks_like_callback(m, arr[0], where) || !looks_like_callback(m, arr[1], where))
                continue;
            if (a > lo && looks_like_callback(m, arr[-1], where))
                continue;
            /* registered callbacks, then NULLs up to the table's end */
            int k = 2;
            while (k < 16 && arr[k] && looks_like_callback(m, arr[k], where))
                k++;
            bool tail_null = true;
            for (int j = k; j < 16; j++)
                tail_null &= arr[j] == 0;
            if (!tail_null || k == 16)   /* a full table has no room: not ours */
                continue;
            found = (uintptr_t **)arr;
            (*matches)++;
        }
    }
    return found;
}

size_t py_math_cb_user = 32;

/* BaseMathObject's layout, by mathutils.Vector's size, checked on the 3D
 * cursor's location (its owner is the bpy_prop_array it wraps). */
static bool choose_math_layout(void)
{
    PyObject *mu = PyImport_ImportModule("mathutils");
    PyObject *vec = mu ? PyObject_GetAttrString(mu, "Vector") : NULL;
    Py_ssize_t size = vec && PyType_Check(vec) ? ((PyTypeObject *)vec)->tp_basicsize : -1;
    Py_XDECREF(vec);
    Py_XDECREF(mu);
    py_math_cb_user = size == 48 ? 32 : size == 40 ? 24 : 0;
    bool ok = py_math_cb_user != 0;
    PyObject *bpy = ok ? PyImport_ImportModule("bpy") : NULL;
    PyObject *ctx = bpy ? PyObject_GetAttrString(bpy, "context") : NULL;
    PyObject *scene = ctx ? PyObject_GetAttrString(ctx, "scene") : NULL;
    PyObject *cursor = scene && scene != Py_None ? PyObject_GetAttrString(scene, "cursor") : NULL;
    PyObject *loc = cursor ? PyObject_GetAttrString(cursor, "location") : NULL;
    PyObject *owner = loc ? PyObject_GetAttrString(loc, "owner") : NULL;
    if (loc && owner)
        ok = MATH_CB_USER(loc) == owner;
    Py_XDECREF(owner);
    Py_XDECREF(loc);
    Py_XDECREF(cursor);
    Py_XDECREF(scene);
    Py_XDECREF(ctx);
    Py_XDECREF(bpy);
    PyErr_Clear();
    if (!ok)
        bpr_warn_once("mathutils", "mathutils.Vector is %zd bytes, a layout bpyrace does not know: accesses "
                                   "through Vector/Euler/Matrix wrappers (obj.location.x = 1) are not recorded",
                      size);
    return ok;
}

int py_install_mathutils_hooks(void)
{
    if (!choose_math_layout())
        return -1;
    struct exe_map m = {0};
    dl_iterate_phdr(exe_segments, &m);
    /* Blender's callbacks are structs it registers by address, so they are
     * writable data (or RELRO data, in the same segment): looking only there
     * first leaves the pointers into code and read-only data untouched,
     * where reading five words behind each one faulted in pages of a 78 MB
     * executable (15 ms of start-up: docs/performance.md, "Fifteenth pass").
     * Any other layout gets the wider search. */
    int matches;
    uintptr_t **found = find_callback_table(&m, PF_R | PF_W, &matches);
    if (matches != 1)
        found = find_callback_table(&m, PF_R, &matches);
    if (matches != 1) {
        bpr_warn_once("mathutils", "mathutils callback table not found (%d candidates): accesses through "
                                   "Vector/Euler/Matrix wrappers (obj.location.x = 1) are not recorded", matches);
        return -1;
    }
    for (int i = 0; i < N_RNA_CALLBACKS; i++)
        orig_cb[i] = *(struct math_callback *)found[i];
    hook_cb[0] = (struct math_callback){orig_cb[0].check, math_get_0, math_set_0,
                                        orig_cb[0].get_index ? math_get_index_0 : NULL,
                                        orig_cb[0].set_index ? math_set_index_0 : NULL};
    hook_cb[1] = (struct math_callback){orig_cb[1].check, math_get_1, math_set_1,
                                        orig_cb[1].get_index ? math_get_index_1 : NULL,
                                        orig_cb[1].set_index ? math_set_index_1 : NULL};
    for (int i = 0; i < N_RNA_CALLBACKS; i++)
        found[i] = (uintptr_t *)&hook_cb[i];
    return 0;
}
