/* Interning of strings, Python stacks and variables, under the GIL.
 * Each is defined once in the trace (DEF_* records) and referred to by id,
 * so an access costs one 32-byte record however long its path or stack. */
#include "pyshim.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void *py_main_data;

/* Keys are hashed a word at a time: the per-access lookups (a stack's frames,
 * a variable's address and name) cost a few multiplies, where a byte-wise
 * FNV loop was a fifth of the recorder's work per access (docs/performance.md). */
static inline uint64_t mix(uint64_t h, uint64_t w)
{
    h = (h ^ w) * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    uint64_t w;
    for (; n >= 8; n -= 8, s += 8) {
        memcpy(&w, s, 8);
        h = mix(h, w);
    }
    w = 0;
    memcpy(&w, s, n);
    return mix(h, w ^ ((uint64_t)n << 56));
}
#define HASH0 1469598103934665603ull

/* ---- a minimal open-addressing map: 64-bit key hash -> entry ---- */
struct slot {
    uint64_t hash;     /* 0 = empty */
    uint32_t id;       /* (chains: the first variable the address owns, slot + 1) */
    uint32_t aux;      /* stack: in a bpy.ops call; var: the next variable of its owner (slot + 1, 0: none);
                          chains: the first variable whose data the address is */
    void *data;        /* var key parts, to tell collisions apart */
    void *owner;       /* var: the owning ID's address (py_forget_id) */
    char *ident;
    uint16_t kind;
    bool linked;        /* var: on its chains (var_link) */
    uint32_t next_data; /* var: the next variable of its data address (slot + 1, 0: none) */
};
struct map {
    struct slot *slots;
    size_t cap, used;
    size_t first_cap;   /* the first table's slots: a typical run never grows it */
    size_t tables;      /* tables made so far: a slot pointer from before a change is stale */
};

/* A zeroed table of N slots, out of the program's heap (own_memory.c). */
static struct slot *map_table(size_t n)
{
    return py_hot_table(n * sizeof(struct slot));
}

static struct map vars;
static void vars_relink(void);

/* A variable of a removed ID (py_forget_id): no key matches this address
 * again, and the slot keeps its hash so that the probe chains through it
 * stay intact until the table is made again, which leaves it out. */
#define DEAD_DATA ((void *)1)

static bool slot_dead(const struct map *m, const struct slot *s)
{
    return m == &vars && s->data == DEAD_DATA;
}

static struct slot *map_find(struct map *m, uint64_t h, bool (*eq)(const struct slot *, const void *),
                             const void *key)
{
    if (h == 0)
        h = 1;
    if (m->used * 2 >= m->cap) {
        /* Removed IDs' variables are left behind: the table follows the
         * variables in use, not every one a long session has made (a
         * helper object made and removed 10 times a second is 100,000
         * variables an hour), and is made again at the same size when
         * enough of it was theirs. */
        size_t live = 0;
        for (size_t i = 0; i < m->cap; i++)
            live += m->slots[i].hash && !slot_dead(m, &m->slots[i]);
        size_t ncap = !m->cap ? (m->first_cap ? m->first_cap : 1024) : live * 4 >= m->cap ? m->cap * 2 : m->cap;
        struct slot *ns = map_table(ncap);
        if (!ns)
            return NULL;
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->slots[i].hash)
                continue;
            if (slot_dead(m, &m->slots[i]))
                continue;   /* (its name is interned: kept) */
            size_t j = m->slots[i].hash & (ncap - 1);
            while (ns[j].hash)
                j = (j + 1) & (ncap - 1);
            ns[j] = m->slots[i];
        }
        py_own_table_free(m->slots, m->cap * sizeof *m->slots);
        m->slots = ns;
        m->cap = ncap;
        m->used = live;
        m->tables++;
        if (m == &vars)
            vars_relink();   /* (chains hold slot indices) */
    }
    size_t i = h & (m->cap - 1);
    while (m->slots[i].hash) {
        if (m->slots[i].hash == h && (!eq || eq(&m->slots[i], key)))
            return &m->slots[i];
        i = (i + 1) & (m->cap - 1);
    }
    m->slots[i].hash = h;   /* new: caller fills id */
    m->used++;
    return &m->slots[i];
}

/* The entry for H and KEY, or NULL: never claims a slot. */
static struct slot *map_lookup(const struct map *m, uint64_t h, bool (*eq)(const struct slot *, const void *),
                               const void *key)
{
    if (h == 0)
        h = 1;
    if (!m->cap)
        return NULL;
    for (size_t i = h & (m->cap - 1); m->slots[i].hash; i = (i + 1) & (m->cap - 1))
        if (m->slots[i].hash == h && (!eq || eq(&m->slots[i], key)))
            return &m->slots[i];
    return NULL;
}

/* ---- strings ---- */
static struct map strings = { .first_cap = 16384 };

static bool str_eq(const struct slot *s, const void *key) { return strcmp(s->ident, key) == 0; }

/* S's string id; *STORED (if given) its interned copy, kept for the process. */
static uint32_t intern_string(const char *s, Py_ssize_t len, const char **stored)
{
    char buf[512];
    if (len < 0)
        len = (Py_ssize_t)strlen(s);
    if (len >= (Py_ssize_t)sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, s, (size_t)len);
    buf[len] = 0;
    struct slot *e = map_find(&strings, hash_bytes(buf, (size_t)len, HASH0), str_eq, buf);
    if (!e)
        return 0;
    if (!e->id) {
        e->ident = py_own_strndup(buf, (size_t)len);
        e->id = bpr_new_string_id();
        bpr_emit_def(TR_DEF_STRING, 0, 0, e->id, len, buf, (size_t)len);
    }
    if (stored)
        *stored = e->ident;
    return e->ident ? e->id : 0;
}

