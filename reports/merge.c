/* bpyrace report --merge A.json B.json ...: the JSON reports of CI shards
 * read back (jansson) into one report set.  Races with the same SARIF
 * fingerprint are one race (counts added, tests joined, the stronger class
 * kept); tests are joined by id (the worse outcome kept).  docs/testing.md. */
#include "race_report.h"
#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* A string -> index map (open addressing): shards may hold many races and
 * tests, and a linear search per item made merging quadratic in them. */
struct mg_map {
    const char **keys;  /* not owned */
    size_t *vals;
    size_t n, cap;
};

static uint64_t mg_hash(const char *s)
{
    uint64_t x = 1469598103934665603ULL;
    while (*s)
        x = (x ^ (unsigned char)*s++) * 1099511628211ULL;
    return x;
}

/* The slot of KEY: its value's holder, or the empty slot where it goes. */
static size_t mg_slot(const struct mg_map *m, const char *key)
{
    size_t j = mg_hash(key) & (m->cap - 1);
    while (m->keys[j] && strcmp(m->keys[j], key))
        j = (j + 1) & (m->cap - 1);
    return j;
}

/* KEY's value, or (when absent) VAL inserted; KEY must outlive the map. */
static size_t mg_get_or_put(struct mg_map *m, const char *key, size_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        struct mg_map g = {NULL, NULL, m->n, m->cap ? m->cap * 2 : 64};
        g.keys = report_xcalloc(g.cap, sizeof *g.keys);
        g.vals = report_xcalloc(g.cap, sizeof *g.vals);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = mg_slot(&g, m->keys[i]);
                g.keys[j] = m->keys[i];
                g.vals[j] = m->vals[i];
            }
        free(m->keys);
        free(m->vals);
        *m = g;
    }
    size_t j = mg_slot(m, key);
    if (!m->keys[j]) {
        m->keys[j] = key;
        m->vals[j] = val;
        m->n++;
    }
    return m->vals[j];
}

