/* Happens-before analyzer (race model: docs/race-model.md).
 * Fed the events of one trace in seq order; keeps vector clocks per thread
 * and sync object, FastTrack-style epochs per variable, and native windows.
 * Memory grows with threads and variables, not with events. */
#ifndef BPYRACE_HB_H
#define BPYRACE_HB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../tracer/trace_reader.h"

enum hb_class { HB_GIL = 1, HB_HARD = 2 };

/* What one side of a race did. */
enum hb_side_kind {
    HB_SIDE_READ = 1,
    HB_SIDE_WRITE = 2,
    HB_SIDE_CALL_ID = 3,     /* RNA function call / ID removal: ID-level write */
    HB_SIDE_CALL_GLOBAL = 4, /* bpy.ops call: global write */
    HB_SIDE_WINDOW = 5,      /* native window (host GIL release .. acquire) */
};

struct hb_side {
    uint64_t seq;       /* the access (window: the host gil_release) */
    uint64_t end_seq;   /* window: the closing host gil_acquire, 0 if never closed */
    uint32_t tid;
    uint8_t kind;       /* enum hb_side_kind */
    bool gil;
    uint32_t stack;     /* Python stack id (window: stack at the release, may be 0) */
    uint32_t native_stack;
    int64_t index;      /* array element / item, -1 if none */
    uint32_t what;      /* string id naming the call/operator, 0 if none */
    /* a task's side (a pool job): tid is the worker that ran it */
    uint32_t task;      /* the task id, 0: not a task */
    bool task_known;    /* the fields below are known (kept for recent tasks only) */
    uint32_t pool;      /* string id of the pool's name */
    uint32_t task_index;/* its number in the pool, from 1 */
    uint32_t submitted_at; /* stack id where it was submitted */
    uint32_t submitter; /* the thread that submitted it (a worker when a task did) */
};

/* One distinct report: a pair of code locations on one variable. */
struct hb_race {
    uint8_t cls;        /* enum hb_class: the strongest seen for this pair */
    uint32_t var;       /* the fine variable (never the coarse ID/global one) */
    bool observed;      /* some occurrence interleaved in this run */
    uint64_t count;     /* accesses involved (on either side), each counted once */
    struct hb_side first;   /* earlier in seq order */
    struct hb_side second;
    /* bpyrace test (hb_tests.c): string ids of the tests whose code made the
     * accesses of any occurrence, and threads leaking from one test into
     * another; all empty when the trace has no test marks. */
    uint32_t ntests, nleaks;
    const uint32_t *tests;
    const struct hb_leak *leaks;
    uint32_t test1, test2;  /* the test of first / second (string id, 0 none) */
};

struct hb_leak {
    uint32_t tid;       /* the thread */
    uint32_t from, to;  /* string ids: test it was created in, test of the access */
};

struct hb;

struct hb *hb_new(const struct trace_reader *defs);
/* Feed one event (seq order).  Variable metadata (owner ID) comes from the
 * reader given to hb_new, and so do the threads: events of a thread the
 * reader has no chunk of are ignored (it wrote none). */
void hb_event(struct hb *h, const struct trace_event *ev);
/* The same for N consecutive events (faster: prefetches the state of the
 * events ahead). */
void hb_events(struct hb *h, const struct trace_event *ev, size_t n);
/* Finish: close open windows, return the races (owned by h), in a stable
 * order (by var path, then code locations). */
const struct hb_race *hb_races(struct hb *h, uint32_t *count);
/* Threads that produced at least one event; events fed. */
uint32_t hb_thread_count(const struct hb *h);
uint64_t hb_event_count(const struct hb *h);
/* Vector clock slots handed out: OS threads share them over time (an exited
 * thread's passes to a later one ordered after it), tasks have their own. */
uint32_t hb_slot_count(const struct hb *h);
void hb_free(struct hb *h);

/* The tests seen in the marks (hb_tests.c), in start order; NULL, 0 when
 * the trace has no test marks.  Owned by h. */
struct hb_test {
    uint32_t name;              /* string id of the test id */
    uint32_t tid;               /* the thread that ran it */
    uint64_t start_seq, end_seq;/* end 0: never ended */
    int64_t start_us, end_us;
    uint8_t outcome;            /* enum trace_outcome, 0 none seen */
    uint32_t message;           /* string id of its own failure message, 0 none */
};
const struct hb_test *hb_tests(const struct hb *h, uint32_t *count);

#endif
