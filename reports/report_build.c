/* Turns the analyzer's races (ids into a trace) into resolved reports:
 * paths, frames, thread descriptions, advice; folds collection items and
 * sorts.  Printing is elsewhere (report_text.c, report_json.c). */
#include "race_report.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../tracer/trace_reader.h"
#include "xalloc.h"

static const char *report_origin(uint8_t origin)
{
    switch (origin) {
    case TRACE_ORIGIN_MAIN: return "main";
    case TRACE_ORIGIN_PYTHON: return "python";
    case TRACE_ORIGIN_BLENDER: return "blender";
    default: return "unknown";
    }
}

static char *report_str(const struct trace_reader *r, uint32_t id)
{
    const char *s = id ? trace_string(r, id) : NULL;
    return report_xstrdup(s ? s : "?");
}

/* Split a trace stack into its Python and native frames. */
static void report_frames(const struct trace_reader *r, uint32_t stack,
                          struct report_frame **py, size_t *npy,
                          struct report_frame **nat, size_t *nnat)
{
    const struct trace_stack *s = stack ? trace_get_stack(r, stack) : NULL;
    if (!s)
        return;
    for (uint32_t i = 0; i < s->nframes; i++) {
        const struct trace_frame *f = &s->frames[i];
        struct report_frame **arr = f->native && nat ? nat : py;
        size_t *n = f->native && nat ? nnat : npy;
        *arr = report_xrealloc(*arr, *n + 1, sizeof **arr);
        (*arr)[*n] = (struct report_frame){report_str(r, f->file),
                                           report_str(r, f->function), f->line};
        (*n)++;
    }
}

static void report_thread(const struct trace_reader *r, uint32_t tid, struct report_thread *t)
{
    const struct trace_thread *th = trace_get_thread(r, tid);
    t->id = tid;
    t->origin = report_origin(th ? th->origin : 0);
    t->name = th && th->name ? report_xstrdup(th->name) : NULL;
    t->parent = th ? th->parent : 0;
    if (th && th->created_at)
        report_frames(r, th->created_at, &t->created_at, &t->ncreated_at, NULL, NULL);
}

static void report_access(const struct trace_reader *r, const struct hb_side *s,
                          struct report_access *a)
{
    memset(a, 0, sizeof *a);
    a->side = s->kind;
    a->kind = s->kind == HB_SIDE_READ ? "read" : "write";
    report_thread(r, s->tid, &a->thread);
    if (s->task) {
        struct report_task *t = &a->thread.task;
        t->pool = s->task_known ? report_str(r, s->pool) : report_xstrdup("?");
        t->index = s->task_index;
        t->submitter = s->submitter;
        report_frames(r, s->submitted_at, &t->submitted_at, &t->nsubmitted_at, NULL, NULL);
    }
    a->gil = s->gil;
    report_frames(r, s->stack, &a->stack, &a->nstack, &a->native_stack, &a->nnative);
    report_frames(r, s->native_stack, &a->native_stack, &a->nnative, &a->native_stack, &a->nnative);
    if (s->kind == HB_SIDE_CALL_ID || s->kind == HB_SIDE_CALL_GLOBAL || (s->kind == HB_SIDE_WINDOW && s->what))
        a->what = report_str(r, s->what);
    a->index = s->index;
    a->seq = s->seq;
    a->end_seq = s->end_seq;
    a->time_us = trace_time_us(r, s->seq);
    a->end_time_us = s->end_seq ? trace_time_us(r, s->end_seq) : -1;
}

const char *report_window_site(const char *call, char *buf, size_t len)
{
    if (!call || !call[0])
        snprintf(buf, len, "GIL released by Blender");
    else if (!strcmp(call, TRACE_SITE_EVENT_LOOP))
        snprintf(buf, len, "GIL released by Blender's event loop");
    else if (!strcmp(call, TRACE_SITE_STARTUP))
        snprintf(buf, len, "GIL released by Blender's start-up");
    else if (!strcmp(call, TRACE_SITE_EXIT))
        snprintf(buf, len, "GIL released by Blender's exit");
    else if (!strcmp(call, TRACE_SITE_THREAD))
        snprintf(buf, len, "GIL released by a Blender thread's own work");
    else
        snprintf(buf, len, "GIL released by Blender in %s", call);
    return buf;
}

