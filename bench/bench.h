/* What the analyzer benchmarks share: CPU time, feeding a trace to the
 * analyzer as report_trace does, and the process's memory (proc_status.h). */
#ifndef BPYRACE_BENCH_H
#define BPYRACE_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hb.h"
#include "proc_status.h"
#include "trace_reader.h"

/* CPU time of this (single-threaded) process: "one core", and the same
 * figure whatever else the machine is running. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The generated trace at PATH, or exit 99 after one line (the harness broke). */
static inline struct trace_reader *bench_open(const char *path)
{
    char err[512];
    struct trace_reader *rd = trace_open(path, err, sizeof err);
    if (!rd) {
        fprintf(stderr, "%s\n", err);
        exit(99);
    }
    return rd;
}

/* Every event of RD into H, in batches (so the analyzer can prefetch), as
 * report_trace does; returns the number fed. */
static inline uint64_t bench_feed(struct trace_reader *rd, struct hb *h)
{
    static struct trace_event batch[256];
    uint64_t fed = 0;
    size_t nb = 0;
    while (trace_next(rd, &batch[nb])) {
        fed++;
        if (++nb == 256) {
            hb_events(h, batch, nb);
            nb = 0;
        }
    }
    hb_events(h, batch, nb);
    return fed;
}

#endif
