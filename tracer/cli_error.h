/* The CLI's one family of error prints (strace's error_prints.h shape).
 * Every message is one line on stderr starting "bpyrace: ". */
#ifndef BPYRACE_CLI_ERROR_H
#define BPYRACE_CLI_ERROR_H

/* Exit status for bpyrace's own usage and input errors (interface.md). */
#define CLI_EXIT_USAGE 2

/* "bpyrace: MSG" */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "bpyrace: MSG: strerror(errno)" */
void cli_perror(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "bpyrace: MSG (see bpyrace --help)"; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "bpyrace: FILE: warning: LINE", once per '\n'-separated line of TEXT. */
void cli_file_warning(const char *file, const char *text);

#endif
