/* Per-test attribution (docs/testing.md).  Marks come from the test runner's
 * thread.  An access belongs to the test open on its own thread when that
 * thread is the runner; any other thread's access belongs to the test
 * started last before it (a worker a test started, or a Blender thread,
 * works for the running test).  A thread created during test A whose
 * access falls in test B != A leaks across tests. */
#include "hb_tests.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct hb_tstate {      /* the state after one start/end mark */
    uint64_t seq;
    uint32_t runner;    /* tid of the thread that made the mark */
    uint32_t open;      /* test index + 1 open on the runner, 0 none */
    uint32_t last;      /* test index + 1 started last, 0 none */
};

struct hb_tset {
    uint32_t *tests;    /* string ids */
    uint32_t ntests, captests;
    struct hb_leak *leaks;
    uint32_t nleaks, capleaks;
};

struct hb_tests {
    struct hb_test *t;
    uint32_t n, cap;
    uint32_t *by_name;  /* per string id: test index + 1 */
    size_t nby_name;
    struct hb_tstate *st;
    size_t nst, capst;
    uint32_t *created;  /* per tid: test index + 1 current at its creation */
    size_t ncreated;
    struct hb_tset *sets;   /* set k is sets[k - 1] */
    uint32_t nsets, capsets;
};

struct hb_tests *hb_tests_new(void)
{
    return report_xcalloc(1, sizeof(struct hb_tests));
}

static uint32_t hb_tests_index(struct hb_tests *t, uint32_t name, uint32_t tid)
{
    if (name >= t->nby_name) {
        size_t n = t->nby_name ? t->nby_name : 64;
        while (n <= name)
            n *= 2;
        t->by_name = report_xrealloc(t->by_name, n, sizeof *t->by_name);
        memset(t->by_name + t->nby_name, 0, (n - t->nby_name) * sizeof *t->by_name);
        t->nby_name = n;
    }
    if (!t->by_name[name]) {
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 64;
            t->t = report_xrealloc(t->t, t->cap, sizeof *t->t);
        }
        memset(&t->t[t->n], 0, sizeof t->t[t->n]);
        t->t[t->n].name = name;
        t->t[t->n].tid = tid;
        t->by_name[name] = ++t->n;
    }
    return t->by_name[name] - 1;
}

/* The test an access (TID, SEQ) belongs to: index + 1, 0 none. */
static uint32_t hb_tests_at(const struct hb_tests *t, uint32_t tid, uint64_t seq)
{
    size_t lo = 0, hi = t->nst;   /* first state with seq > SEQ */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->st[mid].seq <= seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return 0;
    const struct hb_tstate *s = &t->st[lo - 1];
    if (tid == s->runner)
        return s->open;
    return s->last;
}

static void hb_tests_push(struct hb_tests *t, uint64_t seq, uint32_t runner, uint32_t open,
                          uint32_t last)
{
    if (t->nst == t->capst) {
        t->capst = t->capst ? t->capst * 2 : 64;
        t->st = report_xrealloc(t->st, t->capst, sizeof *t->st);
    }
    t->st[t->nst++] = (struct hb_tstate){seq, runner, open, last};
}

static uint8_t hb_outcome_rank(uint8_t o)
{
    switch (o) {
    case TRACE_OUTCOME_ERROR: return 4;
    case TRACE_OUTCOME_FAILED: return 3;
    case TRACE_OUTCOME_SKIPPED: return 2;
    case TRACE_OUTCOME_PASSED: return 1;
    default: return 0;
    }
}