uint32_t py_string_id(const char *s, Py_ssize_t len)
{
    return intern_string(s, len, NULL);
}

/* A property's name, interned, by the address of its text first: RNA's
 * identifiers are static strings, so every definition of `location` would
 * otherwise hash and compare the same text again.  The text is compared on
 * a hit (an address can be reused for another name: Python strings,
 * unregistered classes' properties). */
#define IDENT_MEMO 1024u
static struct ident_memo { const char *text, *stored; Py_ssize_t len; uint32_t sid; } *ident_memo;   /* IDENT_MEMO, hot region */

static uint32_t intern_ident(const char *ident, Py_ssize_t len, const char **stored)
{
    __typeof__(ident_memo[0]) *m = &ident_memo[((uintptr_t)ident >> 3) * 0x9e3779b97f4a7c15ull >> 54];
    if (m->text == ident && m->len == len && memcmp(m->stored, ident, (size_t)len) == 0) {
        *stored = m->stored;
        return m->sid;
    }
    uint32_t sid = intern_string(ident, len, stored);
    if (sid && *stored && (Py_ssize_t)strlen(*stored) == len)   /* (not cut to the buffer) */
        *m = (__typeof__(*m)){ident, *stored, len, sid};
    return sid;
}

static uint32_t unicode_id(PyObject *u)
{
    Py_ssize_t n;
    const char *s = u && PyUnicode_Check(u) ? PyUnicode_AsUTF8AndSize(u, &n) : NULL;
    if (!s) {
        PyErr_Clear();
        return py_string_id("?", 1);
    }
    return py_string_id(s, n);
}

/* ---- stacks: keyed by the (code, instruction) pairs of the top frames ---- */
static struct map stacks = { .first_cap = 4096 };
/* The last stack ids by hash, ahead of the map (every access asks). */
#define STACK_MEMO 4096u
static struct stack_memo { uint64_t hash; uint32_t id; bool in_ops; } *stack_memo;   /* STACK_MEMO, hot region */

static bool code_in_file(PyCodeObject *code, const char *suffix)
{
    Py_ssize_t n;
    const char *file = PyUnicode_AsUTF8AndSize(py_code_filename(code), &n);
    size_t m = strlen(suffix);
    if (!file) {
        PyErr_Clear();
        return false;
    }
    return (size_t)n >= m && strcmp(file + n - m, suffix) == 0;
}

/* Frames of bpy/ops.py, the wrapper every bpy.ops call goes through (with
 * its view-layer update), are left off the top of a stack: the operator's
 * site is the caller's line. */
#define OPS_WRAPPER "/bpy/ops.py"
#define POOL_HOOKS "/bpyrace_pools.py"

static uint32_t stack_id_of(PyThreadState *ts, bool *in_ops);

uint32_t py_stack_id(void)
{
    return stack_id_of(py_tstate(), NULL);
}

uint32_t py_stack_id_ex(bool *in_ops)
{
    return stack_id_of(py_tstate(), in_ops);
}

/* The last walks, by their innermost frame and instruction.  A loop's
 * accesses come from a few lines whose callers stay where they are: a walk
 * that meets every frame of one of these as it was (the same frame, code
 * and instruction pointer at each level, and the chain's end where it
 * ended) has the same stack, and skips the frames' completeness tests, the
 * hash and the memo, most of the cost of an access's stack
 * (docs/performance.md).  Used under the GIL only. */
#define WALK_LEVELS 12   /* frames walked, incomplete ones included */
#define WALK_CACHE_BITS 8   /* 256 walks: with 32, seven lines of a loop shared a slot in
                               about half of all layouts, and two lines sharing one missed
                               on every pass (docs/performance.md, "Thirteenth pass") */
#define WALK_CACHE (1u << WALK_CACHE_BITS)
static struct walk {
    uint8_t n;           /* levels; 0: empty */
    bool ended;          /* the walk met the chain's end after them (not the depth) */
    bool in_ops;
    uint32_t id;
    struct { const void *f, *code, *instr; } lv[WALK_LEVELS];
} *walk_cache;   /* WALK_CACHE, hot region */

static inline struct walk *walk_slot(const void *f, const void *instr)
{
    return &walk_cache[(((uintptr_t)f ^ (uintptr_t)instr) * 0x9e3779b97f4a7c15ull) >> (64 - WALK_CACHE_BITS)];
}

static inline const void *frame_code_raw(const void *f)
{
    return PY_AT(f, py_in->f_code, const void *);
}

/* W's stack id if the thread's frames from F on are still W's, else 0. */
static inline uint32_t walk_hit(const struct walk *w, const void *f)
{
    int i = 0;
    for (; i < w->n; i++, f = py_frame_previous(f)) {
        if (!f || f != w->lv[i].f || frame_code_raw(f) != w->lv[i].code ||
            PY_AT(f, py_in->f_instr, const void *) != w->lv[i].instr)
            return 0;
    }
    return i && (!w->ended || !f) ? w->id : 0;
}

