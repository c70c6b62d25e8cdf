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
    struct bpr_thread *t = bpr_tls();
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
