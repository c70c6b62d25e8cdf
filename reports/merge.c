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

struct merge_ctx {
    struct report_set set;
    char (*fps)[33];
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

static int mg_file(struct merge_ctx *m, const char *path)
{
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root) {
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
        m->pool = report_xrealloc(m->pool, m->npool + 1, sizeof *m->pool);
        m->pool[m->npool] = report_xstrdup(adv ? adv : "");
        r.advice = m->pool[m->npool++];
        size_t k;
        json_t *v;
        json_array_foreach(json_object_get(jr, "tests"), k, v) {
            if (json_is_string(v)) {
                r.tests = report_xrealloc(r.tests, r.ntests + 1, sizeof *r.tests);
                r.tests[r.ntests++] = report_xstrdup(json_string_value(v));
            }
        }
        json_array_foreach(json_object_get(jr, "leaks"), k, v) {
            r.leaks = report_xrealloc(r.leaks, r.nleaks + 1, sizeof *r.leaks);
            r.leaks[r.nleaks++] = (struct report_leak){
                (uint32_t)json_integer_value(json_object_get(v, "thread")),
                mg_dup(json_object_get(v, "from")), mg_dup(json_object_get(v, "to"))};
        }
        r.fingerprint = mg_dup(json_object_get(jr, "fingerprint"));
        char fp[33];
        report_fingerprint(&r, fp);
        size_t at = 0;
        while (at < set->nraces && strcmp(m->fps[at], fp))
            at++;
        if (at < set->nraces) {
            struct race_report *x = &set->races[at];
            x->count += r.count;
            x->observed = x->observed || r.observed;
            if (r.nitems > x->nitems)
                x->nitems = r.nitems;
            report_race_tests_union(x, &r);
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
            set->races = report_xrealloc(set->races, set->nraces + 1, sizeof *set->races);
            m->fps = report_xrealloc(m->fps, set->nraces + 1, sizeof *m->fps);
            memcpy(m->fps[set->nraces], fp, 33);
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
            size_t k = 0;
            while (k < set->ntests && strcmp(set->tests[k].id, id))
                k++;
            if (k == set->ntests) {
                set->tests = report_xrealloc(set->tests, set->ntests + 1, sizeof *set->tests);
                set->tests[set->ntests++] = (struct report_test){
                    report_xstrdup(id), outcome, json_number_value(json_object_get(t, "time")),
                    mg_dup(json_object_get(t, "message"))};
            } else if (mg_outcome_rank(outcome) > mg_outcome_rank(set->tests[k].outcome)) {
                set->tests[k].outcome = outcome;
                free(set->tests[k].message);
                set->tests[k].message = mg_dup(json_object_get(t, "message"));
            }
        }
    }
    set->truncated = set->truncated || json_is_true(json_object_get(root, "truncated"));
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
    return ret;
}