/* Keep SEEN (a whole walk, unless it was too deep) in W, with its result. */
static inline void walk_keep(struct walk *w, const struct walk *seen, bool whole, uint32_t id, bool in_ops)
{
    if (!whole || !id)
        return;
    /* (its levels only: a whole entry is 296 bytes, most walks one or two levels) */
    memcpy(w->lv, seen->lv, sizeof seen->lv[0] * seen->n);
    w->ended = seen->ended;
    w->in_ops = in_ops;
    w->id = id;
    w->n = seen->n;
}

/* The stack of TS (the calling thread's, which the caller has at hand) */
static uint32_t stack_id_of(PyThreadState *ts, bool *in_ops)
{
    static int depth;   /* the option is read once, at start-up */
    if (!depth)
        depth = bpr_stack_depth();
    const void *top = py_current_frame_of(ts);
    if (!top)
        return 0;
    struct walk *w = walk_slot(top, PY_AT(top, py_in->f_instr, const void *));
    uint32_t hit = walk_hit(w, top);
    if (hit) {
        if (in_ops)
            *in_ops = w->in_ops;
        return hit;
    }
    const void *frames[64];
    struct walk seen;   /* (levels filled as walked: n says how many) */
    seen.n = 0;
    bool keep = true;
    int n = 0;
    uint64_t h = HASH0;
    const void *f = top;
    for (; f && n < depth; f = py_frame_previous(f)) {
        if (seen.n < WALK_LEVELS)
            seen.lv[seen.n++] = (__typeof__(seen.lv[0])){f, frame_code_raw(f), PY_AT(f, py_in->f_instr, const void *)};
        else
            keep = false;
        PyCodeObject *code = py_frame_code_if_complete(f);
        if (!code)
            continue;
        frames[n++] = f;
        /* (code, instruction pointer) names the line as (code, lasti) does,
         * without lasti's division */
        h = mix(mix(h, (uintptr_t)code), (uintptr_t)PY_AT(f, py_in->f_instr, const char *));
    }
    if (n == 0)
        return 0;
    seen.ended = !f;
    if (h == 0)
        h = 1;   /* (as map_find) */
    __typeof__(stack_memo[0]) *memo = &stack_memo[(h >> 32) % STACK_MEMO];
    if (memo->hash == h) {
        if (in_ops)
            *in_ops = memo->in_ops;
        walk_keep(w, &seen, keep, memo->id, memo->in_ops);
        return memo->id;
    }
    struct slot *e = map_find(&stacks, h, NULL, NULL);
    if (!e)
        return 0;
    if (!e->id) {
        struct trace_frame tf[64];
        int skip = 0;
        while (skip < n - 1 && code_in_file(py_frame_code(frames[skip]), OPS_WRAPPER))
            skip++;
        e->aux = skip > 0;
        /* bpyrace's own pool hooks are never the program's frames */
        int kept = 0;
        for (int i = skip; i < n; i++) {
            bool last_chance = kept == 0 && i == n - 1;   /* never an empty stack */
            if (last_chance || !code_in_file(py_frame_code(frames[i]), POOL_HOOKS))
                frames[kept++] = frames[i];
        }
        n = kept;
        for (int i = 0; i < n; i++) {
            PyCodeObject *code = py_frame_code(frames[i]);
            tf[i] = (struct trace_frame){unicode_id(py_code_filename(code)), unicode_id(py_code_name(code)),
                                         py_frame_line(frames[i]), 0};
        }
        e->id = bpr_new_stack_id();
        bpr_emit_def(TR_DEF_STACK, 0, 0, e->id, n, tf, sizeof(struct trace_frame) * (size_t)n);
    }
    memo->hash = h;
    memo->id = e->id;
    memo->in_ops = e->aux;
    if (in_ops)
        *in_ops = e->aux;
    walk_keep(w, &seen, keep, e->id, e->aux);
    return e->id;
}

PyObject *py_frame_self(const char *func, const char *suffix, int depth)
{
    for (const void *f = py_current_frame(); f && depth > 0; f = py_frame_previous(f)) {
        if (py_frame_incomplete(f))
            continue;
        depth--;
        PyCodeObject *code = py_frame_code(f);
        if (py_code_argcount(code) >= 1 && PyUnicode_CompareWithASCIIString(py_code_name(code), func) == 0 &&
            code_in_file(code, suffix))
            return py_frame_local0(f);
    }
    return NULL;
}

/* ---- variables ---- */
static struct map vars = { .first_cap = 16384 };

/* Per address, its variables, in a map of their own keyed by the address
 * (data): the first variable it owns (id) and the first whose data it is
 * (aux), as slot + 1, the rest linked through the variables' slots (aux,
 * next_data).  Removing an ID visits that ID's variables only: a sweep of
 * the whole table, as before, cost about 40 us per removal in a session of
 * 10,000 variables, and grew with every variable the session ever made.
 * Entries stay (an address can come back as a new ID's); a variable's index
 * stays valid until the variable table is made again, when every chain is
 * made again. */
static struct map chains = { .first_cap = 4096 };

static bool chain_eq(const struct slot *s, const void *key) { return s->data == key; }

/* The hash of KEY's chain heads (chain_of, py_var_prefetch). */
static inline uint64_t chain_hash(const void *key)
{
    return mix(HASH0, (uintptr_t)key);
}

/* KEY's chain heads, made when ADD; NULL if none (or out of memory). */
static struct slot *chain_of(void *key, bool add)
{
    uint64_t h = chain_hash(key);
    if (!add)
        return map_lookup(&chains, h, chain_eq, key);
    struct slot *c = map_find(&chains, h, chain_eq, key);
    if (c)
        c->data = key;
    return c;
}

