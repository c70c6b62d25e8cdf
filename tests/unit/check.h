/* Assertions and scratch paths shared by the tracer's unit tests: a failed
 * check prints FILE:LINE and the expression and exits 1 (tests/cli/init.sh's
 * statuses: 0 pass, 1 fail, 99 harness broken). */
#ifndef BPYRACE_TEST_CHECK_H
#define BPYRACE_TEST_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                  \
    do {                                                                          \
        if (!(c)) {                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
            exit(1);                                                              \
        }                                                                         \
    } while (0)
#define CHECK_EQ(a, b)                                                                   \
    do {                                                                                 \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);   \
        if (a_ != b_) {                                                                  \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %llu, %s == %llu\n", __FILE__, \
                    __LINE__, #a, a_, #b, b_);                                           \
            exit(1);                                                                     \
        }                                                                                \
    } while (0)
#define CHECK_STR(a, b)                                                                       \
    do {                                                                                      \
        const char *a_ = (a), *b_ = (b);                                                      \
        if (!a_ || strcmp(a_, b_)) {                                                          \
            fprintf(stderr, "%s:%d: CHECK_STR failed: '%s' != '%s'\n", __FILE__, __LINE__,     \
                    a_ ? a_ : "(null)", b_);                                                  \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)

/* the test's scratch directory, set by its main() */
static char tmpdir[256];

static const char *tmp_path(const char *name)
{
    static char buf[4][512];
    static int k;
    char *p = buf[k++ % 4];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    return p;
}

/* Create the scratch directory ($TMPDIR or /tmp)/PREFIX-XXXXXX; false
 * (after perror) if it cannot be made: the harness is broken. */
static inline bool tmpdir_make(const char *prefix)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(tmpdir, sizeof tmpdir, "%s/%s-XXXXXX", base, prefix);
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return false;
    }
    return true;
}

/* Remove it with everything in it. */
static inline bool tmpdir_remove(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0;
}

#endif
