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
 * our own, mapped here; tables are mappings of their own.  Called with the
 * GIL held; the lock only keeps a caller that is not from corrupting the
 * block. */
#define _GNU_SOURCE
#include "pyshim.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define TEXT_BLOCK (256u << 10)

static char *text_next, *text_end;
static atomic_flag text_lock = ATOMIC_FLAG_INIT;

char *py_own_strndup(const char *s, size_t n)
{
    size_t need = (n + 1 + 7) & ~(size_t)7;
    if (need > TEXT_BLOCK / 4) {   /* (a custom property's key can be that long) */
        char *big = py_own_table(need);
        if (big)
            memcpy(big, s, n);
        return big;
    }
    while (atomic_flag_test_and_set_explicit(&text_lock, memory_order_acquire))
        ;
    char *r = NULL;
    if (!text_next || (size_t)(text_end - text_next) < need) {
        /* The rest of the old block is left: at most a quarter of one. */
        void *b = mmap(NULL, TEXT_BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (b != MAP_FAILED) {
            text_next = b;
            text_end = text_next + TEXT_BLOCK;
        }
    }
    if (text_next && (size_t)(text_end - text_next) >= need) {
        r = text_next;
        text_next += need;
    }
    atomic_flag_clear_explicit(&text_lock, memory_order_release);
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
    if (t)
        munmap(t, bytes);
}
