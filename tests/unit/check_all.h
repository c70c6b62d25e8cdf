/* Assertions that let a test go on: a failed check prints FILE:LINE and a
 * message and is counted in `failures`, so one run reports every check that
 * fails (the shim's unit tests, whose checks are independent).  main()
 * returns 1 when failures is not 0.  check.h's CHECK stops at the first. */
#ifndef BPYRACE_TEST_CHECK_ALL_H
#define BPYRACE_TEST_CHECK_ALL_H

#include <stdio.h>

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#endif