void hb_tests_event(struct hb_tests *t, const struct trace_event *ev)
{
    if (!t)
        return;
    if (ev->type == TR_THREAD_CREATE) {
        uint32_t child = (uint32_t)ev->a;
        if (ev->a > UINT32_MAX || child > (1u << 24))
            return;
        if (child >= t->ncreated) {
            size_t n = t->ncreated ? t->ncreated : 64;
            while (n <= child)
                n *= 2;
            t->created = report_xrealloc(t->created, n, sizeof *t->created);
            memset(t->created + t->ncreated, 0, (n - t->ncreated) * sizeof *t->created);
            t->ncreated = n;
        }
        t->created[child] = hb_tests_at(t, ev->tid, ev->seq);
        return;
    }
    if (ev->type != TR_MARK || ev->a == 0 || ev->a > (1u << 28))
        return;
    uint32_t i = hb_tests_index(t, (uint32_t)ev->a, ev->tid);
    struct hb_test *x = &t->t[i];
    const struct hb_tstate *cur = t->nst ? &t->st[t->nst - 1] : NULL;
    switch (ev->aux) {
    case TRACE_MARK_START:
        x->start_seq = ev->seq;
        x->start_us = ev->b;
        x->tid = ev->tid;
        hb_tests_push(t, ev->seq, ev->tid, i + 1, i + 1);
        break;
    case TRACE_MARK_END:
        x->end_seq = ev->seq;
        x->end_us = ev->b;
        hb_tests_push(t, ev->seq, ev->tid, 0, cur ? cur->last : i + 1);
        break;
    case TRACE_MARK_OUTCOME:
        if (ev->b > 0 && ev->b <= TRACE_OUTCOME_ERROR &&
            hb_outcome_rank((uint8_t)ev->b) > hb_outcome_rank(x->outcome))
            x->outcome = (uint8_t)ev->b;
        break;
    case TRACE_MARK_MESSAGE:
        if (!x->message && ev->b > 0 && ev->b <= UINT32_MAX)
            x->message = (uint32_t)ev->b;
        break;
    }
}

static void hb_tset_add_test(struct hb_tset *s, uint32_t name)
{
    for (uint32_t i = s->ntests; i > 0; i--)
        if (s->tests[i - 1] == name)
            return;
    if (s->ntests == s->captests) {
        s->captests = s->captests ? s->captests * 2 : 4;
        s->tests = report_xrealloc(s->tests, s->captests, sizeof *s->tests);
    }
    s->tests[s->ntests++] = name;
}

static void hb_tset_add_leak(struct hb_tset *s, uint32_t tid, uint32_t from, uint32_t to)
{
    for (uint32_t i = 0; i < s->nleaks; i++)
        if (s->leaks[i].tid == tid && s->leaks[i].from == from && s->leaks[i].to == to)
            return;
    if (s->nleaks == s->capleaks) {
        s->capleaks = s->capleaks ? s->capleaks * 2 : 2;
        s->leaks = report_xrealloc(s->leaks, s->capleaks, sizeof *s->leaks);
    }
    s->leaks[s->nleaks++] = (struct hb_leak){tid, from, to};
}

static void hb_tests_side(struct hb_tests *t, struct hb_tset *s, uint32_t tid, uint64_t seq)
{
    uint32_t at = hb_tests_at(t, tid, seq);
    if (at)
        hb_tset_add_test(s, t->t[at - 1].name);
    uint32_t from = tid < t->ncreated ? t->created[tid] : 0;
    if (from && from != at)
        hb_tset_add_leak(s, tid, t->t[from - 1].name, at ? t->t[at - 1].name : 0);
}

void hb_tests_note(struct hb_tests *t, uint32_t *set, uint32_t tida, uint64_t seqa,
                   uint32_t tidb, uint64_t seqb)
{
    if (!t || !t->nst)
        return;
    if (!*set) {
        if (t->nsets == t->capsets) {
            t->capsets = t->capsets ? t->capsets * 2 : 64;
            t->sets = report_xrealloc(t->sets, t->capsets, sizeof *t->sets);
        }
        memset(&t->sets[t->nsets], 0, sizeof t->sets[t->nsets]);
        *set = ++t->nsets;
    }
    struct hb_tset *s = &t->sets[*set - 1];
    hb_tests_side(t, s, tida, seqa);
    hb_tests_side(t, s, tidb, seqb);
}

void hb_tests_fill(const struct hb_tests *t, uint32_t set, struct hb_race *out)
{
    if (!t)
        return;
    uint32_t a = hb_tests_at(t, out->first.tid, out->first.seq);
    uint32_t b = hb_tests_at(t, out->second.tid, out->second.seq);
    out->test1 = a ? t->t[a - 1].name : 0;
    out->test2 = b ? t->t[b - 1].name : 0;
    if (!set || set > t->nsets)
        return;
    const struct hb_tset *s = &t->sets[set - 1];
    out->tests = s->tests;
    out->ntests = s->ntests;
    out->leaks = s->leaks;
    out->nleaks = s->nleaks;
}

const struct hb_test *hb_tests_list(const struct hb_tests *t, uint32_t *count)
{
    *count = t ? t->n : 0;
    return t ? t->t : NULL;
}

void hb_tests_free(struct hb_tests *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->nsets; i++) {
        free(t->sets[i].tests);
        free(t->sets[i].leaks);
    }
    free(t->sets);
    free(t->t);
    free(t->by_name);
    free(t->st);
    free(t->created);
    free(t);
}
