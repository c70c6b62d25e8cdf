/* The recorder's own long-lived memory, kept out of the program's heap.
 *
 * Blender's allocator (jemalloc) tunes each thread's caches to the pattern
 * of allocations it sees.  The recorder's interned texts (variable paths of
 * 30 to 50 bytes, kept for the whole process) and its tables (grown by
 * doubling), taken from that same heap on Blender's main thread between
 * Blender's own short-lived blocks, made Blender's allocations slower long
 * after: in the operators of bench/typical_addon.py, jemalloc refilled its
 * 48-byte cache 47,700 times instead of 21,000, about 2 ms of a 100 ms
 * script (docs/performance.md, "Eighth pass").  Texts come from blocks of
 * our own, mapped here; tables are mappings of their own; the first of both,
 * and the memos, from the hot region below.  Called with the
 * GIL held; the lock only keeps a caller that is not from corrupting the
 * block. */
#define _GNU_SOURCE
#include "pyshim.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define TEXT_BLOCK (256u << 10)

/* The tables every access reads (the attribute, property, stack and path
 * memos, and the first variable, string, stack and chain tables: about 3
 * MiB) and the first interned texts share one region backed by transparent
 * huge pages where the kernel allows it.  Spread over 700 pages of 4 KiB
 * they cost a TLB miss on most lookups and pushed Blender's own entries out
 * of the TLB: on a PVM guest a random read of 4 MiB took 10.7 ns in 4 KiB
 * pages against 5.5 in huge ones (docs/performance.md, "Thirteenth pass").
 * Where the kernel gives no huge pages (THP "never") the region is plain
 * pages, as before. */
#define HOT_REGION (4u << 20)
#define HUGE_PAGE (2u << 20)

static char *hot_start, *hot_next, *hot_end;
static char *text_next, *text_end;
static atomic_flag own_lock = ATOMIC_FLAG_INIT;

static void own_lock_take(void)
{
    while (atomic_flag_test_and_set_explicit(&own_lock, memory_order_acquire))
        ;
}

static void own_lock_drop(void)
{
    atomic_flag_clear_explicit(&own_lock, memory_order_release);
}

static bool hot_region_map(void)
{
    char *m = mmap(NULL, HOT_REGION + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return false;
    /* Huge pages need a region aligned to their size: trim both ends. */
    char *a = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (a > m)
        munmap(m, (size_t)(a - m));
    if (a + HOT_REGION < m + HOT_REGION + HUGE_PAGE)
        munmap(a + HOT_REGION, (size_t)(m + HOT_REGION + HUGE_PAGE - (a + HOT_REGION)));
#ifdef MADV_HUGEPAGE
    (void)madvise(a, HOT_REGION, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
    (void)madvise(a, HOT_REGION, MADV_POPULATE_WRITE);
#endif
    hot_start = hot_next = a;
    hot_end = a + HOT_REGION;
    return true;
}

/* NEED bytes (a multiple of 128: the memos' sets are cache-line aligned)
 * of the hot region, or NULL when it is used up.  Under own_lock. */
static char *hot_take(size_t need)
{
    if (!need || (!hot_start && !hot_region_map()) || (size_t)(hot_end - hot_next) < need)
        return NULL;
    char *r = hot_next;
    hot_next += need;
    return r;
}

void *py_hot_table(size_t bytes)
{
    own_lock_take();
    char *r = hot_take((bytes + 127) & ~(size_t)127);
    own_lock_drop();
    return r ? r : py_own_table(bytes);
}

char *py_own_strndup(const char *s, size_t n)
{
    size_t need = (n + 1 + 7) & ~(size_t)7;
    if (need > TEXT_BLOCK / 4) {   /* (a custom property's key can be that long) */
        char *big = py_own_table(need);
        if (big)
            memcpy(big, s, n);
        return big;
    }
    own_lock_take();
    char *r = NULL;
    if (!text_next || (size_t)(text_end - text_next) < need) {
        /* The rest of the old block is left: at most a quarter of one. */
        char *b = hot_take(TEXT_BLOCK);
        if (!b) {
            /* (not populated: texts fill a block slowly, and most runs need none of these) */
            void *m = mmap(NULL, TEXT_BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            b = m == MAP_FAILED ? NULL : m;
        }
        if (b) {
            text_next = b;
            text_end = text_next + TEXT_BLOCK;
        }
    }
    if (text_next && (size_t)(text_end - text_next) >= need) {
        r = text_next;
        text_next += need;
    }
    own_lock_drop();
    if (r) {
        memcpy(r, s, n);
        r[n] = 0;
    }
    return r;
}

void *py_own_table(size_t bytes)
{
    if (!bytes)
        return NULL;
    void *t = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED)
        return NULL;
#ifdef MADV_POPULATE_WRITE
    /* A table filled one key at a time lands on a page at random: a fault
     * per page, each several times the cost of populating the page with the
     * others (on a PVM guest, 7 us against 1.4: docs/performance.md, "Fifth
     * pass").  Mapped zero pages need no clearing. */
    (void)madvise(t, bytes, MADV_POPULATE_WRITE);
#endif
    return t;
}

void py_own_table_free(void *t, size_t bytes)
{
    if ((uintptr_t)t >= (uintptr_t)hot_start && (uintptr_t)t < (uintptr_t)hot_end)
        return;   /* (a first table outgrown: its part of the region stays unused) */
    if (t)
        munmap(t, bytes);
}
