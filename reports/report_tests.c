/* bpyrace test: the run's tests (from the trace's marks, hb_tests.c) and
 * each race's tests, resolved to text; the per-test summary on stderr.
 * docs/testing.md. */
#include "race_report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../tracer/trace_reader.h"
#include "xalloc.h"

static char *rt_name(const struct trace_reader *r, uint32_t id)
{
    const char *s = id ? trace_string(r, id) : NULL;
    return s ? report_xstrdup(s) : NULL;
}

static int rt_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void rt_add_test(struct race_report *race, const char *id)
{
    for (size_t i = 0; i < race->ntests; i++)
        if (!strcmp(race->tests[i], id))
            return;
    race->tests = report_xrealloc(race->tests, race->ntests + 1, sizeof *race->tests);
    race->tests[race->ntests++] = report_xstrdup(id);
}

static bool rt_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void rt_add_leak(struct race_report *race, uint32_t thread, const char *from, const char *to)
{
    for (size_t i = 0; i < race->nleaks; i++)
        if (race->leaks[i].thread == thread && rt_eq(race->leaks[i].from, from) &&
            rt_eq(race->leaks[i].to, to))
            return;
    race->leaks = report_xrealloc(race->leaks, race->nleaks + 1, sizeof *race->leaks);
    race->leaks[race->nleaks++] = (struct report_leak){
        thread, from ? report_xstrdup(from) : NULL, to ? report_xstrdup(to) : NULL};
}

void report_race_tests_set(struct race_report *race, const struct trace_reader *r,
                           const struct hb_race *h)
{
    race->acc[0].test = rt_name(r, h->test1);
    race->acc[1].test = rt_name(r, h->test2);
    for (uint32_t i = 0; i < h->ntests; i++) {
        char *n = rt_name(r, h->tests[i]);
        if (n)
            rt_add_test(race, n);
        free(n);
    }
    for (uint32_t i = 0; i < h->nleaks; i++) {
        char *from = rt_name(r, h->leaks[i].from), *to = rt_name(r, h->leaks[i].to);
        rt_add_leak(race, h->leaks[i].tid, from, to);
        free(from);
        free(to);
    }
    if (race->ntests > 1)
        qsort(race->tests, race->ntests, sizeof *race->tests, rt_strcmp);
}

void report_race_tests_union(struct race_report *into, const struct race_report *from)
{
    for (size_t i = 0; i < from->ntests; i++)
        rt_add_test(into, from->tests[i]);
    for (size_t i = 0; i < from->nleaks; i++)
        rt_add_leak(into, from->leaks[i].thread, from->leaks[i].from, from->leaks[i].to);
    if (into->ntests > 1)
        qsort(into->tests, into->ntests, sizeof *into->tests, rt_strcmp);
}

void report_race_tests_free(struct race_report *race)
{
    for (size_t i = 0; i < race->ntests; i++)
        free(race->tests[i]);
    for (size_t i = 0; i < race->nleaks; i++) {
        free(race->leaks[i].from);
        free(race->leaks[i].to);
    }
    free(race->tests);
    free(race->leaks);
    free(race->fingerprint);
    race->fingerprint = NULL;
    race->tests = NULL;
    race->leaks = NULL;
    race->ntests = race->nleaks = 0;
}

static const char *rt_outcome(uint8_t o)
{
    switch (o) {
    case TRACE_OUTCOME_FAILED: return "failed";
    case TRACE_OUTCOME_SKIPPED: return "skipped";
    case TRACE_OUTCOME_ERROR: return "error";
    default: return "passed";
    }
}

void report_tests_build(struct report_set *set, const struct trace_reader *r, const struct hb *h)
{
    uint32_t n;
    const struct hb_test *t = hb_tests(h, &n);
    set->truncated = trace_truncated(r);
    if (!n)
        return;
    set->has_tests = true;
    set->tests = report_xcalloc(n, sizeof *set->tests);
    set->ntests = n;
    for (uint32_t i = 0; i < n; i++) {
        struct report_test *x = &set->tests[i];
        const char *id = trace_string(r, t[i].name);
        x->id = report_xstrdup(id ? id : "?");
        if (t[i].start_seq && !t[i].end_seq)
            x->outcome = set->truncated ? "crashed" : "unfinished";
        else
            x->outcome = rt_outcome(t[i].outcome);
        if (t[i].end_seq && t[i].end_us > t[i].start_us && t[i].start_us > 0)
            x->time = (double)(t[i].end_us - t[i].start_us) / 1e6;
        x->message = rt_name(r, t[i].message);
    }
}

void report_tests_free(struct report_set *set)
{
    for (size_t i = 0; i < set->ntests; i++) {
        free(set->tests[i].id);
        free(set->tests[i].message);
    }
    free(set->tests);
    set->tests = NULL;
    set->ntests = 0;
}

/* The per-test summary after the text report (F NULL: only the crash line,
 * which is always printed). */
void report_print_tests_summary(FILE *f, const struct report_set *set)
{
    for (size_t i = 0; i < set->ntests; i++)
        if (!strcmp(set->tests[i].outcome, "crashed"))
            fprintf(stderr, "bpyrace: the program died while test %s was running\n",
                    set->tests[i].id);
    if (!f || !set->has_tests)
        return;
    size_t racy = 0;
    for (size_t i = 0; i < set->ntests; i++) {
        size_t n = 0;
        const struct race_report *first = NULL;
        for (size_t k = 0; k < set->nraces; k++)
            for (size_t j = 0; j < set->races[k].ntests; j++)
                if (!strcmp(set->races[k].tests[j], set->tests[i].id)) {
                    first = first ? first : &set->races[k];
                    n++;
                }
        if (!n)
            continue;
        racy++;
        fprintf(f, "bpyrace: test %s: %zu race%s (%s on %s%s)\n", set->tests[i].id, n,
                n == 1 ? "" : "s", first->cls == HB_HARD ? "data race" : "GIL race",
                first->variable, n > 1 ? ", ..." : "");
    }
    /* threads leaking across tests, once each */
    for (size_t k = 0; k < set->nraces; k++)
        for (size_t j = 0; j < set->races[k].nleaks; j++) {
            const struct report_leak *l = &set->races[k].leaks[j];
            bool seen = false;
            for (size_t k2 = 0; k2 <= k && !seen; k2++)
                for (size_t j2 = 0; j2 < (k2 == k ? j : set->races[k2].nleaks) && !seen; j2++) {
                    const struct report_leak *m = &set->races[k2].leaks[j2];
                    seen = m->thread == l->thread && rt_eq(m->from, l->from) && rt_eq(m->to, l->to);
                }
            if (!seen)
                fprintf(f, "bpyrace: leak: thread T%u, created in test %s, races in %s\n", l->thread,
                        l->from, l->to ? l->to : "no test (between tests)");
        }
    size_t outside = 0;
    for (size_t k = 0; k < set->nraces; k++)
        outside += set->races[k].ntests == 0;
    fprintf(f, "bpyrace: %zu test%s, %zu with races", set->ntests, set->ntests == 1 ? "" : "s", racy);
    if (outside)
        fprintf(f, "; %zu race%s outside any test", outside, outside == 1 ? "" : "s");
    fputc('\n', f);
}

int report_write_file(const char *path, const struct report_set *set,
                      void (*print)(FILE *, const struct report_set *))
{
    if (!strcmp(path, "-")) {
        print(stdout, set);
        fflush(stdout);
        return 0;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bpyrace: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    print(f, set);
    if (fclose(f)) {
        fprintf(stderr, "bpyrace: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}
