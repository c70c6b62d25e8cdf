/* A quiet library's lock calls bypass the shim (shim/quiet.c): this program,
 * with the shim's sources linked in, loads libjemalloc_bprtest.so (bound at
 * load: its PLT slots lead to the wrappers here) and, after one call of its
 * that the shim classifies, reads its PLT slots by symbol name: the mutex,
 * condvar and semaphore ones must lead to the real (libc) functions, the
 * rwlock ones still to the wrappers (they keep read-lock marks), and none of
 * its lock calls may be in the trace.  Exit 0 pass, 1 fail, 99 harness broken. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_reader.h"
#include "trace_writer.h"
#include "check_all.h"
#include "shim_trace.h"

/* The shim activates only in a process with libpython. */
__attribute__((visibility("default"))) char _PyRuntime[64];

struct slot_query {
    const char *lib, *name;
    void **slot;
};

/* The library's PLT slot for symbol NAME, found through its own symbol
 * table (independently of how quiet.c finds slots: by their values). */
static int find_slot(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct slot_query *q = data;
    if (!info->dlpi_name || !strstr(info->dlpi_name, q->lib))
        return 0;
    uintptr_t base = info->dlpi_addr, jmprel = 0, symtab = 0, strtab = 0;
    size_t pltsz = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        if (info->dlpi_phdr[i].p_type != PT_DYNAMIC)
            continue;
        for (const ElfW(Dyn) *d = (const void *)(base + info->dlpi_phdr[i].p_vaddr); d->d_tag != DT_NULL; d++) {
            if (d->d_tag == DT_JMPREL)
                jmprel = d->d_un.d_ptr;
            else if (d->d_tag == DT_PLTRELSZ)
                pltsz = d->d_un.d_val;
            else if (d->d_tag == DT_SYMTAB)
                symtab = d->d_un.d_ptr;
            else if (d->d_tag == DT_STRTAB)
                strtab = d->d_un.d_ptr;
        }
    }
    if (!jmprel || !symtab || !strtab)
        return 1;
    jmprel += jmprel < base ? base : 0;
    symtab += symtab < base ? base : 0;
    strtab += strtab < base ? base : 0;
    const ElfW(Rela) *r = (const void *)jmprel;
    const ElfW(Sym) *syms = (const void *)symtab;
    for (size_t i = 0; i < pltsz / sizeof *r; i++)
        if (!strcmp((const char *)strtab + syms[ELF64_R_SYM(r[i].r_info)].st_name, q->name))
            q->slot = (void **)(base + r[i].r_offset);
    return 1;
}

static void *plt_target(const char *name)
{
    struct slot_query q = {"libjemalloc_bprtest", name, NULL};
    dl_iterate_phdr(find_slot, &q);
    return q.slot ? *q.slot : NULL;
}

int main(int argc, char **argv)
{
    const char *base = getenv("BPYRACE_TRACE");
    if (argc != 2 || !base) {
        fprintf(stderr, "usage: BPYRACE_TRACE=FILE test_quiet_bypass LIB\n");
        return 99;
    }
    if (!tw_is_open()) {
        fprintf(stderr, "the shim is not recording (BPYRACE_TRACE?)\n");
        return 99;
    }
    void *lib = dlopen(argv[1], RTLD_NOW);   /* every slot bound now */
    int (*cycle)(pthread_mutex_t *, pthread_cond_t *, sem_t *, pthread_rwlock_t *) =
        lib ? (int (*)(pthread_mutex_t *, pthread_cond_t *, sem_t *, pthread_rwlock_t *))dlsym(lib, "quiet_lib_cycle") : NULL;
    if (!cycle) {
        fprintf(stderr, "%s: %s\n", argv[1], dlerror());
        return 99;
    }
    static const char *const bypassed[] = {"pthread_mutex_lock", "pthread_mutex_trylock", "pthread_mutex_unlock",
                                           "pthread_cond_signal", "sem_post", "sem_wait"};
    static const char *const kept[] = {"pthread_rwlock_rdlock", "pthread_rwlock_unlock"};
    for (size_t i = 0; i < sizeof bypassed / sizeof *bypassed; i++)
        CHECK(plt_target(bypassed[i]) == dlsym(RTLD_DEFAULT, bypassed[i]),
              "%s: bound to the wrapper before any call", bypassed[i]);

    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
    sem_t s;
    sem_init(&s, 0, 0);
    CHECK(cycle(&m, &c, &s, &rw) == 0, "the library's first cycle works");
    for (size_t i = 0; i < sizeof bypassed / sizeof *bypassed; i++)
        CHECK(plt_target(bypassed[i]) == dlsym(RTLD_NEXT, bypassed[i]),
              "%s: leads to the real function after a classified call", bypassed[i]);
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++)
        CHECK(plt_target(kept[i]) == dlsym(RTLD_DEFAULT, kept[i]), "%s: still the wrapper", kept[i]);
    CHECK(cycle(&m, &c, &s, &rw) == 0, "the library's cycle works through the real functions");

    /* The program's own lock is still recorded; the library's never. */
    pthread_mutex_t mine = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mine);
    pthread_mutex_unlock(&mine);
    char path[4200];
    struct trace_reader *tr = shim_test_trace(base, path, sizeof path);
    if (!tr)
        return 99;
    int mine_events = 0, lib_events = 0;
    struct trace_event ev;
    while (trace_next(tr, &ev)) {
        if (ev.type != TR_ACQUIRE && ev.type != TR_RELEASE)
            continue;
        mine_events += ev.a == (uint64_t)(uintptr_t)&mine;
        lib_events += ev.a == (uint64_t)(uintptr_t)&m || ev.a == (uint64_t)(uintptr_t)&c ||
                      ev.a == (uint64_t)(uintptr_t)&s || ev.a == (uint64_t)(uintptr_t)&rw;
    }
    trace_close(tr);
    CHECK(mine_events == 2, "the program's own lock: %d events, expected 2", mine_events);
    CHECK(lib_events == 0, "the quiet library's locks: %d events, expected 0", lib_events);
    if (failures)
        return 1;
    printf("quiet bypass: 6 slots to the real functions, 2 kept, 0 library events\n");
    return 0;
}
