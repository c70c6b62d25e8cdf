/* bpyrace test and bpyrace report --merge (test_cmd.c; docs/testing.md). */
#ifndef BPYRACE_TEST_CMD_H
#define BPYRACE_TEST_CMD_H

#include "cli.h"

/* Run PROGRAM ARGS... (argv, NULL-terminated) like `run`, with bpyrace's
 * pytest plugin and unittest hook loaded into its Python. */
int cli_test(const struct cli_options *o, char **argv);
/* Merge the JSON reports FILES[0..n) and report as O asks. */
int cli_report_merge(const struct cli_options *o, char **files, int n);

#endif
