/* --timeline FILE: the run as a Chrome/Perfetto JSON trace (docs/viewer.md,
 * "The timeline"): one track per thread, GIL-held spans with the RNA
 * accesses grouped per variable inside, native windows, sync and thread
 * events as instants, and a flow arrow between the two accesses of each
 * reported race.  Loads in ui.perfetto.dev and chrome://tracing. */
#ifndef BPYRACE_TIMELINE_H
#define BPYRACE_TIMELINE_H

#include "../tracer/trace_reader.h"
#include "race_report.h"

/* Write the timeline of R's events (rewinds R and reads them all again) and
 * SET's races to PATH ("-" = stdout).  Returns 0, or -1 after one line
 * "bpyrace: PATH: cannot write: ..." on stderr. */
int timeline_write(const char *path, struct trace_reader *r, const struct report_set *set);

#endif
