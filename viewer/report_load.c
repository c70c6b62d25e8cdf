/* report_load(): map a JSON report and skim it (see report_load.h for why
 * the list does not go through jansson); report_load_detail(): one race's
 * object, parsed with jansson. */
#include "report_load.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb.h"
#include "xalloc.h"

/* Strings of the list: copied once into big blocks, freed all at once. */
struct vr_block {
    struct vr_block *next;
    size_t used, size;
    char data[];
};

struct vr_arena {
    struct vr_block *head;
};

static char *arena_alloc(struct vr_arena *a, size_t n)
{
    struct vr_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > (1u << 20) ? n : (1u << 20);
        b = report_xcalloc(1, sizeof *b + size);
        b->size = size;
        b->next = a->head;
        a->head = b;
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

static void arena_free(struct vr_arena *a)
{
    while (a && a->head) {
        struct vr_block *b = a->head;
        a->head = b->next;
        free(b);
    }
    free(a);
}

/* The skimmer: a cursor over the mapped text.  Errors stop at the first
 * problem; the message names the byte offset. */
struct skim {
    const char *base, *p, *end;
    const char *err;
    size_t line;            /* of the error */
    struct vr_arena *arena;
};

static void skim_fail(struct skim *s, const char *what)
{
    if (!s->err) {
        s->err = s->p >= s->end ? "unexpected end of file" : what;
        s->line = 1;
        for (const char *q = s->base; q < s->p && q < s->end; q++)
            s->line += *q == '\n';
    }
    s->p = s->end;
}

static void skim_ws(struct skim *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\t' || *s->p == '\r'))
        s->p++;
}

static bool skim_eat(struct skim *s, char c)
{
    skim_ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return true;
    }
    return false;
}

static void skim_expect(struct skim *s, char c)
{
    if (!skim_eat(s, c))
        skim_fail(s, c == ':' ? "expected ':'" : c == '{' ? "expected an object"
                     : c == '[' ? "expected an array" : "malformed JSON");
}

/* After the opening quote: the end of the string (at the closing quote). */
static const char *skim_string_end(struct skim *s)
{
    const char *q = s->p;
    for (;;) {
        const char *e = memchr(q, '"', (size_t)(s->end - q));
        if (!e) {
            skim_fail(s, "unterminated string");
            return s->end;
        }
        size_t bs = 0;
        while (e - bs > q && e[-1 - (ptrdiff_t)bs] == '\\')
            bs++;
        if (bs % 2 == 0)
            return e;
        q = e + 1;
    }
}

static void put_utf8(char **o, unsigned cp)
{
    unsigned char *u = (unsigned char *)*o;
    if (cp < 0x80)
        *u++ = (unsigned char)cp;
    else if (cp < 0x800) {
        *u++ = (unsigned char)(0xc0 | cp >> 6);
        *u++ = (unsigned char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *u++ = (unsigned char)(0xe0 | cp >> 12);
        *u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        *u++ = (unsigned char)(0x80 | (cp & 0x3f));
    } else {
        *u++ = (unsigned char)(0xf0 | cp >> 18);
        *u++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        *u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        *u++ = (unsigned char)(0x80 | (cp & 0x3f));
    }
    *o = (char *)u;
}

static int hexval(const char *h)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = h[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

/* A string value (or null -> NULL), unescaped into the arena. */
static const char *skim_string(struct skim *s)
{
    skim_ws(s);
    if (s->end - s->p >= 4 && !memcmp(s->p, "null", 4)) {
        s->p += 4;
        return NULL;
    }
    if (!skim_eat(s, '"')) {
        skim_fail(s, "expected a string");
        return NULL;
    }
    const char *start = s->p, *e = skim_string_end(s);
    if (s->err)
        return NULL;
    size_t n = (size_t)(e - start);
    char *out = arena_alloc(s->arena, n + 1), *o = out;
    for (const char *q = start; q < e;) {
        const char *bs = memchr(q, '\\', (size_t)(e - q));
        size_t run = bs ? (size_t)(bs - q) : (size_t)(e - q);
        memcpy(o, q, run);
        o += run;
        q += run;
        if (!bs)
            break;
        char c = q[1];
        q += 2;
        switch (c) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            int v = e - q >= 4 ? hexval(q) : -1;
            if (v < 0) {
                skim_fail(s, "bad \\u escape");
                return NULL;
            }
            q += 4;
            unsigned cp = (unsigned)v;
            if (cp >= 0xd800 && cp < 0xdc00 && e - q >= 6 && q[0] == '\\' && q[1] == 'u') {
                int lo = hexval(q + 2);
                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
                    q += 6;
                }
            }
            if (cp >= 0xd800 && cp < 0xe000)
                cp = 0xfffd;
            /* a \u escape is 6 bytes and expands to at most 4 */
            put_utf8(&o, cp);
            break;
        }
        default: *o++ = c; break;
        }
    }
    *o = 0;
    s->p = e + 1;
    return out;
}

