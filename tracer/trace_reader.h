/* Trace reader: maps a trace file and yields its events in global (seq)
 * order, merging the per-thread chunks; definitions are loaded up front. */
#ifndef BPYRACE_TRACE_READER_H
#define BPYRACE_TRACE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "trace_format.h"

struct trace_event {
    uint64_t seq;
    uint32_t tid;     /* bpyrace thread id */
    uint8_t type;     /* enum trace_record_type (events only, never DEF_*) */
    uint8_t flags;
    uint16_t aux;
    uint32_t stack;
    uint32_t native_stack;   /* native stack id (TRF_NATIVE records), else 0 */
    uint64_t a;
    int64_t b;
};

struct trace_stack {
    uint32_t nframes;
    const struct trace_frame *frames;
};

struct trace_var {
    uint32_t id;
    uint32_t owner;    /* var id of the owning ID, 0 if none */
    uint16_t kind;     /* enum trace_var_kind */
    const char *path;  /* bpy.data.objects["Cube"].location */
};

struct trace_thread {
    uint32_t tid;
    uint32_t parent;       /* 0 for the main thread or unknown */
    uint8_t origin;        /* enum trace_origin, 0 unknown */
    const char *name;      /* Python thread name or NULL */
    uint32_t created_at;   /* stack id in the parent at pthread_create, 0 unknown */
    bool traced;           /* it has a chunk: it wrote events (others are only named by
                              other threads' events) */
    uint64_t last_seq;     /* the seq of its last event, 0 none (the analyzer frees a
                              finished thread's state after it) */
};

struct trace_reader;

/* Open PATH.  On failure returns NULL and writes a one-line message naming
 * the file and the problem into ERR. */
struct trace_reader *trace_open(const char *path, char *err, size_t errlen);
void trace_close(struct trace_reader *r);

/* The next event in seq order; false at the end. */
bool trace_next(struct trace_reader *r, struct trace_event *ev);
/* Restart iteration from the first event. */
void trace_rewind(struct trace_reader *r);

/* Lookups; NULL / "?" when unknown. */
const char *trace_string(const struct trace_reader *r, uint32_t id);
const struct trace_stack *trace_get_stack(const struct trace_reader *r, uint32_t id);
const struct trace_var *trace_get_var(const struct trace_reader *r, uint32_t id);
const struct trace_thread *trace_get_thread(const struct trace_reader *r, uint32_t tid);
uint32_t trace_var_count(const struct trace_reader *r);   /* highest var id + 1 */
uint32_t trace_thread_count(const struct trace_reader *r); /* highest tid + 1 */
const struct trace_file_header *trace_header(const struct trace_reader *r);

/* True when the process did not close the trace (killed or crashed): the
 * events up to the last complete record are still returned.  Tools print
 * TRACE_TRUNCATED_WARNING for it (trace_warning does not include it). */
#define TRACE_TRUNCATED_WARNING \
    "trace truncated: the process did not exit cleanly; events up to the last complete record are shown"

bool trace_truncated(const struct trace_reader *r);
/* The highest seq of an event read: after a truncation, events after it are
 * missing. */
uint64_t trace_last_seq(const struct trace_reader *r);
/* When the writer failed (disk full) and dropped events: the seq from which
 * on (about) they are missing; 0 when nothing was dropped. */
uint64_t trace_dropped_seq(const struct trace_reader *r);
/* Microseconds since the trace's start at event SEQ, interpolated between the
 * trace's TR_TIME points; -1 when the trace has none (written by hand, or by
 * a version that did not record time). */
double trace_time_us(const struct trace_reader *r, uint64_t seq);
/* Events / problems seen while loading: corrupt chunks skipped etc.
 * The warning is one or more '\n'-separated lines without a prefix. */
uint64_t trace_event_count(const struct trace_reader *r);
const char *trace_warning(const struct trace_reader *r); /* NULL if none */

#endif