static const char *report_advice(const struct race_report *rr, bool registry)
{
    const struct report_access *a = rr->acc;
    if (registry)
        return "change Blender's registries (bpy.app.timers, bpy.utils.register_class, "
               "bpy.msgbus) only from the main thread: let a thread put its work on a "
               "queue.Queue and drain it in a timer the main thread registered";
    if (a[0].side == HB_SIDE_WINDOW || a[1].side == HB_SIDE_WINDOW)
        return "do not touch bpy data from a thread while Blender runs native work "
               "(scene.frame_set, depsgraph updates, operators, rendering); hand the work "
               "to the main thread (bpy.app.timers / a queue.Queue)";
    if (rr->cls == HB_HARD)
        return "an access ran without the GIL: touch bpy data only from Python code "
               "holding the GIL, on the main thread or under one threading.Lock shared "
               "by every access";
    if (a[0].what || a[1].what)
        return "guard the call and every access to this data with one threading.Lock, "
               "or hand the work to the main thread (bpy.app.timers / a queue.Queue)";
    return "guard every access to this property with one threading.Lock, or hand the "
           "work to the main thread (bpy.app.timers / a queue.Queue)";
}

/* ---- code locations, as text, for folding and ordering ---- */

static char *report_loc(const struct report_access *a)
{
    char buf[1024];
    if (a->nstack)
        snprintf(buf, sizeof buf, "%s:%09d:%s", a->stack[0].file, a->stack[0].line,
                 a->stack[0].function);
    else if (a->nnative)
        snprintf(buf, sizeof buf, "~%s:%09d:%s", a->native_stack[0].file,
                 a->native_stack[0].line, a->native_stack[0].function);
    else if (a->side == HB_SIDE_WINDOW)
        snprintf(buf, sizeof buf, "~native window %s", a->what ? a->what : "");
    else if (a->what)
        snprintf(buf, sizeof buf, "~call %s", a->what);
    else
        snprintf(buf, sizeof buf, "~unknown");
    return report_xstrdup(buf);
}

/* bpy.data.meshes["Mesh"].vertices[80].co -> bpy.data.meshes["Mesh"].vertices[#].co */
static char *report_fold_path(const char *p)
{
    char *out = report_xcalloc(strlen(p) + 1, 1), *o = out;
    while (*p) {
        if (*p == '[' && isdigit((unsigned char)p[1])) {
            const char *q = p + 1;
            while (isdigit((unsigned char)*q))
                q++;
            if (*q == ']') {
                memcpy(o, "[#]", 3);
                o += 3;
                p = q + 1;
                continue;
            }
        }
        *o++ = *p++;
    }
    return out;
}

/* Compare the numbers in [N] subscripts, left to right; paths compare as
 * strings otherwise, so [9] sorts before [10]. */
