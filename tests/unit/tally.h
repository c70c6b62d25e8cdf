/* Counted checks for the analyzer's unit tests: a failed CHECK prints
 * FILE:LINE, the test's name and the expression, and the test goes on, so
 * one run lists every failing rule.  main() reports the tally:
 * exit 1 when failures > 0. */
#ifndef BPYRACE_TEST_TALLY_H
#define BPYRACE_TEST_TALLY_H

#include <stdio.h>

static int failures, checks;
static const char *current_test;   /* set by each test case */

#define CHECK(cond)                                                              \
    do {                                                                         \
        checks++;                                                                \
        if (!(cond)) {                                                           \
            failures++;                                                          \
            fprintf(stderr, "%s:%d: %s: CHECK failed: %s\n", __FILE__, __LINE__, \
                    current_test, #cond);                                        \
        }                                                                        \
    } while (0)

#endif