/* Put slot I (its data and owner set) on its owner's and its data's chains.
 * A chain that cannot be grown (out of memory) leaves the slot off it: its
 * ID's removal then keeps the variable (a stale name, never a crash). */
static void var_link(size_t i)
{
    struct slot *s = &vars.slots[i], *c;
    if (s->linked)
        return;   /* (a definition retried: linked twice, a chain would loop) */
    s->linked = true;
    s->aux = s->next_data = 0;
    if (s->owner && (c = chain_of(s->owner, true))) {
        s->aux = c->id;
        c->id = (uint32_t)i + 1;
    }
    if (s->data && s->data != DEAD_DATA && (c = chain_of(s->data, true))) {
        s->next_data = c->aux;
        c->aux = (uint32_t)i + 1;
    }
}

static void vars_relink(void)
{
    for (size_t i = 0; i < chains.cap; i++)
        chains.slots[i].id = chains.slots[i].aux = 0;
    for (size_t i = 0; i < vars.cap; i++)
        vars.slots[i].linked = false;
    for (size_t i = 0; i < vars.cap; i++)
        if (vars.slots[i].hash && (vars.slots[i].owner || (vars.slots[i].data && vars.slots[i].data != DEAD_DATA)))
            var_link(i);
}

struct var_key {
    void *data;
    uint16_t kind;
    const char *ident;
    size_t len;
};

static bool var_eq(const struct slot *s, const void *key)
{
    const struct var_key *k = key;
    return s->data == k->data && s->kind == k->kind &&
           ((!s->ident && !k->ident) ||
            (s->ident && k->ident && strncmp(s->ident, k->ident, k->len) == 0 && s->ident[k->len] == 0));
}

/* Blender's repr writes bpy.data.objects['Cube']; reports use the Python
 * expression with double quotes, bpy.data.objects["Cube"]. */
static void requote(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    bool in_name = false;
    for (const char *p = in; *p && o + 3 < cap; p++) {
        if (!in_name && p[0] == '[' && p[1] == '\'') {
            out[o++] = '[';
            out[o++] = '"';
            p++;
            in_name = true;
        } else if (in_name && p[0] == '\\' && p[1]) {
            if (p[1] == '"')
                out[o++] = '\\';
            out[o++] = p[1];
            p++;
        } else if (in_name && p[0] == '\'' && p[1] == ']') {
            out[o++] = '"';
            in_name = false;
        } else if (in_name && p[0] == '"') {
            out[o++] = '\\';
            out[o++] = '"';
        } else {
            out[o++] = *p;
        }
    }
    out[o] = 0;
}

static void path_join(char *out, size_t cap, const char *base, const char *sep, const char *ident,
                      size_t len, const char *close);

#define ID_NAME_OFFSET 40   /* ID.name: two-letter type code, then the name (docs/blender-internals.md) */
#define ID_NAME_SIZE 66
#define ID_LIB_OFFSET 24    /* ID.lib, NULL unless linked (after ID.next and ID.prev at 0 and 8) */

/* The bpy.data path of an ID from the ID itself, for callers without a
 * Python object for it (an RNA function's self): ID.name (offset 40 in
 * Blender 3.4, docs/blender-internals.md) starts with a two-letter type
 * code.  Unknown codes give no path rather than a wrong one. */
static bool id_path_from_name(const void *id, char *out, size_t cap)
{
    static const struct { char code[3]; const char *coll; } codes[] = {
        {"OB", "objects"}, {"ME", "meshes"}, {"SC", "scenes"}, {"CA", "cameras"}, {"LA", "lights"},
        {"MA", "materials"}, {"IM", "images"}, {"WO", "worlds"}, {"TE", "textures"},
        {"NT", "node_groups"}, {"AC", "actions"}, {"GR", "collections"}, {"CU", "curves"},
        {"MB", "metaballs"}, {"LT", "lattices"}, {"AR", "armatures"}, {"KE", "shape_keys"},
        {"TX", "texts"}, {"SO", "sounds"}, {"SK", "speakers"}, {"LP", "lightprobes"},
        {"VF", "fonts"}, {"WM", "window_managers"}, {"SR", "screens"}, {"WS", "workspaces"},
        {"BR", "brushes"}, {"PA", "particles"}, {"PL", "palettes"}, {"PC", "paint_curves"},
        {"MC", "movieclips"}, {"MS", "masks"}, {"LS", "linestyles"}, {"CF", "cache_files"},
        {"GD", "grease_pencils"}, {"CV", "hair_curves"}, {"PT", "pointclouds"}, {"VO", "volumes"},
    };
    const char *name = (const char *)id + ID_NAME_OFFSET;
    if (memchr(name, 0, ID_NAME_SIZE) == NULL)
        return false;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (name[0] == codes[i].code[0] && name[1] == codes[i].code[1]) {
            char quoted[200];
            size_t o = 0;
            for (const char *p = name + 2; *p && o + 2 < sizeof quoted; p++) {
                if (*p == '"' || *p == '\\')
                    quoted[o++] = '\\';
                quoted[o++] = *p;
            }
            quoted[o] = 0;
            char base[32];
            path_join(base, sizeof base, "bpy.data.", "", codes[i].coll, strlen(codes[i].coll), "");
            path_join(out, cap, base, "[\"", quoted, o, "\"]");   /* (snprintf: ten times the cost) */
            return true;
        }
    return false;
}