/* An integer; parsed by hand, as the mapping is not NUL-terminated. */
static int64_t skim_int(struct skim *s)
{
    skim_ws(s);
    bool neg = s->p < s->end && *s->p == '-';
    const char *q = s->p + neg;
    uint64_t v = 0;
    int digits = 0;
    while (q < s->end && *q >= '0' && *q <= '9' && digits < 19) {
        v = v * 10 + (uint64_t)(*q++ - '0');
        digits++;
    }
    if (!digits) {
        skim_fail(s, "expected a number");
        return 0;
    }
    s->p = q;
    /* tolerate a fraction or exponent (not produced by bpyrace) */
    while (s->p < s->end && *s->p && strchr(".eE+-0123456789", *s->p))
        s->p++;
    if (v > INT64_MAX)   /* 19 digits may exceed it: clamp, negating INT64_MIN is undefined */
        v = INT64_MAX;
    return neg ? -(int64_t)v : (int64_t)v;
}

static bool skim_bool(struct skim *s)
{
    skim_ws(s);
    if (s->end - s->p >= 4 && !memcmp(s->p, "true", 4)) {
        s->p += 4;
        return true;
    }
    if (s->end - s->p >= 5 && !memcmp(s->p, "false", 5)) {
        s->p += 5;
        return false;
    }
    skim_fail(s, "expected true or false");
    return false;
}

/* Skip any value: strings by memchr, containers by depth counting. */
static void skim_skip(struct skim *s)
{
    skim_ws(s);
    if (s->p >= s->end) {
        skim_fail(s, "unexpected end of file");
        return;
    }
    char c = *s->p;
    if (c == '"') {
        s->p++;
        s->p = skim_string_end(s) + 1;
        return;
    }
    if (c != '{' && c != '[') {
        while (s->p < s->end && !strchr(",}] \n\t\r", *s->p))
            s->p++;
        return;
    }
    int depth = 0;
    while (s->p < s->end) {
        c = *s->p++;
        if (c == '"') {
            s->p = skim_string_end(s) + 1;
            if (s->err)
                return;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth == 0)
                return;
        }
    }
    skim_fail(s, "unexpected end of file");
}

/* Iterate an object's keys: returns the key (a pointer into the file,
 * KLEN bytes; keys are plain ASCII in our reports) with the cursor before
 * the value, or NULL at the closing brace. */
static const char *skim_key(struct skim *s, bool *first, size_t *klen)
{
    if (!*first && !skim_eat(s, ',')) {
        skim_expect(s, '}');
        return NULL;
    }
    if (*first && skim_eat(s, '}'))
        return NULL;
    *first = false;
    if (!skim_eat(s, '"')) {
        skim_fail(s, "expected a key");
        return NULL;
    }
    const char *k = s->p, *e = skim_string_end(s);
    s->p = e + 1;
    *klen = (size_t)(e - k);
    skim_expect(s, ':');
    return s->err ? NULL : k;
}

#define KEY_IS(k, n, lit) ((n) == sizeof(lit) - 1 && !memcmp((k), lit, (n)))

static const char *intern_origin(const char *o)
{
    static const char *const known[] = { "main", "python", "blender", "unknown" };
    for (size_t i = 0; o && i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(o, known[i]))
            return known[i];
    return o ? o : "unknown";
}

static void skim_thread(struct skim *s, struct vr_side *side)
{
    skim_expect(s, '{');
    bool first = true;
    size_t n;
    const char *k;
    while ((k = skim_key(s, &first, &n))) {
        if (KEY_IS(k, n, "id"))
            side->tid = (uint32_t)skim_int(s);
        else if (KEY_IS(k, n, "origin"))
            side->origin = intern_origin(skim_string(s));
        else if (KEY_IS(k, n, "name"))
            side->name = skim_string(s);
        else
            skim_skip(s);
    }
}

