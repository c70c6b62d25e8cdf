/* Loading a JSON report (docs/reports.md) for the viewer.
 *
 * The list needs a handful of fields per race and must appear within half a
 * second for 100 000 races (bench/view_bench.sh); parsing a 150 MB report
 * into a jansson tree takes seconds.  So report_load() maps the file and
 * skims it once, keeping only the list fields and each race's byte range;
 * a race's full detail (stacks, advice) is parsed with jansson when it is
 * opened (report_load_detail). */
#ifndef BPYRACE_VIEWER_REPORT_LOAD_H
#define BPYRACE_VIEWER_REPORT_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "race_report.h"

/* One side as the list shows it.  Strings live in the load's arena. */
struct vr_side {
    const char *kind;       /* "read" | "write" */
    const char *what;       /* "rna_call" | "operator_call" | "native_window" | NULL */
    const char *origin;     /* "main" | "python" | "blender" | "unknown" */
    const char *name;       /* Python thread name, NULL if none */
    uint32_t tid;
    bool gil;
};

/* One race of the list. */
struct vr_race {
    const char *variable;
    uint8_t cls;            /* enum hb_class; 0 if the class is unknown */
    bool observed;
    uint64_t count;
    uint32_t items;         /* 1 when not folded */
    struct vr_side acc[2];  /* the earlier first */
    size_t off, len;        /* the race's JSON object in the file */
};

struct vr_arena;

struct vr_report {
    const char *path;
    struct vr_race *races;
    size_t nraces;
    uint64_t events;
    uint32_t threads;
    size_t suppressed;
    size_t ndata, ngil;     /* counted while loading */
    const char *map;        /* the file, mapped */
    size_t maplen;
    struct vr_arena *arena;
};

/* Full detail of one race: a struct race_report whose strings point into
 * the jansson tree kept in ROOT. */
struct vr_detail {
    struct race_report r;
    void *root;             /* json_t * */
};

/* Load PATH.  On failure returns -1 with one line "PATH: problem" in ERR. */
int report_load(const char *path, struct vr_report *rep, char *err, size_t errlen);
void report_unload(struct vr_report *rep);

/* Parse race I's full detail.  On failure returns -1 with a message in ERR. */
int report_load_detail(const struct vr_report *rep, size_t i, struct vr_detail *d,
                       char *err, size_t errlen);
void report_detail_free(struct vr_detail *d);

/* "data race" / "GIL race" (list: "DATA" / "GIL"). */
const char *report_class_name(uint8_t cls);

#endif