/* An ID's path without its repr (about 5,000 instructions in Blender and
 * libpython, for every new object and again after every operator, which
 * may rename: docs/performance.md, "Ninth pass"): Blender names an
 * original, local ID bpy.data.<collection>['<name>'], which requote turns
 * into bpy.data.<collection>["<name>"], as id_path_from_name writes it.
 * Only for an ID that is on a list of bpy.data with other IDs (an evaluated
 * copy, an embedded ID or one alone on its list is named by its repr), not
 * linked from a library, with a name of plain characters (no quote,
 * backslash or anything Python's repr would escape).  Each struct type's
 * first CALIBRATE answers are compared with the repr: one difference and
 * that type is named by its repr from then on (a Blender whose ID layout or
 * names differ loses the shortcut, never the names).  Under the GIL. */
#define DIRECT_TYPES 64
#define CALIBRATE 2
static struct direct_type { const void *srna; int agreed; bool bad; } direct_types[DIRECT_TYPES];

static bool id_name_plain(const void *id)
{
    const unsigned char *name = (const unsigned char *)id + ID_NAME_OFFSET;
    int n = 0;
    for (; n < ID_NAME_SIZE && name[n]; n++)
        if (name[n] < 0x20 || name[n] > 0x7e || name[n] == '\\' || name[n] == '\'' || name[n] == '"')
            return false;
    return n > 2 && n < ID_NAME_SIZE;
}

/* OBJ's path into OUT when OBJ is an ID that can be named directly. */
static bool id_path_direct(PyObject *obj, char *out, size_t cap)
{
    struct rna_pointer *ptr = PYRNA_PTR(obj);
    const void *id = ptr->data;
    if (!id || id != ptr->owner_id)
        return false;
    const void *const *links = id;   /* ID.next, ID.prev */
    if ((!links[0] && !links[1]) || *(const void *const *)((const char *)id + ID_LIB_OFFSET) ||
        !id_name_plain(id))
        return false;
    return id_path_from_name(id, out, cap);
}

/* The calibration of struct type SRNA (added when new); NULL when full. */
static struct direct_type *direct_type_of(const void *srna)
{
    size_t i = (((uintptr_t)srna >> 4) * 0x9e3779b97f4a7c15ull) >> 58;
    for (size_t probe = 0; probe < DIRECT_TYPES; probe++, i = (i + 1) % DIRECT_TYPES) {
        if (!direct_types[i].srna)
            direct_types[i].srna = srna;
        if (direct_types[i].srna == srna)
            return &direct_types[i];
    }
    return NULL;
}

/* The bpy path of a struct (PATH_STRUCT) or of a property (PATH_PROPERTY). */
static void object_path(PyObject *obj, enum py_path_source src, char *out, size_t cap)
{
    out[0] = 0;
    if (!obj)
        return;
    struct rna_pointer *ptr = PYRNA_PTR(obj);
    if (src == PATH_STRUCT && ptr->data == py_main_data) {
        snprintf(out, cap, "bpy.data");
        return;
    }
    if (src == PATH_PROPERTY && ptr->data == py_main_data) {
        snprintf(out, cap, "bpy.data.%s", RNA_PROP_IDENTIFIER(PYRNA_PROP(obj)));
        return;
    }
    char direct[512];
    struct direct_type *dt = src == PATH_STRUCT && id_path_direct(obj, direct, sizeof direct)
                                 ? direct_type_of(ptr->type) : NULL;
    if (dt && dt->bad)
        dt = NULL;
    if (dt && dt->agreed >= CALIBRATE) {
        size_t n = strlen(direct);
        n = n < cap ? n : cap - 1;
        memcpy(out, direct, n);
        out[n] = 0;
        return;
    }
    PyObject *r = PyObject_Repr(obj);
    const char *s = r ? PyUnicode_AsUTF8(r) : NULL;
    if (s && strncmp(s, "<bpy_struct, Context", 20) == 0) {
        snprintf(out, cap, "bpy.context");
    } else if (s && s[0] == '<') {
        /* Not reachable from bpy.data and no owning ID (preferences, RNA
         * definitions): "<bpy_struct, Preferences at 0x...>" -> Preferences,
         * "<bpy_collection[53], Struct.properties>" -> Struct.properties.
         * Never the address: names must be the same from run to run. */
        const char *name = strstr(s, ", ");
        name = name ? name + 2 : s + 1;
        size_t n = strcspn(name, " >");
        snprintf(out, cap, "%.*s", (int)n, name);
    } else if (s) {
        requote(s, out, cap);
    } else {
        PyErr_Clear();
    }
    Py_XDECREF(r);
    if (dt) {   /* calibrating: the same as the repr's, or never again for this type */
        if (strcmp(direct, out) == 0)
            dt->agreed++;
        else
            dt->bad = true;
    }
}

/* OUT = BASE SEP IDENT[LEN] CLOSE, cut to CAP (snprintf's %s costs ten times
 * more, on every variable's first access). */
static void path_join(char *out, size_t cap, const char *base, const char *sep, const char *ident,
                      size_t len, const char *close)
{
    const char *parts[4] = {base, sep, ident, close};
    size_t lens[4] = {strlen(base), strlen(sep), ident ? len : 0, strlen(close)};
    size_t o = 0;
    for (int i = 0; i < 4; i++) {
        size_t n = lens[i] < cap - 1 - o ? lens[i] : cap - 1 - o;
        memcpy(out + o, parts[i] ? parts[i] : "", n);
        o += n;
    }
    out[o] = 0;
}

