/* Trace reader (format: trace_format.h, docs/trace-format.md).
 *
 * Pass 1 (trace_open) walks every chunk once: it validates the records,
 * records where each chunk's good data ends, and loads definitions and
 * thread facts.  Pass 2 (trace_next) merges the chunks by seq with a binary
 * heap of cursors into the mapping: streaming, no copy of the events.
 *
 * The input is untrusted: every id, length and payload is bounds-checked;
 * an id larger than the file's slot count is rejected, which bounds every
 * table by the file size. */
#define _GNU_SOURCE
#include "trace_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define TR_MAX_WARN_LINES 8
#define TR_MAX_STACK_FRAMES 512u   /* 8192-byte payload cap of the writer */
#define TR_MAX_STRING 8192u

struct tr_chunk {                 /* one chunk's good records */
    const struct trace_record *begin, *end;
    uint32_t tid;
    bool done;                    /* pass 2 has left it */
    bool released;                /* ... and given its pages back */
    size_t next;                  /* the same thread's next chunk, or SIZE_MAX */
    uint64_t first_seq;           /* its first event's, 0 none */
};

/* Pass 2 keeps one cursor per thread, not per chunk: a thread fills its
 * chunks one after the other, so its next chunk's events all come after its
 * current chunk's, and the heap stays as small as the thread count. */
struct tr_cursor {
    const struct trace_record *cur, *end;
    uint32_t tid;
    size_t chunk;
    uint64_t seq;                 /* of its next event: the heap's key */
    bool settled;                 /* cur is that event (else the chunk's start: not read yet) */
};

/* Pages of the mapping already read are given back every so many bytes:
 * a trace of many threads is larger than the analyzer's memory should be
 * (issue 13), and a read-only file mapping re-reads a page if needed. */
#define TR_RELEASE_BYTES (8u << 20)

struct trace_reader {
    const char *map;
    size_t size;
    uint64_t slots;               /* bound for ids */
    const struct trace_file_header *hdr;
    uint32_t chunk_size;          /* TRACE_CHUNK_SIZE, or _V2 for versions 1-2 */

    struct tr_chunk *chunks;
    size_t nchunks;

    char **strings;               /* by id; NULL = undefined */
    uint32_t nstrings;            /* array length */
    struct trace_stack *stacks;   /* by id; nframes 0 + frames NULL = undefined */
    uint32_t nstacks;
    struct trace_var *vars;       /* by id; id 0 = undefined */
    uint64_t *var_path_id;        /* TR_DEF_VAR's b: path string id, | ident string id << 32 */
    char **var_joined;            /* paths built from a base and an ident (version 4), by id */
    uint32_t nvars;
    struct trace_thread *threads; /* by tid; tid 0 = unknown */
    uint32_t *thread_name_id;     /* string id, | NAME_OS when it is the OS name */
    uint32_t nthreads;

    uint64_t events;
    uint64_t max_seq;             /* highest event seq read */
    bool truncated;
    struct tr_time { uint64_t seq, ns; } *times;   /* TR_TIME points, by seq once loaded */
    size_t ntimes, captimes;

    char *warn;                   /* newline-separated, NULL if none */
    size_t warn_len;
    unsigned warn_lines;
    uint64_t warn_dropped;

    struct tr_cursor *heap;
    size_t nheap;
    size_t rel_low;               /* pass 2: the first chunk not given back */
    size_t hi;                    /* ... one past the last done */
    size_t done_bytes;            /* ... done since pages were last given back */
    size_t done_chunks;
    size_t released;              /* pass 1: bytes from the map's start given back */
};