static void skim_access(struct skim *s, struct vr_side *side)
{
    skim_expect(s, '{');
    bool first = true;
    size_t n;
    const char *k;
    while ((k = skim_key(s, &first, &n))) {
        if (KEY_IS(k, n, "kind")) {
            const char *v = skim_string(s);
            side->kind = v && !strcmp(v, "read") ? "read" : "write";
        } else if (KEY_IS(k, n, "thread"))
            skim_thread(s, side);
        else if (KEY_IS(k, n, "gil"))
            side->gil = skim_bool(s);
        else if (KEY_IS(k, n, "what"))
            side->what = skim_string(s);
        else
            skim_skip(s);
    }
}

static void skim_race(struct skim *s, struct vr_race *r)
{
    memset(r, 0, sizeof *r);
    r->items = 1;
    for (int i = 0; i < 2; i++) {
        r->acc[i].kind = "write";
        r->acc[i].origin = "unknown";
    }
    skim_ws(s);
    r->off = (size_t)(s->p - s->base);
    skim_expect(s, '{');
    bool first = true, accesses = false;
    size_t n;
    const char *k;
    while ((k = skim_key(s, &first, &n))) {
        if (KEY_IS(k, n, "class")) {
            const char *v = skim_string(s);
            r->cls = v && !strcmp(v, "hard") ? HB_HARD : v && !strcmp(v, "gil") ? HB_GIL : 0;
        } else if (KEY_IS(k, n, "variable"))
            r->variable = skim_string(s);
        else if (KEY_IS(k, n, "observed"))
            r->observed = skim_bool(s);
        else if (KEY_IS(k, n, "count"))
            r->count = (uint64_t)skim_int(s);
        else if (KEY_IS(k, n, "items"))
            r->items = (uint32_t)skim_int(s);
        else if (KEY_IS(k, n, "accesses")) {
            skim_expect(s, '[');
            int i = 0;
            if (!skim_eat(s, ']')) {
                do {
                    if (i < 2)
                        skim_access(s, &r->acc[i++]);
                    else
                        skim_skip(s);
                } while (skim_eat(s, ','));
                skim_expect(s, ']');
            }
            if (i != 2 && !s->err)
                skim_fail(s, "a race needs exactly two accesses");
            accesses = true;
        } else
            skim_skip(s);
    }
    if (!accesses && !s->err)
        skim_fail(s, "a race needs exactly two accesses");
    r->len = (size_t)(s->p - s->base) - r->off;
    if (!r->variable)
        r->variable = "?";
}

static void skim_report(struct skim *s, struct vr_report *rep)
{
    size_t cap = 0;
    bool first = true, races = false;
    size_t n;
    const char *k;
    skim_expect(s, '{');
    while ((k = skim_key(s, &first, &n))) {
        if (KEY_IS(k, n, "races")) {
            races = true;
            skim_expect(s, '[');
            if (skim_eat(s, ']'))
                continue;
            do {
                if (rep->nraces == cap) {
                    cap = cap ? cap * 2 : 256;
                    rep->races = report_xrealloc(rep->races, cap, sizeof *rep->races);
                }
                struct vr_race *r = &rep->races[rep->nraces++];
                skim_race(s, r);
                rep->ndata += r->cls == HB_HARD;
                rep->ngil += r->cls == HB_GIL;
            } while (skim_eat(s, ','));
            skim_expect(s, ']');
        } else if (KEY_IS(k, n, "summary")) {
            skim_expect(s, '{');
            bool f2 = true;
            size_t n2;
            const char *k2;
            while ((k2 = skim_key(s, &f2, &n2))) {
                if (KEY_IS(k2, n2, "events"))
                    rep->events = (uint64_t)skim_int(s);
                else if (KEY_IS(k2, n2, "threads"))
                    rep->threads = (uint32_t)skim_int(s);
                else if (KEY_IS(k2, n2, "suppressed"))
                    rep->suppressed = (size_t)skim_int(s);
                else
                    skim_skip(s);
            }
        } else
            skim_skip(s);
    }
    if (!s->err && !races)
        skim_fail(s, "no \"races\" array");
}

static void load_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

