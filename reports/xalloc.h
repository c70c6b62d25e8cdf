/* Allocation helpers for the reports library: die on failure, so callers
 * never check for NULL (htop's xMalloc convention). */
#ifndef BPYRACE_XALLOC_H
#define BPYRACE_XALLOC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void *report_xdie(void)
{
    fputs("bpyrace: out of memory\n", stderr);
    abort();
}

static inline void *report_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    return p ? p : report_xdie();
}

static inline void *report_xrealloc(void *p, size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        return report_xdie();
    size_t bytes = n * size;
    p = realloc(p, bytes ? bytes : 1);
    return p ? p : report_xdie();
}

static inline char *report_xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    return d ? d : report_xdie();
}

#endif
