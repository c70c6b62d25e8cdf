/* bpyrace view TRACE|REPORT.json: the terminal report viewer (docs/viewer.md). */
#ifndef BPYRACE_VIEWER_H
#define BPYRACE_VIEWER_H

/* Run the viewer on PATH: a JSON report, or a trace (analyzed first, with
 * SUPPRESSIONS if not NULL).  Returns the exit status: 0, or 2 after one
 * line on stderr (no terminal, unreadable input). */
int viewer_main(const char *path, const char *suppressions);

#endif
