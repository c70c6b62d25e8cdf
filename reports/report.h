/* Entry point from the CLI into analysis and reporting. */
#ifndef BPYRACE_REPORT_H
#define BPYRACE_REPORT_H

#include <stdbool.h>

struct report_options {
    const char *json_path;          /* NULL = none, "-" = stdout */
    const char *sarif_path;         /* later issue; NULL for now */
    const char *junit_path;         /* later issue */
    const char *timeline_path;      /* later issue */
    const char *suppressions_path;  /* NULL = none */
    bool quiet;                     /* no text report on stderr */
    int program_signal;             /* run: the signal the program died of, 0 none */
    int program_exit;               /* run: 1 + the status the program exited with, 0 unknown */
};

/* Analyze the trace at TRACE_PATH (and print / write the reports asked for).
 * Returns the number of races reported (after suppressions), or -1 after
 * printing one line "bpyrace: FILE: problem" to stderr for unusable input. */
int report_trace(const char *trace_path, const struct report_options *o);

#endif
