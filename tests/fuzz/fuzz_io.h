/* Shared by the fuzz harnesses: the readers take a path, so each input is
 * written to one private file per process first; the report printers'
 * stdio output goes to /dev/null (their fd 2 stays, for sanitizer reports). */
#ifndef BPYRACE_FUZZ_IO_H
#define BPYRACE_FUZZ_IO_H
#include <stddef.h>
#include <stdint.h>

/* The input as a file; its path (the same file every call). */
const char *fuzz_input_file(const uint8_t *data, size_t size, const char *suffix);
/* Point stdout and stderr (the FILE streams) at /dev/null around a call, so
 * that a long run does not print millions of reports. */
void fuzz_quiet_begin(void);
void fuzz_quiet_end(void);
#endif