int report_load(const char *path, struct vr_report *rep, char *err, size_t errlen)
{
    memset(rep, 0, sizeof *rep);
    rep->path = path;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        load_err(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size == 0) {
        load_err(err, errlen, "%s: %s", path, st.st_size == 0 ? "empty file" : "not a regular file");
        close(fd);
        return -1;
    }
    rep->maplen = (size_t)st.st_size;
    void *m = mmap(NULL, rep->maplen, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        load_err(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    rep->map = m;
    rep->arena = report_xcalloc(1, sizeof *rep->arena);
    struct skim s = { .base = m, .p = m, .end = (const char *)m + rep->maplen, .arena = rep->arena };
    skim_report(&s, rep);
    if (s.err) {
        load_err(err, errlen, "%s: not a bpyrace JSON report (line %zu: %s)", path, s.line, s.err);
        report_unload(rep);
        return -1;
    }
    return 0;
}

void report_unload(struct vr_report *rep)
{
    if (rep->map)
        munmap((void *)rep->map, rep->maplen);
    arena_free(rep->arena);
    free(rep->races);
    memset(rep, 0, sizeof *rep);
}

const char *report_class_name(uint8_t cls)
{
    return cls == HB_HARD ? "data race" : cls == HB_GIL ? "GIL race" : "race";
}

/* jansson accessors that never fail: missing fields read as empty. */
static const char *js(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static struct report_frame *frames_of(json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    if (!*n)
        return NULL;
    struct report_frame *f = report_xcalloc(*n, sizeof *f);
    for (size_t i = 0; i < *n; i++) {
        json_t *fr = json_array_get(arr, i);
        const char *file = js(fr, "file"), *fn = js(fr, "function");
        f[i].file = (char *)(file ? file : "?");
        f[i].function = (char *)(fn ? fn : "?");
        f[i].line = (int32_t)json_integer_value(json_object_get(fr, "line"));
    }
    return f;
}

int report_load_detail(const struct vr_report *rep, size_t i, struct vr_detail *d,
                       char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    const struct vr_race *vr = &rep->races[i];
    json_error_t je;
    json_t *o = json_loadb(rep->map + vr->off, vr->len, 0, &je);
    if (!o || !json_is_object(o)) {
        load_err(err, errlen, "%s: race %zu: %s", rep->path, i + 1, o ? "not an object" : je.text);
        json_decref(o);
        return -1;
    }
    d->root = o;
    struct race_report *r = &d->r;
    r->cls = vr->cls;
    r->variable = (char *)vr->variable;
    r->observed = vr->observed;
    r->count = vr->count;
    r->nitems = vr->items;
    const char *adv = js(o, "advice");
    r->advice = adv ? adv : "";
    json_t *accs = json_object_get(o, "accesses");
    for (int k = 0; k < 2; k++) {
        json_t *a = json_array_get(accs, (size_t)k);
        struct report_access *ra = &r->acc[k];
        const struct vr_side *vs = &vr->acc[k];
        json_t *th = json_object_get(a, "thread");
        const char *what = vs->what;
        ra->side = !what ? (!strcmp(vs->kind, "read") ? HB_SIDE_READ : HB_SIDE_WRITE)
                 : !strcmp(what, "native_window") ? HB_SIDE_WINDOW
                 : !strcmp(what, "operator_call") ? HB_SIDE_CALL_GLOBAL : HB_SIDE_CALL_ID;
        ra->kind = vs->kind;
        ra->thread.id = vs->tid;
        ra->thread.origin = vs->origin;
        ra->thread.name = (char *)vs->name;
        ra->thread.created_at = frames_of(json_object_get(th, "created_at"), &ra->thread.ncreated_at);
        json_t *task = json_object_get(th, "task");
        if (json_is_object(task)) {   /* a pool job's side */
            const char *pool = json_string_value(json_object_get(task, "pool"));
            ra->thread.task.pool = (char *)(pool ? pool : "?");
            ra->thread.task.index = (uint32_t)json_integer_value(json_object_get(task, "index"));
            ra->thread.task.submitter = (uint32_t)json_integer_value(json_object_get(task, "submitted_by"));
            ra->thread.task.submitted_at = frames_of(json_object_get(task, "submitted_at"),
                                                     &ra->thread.task.nsubmitted_at);
        }
        ra->gil = vs->gil;
        ra->stack = frames_of(json_object_get(a, "stack"), &ra->nstack);
        ra->native_stack = frames_of(json_object_get(a, "native_stack"), &ra->nnative);
        ra->what = (char *)js(a, "call");
        json_t *idx = json_object_get(a, "index");
        ra->index = json_is_integer(idx) ? json_integer_value(idx) : -1;
    }
    return 0;
}

void report_detail_free(struct vr_detail *d)
{
    for (int k = 0; k < 2; k++) {
        free(d->r.acc[k].thread.created_at);
        free(d->r.acc[k].thread.task.submitted_at);
        free(d->r.acc[k].stack);
        free(d->r.acc[k].native_stack);
    }
    json_decref(d->root);
    memset(d, 0, sizeof *d);
}
