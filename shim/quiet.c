/* Which call sites' locks are not the program's synchronization
 * (docs/design.md, "Locks that are not the program's synchronization"):
 * locks taken inside a memory allocator, libunwind (the shim's own), and the
 * graphics stack (Mesa's drivers and their LLVM, GLX/EGL, X11/xcb, Wayland,
 * NVIDIA's driver).  Decided by the library that holds the caller's return
 * address, once per call site: libraries loaded later (the GL driver is
 * dlopen'ed when the window opens) are found as their call sites appear. */
#define _GNU_SOURCE
#include "shim.h"

#include <link.h>
#include <stdatomic.h>
#include <string.h>

static bool is_quiet_library(const char *path)
{
    static const char *const quiet[] = {
        /* allocators: an arena lock shared by two threads would order their
         * unrelated accesses (TSan ignores malloc's internals too) */
        "libjemalloc", "libtcmalloc",
        /* the shim's own unwinder (--native-stacks) */
        "libunwind",
        /* the graphics stack: its locks order its own worker threads
         * (llvmpipe's rasterizer and shader compiler) and the GL calls of
         * Blender's main thread; under an idle window they are 90 % of all
         * lock events, and no bpy access is ordered through them */
        "_dri.so", "libgallium", "libLLVM", "libGL.so", "libGLX", "libGLdispatch",
        "libglapi", "libEGL", "libOpenGL", "libgbm", "libdrm", "libvulkan",
        "libnvidia-", "libX11", "libxcb", "libxshmfence", "libwayland-",
    };
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++)
        if (strstr(base, quiet[i]))
            return true;
    return false;
}

/* ---- bypass: a quiet library's PLT slots that lead to the shim's lock
 * wrappers are pointed at the real functions (sync.c says which).  Only
 * slots already bound are changed (lazy binding fills the others on their
 * first call, and a later call site's classification comes back here), and
 * only in writable, non-RELRO memory, so no page protection changes: each
 * slot is one aligned pointer store of a valid target, safe while other
 * threads call through it. */
#if defined(__x86_64__)
#define PLT_RELOC R_X86_64_JUMP_SLOT
#elif defined(__aarch64__)
#define PLT_RELOC R_AARCH64_JUMP_SLOT
#endif

static bool writable_slot(const struct dl_phdr_info *info, uintptr_t slot)
{
    bool in_rw = false;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (slot < lo || slot + sizeof(void *) > hi)
            continue;
        if (ph->p_type == PT_GNU_RELRO)
            return false;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W))
            in_rw = true;
    }
    return in_rw && slot % sizeof(void *) == 0;
}

static void bypass_library(const struct dl_phdr_info *info)
{
#ifdef PLT_RELOC
    uintptr_t base = info->dlpi_addr;
    const ElfW(Dyn) *dyn = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
            dyn = (const ElfW(Dyn) *)(base + info->dlpi_phdr[i].p_vaddr);
    if (!dyn || !base)
        return;
    uintptr_t jmprel = 0;
    size_t size = 0;
    bool rela = false;
    for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++) {
        if (d->d_tag == DT_JMPREL)
            jmprel = d->d_un.d_ptr;
        else if (d->d_tag == DT_PLTRELSZ)
            size = d->d_un.d_val;
        else if (d->d_tag == DT_PLTREL)
            rela = d->d_un.d_val == DT_RELA;
    }
    if (!jmprel || !rela)
        return;
    if (jmprel < base)   /* glibc relocates the dynamic section in place; not every loader does */
        jmprel += base;
    const ElfW(Rela) *r = (const ElfW(Rela) *)jmprel;
    for (size_t i = 0; i < size / sizeof *r; i++) {
        if (ELF64_R_TYPE(r[i].r_info) != PLT_RELOC)
            continue;
        uintptr_t slot = base + r[i].r_offset;
        if (!writable_slot(info, slot))
            continue;
        void *real = bpr_sync_real_of(__atomic_load_n((void **)slot, __ATOMIC_RELAXED));
        if (real)
            __atomic_store_n((void **)slot, real, __ATOMIC_RELAXED);
    }
#else
    (void)info;
#endif
}

static int bypass_if_quiet(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    if (info->dlpi_name && is_quiet_library(info->dlpi_name))
        bypass_library(info);
    return 0;
}

void bpr_bypass_quiet_libraries(void)
{
    bpr_sync_resolve_real();
    dl_iterate_phdr(bypass_if_quiet, NULL);
}

struct lookup {
    uintptr_t addr;
    bool quiet;
};

static int find_library(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct lookup *l = data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && l->addr >= lo && l->addr < lo + ph->p_memsz) {
            l->quiet = info->dlpi_name && is_quiet_library(info->dlpi_name);
            if (l->quiet)   /* its calls bound since the last pass (or since its dlopen) */
                bypass_library(info);
            return 1;
        }
    }
    return 0;
}

/* Call site -> verdict, lock-free: (return address << 1) | quiet, 0 empty.
 * A library unloaded and another loaded at its address would keep the old
 * verdicts; Blender and CPython do not unload libraries. */
#define QUIET_PROBES 16u
_Atomic uint64_t bpr_quiet_verdicts[BPR_QUIET_SLOTS];

bool bpr_is_quiet_caller(const void *ret)
{
    uint64_t key = (uint64_t)(uintptr_t)ret << 1;
    uint32_t slot = bpr_quiet_slot(key);
    for (uint32_t p = 0; p < QUIET_PROBES; p++) {
        uint64_t v = atomic_load_explicit(&bpr_quiet_verdicts[(slot + p) % BPR_QUIET_SLOTS], memory_order_relaxed);
        if (v == 0)
            break;
        if ((v & ~1ull) == key)
            return v & 1;
    }
    /* First time here.  dl_iterate_phdr takes the loader's list lock only
     * (not dlopen's, held while constructors run): no lock-order cycle with a
     * constructor that waits for a lock this thread holds. */
    struct lookup l = { (uintptr_t)ret, false };
    struct bpr_thread *t = &bpr_tls_thread;
    t->busy++;
    dl_iterate_phdr(find_library, &l);
    t->busy--;
    uint64_t v = key | (l.quiet ? 1u : 0u);
    for (uint32_t p = 0; p < QUIET_PROBES; p++) {
        uint64_t empty = 0;
        _Atomic uint64_t *s = &bpr_quiet_verdicts[(slot + p) % BPR_QUIET_SLOTS];
        if (atomic_compare_exchange_strong(s, &empty, v) || (empty & ~1ull) == key)
            break;
    }
    return l.quiet;
}