static void mg_map_free(struct mg_map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* Append to an array whose capacity is N rounded up to a power of two. */
static void *mg_push(void *arr, size_t n, size_t elem)
{
    if (n == 0 || (n & (n - 1)) == 0)
        arr = report_xrealloc(arr, n ? 2 * n : 1, elem);
    return arr;
}

struct merge_ctx {
    struct report_set set;
    char (*fps)[33];
    struct mg_map by_fp;    /* fingerprint -> race index */
    struct mg_map by_test;  /* test id -> test index */
    char **pool;        /* advice strings (race_report.advice is not owned) */
    size_t npool;
};

static char *mg_dup(json_t *v)
{
    const char *s = json_string_value(v);
    return s ? report_xstrdup(s) : NULL;
}

static const char *mg_origin(const char *s)
{
    static const char *const names[] = {"main", "python", "blender"};
    for (int i = 0; i < 3; i++)
        if (s && !strcmp(s, names[i]))
            return names[i];
    return "unknown";
}

static void mg_frames(json_t *arr, struct report_frame **out, size_t *n)
{
    size_t i;
    json_t *fr;
    *n = 0;
    *out = NULL;
    if (!json_is_array(arr))
        return;
    *out = report_xcalloc(json_array_size(arr), sizeof **out);
    json_array_foreach(arr, i, fr) {
        const char *file = json_string_value(json_object_get(fr, "file"));
        const char *fn = json_string_value(json_object_get(fr, "function"));
        (*out)[*n] = (struct report_frame){report_xstrdup(file ? file : "?"),
                                           report_xstrdup(fn ? fn : "?"),
                                           (int32_t)json_integer_value(json_object_get(fr, "line"))};
        (*n)++;
    }
}

static void mg_access(json_t *j, struct report_access *a)
{
    memset(a, 0, sizeof *a);
    const char *kind = json_string_value(json_object_get(j, "kind"));
    const char *what = json_string_value(json_object_get(j, "what"));
    a->kind = kind && !strcmp(kind, "read") ? "read" : "write";
    a->side = !what ? (!strcmp(a->kind, "read") ? HB_SIDE_READ : HB_SIDE_WRITE)
            : !strcmp(what, "rna_call") ? HB_SIDE_CALL_ID
            : !strcmp(what, "operator_call") ? HB_SIDE_CALL_GLOBAL : HB_SIDE_WINDOW;
    json_t *t = json_object_get(j, "thread");
    a->thread.id = (uint32_t)json_integer_value(json_object_get(t, "id"));
    a->thread.origin = mg_origin(json_string_value(json_object_get(t, "origin")));
    a->thread.name = mg_dup(json_object_get(t, "name"));
    mg_frames(json_object_get(t, "created_at"), &a->thread.created_at, &a->thread.ncreated_at);
    json_t *task = json_object_get(t, "task");
    if (json_is_object(task)) {   /* a pool job's side */
        const char *pool = json_string_value(json_object_get(task, "pool"));
        a->thread.task.pool = report_xstrdup(pool ? pool : "?");
        a->thread.task.index = (uint32_t)json_integer_value(json_object_get(task, "index"));
        a->thread.task.submitter = (uint32_t)json_integer_value(json_object_get(task, "submitted_by"));
        mg_frames(json_object_get(task, "submitted_at"), &a->thread.task.submitted_at,
                  &a->thread.task.nsubmitted_at);
    }
    a->gil = json_is_true(json_object_get(j, "gil"));
    mg_frames(json_object_get(j, "stack"), &a->stack, &a->nstack);
    mg_frames(json_object_get(j, "native_stack"), &a->native_stack, &a->nnative);
    a->what = mg_dup(json_object_get(j, "call"));
    json_t *idx = json_object_get(j, "index");
    a->index = json_is_integer(idx) ? json_integer_value(idx) : -1;
    a->test = mg_dup(json_object_get(j, "test"));
    json_t *t0 = json_object_get(j, "time_us"), *t1 = json_object_get(j, "end_time_us");
    a->time_us = json_is_number(t0) ? json_number_value(t0) : -1;   /* (each shard's own clock) */
    a->end_time_us = json_is_number(t1) ? json_number_value(t1) : -1;
}

static int mg_outcome_rank(const char *o)
{
    static const char *const order[] = {"passed", "skipped", "failed", "unfinished", "error", "crashed"};
    for (int i = 0; i < 6; i++)
        if (!strcmp(o, order[i]))
            return i;
    return 0;
}

static const char *mg_outcome(const char *o)
{
    static const char *const names[] = {"passed", "skipped", "failed", "unfinished", "error", "crashed"};
    return names[mg_outcome_rank(o ? o : "passed")];
}

/* Move FROM's tests and leaks to INTO (a duplicate race's). */
static void mg_take_tests(struct race_report *into, struct race_report *from)
{
    for (size_t i = 0; i < from->ntests; i++) {
        into->tests = mg_push(into->tests, into->ntests, sizeof *into->tests);
        into->tests[into->ntests++] = from->tests[i];
    }
    for (size_t i = 0; i < from->nleaks; i++) {
        into->leaks = mg_push(into->leaks, into->nleaks, sizeof *into->leaks);
        into->leaks[into->nleaks++] = from->leaks[i];
    }
    from->ntests = from->nleaks = 0;
}

static int mg_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Each race's tests sorted and unique, its leaks unique in first-seen order. */
static void mg_finish(struct race_report *r)
{
    if (r->ntests > 1)
        qsort(r->tests, r->ntests, sizeof *r->tests, mg_strcmp);
    size_t j = 0;
    for (size_t i = 0; i < r->ntests; i++) {
        if (j && !strcmp(r->tests[j - 1], r->tests[i]))
            free(r->tests[i]);
        else
            r->tests[j++] = r->tests[i];
    }
    r->ntests = j;
    if (r->nleaks < 2)
        return;
    /* a leak's key: thread, from, to, separated by bytes no JSON string
     * decodes to here (jansson refuses \u0000; 0x01 marks "none") */
    char **keys = report_xcalloc(r->nleaks, sizeof *keys);
    struct mg_map seen = {0};
    j = 0;
    for (size_t i = 0; i < r->nleaks; i++) {
        const struct report_leak *l = &r->leaks[i];
        size_t n = 16 + (l->from ? strlen(l->from) : 1) + (l->to ? strlen(l->to) : 1) + 4;
        keys[i] = report_xcalloc(n, 1);
        snprintf(keys[i], n, "%u\x02%s\x02%s", l->thread, l->from ? l->from : "\x01",
                 l->to ? l->to : "\x01");
        if (mg_get_or_put(&seen, keys[i], i) != i) {
            free(r->leaks[i].from);
            free(r->leaks[i].to);
        } else {
            r->leaks[j++] = r->leaks[i];
        }
    }
    mg_map_free(&seen);
    for (size_t i = 0; i < r->nleaks; i++)
        free(keys[i]);
    free(keys);
    r->nleaks = j;
}

static int mg_file(struct merge_ctx *m, const char *path)
{
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root) {
        if (err.line > 0)
            fprintf(stderr, "bpyrace: %s: line %d: %s\n", path, err.line, err.text);
        else
            fprintf(stderr, "bpyrace: %s: %s\n", path, err.text);
        return -1;
    }
    json_t *races = json_object_get(root, "races");
    const char *tool = json_string_value(json_object_get(root, "tool"));
    if (!tool || strcmp(tool, "bpyrace") || !json_is_array(races)) {
        fprintf(stderr, "bpyrace: %s: not a bpyrace JSON report\n", path);
        json_decref(root);
        return -1;
    }
    struct report_set *set = &m->set;
    size_t i;
    json_t *jr;
    json_array_foreach(races, i, jr) {
        json_t *acc = json_object_get(jr, "accesses");
        if (json_array_size(acc) != 2)
            continue;
        struct race_report r;
        memset(&r, 0, sizeof r);
        const char *cls = json_string_value(json_object_get(jr, "class"));
        r.cls = cls && !strcmp(cls, "hard") ? HB_HARD : HB_GIL;
        const char *var = json_string_value(json_object_get(jr, "variable"));
        r.variable = report_xstrdup(var ? var : "?");
        r.observed = json_is_true(json_object_get(jr, "observed"));
        r.count = (uint64_t)json_integer_value(json_object_get(jr, "count"));
        json_t *items = json_object_get(jr, "items");
        r.nitems = json_is_integer(items) ? (uint32_t)json_integer_value(items) : 1;
        mg_access(json_array_get(acc, 0), &r.acc[0]);
        mg_access(json_array_get(acc, 1), &r.acc[1]);
        const char *adv = json_string_value(json_object_get(jr, "advice"));
        m->pool = mg_push(m->pool, m->npool, sizeof *m->pool);
        m->pool[m->npool] = report_xstrdup(adv ? adv : "");
        r.advice = m->pool[m->npool++];
        size_t k;
        json_t *v;
        json_array_foreach(json_object_get(jr, "tests"), k, v) {
            if (json_is_string(v)) {
                r.tests = mg_push(r.tests, r.ntests, sizeof *r.tests);
                r.tests[r.ntests++] = report_xstrdup(json_string_value(v));
            }
        }
        json_array_foreach(json_object_get(jr, "leaks"), k, v) {
            r.leaks = mg_push(r.leaks, r.nleaks, sizeof *r.leaks);
            r.leaks[r.nleaks++] = (struct report_leak){
                (uint32_t)json_integer_value(json_object_get(v, "thread")),
                mg_dup(json_object_get(v, "from")), mg_dup(json_object_get(v, "to"))};
        }
        r.fingerprint = mg_dup(json_object_get(jr, "fingerprint"));
        char fp[33];
        report_fingerprint(&r, fp);
        if (set->nraces == 0 || (set->nraces & (set->nraces - 1)) == 0) {
            /* (the map points into fps: rebuilt when fps moves) */
            m->fps = report_xrealloc(m->fps, set->nraces ? 2 * set->nraces : 1, sizeof *m->fps);
            mg_map_free(&m->by_fp);
            for (size_t q = 0; q < set->nraces; q++)
                mg_get_or_put(&m->by_fp, m->fps[q], q);
        }
        memcpy(m->fps[set->nraces], fp, 33);
        size_t at = mg_get_or_put(&m->by_fp, m->fps[set->nraces], set->nraces);
        if (at < set->nraces) {
            struct race_report *x = &set->races[at];
            x->count += r.count;
            x->observed = x->observed || r.observed;
            if (r.nitems > x->nitems)
                x->nitems = r.nitems;
            mg_take_tests(x, &r);   /* deduplicated once, at the end (mg_finish) */
            if (r.cls > x->cls) {   /* keep the stronger class's accesses */
                struct report_access tmp[2] = {x->acc[0], x->acc[1]};
                x->acc[0] = r.acc[0];
                x->acc[1] = r.acc[1];
                r.acc[0] = tmp[0];
                r.acc[1] = tmp[1];
                x->cls = r.cls;
                x->advice = r.advice;
            }
            report_race_free(&r);
        } else {
            set->races = mg_push(set->races, set->nraces, sizeof *set->races);
            set->races[set->nraces++] = r;
        }
    }
    json_t *tests = json_object_get(root, "tests");
    if (json_is_array(tests)) {
        set->has_tests = true;
        json_t *t;
        json_array_foreach(tests, i, t) {
            const char *id = json_string_value(json_object_get(t, "id"));
            if (!id)
                continue;
            const char *outcome = mg_outcome(json_string_value(json_object_get(t, "outcome")));
            size_t k = m->by_test.cap ? m->by_test.vals[mg_slot(&m->by_test, id)] : 0;
            if (!m->by_test.cap || !m->by_test.keys[mg_slot(&m->by_test, id)]) {
                set->tests = mg_push(set->tests, set->ntests, sizeof *set->tests);
                set->tests[set->ntests] = (struct report_test){
                    report_xstrdup(id), outcome, json_number_value(json_object_get(t, "time")),
                    mg_dup(json_object_get(t, "message"))};
                mg_get_or_put(&m->by_test, set->tests[set->ntests].id, set->ntests);
                set->ntests++;
            } else if (mg_outcome_rank(outcome) > mg_outcome_rank(set->tests[k].outcome)) {
                set->tests[k].outcome = outcome;
                free(set->tests[k].message);
                set->tests[k].message = mg_dup(json_object_get(t, "message"));
            }
        }
    }
    set->truncated = set->truncated || json_is_true(json_object_get(root, "truncated"));
    if (json_is_false(json_object_get(root, "complete")) && !set->incomplete) {
        /* a shard cut short: the merged report is too (the first one's point) */
        const char *why = json_string_value(json_object_get(root, "incomplete_reason"));
        json_t *after = json_object_get(root, "missing_after");
        json_t *us = json_object_get(after, "time_us");
        char reason[1200];
        snprintf(reason, sizeof reason, "%s: %s", path, why ? why : "cut short");
        set->incomplete = true;
        set->incomplete_reason = report_xstrdup(reason);
        set->missing_after_seq = (uint64_t)json_integer_value(json_object_get(after, "seq"));
        set->missing_after_us = json_is_number(us) ? json_number_value(us) : -1;
    }
    json_t *sum = json_object_get(root, "summary");
    set->events += (uint64_t)json_integer_value(json_object_get(sum, "events"));
    set->threads += (uint32_t)json_integer_value(json_object_get(sum, "threads"));
    set->suppressed += (size_t)json_integer_value(json_object_get(sum, "suppressed"));
    json_decref(root);
    return 0;
}

int report_merge(char **paths, int npaths, const struct report_options *o)
{
    struct merge_ctx m;
    memset(&m, 0, sizeof m);
    int ret = 0;
    for (int i = 0; i < npaths && ret == 0; i++)
        ret = mg_file(&m, paths[i]);
    if (ret == 0) {
        for (size_t i = 0; i < m.set.nraces; i++)
            mg_finish(&m.set.races[i]);
        report_sort(&m.set);
        if (!o->quiet)
            report_print_text(stderr, &m.set);
        report_print_tests_summary(o->quiet ? NULL : stderr, &m.set);
        ret = (int)m.set.nraces;
        if (o->json_path && report_write_file(o->json_path, &m.set, report_print_json))
            ret = -1;
        if (o->sarif_path && report_write_file(o->sarif_path, &m.set, report_print_sarif))
            ret = -1;
        if (o->junit_path && report_write_file(o->junit_path, &m.set, report_print_junit))
            ret = -1;
    }
    report_tests_free(&m.set);
    report_set_free(&m.set);
    for (size_t i = 0; i < m.npool; i++)
        free(m.pool[i]);
    free(m.pool);
    free(m.fps);
    mg_map_free(&m.by_fp);
    mg_map_free(&m.by_test);
    return ret;
}