/* ---- struct paths, memoized ----
 * Naming a struct costs a repr (about 5,000 instructions), and a struct's
 * variables are usually defined one after another (ob.location, ob.scale,
 * ob["weight"]): they reuse its path while no path can have changed.  A
 * Python program changes paths only by renaming (a write of a `name`
 * property), through RNA functions and operators (remove, move, rename,
 * undo) and by removing IDs; each of those calls py_paths_may_change, which
 * empties the memo.  An ID's own path (bpy.data.objects["Cube"]) depends on
 * its name and library only: RNA functions that cannot change either (new,
 * link, frame_set, ...: hooks.c) leave it (py_struct_paths_may_change), so
 * a loop that creates and links objects does not name every object again.
 * Used under the GIL only. */
#define PATH_MEMO_BITS 11
#define PATH_MEMO (1u << PATH_MEMO_BITS)
#define PATH_MEMO_LEN 512u   /* longest path kept (py_string_id's limit) */
static struct path_memo {
    void *data, *type;
    PyTypeObject *pytype;
    uint32_t gen;          /* valid while path_gen (an ID's: id_path_gen) is this */
    uint32_t sid;          /* the path's string id */
    const char *path;      /* ... and its interned text */
    uint32_t owner_var;    /* the struct's owner ID's variable, 0 not known yet (an ID's
                            * removal empties the memo, so it cannot go stale) */
} *path_memo;   /* PATH_MEMO, hot region */
static uint32_t path_gen = 1, id_path_gen = 1;

void py_paths_may_change(void)
{
    path_gen++;
    id_path_gen++;
}

void py_struct_paths_may_change(void)
{
    path_gen++;
}

static struct path_memo *path_memo_slot(PyObject *obj)
{
    struct rna_pointer *ptr = PYRNA_PTR(obj);
    uint64_t k = ((uint64_t)(uintptr_t)ptr->data ^ ((uint64_t)(uintptr_t)ptr->type << 5)) * 0x9e3779b97f4a7c15ull;
    return &path_memo[k >> (64 - PATH_MEMO_BITS)];
}

/* The memo entry that names OBJ's struct, its path interned; NULL when the
 * path is too long to keep (the caller names the struct itself). */
static const struct path_memo *struct_path_memo(PyObject *obj)
{
    struct rna_pointer *ptr = PYRNA_PTR(obj);
    struct path_memo *m = path_memo_slot(obj);
    uint32_t gen = ptr->data && ptr->data == ptr->owner_id ? id_path_gen : path_gen;
    if (m->gen == gen && m->data == ptr->data && m->type == ptr->type && m->pytype == Py_TYPE(obj))
        return m;
    char path[PATH_MEMO_LEN];
    object_path(obj, PATH_STRUCT, path, sizeof path);
    size_t n = strlen(path);
    if (n + 1 >= PATH_MEMO_LEN)   /* (maybe cut) */
        return NULL;
    const char *stored;
    uint32_t sid = intern_string(path, (Py_ssize_t)n, &stored);
    if (!sid)
        return NULL;
    *m = (struct path_memo){ptr->data, ptr->type, Py_TYPE(obj), gen, sid, stored, 0};
    return m;
}

static void struct_path(PyObject *obj, char *out, size_t cap)
{
    const struct path_memo *m = struct_path_memo(obj);
    if (m && strlen(m->path) < cap)
        memcpy(out, m->path, strlen(m->path) + 1);
    else
        object_path(obj, PATH_STRUCT, out, cap);
}

/* bpy.data.objects["Cube"].modifiers["M"].x -> bpy.data.objects["Cube"] */
static bool id_prefix(const char *path, char *out, size_t cap)
{
    if (strncmp(path, "bpy.data.", 9) != 0)
        return false;
    const char *open = strstr(path, "[\"");
    if (!open)
        return false;
    const char *p = open + 2;
    while (*p && !(p[0] == '"' && p[1] == ']'))
        p += (p[0] == '\\' && p[1]) ? 2 : 1;
    if (!*p)
        return false;
    size_t n = (size_t)(p + 2 - path);
    if (n >= cap)
        return false;
    memcpy(out, path, n);
    out[n] = 0;
    return true;
}

/* A variable named PATH (whose string id is SID, 0: not interned yet). */
static uint32_t define_var(uint16_t kind, const char *path, uint32_t sid, uint32_t owner)
{
    uint32_t id = bpr_new_var_id();
    if (!sid)
        sid = py_string_id(path, -1);
    bpr_emit_def(TR_DEF_VAR, kind, owner, id, sid, NULL, 0);
    return id;
}

/* The hashes of variable keys: a property's (KIND, DATA, IDENT) and an ID's
 * own (py_var, the ID lookups, py_var_prefetch). */
static inline uint64_t var_hash(uint16_t kind, const void *data, const char *ident, Py_ssize_t len)
{
    return hash_bytes(ident, (size_t)len, hash_bytes(&data, sizeof data, kind));
}

static inline uint64_t id_var_hash(const void *owner_id)
{
    return hash_bytes(&owner_id, sizeof owner_id, 7);
}

/* OWNER_ID's variable if it has one, else 0 (nothing is defined). */
static uint32_t id_var_known(void *owner_id)
{
    struct var_key k = {owner_id, TRACE_VAR_ID, NULL, 0};
    const struct slot *e = map_lookup(&vars, id_var_hash(owner_id), var_eq, &k);
    return e ? e->id : 0;
}

