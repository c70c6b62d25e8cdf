/* Shared between the bpyrace command's files (main.c, run.c, dump.c). */
#ifndef BPYRACE_CLI_H
#define BPYRACE_CLI_H

#include <stdbool.h>
#include <stddef.h>

typedef const char *cli_STR;
typedef long cli_INT;
typedef bool cli_BOOL;

/* One field per line of options.def. */
struct cli_options {
#define BPR_OPTION(type, name, short, def, help) cli_##type name;
#include "options.def"
#undef BPR_OPTION
};

/* Subcommands: each returns the process exit status. */
int cli_run(const struct cli_options *o, char **argv);   /* argv: PROGRAM ARGS... NULL */
int cli_report(const struct cli_options *o, const char *trace_path);
int cli_dump(const char *trace_path);

/* The directory of the running bpyrace executable, where the shim and the
 * test hooks are looked for (run.c); false after printing why. */
bool cli_exe_dir(char *out, size_t len);
/* bpyrace's Python files (share/bpyrace: test hooks, pool hooks), found as
 * test_cmd.c says; false (with one error line unless QUIET) when missing. */
bool cli_share_dir(char *out, size_t len, bool quiet);

#endif
