/* Resolved race reports: what the analyzer found, with every id turned into
 * text, so the printers (text, JSON, later SARIF/JUnit/viewer) only format
 * and a report set outlives the trace it came from (merging reads JSON back
 * into these).  Built by report_build.c; fields documented in docs/reports.md. */
#ifndef BPYRACE_RACE_REPORT_H
#define BPYRACE_RACE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hb.h"

struct report_frame {
    char *file;         /* native frames: module */
    char *function;     /* native frames: symbol or "??" */
    int32_t line;       /* native frames: offset in module */
};

/* A pool job (race model, "Tasks"): the side ran in it, on its worker. */
struct report_task {
    char *pool;                 /* the pool's name ("ThreadPoolExecutor-0"); NULL: not a task */
    uint32_t index;             /* its number in the pool, from 1; 0 unknown */
    uint32_t submitter;         /* the thread that submitted it, 0 unknown */
    struct report_frame *submitted_at;
    size_t nsubmitted_at;
};

struct report_thread {
    struct report_task task;    /* task.pool NULL unless the side ran in a pool job */
    uint32_t id;
    const char *origin;         /* "main" | "python" | "blender" | "unknown" (static) */
    char *name;                 /* Python thread name, NULL if none */
    uint32_t parent;            /* creating thread, 0 if none/unknown */
    struct report_frame *created_at;
    size_t ncreated_at;
};

struct report_access {
    uint8_t side;               /* enum hb_side_kind */
    const char *kind;           /* "read" | "write" (static); coarse sides write */
    struct report_thread thread;
    bool gil;
    struct report_frame *stack;         /* Python frames, innermost first */
    size_t nstack;
    struct report_frame *native_stack;  /* native frames, innermost first */
    size_t nnative;
    char *what;                 /* call side: the RNA function / operator; NULL otherwise */
    int64_t index;              /* array element / item index, -1 if none */
    uint64_t seq, end_seq;      /* window: open and close (0: never closed) */
    double time_us, end_time_us;/* the same in microseconds since the start, -1 unknown */
    char *test;                 /* bpyrace test: the test this access belongs to, NULL none */
};

struct report_leak {            /* a thread created in one test, accessing in another */
    uint32_t thread;
    char *from, *to;            /* test ids; to NULL: outside any test */
};

struct race_report {
    uint8_t cls;                /* enum hb_class */
    char *variable;             /* the lowest item's path when folded */
    bool observed;
    uint64_t count;
    uint32_t nitems;            /* collection items folded into this report (1 = none) */
    struct report_access acc[2];/* the earlier access first */
    const char *advice;         /* static */
    /* bpyrace test (report_tests.c): the tests whose code made the accesses
     * of any occurrence, sorted; leaks across tests */
    char **tests;
    size_t ntests;
    struct report_leak *leaks;
    size_t nleaks;
    char *fingerprint;          /* as read back from a JSON report (merge), NULL: computed */
};

/* One test of the run (bpyrace test), from the marks in the trace. */
struct report_test {
    char *id;                   /* pytest node id / unittest test id */
    const char *outcome;        /* "passed" "failed" "skipped" "error" "crashed" "unfinished" (static) */
    double time;                /* seconds, 0 unknown */
    char *message;              /* the test's own failure / skip message, NULL none */
};

struct report_set {
    struct race_report *races;
    size_t nraces;
    size_t suppressed;
    uint64_t events;
    uint32_t threads;
    int pid;
    /* bpyrace test: tests in run order; has_tests when the trace had marks */
    struct report_test *tests;
    size_t ntests;
    bool has_tests;
    bool truncated;             /* the program died: the last started test was running */
    /* The trace is cut short (docs/reports.md, "Incomplete runs"): events
     * after missing_after_seq are missing, for incomplete_reason. */
    bool incomplete;
    char *incomplete_reason;    /* owned; one line */
    uint64_t missing_after_seq; /* the last event known to be recorded */
    double missing_after_us;    /* its time since the start, -1 unknown */
};

struct trace_reader;

/* Resolve the analyzer's races against the trace's definitions, fold
 * collection items (vertices[80].co .. vertices[119].co at one pair of code
 * locations: one report, lowest index, nitems = 40) and sort. */
void report_build(struct report_set *set, const struct trace_reader *r,
                  const struct hb_race *races, uint32_t nraces);
/* Stable order: variable, class, then both code locations. */
void report_sort(struct report_set *set);
void report_set_free(struct report_set *set);
void report_race_free(struct race_report *race);

/* What opened a native window, for the printers: "GIL released by Blender in
 * Scene.frame_set", "... by Blender's event loop" (CALL: the window's what). */
const char *report_window_site(const char *call, char *buf, size_t len);

/* Printers: they only format.  Text goes to F in TSan's shape; nothing at
 * all when the set holds no race. */
void report_print_text(FILE *f, const struct report_set *set);
void report_print_json(FILE *f, const struct report_set *set);
/* bpyrace test (report_tests.c, report_junit.c, report_sarif.c, merge.c) */
void report_tests_build(struct report_set *set, const struct trace_reader *r, const struct hb *h);
void report_tests_free(struct report_set *set);
void report_race_tests_set(struct race_report *race, const struct trace_reader *r,
                           const struct hb_race *h);
void report_race_tests_free(struct race_report *race);
void report_race_tests_union(struct race_report *into, const struct race_report *from);
void report_print_tests_summary(FILE *f, const struct report_set *set);
void report_print_junit(FILE *f, const struct report_set *set);
void report_print_sarif(FILE *f, const struct report_set *set);
/* "bpyraceRace/v1" fingerprint: 32 hex digits, stable across runs and machines */
void report_fingerprint(const struct race_report *race, char out[33]);
/* Write with PRINT to PATH ("-" = stdout); 0 or -1 after one line on stderr. */
int report_write_file(const char *path, const struct report_set *set,
                      void (*print)(FILE *, const struct report_set *));
/* bpyrace report --merge: read JSON reports, merge, print as O asks.
 * Returns races found or -1. */
struct report_options;
int report_merge(char **paths, int npaths, const struct report_options *o);

/* Suppressions (suppress.c).  One rule per line, TYPE:PATTERN, '#' comments. */
struct supp_list;
/* Load PATH; on error prints "bpyrace: PATH[:LINE]: problem" to stderr and
 * returns NULL. */
struct supp_list *supp_load(const char *path);
bool supp_match(const struct supp_list *s, const struct race_report *race);
/* Drop matching races from SET, counting them in set->suppressed. */
void supp_apply(const struct supp_list *s, struct report_set *set);
void supp_free(struct supp_list *s);

#endif