static int report_path_cmp(const char *a, const char *b)
{
    char prev = 0;
    while (*a && *b) {
        if (prev == '[' && isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            char *ea, *eb;
            unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
            if (x != y)
                return x < y ? -1 : 1;
            a = ea;
            b = eb;
            prev = 0;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        prev = *a;
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

struct report_tmp {
    struct race_report rr;
    uint32_t var;
    char *fold, *loc_lo, *loc_hi;
};

static int report_tmp_cmp(const void *pa, const void *pb)
{
    const struct report_tmp *a = pa, *b = pb;
    int c;
    if ((c = strcmp(a->fold, b->fold)) || (c = strcmp(a->loc_lo, b->loc_lo)) ||
        (c = strcmp(a->loc_hi, b->loc_hi)))
        return c;
    /* The representative first: strongest class, then lowest item. */
    if (a->rr.cls != b->rr.cls)
        return a->rr.cls > b->rr.cls ? -1 : 1;
    if ((c = report_path_cmp(a->rr.variable, b->rr.variable)))
        return c;
    return a->var < b->var ? -1 : a->var > b->var;
}

static void report_access_free(struct report_access *a)
{
    for (size_t i = 0; i < a->nstack; i++) {
        free(a->stack[i].file);
        free(a->stack[i].function);
    }
    for (size_t i = 0; i < a->nnative; i++) {
        free(a->native_stack[i].file);
        free(a->native_stack[i].function);
    }
    for (size_t i = 0; i < a->thread.ncreated_at; i++) {
        free(a->thread.created_at[i].file);
        free(a->thread.created_at[i].function);
    }
    for (size_t i = 0; i < a->thread.task.nsubmitted_at; i++) {
        free(a->thread.task.submitted_at[i].file);
        free(a->thread.task.submitted_at[i].function);
    }
    free(a->thread.task.submitted_at);
    free(a->thread.task.pool);
    free(a->stack);
    free(a->native_stack);
    free(a->thread.created_at);
    free(a->thread.name);
    free(a->what);
    free(a->test);
}

void report_race_free(struct race_report *rr)
{
    free(rr->variable);
    report_access_free(&rr->acc[0]);
    report_access_free(&rr->acc[1]);
    report_race_tests_free(rr);
}

void report_build(struct report_set *set, const struct trace_reader *r,
                  const struct hb_race *races, uint32_t nraces)
{
    struct report_tmp *tmp = report_xcalloc(nraces, sizeof *tmp);
    for (uint32_t i = 0; i < nraces; i++) {
        const struct hb_race *h = &races[i];
        struct report_tmp *t = &tmp[i];
        const struct trace_var *v = trace_get_var(r, h->var);
        char buf[64];
        snprintf(buf, sizeof buf, "<var %u>", h->var);
        t->var = h->var;
        t->rr.cls = h->cls;
        t->rr.variable = report_xstrdup(v && v->path ? v->path : buf);
        t->rr.observed = h->observed;
        t->rr.count = h->count;
        t->rr.nitems = 1;
        report_access(r, &h->first, &t->rr.acc[0]);
        report_access(r, &h->second, &t->rr.acc[1]);
        t->rr.advice = report_advice(&t->rr, v && v->kind == TRACE_VAR_REGISTRY);
        report_race_tests_set(&t->rr, r, h);
        t->fold = report_fold_path(t->rr.variable);
        char *l0 = report_loc(&t->rr.acc[0]), *l1 = report_loc(&t->rr.acc[1]);
        bool swap = strcmp(l0, l1) > 0;
        t->loc_lo = swap ? l1 : l0;
        t->loc_hi = swap ? l0 : l1;
    }
    if (nraces > 1)
        qsort(tmp, nraces, sizeof *tmp, report_tmp_cmp);

    set->races = report_xcalloc(nraces, sizeof *set->races);
    set->nraces = 0;
    for (uint32_t i = 0; i < nraces;) {
        uint32_t j = i + 1;
        while (j < nraces && !strcmp(tmp[i].fold, tmp[j].fold) &&
               !strcmp(tmp[i].loc_lo, tmp[j].loc_lo) && !strcmp(tmp[i].loc_hi, tmp[j].loc_hi))
            j++;
        /* tmp[i] is the representative; the name is the lowest item's. */
        struct race_report rr = tmp[i].rr;
        uint32_t lowest = i;
        for (uint32_t k = i + 1; k < j; k++) {
            rr.count += tmp[k].rr.count;
            report_race_tests_union(&rr, &tmp[k].rr);
            rr.observed = rr.observed || tmp[k].rr.observed;
            if (report_path_cmp(tmp[k].rr.variable, tmp[lowest].rr.variable) < 0)
                lowest = k;
        }
        /* Distinct variables: several entries of one variable come from
         * different hb locations printing alike. */
        uint32_t *vars = report_xcalloc(j - i, sizeof *vars);
        uint32_t nv = 0;
        for (uint32_t k = i; k < j; k++) {
            uint32_t m = 0;
            while (m < nv && vars[m] != tmp[k].var)
                m++;
            if (m == nv)
                vars[nv++] = tmp[k].var;
        }
        free(vars);
        rr.nitems = nv;
        if (lowest != i) {
            free(rr.variable);
            rr.variable = report_xstrdup(tmp[lowest].rr.variable);
        }
        set->races[set->nraces++] = rr;
        for (uint32_t k = i + 1; k < j; k++)
            report_race_free(&tmp[k].rr);
        i = j;
    }
    for (uint32_t i = 0; i < nraces; i++) {
        free(tmp[i].fold);
        free(tmp[i].loc_lo);
        free(tmp[i].loc_hi);
    }
    free(tmp);
    report_sort(set);
}

static int report_race_cmp(const void *pa, const void *pb)
{
    const struct race_report *a = pa, *b = pb;
    int c = report_path_cmp(a->variable, b->variable);
    if (c)
        return c;
    if (a->cls != b->cls)
        return a->cls < b->cls ? -1 : 1;
    for (int k = 0; k < 2; k++) {
        char *x = report_loc(&a->acc[k]), *y = report_loc(&b->acc[k]);
        c = strcmp(x, y);
        free(x);
        free(y);
        if (c)
            return c;
    }
    if (a->acc[0].thread.id != b->acc[0].thread.id)
        return a->acc[0].thread.id < b->acc[0].thread.id ? -1 : 1;
    if (a->acc[1].thread.id != b->acc[1].thread.id)
        return a->acc[1].thread.id < b->acc[1].thread.id ? -1 : 1;
    return 0;
}

void report_sort(struct report_set *set)
{
    if (set->nraces > 1)
        qsort(set->races, set->nraces, sizeof *set->races, report_race_cmp);
}

void report_set_free(struct report_set *set)
{
    for (size_t i = 0; i < set->nraces; i++)
        report_race_free(&set->races[i]);
    free(set->races);
    set->races = NULL;
    set->nraces = 0;
    free(set->incomplete_reason);
    set->incomplete_reason = NULL;
}
