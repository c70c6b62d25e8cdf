/* Allocation helpers for the reports library: die on failure, so callers
 * never check for NULL (htop's xMalloc convention). */
#ifndef BPYRACE_XALLOC_H
#define BPYRACE_XALLOC_H

#include <stdint.h>
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

/* Grow ARR (N elements of ELEM bytes, the new ones zeroed) until INDEX is in
 * it, doubling from FIRST; returns the array, *N updated. */
static inline void *report_xgrow(void *arr, uint32_t *n, uint32_t index, size_t elem, uint32_t first)
{
    if (index < *n)
        return arr;
    if (index == UINT32_MAX)   /* its length would not fit *n */
        return report_xdie();
    uint64_t m = *n ? *n : first;   /* 64-bit: doubling past 2^31 must not wrap to 0 */
    while (m <= index)
        m *= 2;
    if (m > UINT32_MAX)
        m = (uint64_t)index + 1;
    arr = report_xrealloc(arr, m, elem);
    memset((char *)arr + (size_t)*n * elem, 0, (size_t)(m - *n) * elem);
    *n = (uint32_t)m;
    return arr;
}

static inline char *report_xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    return d ? d : report_xdie();
}

#endif
