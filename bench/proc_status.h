/* The process's memory figures from /proc/self/status, for the benchmarks
 * and the tests that bound memory (tests/unit/test_trace_reader.c). */
#ifndef BPYRACE_PROC_STATUS_H
#define BPYRACE_PROC_STATUS_H

#include <stdio.h>

/* The "KEY: N kB" line of /proc/self/status (RssAnon, RssFile), -1 if none. */
static inline long bench_status_kb(const char *key)
{
    long kb = -1, v;
    char line[256], fmt[64];
    snprintf(fmt, sizeof fmt, "%s: %%ld", key);
    FILE *st = fopen("/proc/self/status", "r");
    while (st && fgets(line, sizeof line, st))
        if (sscanf(line, fmt, &v) == 1)
            kb = v;
    if (st)
        fclose(st);
    return kb;
}

#endif