/* OWNER_ID's variable, defined with the ID prefix of PATH (a path inside
 * it) if it has none yet; 0 without an ID or a prefix. */
static uint32_t id_var_from_path(void *owner_id, const char *path, uint32_t path_sid)
{
    char idpath[1024];
    if (!owner_id)
        return 0;
    uint32_t known = id_var_known(owner_id);   /* (no path to parse) */
    if (known || !id_prefix(path, idpath, sizeof idpath))
        return known;
    struct var_key k = {owner_id, TRACE_VAR_ID, NULL, 0};
    struct slot *e = map_find(&vars, id_var_hash(owner_id), var_eq, &k);
    if (!e)
        return 0;
    if (!e->id) {
        e->data = owner_id;
        e->owner = owner_id;
        e->kind = TRACE_VAR_ID;
        var_link((size_t)(e - vars.slots));
        /* (PATH is the ID's own path when the struct is the ID: its id is at hand) */
        e->id = define_var(TRACE_VAR_ID, idpath, strcmp(idpath, path) == 0 ? path_sid : 0, 0);
    }
    return e->id;
}

uint32_t py_id_var(void *owner_id, PyObject *obj, enum py_path_source src)
{
    if (!owner_id)
        return 0;
    uint32_t known = id_var_known(owner_id);
    if (known)
        return known;
    char path[1024];
    path[0] = 0;
    if (obj) {
        py_enter();
        if (src == PATH_STRUCT)
            struct_path(obj, path, sizeof path);
        else
            object_path(obj, src, path, sizeof path);
        py_leave();
    } else if (!id_path_from_name(owner_id, path, sizeof path)) {
        return 0;
    }
    return id_var_from_path(owner_id, path, 0);
}

/* A property's or ID property's variable named by its struct's path and its
 * own name (TRACE_VAR_JOINED): both are interned once, where a whole path
 * would be a new string for every variable, the bulk of a definition's cost
 * (docs/performance.md).  0 when the struct's path is not memoized. */
static uint32_t define_joined_var(uint16_t kind, void *owner_id, uint32_t isid, PyObject *obj)
{
    py_enter();
    struct path_memo *m = (struct path_memo *)struct_path_memo(obj);
    py_leave();
    if (!m)
        return 0;
    bool own = owner_id == PYRNA_PTR(obj)->owner_id;   /* (M's owner ID) */
    uint32_t owner = own ? m->owner_var : 0;
    if (!owner)
        owner = id_var_from_path(owner_id, m->path, m->sid);   /* (no path memo use: M stays) */
    if (own)
        m->owner_var = owner;
    uint32_t id = bpr_new_var_id();
    bpr_emit_def(TR_DEF_VAR, kind, owner, id, TRACE_VAR_JOINED(m->sid, isid), NULL, 0);
    return id;
}

uint32_t py_var(uint16_t kind, void *data, void *owner_id, const char *ident, Py_ssize_t len,
                PyObject *obj, enum py_path_source src)
{
    struct var_key k = {data, kind, ident, (size_t)len};
    uint64_t h = var_hash(kind, data, ident, len);
    struct slot *e = map_find(&vars, h, var_eq, &k);
    if (!e)
        return 0;
    if (e->id)
        return e->id;
    e->data = data;
    e->owner = owner_id;
    e->kind = kind;
    var_link((size_t)(e - vars.slots));   /* (before anything that can grow the table) */
    /* The key keeps the interned copy of the name (kept for the process: a
     * removed ID's variables drop their slots, not the name), or a copy of
     * its own for a name too long to intern. */
    const char *stored = NULL;
    uint32_t isid = ident && len < 511 ? intern_ident(ident, len, &stored) : 0;
    e->ident = stored ? (char *)stored : ident ? py_own_strndup(ident, (size_t)len) : NULL;
    bool joined = isid && src == PATH_STRUCT && obj && (kind == TRACE_VAR_PROPERTY || kind == TRACE_VAR_IDPROP);
    size_t tables = vars.tables;
    uint32_t id = joined ? define_joined_var(kind, owner_id, isid, obj) : 0;
    if (!id) {
        char base[1024], path[1200];
        py_enter();
        if (src == PATH_STRUCT && obj)
            struct_path(obj, base, sizeof base);
        else
            object_path(obj, src, base, sizeof base);
        py_leave();
        if (src == PATH_PROPERTY)
            path_join(path, sizeof path, base, "", NULL, 0, "");
        else if (kind == TRACE_VAR_IDPROP)
            path_join(path, sizeof path, base, "[\"", ident, (size_t)len, "\"]");
        else
            path_join(path, sizeof path, base, ".", ident, (size_t)len, "");
        id = define_var(kind, path, 0, id_var_from_path(owner_id, path, 0));
    }
    /* Defining the owner ID's variable may have grown the map: then find
     * our slot again. */
    if (vars.tables != tables)
        e = map_find(&vars, h, var_eq, &k);
    if (e)
        e->id = id;
    return id;
}

/* A definition's lines are misses in tables of 0.1 to 0.8 MB that the
 * program's own memory traffic has evicted since (a miss costs 150 to 300
 * ns on the VMs measured): loaded during Blender's work in the hooked call,
 * a definition costs about a third less (docs/performance.md, "Fourteenth
 * pass").  Under the GIL, as py_var. */
