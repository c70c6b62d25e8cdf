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

struct report_thread {
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
};

struct race_report {
    uint8_t cls;                /* enum hb_class */
    char *variable;             /* the lowest item's path when folded */
    bool observed;
    uint64_t count;
    uint32_t nitems;            /* collection items folded into this report (1 = none) */
    struct report_access acc[2];/* the earlier access first */
    const char *advice;         /* static */
};

struct report_set {
    struct race_report *races;
    size_t nraces;
    size_t suppressed;
    uint64_t events;
    uint32_t threads;
    int pid;
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

/* Printers: they only format.  Text goes to F in TSan's shape; nothing at
 * all when the set holds no race. */
void report_print_text(FILE *f, const struct report_set *set);
void report_print_json(FILE *f, const struct report_set *set);

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
