/* For test programs with the shim linked in (tests/shim_unit.cmake): the
 * trace the program itself recorded. */
#ifndef BPYRACE_TEST_SHIM_TRACE_H
#define BPYRACE_TEST_SHIM_TRACE_H

#include <stdio.h>
#include <unistd.h>

#include "trace_reader.h"
#include "trace_writer.h"

/* Close the recording and open it (BASE.<pid>, BASE from BPYRACE_TRACE),
 * its name in PATH; NULL, said on stderr, when it cannot be read. */
static inline struct trace_reader *shim_test_trace(const char *base, char *path, size_t cap)
{
    char err[512];
    tw_close();
    snprintf(path, cap, "%s.%d", base, (int)getpid());
    struct trace_reader *r = trace_open(path, err, sizeof err);
    if (!r)
        fprintf(stderr, "%s\n", err);
    return r;
}

#endif