static void tr_warnf(struct trace_reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void tr_warnf(struct trace_reader *r, const char *fmt, ...)
{
    if (r->warn_lines >= TR_MAX_WARN_LINES) {
        r->warn_dropped++;
        return;
    }
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    char *w = realloc(r->warn, r->warn_len + n + 2);
    if (!w)
        return;
    r->warn = w;
    if (r->warn_len)
        w[r->warn_len++] = '\n';
    memcpy(w + r->warn_len, line, n + 1);
    r->warn_len += n;
    r->warn_lines++;
}

/* Grow a by-id table so that ID is a valid index.  Returns false (and
 * leaves the table alone) when ID is out of bounds or memory ran out. */
static bool tr_grow(void **tab, uint32_t *len, size_t elem, uint32_t id, uint64_t bound)
{
    if (id == 0 || id > bound)
        return false;
    if (id < *len)
        return true;
    uint64_t want = *len ? *len : 64;
    while (want <= id)
        want *= 2;
    if (want > bound + 1)
        want = bound + 1;
    void *p = realloc(*tab, (size_t)want * elem);
    if (!p)
        return false;
    memset((char *)p + (size_t)*len * elem, 0, (size_t)(want - *len) * elem);
    *tab = p;
    *len = (uint32_t)want;
    return true;
}

/* Two tables indexed alike (e.g. vars and their path ids) grow together. */
static bool tr_grow2(void **tab, void **tab2, uint32_t *len, size_t elem, size_t elem2,
                     uint32_t id, uint64_t bound)
{
    uint32_t len2 = *len;
    if (!tr_grow(tab2, &len2, elem2, id, bound))
        return false;
    if (!tr_grow(tab, len, elem, id, bound))
        return false;
    if (len2 != *len) {           /* keep the second table as long as the first */
        void *p = realloc(*tab2, (size_t)*len * elem2);
        if (!p)
            return false;
        memset((char *)p + (size_t)len2 * elem2, 0, (size_t)(*len - len2) * elem2);
        *tab2 = p;
    }
    return true;
}

/* thread_name_id's flag: the name is the OS thread name, which a Python
 * name replaces. */
#define NAME_OS 0x80000000u

static struct trace_thread *tr_thread(struct trace_reader *r, uint32_t tid)
{
    if (!tr_grow2((void **)&r->threads, (void **)&r->thread_name_id, &r->nthreads,
                  sizeof *r->threads, sizeof *r->thread_name_id, tid, r->slots))
        return NULL;
    r->threads[tid].tid = tid;
    return &r->threads[tid];
}

/* Payload slots that follow a definition record (0 for events). */
static uint64_t tr_payload_slots(const struct trace_record *rec)
{
    uint64_t bytes = 0;
    if (rec->type == TR_DEF_STRING)
        bytes = rec->b < 0 ? UINT64_MAX : (uint64_t)rec->b;
    else if (rec->type == TR_DEF_STACK)
        bytes = rec->b < 0 || (uint64_t)rec->b > UINT32_MAX ? UINT64_MAX
              : (uint64_t)rec->b * sizeof(struct trace_frame);
    if (bytes == UINT64_MAX)
        return UINT64_MAX;
    return (bytes + TRACE_RECORD_SIZE - 1) / TRACE_RECORD_SIZE;
}

static bool tr_is_event(uint8_t type)
{
    return type >= TR_READ && type <= TR_TIME;
}

static bool tr_is_def(uint8_t type)
{
    return type >= TR_DEF_STRING && type <= TR_DEF_VAR;
}

static void tr_load_def(struct trace_reader *r, const struct trace_record *rec, uint64_t ci)
{
    uint64_t id = rec->a;
    const void *payload = rec + 1;
    switch (rec->type) {
    case TR_DEF_STRING: {
        if (id > UINT32_MAX || (uint64_t)rec->b > TR_MAX_STRING ||
            !tr_grow((void **)&r->strings, &r->nstrings, sizeof *r->strings, (uint32_t)id, r->slots)) {
            tr_warnf(r, "chunk %llu: bad string definition (id %llu) ignored",
                     (unsigned long long)ci, (unsigned long long)id);
            return;
        }
        if (r->strings[id])
            return;               /* first definition wins */
        char *s = malloc((size_t)rec->b + 1);
        if (!s)
            return;
        memcpy(s, payload, (size_t)rec->b);
        s[rec->b] = 0;
        r->strings[id] = s;
        return;
    }
    case TR_DEF_STACK:
        if (id > UINT32_MAX || (uint64_t)rec->b > TR_MAX_STACK_FRAMES ||
            !tr_grow((void **)&r->stacks, &r->nstacks, sizeof *r->stacks, (uint32_t)id, r->slots)) {
            tr_warnf(r, "chunk %llu: bad stack definition (id %llu) ignored",
                     (unsigned long long)ci, (unsigned long long)id);
            return;
        }
        if (r->stacks[id].frames)
            return;
        r->stacks[id].nframes = (uint32_t)rec->b;
        r->stacks[id].frames = payload;  /* in the mapping; 16-byte aligned */
        return;
    case TR_DEF_VAR: {
        /* Version 4: b's upper half, when set, is the string id of a
         * property's or ID property's name, joined to the path in the lower. */
        bool joined = rec->b > UINT32_MAX;
        bool join_ok = r->hdr->version >= 4 && (rec->aux == TRACE_VAR_PROPERTY || rec->aux == TRACE_VAR_IDPROP);
        if (id > UINT32_MAX || rec->b < 0 || (joined && !join_ok) ||
            !tr_grow2((void **)&r->vars, (void **)&r->var_path_id, &r->nvars,
                      sizeof *r->vars, sizeof *r->var_path_id, (uint32_t)id, r->slots)) {
            tr_warnf(r, "chunk %llu: bad variable definition (id %llu) ignored",
                     (unsigned long long)ci, (unsigned long long)id);
            return;
        }
        if (r->vars[id].id)
            return;
        r->vars[id].id = (uint32_t)id;
        r->vars[id].kind = rec->aux;
        r->vars[id].owner = rec->stack;
        r->var_path_id[id] = (uint64_t)rec->b;
        return;
    }
    }
}

static void tr_load_thread_fact(struct trace_reader *r, const struct trace_record *rec, uint32_t tid)
{
    struct trace_thread *t;
    switch (rec->type) {
    case TR_THREAD_START:
        if (!(t = tr_thread(r, tid)))
            return;
        t->origin = rec->a <= TRACE_ORIGIN_BLENDER ? (uint8_t)rec->a : 0;
        t->parent = rec->b > 0 && (uint64_t)rec->b <= r->slots ? (uint32_t)rec->b : 0;
        t->created_at = rec->stack;
        if (t->parent)
            tr_thread(r, t->parent);
        break;
    case TR_THREAD_NAME:
        /* The Python name wins over the OS name (TRACE_NAME_OS), whichever
         * came first. */
        if ((t = tr_thread(r, tid)) && rec->b > 0 && rec->b < NAME_OS) {
            bool os = rec->aux == TRACE_NAME_OS;
            if (!os || !r->thread_name_id[tid] || (r->thread_name_id[tid] & NAME_OS))
                r->thread_name_id[tid] = (uint32_t)rec->b | (os ? NAME_OS : 0);
        }
        break;
    case TR_THREAD_CREATE:
        /* b: the name the creator gave the thread (Python's Thread.name);
         * the thread's own TR_THREAD_NAME wins when it has one. */
        if (rec->a <= UINT32_MAX && (t = tr_thread(r, (uint32_t)rec->a)) && rec->b > 0 &&
            rec->b < NAME_OS && (!r->thread_name_id[rec->a] || (r->thread_name_id[rec->a] & NAME_OS)))
            r->thread_name_id[rec->a] = (uint32_t)rec->b;
        break;
    case TR_THREAD_JOIN:
        if (rec->a <= UINT32_MAX)
            tr_thread(r, (uint32_t)rec->a);
        break;
    default:
        tr_thread(r, tid);
    }
}

static void tr_note_time(struct trace_reader *r, const struct trace_record *rec)
{
    if (r->ntimes == r->captimes) {
        size_t cap = r->captimes ? r->captimes * 2 : 256;
        void *p = realloc(r->times, cap * sizeof *r->times);
        if (!p)
            return;   /* fewer time points: coarser times, nothing lost */
        r->times = p;
        r->captimes = cap;
    }
    r->times[r->ntimes++] = (struct tr_time){rec->seq, rec->a};
}

static int tr_time_cmp(const void *a, const void *b)
{
    const struct tr_time *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Time points by seq, their times made nondecreasing (threads read the clock
 * and take seqs in either order). */
static void tr_sort_times(struct trace_reader *r)
{
    if (r->ntimes < 2)
        return;   /* (qsort's array may not be NULL, even empty) */
    qsort(r->times, r->ntimes, sizeof *r->times, tr_time_cmp);
    for (size_t i = 1; i < r->ntimes; i++)
        if (r->times[i].ns < r->times[i - 1].ns)
            r->times[i].ns = r->times[i - 1].ns;
}

/* Whether ID is 0 or a possible dense id of this file. */
static bool tr_id_ok(const struct trace_reader *r, uint64_t id)
{
    return id <= r->slots;
}

/* The field of event REC that holds an impossible id, or NULL when every id
 * it carries is within the file's bound.  Checked once here, so that every
 * table a reader of the events sizes by an id (the analyzer's, the
 * timeline's) stays proportional to the file. */
static const char *tr_bad_event_field(const struct trace_reader *r, const struct trace_record *rec)
{
    int64_t b = rec->b;
    if (rec->flags & TRF_NATIVE) {   /* b packs a native stack id above its value */
        if (!tr_id_ok(r, (uint64_t)rec->b >> 32))
            return "native stack id";
        b = (int32_t)(uint32_t)rec->b;
    }
    if (!tr_id_ok(r, rec->stack))
        return "stack id";
    switch (rec->type) {
    case TR_READ:
    case TR_WRITE:
        return tr_id_ok(r, rec->a) ? NULL : "variable id";
    case TR_CALL:
        if (!tr_id_ok(r, rec->a))
            return "variable id";
        return b >= 0 && tr_id_ok(r, (uint64_t)b) ? NULL : "string id";
    case TR_THREAD_CREATE:
        if (rec->a == 0 || !tr_id_ok(r, rec->a))
            return "thread id";
        return b >= 0 && tr_id_ok(r, (uint64_t)b) ? NULL : "string id";
    case TR_THREAD_START:
        return b >= 0 && tr_id_ok(r, (uint64_t)b) ? NULL : "parent thread id";
    case TR_THREAD_JOIN:
        return tr_id_ok(r, rec->a) ? NULL : "thread id";
    case TR_THREAD_NAME:
    case TR_GIL_RELEASE:
        return b >= 0 && tr_id_ok(r, (uint64_t)b) ? NULL : "string id";
    case TR_MARK:
        if (!tr_id_ok(r, rec->a))
            return "string id";
        if (rec->aux == TRACE_MARK_MESSAGE && (b < 0 || !tr_id_ok(r, (uint64_t)b)))
            return "string id";
        return NULL;
    case TR_TASK_SPAWN:
        if (!tr_id_ok(r, rec->a))
            return "task id";
        if (!tr_id_ok(r, (uint64_t)b >> 32))
            return "pool id";
        return tr_id_ok(r, (uint32_t)b) ? NULL : "string id";
    case TR_TASK_BEGIN:
        if (!tr_id_ok(r, rec->a))
            return "task id";
        return b >= 0 && tr_id_ok(r, (uint64_t)b) ? NULL : "family id";
    case TR_TASK_END:
        return tr_id_ok(r, rec->a) ? NULL : "task id";
    case TR_TASK_JOIN:
        return b >= 0 && tr_id_ok(r, (uint64_t)b) ? NULL : "pool or family id";
    default:   /* acquire/release (addresses), exit, GIL acquire, time */
        return NULL;
    }
}

/* Give back the mapping's pages below P once TR_RELEASE_BYTES have gathered. */
static void tr_release(struct trace_reader *r, const char *p)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t upto = (size_t)(p - r->map) / page * page;
    if (upto >= r->released + TR_RELEASE_BYTES) {
        madvise((void *)(r->map + r->released), upto - r->released, MADV_DONTNEED);
        r->released = upto;
    }
}

/* ---- staging chunks (version 5) ----
 * Chunk positions 0 ... stage - 1 are the writer's staging area: a chunk is
 * written there and copied to the position that is its index once full
 * (docs/trace-format.md, "Staging chunks").  After a crash a staging chunk
 * may not have been copied yet, or only in part (the copy's magic is stored
 * last, so a partial copy reads as unwritten, but a damaged file may hold
 * anything): it is read in its index's place when that position holds no
 * whole copy of it. */

/* The header of the chunk at position P, or NULL if the file ends first. */
static const struct trace_chunk_header *tr_chunk_at(const struct trace_reader *r, uint64_t p)
{
    uint64_t off = TRACE_HEADER_SIZE + p * r->chunk_size;   /* (P < the chunk count) */
    if (off + TRACE_RECORD_SIZE > r->size)
        return NULL;
    return (const void *)(r->map + off);
}

/* Slots in use after chunk header H (up to the first empty one). */
static uint64_t tr_chunk_filled(const struct trace_reader *r, const struct trace_chunk_header *h)
{
    uint64_t avail = r->size - (uint64_t)((const char *)h - r->map);
    uint64_t bytes = avail < r->chunk_size ? avail : r->chunk_size;
    const struct trace_record *rec = (const void *)h;
    uint64_t n = 1;
    while (n < bytes / TRACE_RECORD_SIZE && rec[n].type != TR_NONE)
        n++;
    return n - 1;
}

struct tr_staged { uint64_t index, pos; };

static int tr_staged_cmp(const void *a, const void *b)
{
    const struct tr_staged *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index ? 1 : x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The positions to read, in index order (each thread's order), into ORDER
 * (room for NCHUNKS); returns how many, or SIZE_MAX when out of memory. */
static size_t tr_chunk_order(struct trace_reader *r, uint64_t nchunks, uint64_t stage, uint64_t *order)
{
    if (stage > nchunks)
        stage = nchunks;
    struct tr_staged *st = calloc(stage ? stage : 1, sizeof *st);
    if (!st)
        return SIZE_MAX;
    size_t ns = 0;
    for (uint64_t p = 0; p < stage; p++) {
        const struct trace_chunk_header *h = tr_chunk_at(r, p);
        if (!h || h->magic == 0)
            continue;
        if (h->magic != TRACE_CHUNK_MAGIC || h->index < stage) {
            tr_warnf(r, "chunk %llu: bad %s in the staging area, skipped", (unsigned long long)p,
                     h->magic != TRACE_CHUNK_MAGIC ? "magic" : "index");
            continue;
        }
        const struct trace_chunk_header *f = h->index < nchunks ? tr_chunk_at(r, h->index) : NULL;
        if (f && f->magic == TRACE_CHUNK_MAGIC && f->index == h->index && f->tid == h->tid &&
            tr_chunk_filled(r, f) >= tr_chunk_filled(r, h))
            continue;   /* copied whole: read there */
        st[ns].index = h->index;
        st[ns++].pos = p;
    }
    qsort(st, ns, sizeof *st, tr_staged_cmp);
    size_t n = 0, i = 0;
    for (uint64_t p = stage; p < nchunks; p++) {
        while (i < ns && st[i].index < p)
            i++;   /* (only a damaged file has two staging chunks for one index) */
        if (i < ns && st[i].index == p)
            order[n++] = st[i++].pos;
        else
            order[n++] = p;
    }
    for (; i < ns && n < nchunks; i++)   /* indexes past the file's end */
        if (i == 0 || st[i].index != st[i - 1].index)
            order[n++] = st[i].pos;
    free(st);
    return n;
}

/* Validate chunk CI; returns false when it holds nothing usable. */
static bool tr_scan_chunk(struct trace_reader *r, uint64_t ci, struct tr_chunk *out)
{
    uint64_t off = TRACE_HEADER_SIZE + ci * r->chunk_size;
    uint64_t avail = r->size - off;
    uint64_t nslots = (avail >= r->chunk_size ? r->chunk_size : avail) / TRACE_RECORD_SIZE;
    if (nslots < 1)
        return false;
    const struct trace_chunk_header *h = (const void *)(r->map + off);
    if (h->magic == 0)
        return false;             /* reserved but never written */
    if (h->magic != TRACE_CHUNK_MAGIC) {
        tr_warnf(r, "chunk %llu: bad magic, skipped", (unsigned long long)ci);
        return false;
    }
    if (h->tid == 0 || h->tid > r->slots) {
        tr_warnf(r, "chunk %llu: bad thread id %u, skipped", (unsigned long long)ci, h->tid);
        return false;
    }
    struct trace_thread *owner = tr_thread(r, h->tid);
    if (owner)
        owner->traced = true;
    const struct trace_record *rec = (const void *)(h + 1);
    const struct trace_record *end = (const struct trace_record *)h + nslots;
    uint64_t last_seq = 0;
    out->begin = rec;
    out->tid = h->tid;
    while (rec < end && rec->type != TR_NONE) {
        if (tr_is_event(rec->type)) {
            if (rec->seq <= last_seq) {
                tr_warnf(r, "chunk %llu: sequence number goes backwards at slot %ld; rest of chunk skipped",
                         (unsigned long long)ci, (long)(rec - (const struct trace_record *)h));
                break;
            }
            const char *bad = tr_bad_event_field(r, rec);
            if (bad) {
                tr_warnf(r, "chunk %llu: impossible %s in a record at slot %ld; rest of chunk skipped",
                         (unsigned long long)ci, bad, (long)(rec - (const struct trace_record *)h));
                break;
            }
            if (!last_seq)
                out->first_seq = rec->seq;
            last_seq = rec->seq;
            if (rec->seq > r->max_seq)
                r->max_seq = rec->seq;
            r->events++;
            if (rec->type == TR_TIME)
                tr_note_time(r, rec);
            tr_load_thread_fact(r, rec, h->tid);
            rec++;
        } else if (tr_is_def(rec->type)) {
            uint64_t np = tr_payload_slots(rec);
            if (np == UINT64_MAX || np > (uint64_t)(end - rec - 1)) {
                tr_warnf(r, "chunk %llu: definition overruns the chunk at slot %ld; rest of chunk skipped",
                         (unsigned long long)ci, (long)(rec - (const struct trace_record *)h));
                break;
            }
            tr_load_def(r, rec, ci);
            rec += 1 + np;
        } else {
            tr_warnf(r, "chunk %llu: unknown record type %u at slot %ld; rest of chunk skipped",
                     (unsigned long long)ci, rec->type, (long)(rec - (const struct trace_record *)h));
            break;
        }
    }
    out->end = rec;
    if (last_seq && (owner = tr_thread(r, h->tid)) && last_seq > owner->last_seq)
        owner->last_seq = last_seq;   /* (re-found: loading facts may move the array) */
    return true;
}

/* Resolve string ids now that every chunk has been seen. */
/* BASE.IDENT for a property, BASE["IDENT"] for an ID property: the paths
 * the recorder used to write out whole (version 3). */
static const char *tr_join_path(struct trace_reader *r, uint32_t i)
{
    const char *base = trace_string(r, (uint32_t)r->var_path_id[i]);
    const char *ident = trace_string(r, (uint32_t)(r->var_path_id[i] >> 32));
    bool idprop = r->vars[i].kind == TRACE_VAR_IDPROP;
    if (!r->var_joined && !(r->var_joined = calloc(r->nvars, sizeof *r->var_joined)))
        return "?";
    size_t n = strlen(base) + strlen(ident) + 5;
    char *p = malloc(n);
    if (!p)
        return "?";
    snprintf(p, n, idprop ? "%s[\"%s\"]" : "%s.%s", base, ident);
    return r->var_joined[i] = p;
}

static void tr_resolve(struct trace_reader *r)
{
    tr_sort_times(r);
    for (uint32_t i = 1; i < r->nvars; i++)
        if (r->vars[i].id)
            r->vars[i].path = r->var_path_id[i] > UINT32_MAX ? tr_join_path(r, i)
                                                             : trace_string(r, (uint32_t)r->var_path_id[i]);
    for (uint32_t i = 1; i < r->nthreads; i++) {
        uint32_t name = r->thread_name_id[i] & ~NAME_OS;
        if (name && name < r->nstrings && r->strings[name])
            r->threads[i].name = r->strings[name];
    }
}

static bool tr_fail(char *err, size_t errlen, const char *path, const char *what)
{
    snprintf(err, errlen, "%s: %s", path, what);
    return false;
}

static bool tr_map(struct trace_reader *r, const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tr_fail(err, errlen, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return tr_fail(err, errlen, path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return tr_fail(err, errlen, path, S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
    }
    if (st.st_size == 0) {
        close(fd);
        return tr_fail(err, errlen, path, "empty file");
    }
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (p == MAP_FAILED)
        return tr_fail(err, errlen, path, strerror(e));
    r->map = p;
    r->size = (size_t)st.st_size;
    return true;
}

static bool tr_check_header(struct trace_reader *r, const char *path, char *err, size_t errlen)
{
    const struct trace_file_header *h = (const void *)r->map;
    if (r->size < sizeof h->magic || memcmp(h->magic, TRACE_MAGIC, sizeof h->magic) != 0)
        return tr_fail(err, errlen, path, "not a bpyrace trace (bad magic)");
    if (r->size < TRACE_HEADER_SIZE)
        return tr_fail(err, errlen, path, "not a bpyrace trace (truncated header)");
    if (h->version < TRACE_VERSION_MIN || h->version > TRACE_VERSION) {
        char what[64];
        snprintf(what, sizeof what, "unsupported trace version %u", h->version);
        return tr_fail(err, errlen, path, what);
    }
    uint32_t chunk = h->version >= 3 ? TRACE_CHUNK_SIZE : TRACE_CHUNK_SIZE_V2;
    if (h->header_size != TRACE_HEADER_SIZE || h->chunk_size != chunk) {
        char what[96];
        snprintf(what, sizeof what, "unsupported trace layout (header %u bytes, chunks %u bytes)",
                 h->header_size, h->chunk_size);
        return tr_fail(err, errlen, path, what);
    }
    r->hdr = h;
    r->chunk_size = chunk;
    return true;
}

/* ---- pass 2: heap of cursors keyed by the seq of their next event ---- */

static bool tr_cursor_settle(struct trace_reader *r, struct tr_cursor *c);

static bool tr_less(const struct tr_cursor *a, const struct tr_cursor *b)
{
    return a->seq < b->seq;
}

static void tr_sift_down(struct tr_cursor *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && tr_less(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && tr_less(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        struct tr_cursor t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* CHUNK is left.  Once TR_RELEASE_BYTES of records (or 256 chunks) are, the pages of each
 * run of left chunks go (a long-lived thread's chunks stay among them). */
static void tr_chunk_done(struct trace_reader *r, size_t chunk)
{
    r->chunks[chunk].done = true;
    r->done_bytes += (size_t)((const char *)r->chunks[chunk].end - (const char *)r->chunks[chunk].begin);
    if (chunk + 1 > r->hi)
        r->hi = chunk + 1;
    /* A pass every TR_RELEASE_BYTES of chunks read, counted in whole chunks
     * (a chunk's few records can cost a whole chunk of memory: the kernel
     * maps pages around the one read) or in records.  Not oftener: each
     * madvise is a TLB shootdown, an interprocessor interrupt in a VM, and
     * with many threads the chunks read lie in as many runs as there are
     * threads (a pass per 256 4 KiB chunks was 56,000 calls, a fifth of the
     * analysis of 50 million events, docs/performance.md). */
    if (++r->done_chunks % (TR_RELEASE_BYTES / r->chunk_size) && r->done_bytes < TR_RELEASE_BYTES)
        return;
    r->done_bytes = 0;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    /* (from the first chunk not given back, not from the first not done:
     * chunks done below that one since the last pass are given back too) */
    for (size_t i = r->rel_low; i < r->hi;) {
        if (!r->chunks[i].done || r->chunks[i].released) {
            i++;
            continue;
        }
        /* a run of neighbours in the file (a chunk read from the staging
         * area is not next to the ones before and after it) */
        size_t a = i;
        while (i < r->hi && r->chunks[i].done && !r->chunks[i].released &&
               (i == a || r->chunks[i].begin == r->chunks[i - 1].begin + r->chunk_size / TRACE_RECORD_SIZE))
            r->chunks[i++].released = true;
        size_t from = (size_t)((const char *)r->chunks[a].begin - r->map) / page * page;
        size_t to = (size_t)((const char *)r->chunks[i - 1].begin - TRACE_RECORD_SIZE + r->chunk_size - r->map);
        to = to < r->size ? to / page * page : r->size;
        if (to > from)   /* (a page shared with a chunk still read is merely read again) */
            madvise((void *)(r->map + from), to - from, MADV_DONTNEED);
    }
    while (r->rel_low < r->hi && r->chunks[r->rel_low].released)
        r->rel_low++;
}

/* Next event of C's thread, moving on to the thread's next chunk. */
static bool tr_cursor_settle(struct trace_reader *r, struct tr_cursor *c)
{
    for (;;) {
        while (c->cur < c->end && !tr_is_event(c->cur->type))
            c->cur += 1 + tr_payload_slots(c->cur);  /* pass 1 checked the bounds */
        if (c->cur < c->end) {
            c->seq = c->cur->seq;
            c->settled = true;
            return true;
        }
        tr_chunk_done(r, c->chunk);
        size_t next = r->chunks[c->chunk].next;
        if (next == SIZE_MAX)
            return false;
        c->chunk = next;
        c->cur = r->chunks[next].begin;
        c->end = r->chunks[next].end;
    }
}

/* Link each chunk to its thread's next one (chunks are in file order, which
 * is each thread's reservation order); returns the first chunk of each
 * thread through FIRST (false if out of memory). */
static bool tr_link_chunks(struct trace_reader *r, bool *first)
{
    size_t cap = 16;
    while (cap < 2 * r->nchunks)
        cap *= 2;
    struct { uint32_t tid; size_t last; bool used; } *map = calloc(cap, sizeof *map);
    if (!map)
        return false;
    for (size_t i = 0; i < r->nchunks; i++) {
        r->chunks[i].next = SIZE_MAX;
        size_t h = (r->chunks[i].tid * 2654435761u) & (cap - 1);
        while (map[h].used && map[h].tid != r->chunks[i].tid)
            h = (h + 1) & (cap - 1);
        first[i] = !map[h].used;
        if (map[h].used)
            r->chunks[map[h].last].next = i;
        map[h].used = true;
        map[h].tid = r->chunks[i].tid;
        map[h].last = i;
    }
    free(map);
    return true;
}

void trace_rewind(struct trace_reader *r)
{
    r->nheap = 0;
    r->rel_low = r->hi = r->done_bytes = 0;
    for (size_t i = 0; i < r->nchunks; i++)
        r->chunks[i].done = r->chunks[i].released = false;
    bool *first = calloc(r->nchunks ? r->nchunks : 1, sizeof *first);
    if (!first || !tr_link_chunks(r, first)) {
        /* out of memory: fall back to one cursor per chunk */
        for (size_t i = 0; i < r->nchunks; i++)
            r->chunks[i].next = SIZE_MAX;
    }
    for (size_t i = 0; i < r->nchunks; i++) {
        if (first && !first[i])
            continue;
        /* Keyed by the chunk's first event, read only when its turn comes:
         * building the heap reads no page of the trace. */
        struct tr_cursor c = { r->chunks[i].begin, r->chunks[i].end, r->chunks[i].tid, i,
                               r->chunks[i].first_seq, false };
        if (c.seq || tr_cursor_settle(r, &c))
            r->heap[r->nheap++] = c;
    }
    free(first);
    for (size_t i = r->nheap / 2; i-- > 0;)
        tr_sift_down(r->heap, r->nheap, i);
}

bool trace_next(struct trace_reader *r, struct trace_event *ev)
{
    if (r->nheap == 0)
        return false;
    struct tr_cursor *c = &r->heap[0];
    if (!c->settled)
        tr_cursor_settle(r, c);   /* (its chunk has an event: first_seq) */
    const struct trace_record *rec = c->cur;
    ev->seq = rec->seq;
    ev->tid = c->tid;
    ev->type = rec->type;
    ev->flags = rec->flags;
    ev->aux = rec->aux;
    ev->stack = rec->stack;
    ev->a = rec->a;
    ev->b = rec->b;
    ev->native_stack = 0;
    if (rec->flags & TRF_NATIVE) {   /* b packs the native stack id above its value */
        ev->native_stack = (uint32_t)((uint64_t)rec->b >> 32);
        ev->b = (int32_t)(uint32_t)rec->b;
    }
    c->cur++;
    if (!tr_cursor_settle(r, c))
        r->heap[0] = r->heap[--r->nheap];
    tr_sift_down(r->heap, r->nheap, 0);
    return true;
}

struct trace_reader *trace_open(const char *path, char *err, size_t errlen)
{
    struct trace_reader *r = calloc(1, sizeof *r);
    if (!r) {
        tr_fail(err, errlen, path, strerror(ENOMEM));
        return NULL;
    }
    if (!tr_map(r, path, err, errlen) || !tr_check_header(r, path, err, errlen)) {
        trace_close(r);
        return NULL;
    }
    r->slots = r->size / TRACE_RECORD_SIZE;
    r->truncated = r->hdr->closed != 1;
    /* The header's chunk count may lag after a crash: trust the size. */
    uint64_t nchunks = (r->size - TRACE_HEADER_SIZE + r->chunk_size - 1) / r->chunk_size;
    if ((r->size - TRACE_HEADER_SIZE) % r->chunk_size)
        tr_warnf(r, "file size is not a whole number of chunks; the last chunk is partial");
    r->chunks = calloc(nchunks ? nchunks : 1, sizeof *r->chunks);
    r->heap = calloc(nchunks ? nchunks : 1, sizeof *r->heap);
    if (!r->chunks || !r->heap) {
        tr_fail(err, errlen, path, strerror(ENOMEM));
        trace_close(r);
        return NULL;
    }
    uint64_t *order = calloc(nchunks ? nchunks : 1, sizeof *order);
    size_t norder = order ? tr_chunk_order(r, nchunks, r->hdr->version >= 5 ? r->hdr->stage_chunks : 0, order)
                          : SIZE_MAX;
    if (norder == SIZE_MAX) {
        free(order);
        tr_fail(err, errlen, path, strerror(ENOMEM));
        trace_close(r);
        return NULL;
    }
    for (size_t k = 0; k < norder; k++)
        if (tr_scan_chunk(r, order[k], &r->chunks[r->nchunks]))
            tr_release(r, (const char *)r->chunks[r->nchunks++].end);
    free(order);
    tr_resolve(r);
    if (r->warn_dropped)
        tr_warnf(r, "(and %llu more problems)", (unsigned long long)r->warn_dropped);
    trace_rewind(r);
    return r;
}

void trace_close(struct trace_reader *r)
{
    if (!r)
        return;
    if (r->map)
        munmap((void *)r->map, r->size);
    free(r->times);
    for (uint32_t i = 0; i < r->nstrings; i++)
        free(r->strings[i]);
    free(r->strings);
    free(r->stacks);
    for (uint32_t i = 0; r->var_joined && i < r->nvars; i++)
        free(r->var_joined[i]);
    free(r->var_joined);
    free(r->vars);
    free(r->var_path_id);
    free(r->threads);
    free(r->thread_name_id);
    free(r->chunks);
    free(r->heap);
    free(r->warn);
    free(r);
}

const char *trace_string(const struct trace_reader *r, uint32_t id)
{
    if (id == 0 || id >= r->nstrings || !r->strings[id])
        return "?";
    return r->strings[id];
}

const struct trace_stack *trace_get_stack(const struct trace_reader *r, uint32_t id)
{
    if (id == 0 || id >= r->nstacks || !r->stacks[id].frames)
        return NULL;
    return &r->stacks[id];
}

const struct trace_var *trace_get_var(const struct trace_reader *r, uint32_t id)
{
    if (id == 0 || id >= r->nvars || !r->vars[id].id)
        return NULL;
    return &r->vars[id];
}

const struct trace_thread *trace_get_thread(const struct trace_reader *r, uint32_t tid)
{
    if (tid == 0 || tid >= r->nthreads || !r->threads[tid].tid)
        return NULL;
    return &r->threads[tid];
}

uint32_t trace_var_count(const struct trace_reader *r)
{
    uint32_t n = r->nvars;
    while (n > 0 && !r->vars[n - 1].id)
        n--;
    return n;
}

uint32_t trace_thread_count(const struct trace_reader *r)
{
    uint32_t n = r->nthreads;
    while (n > 0 && !r->threads[n - 1].tid)
        n--;
    return n;
}

const struct trace_file_header *trace_header(const struct trace_reader *r)
{
    return r->hdr;
}

double trace_time_us(const struct trace_reader *r, uint64_t seq)
{
    if (!r->ntimes)
        return -1;
    size_t lo = 0, hi = r->ntimes;   /* the first point at or after seq */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->times[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == r->ntimes)
        return (double)r->times[lo - 1].ns / 1000.0;
    if (lo == 0 || r->times[lo].seq == seq)
        return (double)r->times[lo].ns / 1000.0;
    const struct tr_time *a = &r->times[lo - 1], *b = &r->times[lo];
    double f = (double)(seq - a->seq) / (double)(b->seq - a->seq);
    return ((double)a->ns + f * (double)(b->ns - a->ns)) / 1000.0;
}

bool trace_truncated(const struct trace_reader *r)
{
    return r->truncated;
}

uint64_t trace_last_seq(const struct trace_reader *r)
{
    return r->max_seq;
}

uint64_t trace_dropped_seq(const struct trace_reader *r)
{
    return r->hdr && (r->hdr->flags & TRACE_HF_DROPPED) ? r->hdr->dropped_seq : 0;
}

uint64_t trace_event_count(const struct trace_reader *r)
{
    return r->events;
}

const char *trace_warning(const struct trace_reader *r)
{
    return r->warn;
}