static inline void map_prefetch(const struct map *m, uint64_t h)
{
    if (m->cap)
        __builtin_prefetch(&m->slots[(h ? h : 1) & (m->cap - 1)]);
}

void py_var_prefetch(uint16_t kind, void *data, void *owner_id, const char *ident, Py_ssize_t len,
                     PyObject *obj, enum py_path_source src)
{
    map_prefetch(&vars, var_hash(kind, data, ident, len));
    if (owner_id) {
        map_prefetch(&chains, chain_hash(owner_id));
        map_prefetch(&vars, id_var_hash(owner_id));
    }
    if (data && data != owner_id)
        map_prefetch(&chains, chain_hash(data));
    if (obj && src == PATH_STRUCT)
        __builtin_prefetch(path_memo_slot(obj));
}

bool py_intern_memory_init(void)
{
    ident_memo = py_hot_table(sizeof *ident_memo * IDENT_MEMO);
    stack_memo = py_hot_table(sizeof *stack_memo * STACK_MEMO);
    path_memo = py_hot_table(sizeof *path_memo * PATH_MEMO);
    walk_cache = py_hot_table(sizeof *walk_cache * WALK_CACHE);
    return ident_memo && stack_memo && path_memo && walk_cache;
}

/* ---- registries: one variable each, named by its Python module ---- */
uint32_t py_registry_var(const char *name)
{
    static struct { const char *name; uint32_t id; } regs[8];
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        if (regs[i].name && strcmp(regs[i].name, name) == 0)
            return regs[i].id;
        if (!regs[i].name) {
            regs[i].name = name;
            regs[i].id = define_var(TRACE_VAR_REGISTRY, name, 0, 0);
            return regs[i].id;
        }
    }
    return 0;
}

/* ---- threads ---- */
void py_note_thread_name(void)
{
    struct bpr_thread *t = bpr_self();
    if (!t || t->named)
        return;
    t->named = true;
    py_enter();
    /* threading._active[get_ident()], not current_thread(): for a thread
     * threading did not start, that would register a _DummyThread (a change
     * the program could see) named "Dummy-N", which says nothing; such a
     * thread keeps its OS name. */
    PyObject *mods = PyImport_GetModuleDict();
    PyObject *mod = mods ? PyDict_GetItemString(mods, "threading") : NULL;
    PyObject *active = mod ? PyObject_GetAttrString(mod, "_active") : NULL;
    PyObject *dummy = mod ? PyObject_GetAttrString(mod, "_DummyThread") : NULL;
    PyObject *ident = PyLong_FromUnsignedLong(PyThread_get_thread_ident());
    PyObject *cur = active && ident && PyDict_Check(active) ? PyDict_GetItemWithError(active, ident) : NULL;
    bool real = cur && dummy && PyType_Check(dummy) && PyObject_IsInstance(cur, dummy) == 0;
    PyObject *name = real ? PyObject_GetAttrString(cur, "name") : NULL;
    if (name && PyUnicode_Check(name)) {
        uint32_t sid = unicode_id(name);
        bpr_emit(TR_THREAD_NAME, 0, TRACE_NAME_PYTHON, 0, 0, sid);
    }
    Py_XDECREF(name);
    Py_XDECREF(ident);
    Py_XDECREF(dummy);
    Py_XDECREF(active);
    PyErr_Clear();
    py_leave();
}

/* PyGILState_Check, cheaper: the thread state it last found current for T
 * is kept, and while it is still the current one the answer stands. */
static bool gil_held(struct bpr_thread *t, PyThreadState *cur)
{
    if (cur && cur == t->py_tstate)
        return true;
    bool held = PyGILState_Check();
    t->py_tstate = held ? cur : NULL;
    return held;
}

void py_record(uint8_t type, uint32_t var, int64_t index)
{
    struct bpr_thread *t = var ? py_self() : NULL;
    if (!t)
        return;
    if (!t->named)
        py_note_thread_name();
    PyThreadState *ts = py_tstate();   /* (one lookup for the GIL test and the stack) */
    uint8_t flags = gil_held(t, ts) ? TRF_GIL : 0;
    uint32_t stack = stack_id_of(ts, NULL);
    if (flags && !bpr_opt_native_stacks && tw_try_emit_in_block(&t->tw, type, flags, 0, stack, var, index))
        return;
    bpr_emit_access(t, type, flags, 0, stack, var, index);
}

void py_record_call(uint16_t level, uint32_t id_var, uint32_t stack, uint32_t what)
{
    py_note_thread_name();
    uint8_t flags = PyGILState_Check() ? TRF_GIL : 0;
    bpr_emit_with_native(TR_CALL, flags, level, stack, id_var, what);
}

/* Every variable owned by ID or whose data is ID: no key matches it again. */
void py_forget_id(void *id)
{
    struct slot *c = id ? chain_of(id, false) : NULL;
    if (!c)
        return;
    /* A variable on both chains, or on another address's chain, is visited
     * again there: marking it dead twice is harmless, and its links stay. */
    for (uint32_t i = c->id; i; i = vars.slots[i - 1].aux) {
        vars.slots[i - 1].data = DEAD_DATA;
        vars.slots[i - 1].owner = NULL;
    }
    for (uint32_t i = c->aux; i; i = vars.slots[i - 1].next_data) {
        vars.slots[i - 1].data = DEAD_DATA;
        vars.slots[i - 1].owner = NULL;
    }
    c->id = c->aux = 0;
}
