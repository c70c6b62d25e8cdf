/* Entry-point patching of the GIL API and Python start-up.
 *
 * blender.org builds link CPython into the executable: Blender's calls to
 * PyEval_SaveThread, PyGILState_Ensure, Py_InitializeFromConfig... are
 * direct calls that never reach an LD_PRELOAD definition.  There, and on
 * request elsewhere (BPYRACE_PATCH_ENTRY_POINTS=1: libpython's own functions
 * on Debian's Blender, so both builds give the same trace), each function's
 * first instructions are replaced by a jump to the shim's wrapper, and a
 * trampoline runs the displaced instructions before jumping back; the
 * wrapper's REAL() becomes the trampoline.
 *
 * Prologues are decoded with capstone (a maintained disassembler: decoding
 * x86-64 by hand is how hooking libraries get relocation wrong).  Displaced
 * RIP-relative operands and relative branches are re-aimed from the
 * trampoline, which is allocated within +-2 GiB of the function so that
 * rel32 reaches both ways.  A prologue that cannot be moved safely (a
 * branch elsewhere in the function into the displaced bytes, a rel8-only
 * branch, a function too short) is refused with one line, and then nothing
 * is patched: the program runs unchanged. */
#define _GNU_SOURCE
#include "shim.h"

#include <capstone/capstone.h>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define JMP_REL32_LEN 5
#define MAX_DISPLACED 32          /* bytes of prologue copied at most */
#define TRAMPOLINE_SIZE 64        /* displaced code (widened) + jump back */
#define STUB_SIZE 16              /* jmp [rip+0]; .quad hook */
#define NEAR_PAGE 4096

struct patch {               /* one function being patched */
    const char *name;
    void *hook;                   /* the shim's wrapper */
    uint8_t *target;              /* the function's entry */
    size_t displaced;             /* bytes of prologue moved to the trampoline */
    uint8_t *trampoline, *stub;   /* in a page near TARGET */
};

/* ---- memory near a function ---- */

static bool within_rel32(uintptr_t from, uintptr_t to)
{
    int64_t d = (int64_t)to - (int64_t)from;
    return d >= INT32_MIN && d <= INT32_MAX;
}

#define MAX_NEAR_PAGES 8
static uint8_t *near_pages[MAX_NEAR_PAGES];   /* the last one is being filled */
static int n_near_pages;
static uint8_t *near_next;                      /* its first free byte */

/* Space for a stub and a trampoline within rel32 reach of TARGET: one
 * executable page, found by probing free addresses around the function. */
static uint8_t *alloc_near(uint8_t *target, size_t size)
{
    uintptr_t t = (uintptr_t)target;
    uint8_t *near_page = n_near_pages ? near_pages[n_near_pages - 1] : NULL;
    if (near_page && near_next + size <= near_page + NEAR_PAGE &&
        within_rel32(t, (uintptr_t)near_page) && within_rel32(t, (uintptr_t)near_page + NEAR_PAGE)) {
        uint8_t *p = near_next;
        near_next += size;
        return p;
    }
    if (n_near_pages == MAX_NEAR_PAGES)
        return NULL;
    for (uintptr_t step = 1u << 20; step < (1u << 30); step += 1u << 20) {
        for (int dir = -1; dir <= 1; dir += 2) {
            uintptr_t want = ((dir < 0 ? t - step : t + step) & ~(uintptr_t)(NEAR_PAGE - 1));
            if (dir < 0 && step > t)
                continue;
            void *p = mmap((void *)want, NEAR_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
            if (p == MAP_FAILED)
                continue;
            if (p != (void *)want || !within_rel32(t, (uintptr_t)p)) {   /* old kernels ignore the flag */
                munmap(p, NEAR_PAGE);
                continue;
            }
            near_pages[n_near_pages++] = p;
            near_next = (uint8_t *)p + size;
            return p;
        }
    }
    return NULL;
}

/* ---- relocation of the displaced instructions ---- */

static void put_rel32(uint8_t *at, uintptr_t next_ip, uintptr_t dest)
{
    int32_t rel = (int32_t)((int64_t)dest - (int64_t)next_ip);
    memcpy(at, &rel, 4);
}

static bool is_relative_branch(const cs_insn *in)
{
    for (int i = 0; i < in->detail->groups_count; i++)
        if (in->detail->groups[i] == CS_GRP_BRANCH_RELATIVE)
            return true;
    return false;
}

static bool has_group(const cs_insn *in, uint8_t group)
{
    for (int i = 0; i < in->detail->groups_count; i++)
        if (in->detail->groups[i] == group)
            return true;
    return false;
}

static uintptr_t branch_target(const cs_insn *in)
{
    const cs_x86 *x = &in->detail->x86;
    for (int i = 0; i < x->op_count; i++)
        if (x->operands[i].type == X86_OP_IMM)
            return (uintptr_t)x->operands[i].imm;
    return 0;
}

/* Copy one instruction from its address to OUT (at address OUT_IP),
 * re-aiming what is relative to RIP.  Returns the bytes written, 0 with
 * *WHY set when it cannot be moved. */
static size_t move_insn(const cs_insn *in, uint8_t *out, uintptr_t out_ip, const char **why)
{
    const uint8_t *b = in->bytes;
    if (is_relative_branch(in)) {
        uintptr_t dest = branch_target(in);
        size_t n;
        if (in->id == X86_INS_CALL && b[0] == 0xE8) {
            out[0] = 0xE8;
            n = 5;
        } else if (in->id == X86_INS_JMP && (b[0] == 0xEB || b[0] == 0xE9)) {
            out[0] = 0xE9;
            n = 5;
        } else if (b[0] >= 0x70 && b[0] <= 0x7F) {          /* jcc rel8 -> jcc rel32 */
            out[0] = 0x0F;
            out[1] = (uint8_t)(0x80 | (b[0] & 0x0F));
            n = 6;
        } else if (b[0] == 0x0F && b[1] >= 0x80 && b[1] <= 0x8F) {
            out[0] = 0x0F;
            out[1] = b[1];
            n = 6;
        } else {
            *why = "a branch that cannot be widened (loop, jrcxz, prefixed)";
            return 0;
        }
        if (!within_rel32(out_ip + n, dest)) {
            *why = "a branch out of reach of the trampoline";
            return 0;
        }
        put_rel32(out + n - 4, out_ip + n, dest);
        return n;
    }
    memcpy(out, b, in->size);
    const cs_x86 *x = &in->detail->x86;
    for (int i = 0; i < x->op_count; i++) {
        if (x->operands[i].type != X86_OP_MEM || x->operands[i].mem.base != X86_REG_RIP)
            continue;
        if (x->encoding.disp_size != 4 || !x->encoding.disp_offset) {
            *why = "a RIP-relative operand without a 32-bit displacement";
            return 0;
        }
        uintptr_t dest = (uintptr_t)(in->address + in->size + x->operands[i].mem.disp);
        if (!within_rel32(out_ip + in->size, dest)) {
            *why = "a RIP-relative operand out of reach of the trampoline";
            return 0;
        }
        put_rel32(out + x->encoding.disp_offset, out_ip + in->size, dest);
    }
    return in->size;
}

/* The function's size from the dynamic symbol table, 0 if unknown. */
static size_t function_size(void *fn)
{
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    if (!dladdr1(fn, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym || info.dli_saddr != fn)
        return 0;
    return sym->st_size;
}

/* No branch of the function may land inside the bytes we replace: it would
 * run half an instruction of our jump. */
static bool branch_into(csh cs, const uint8_t *fn, size_t size, size_t displaced)
{
    cs_insn *in = cs_malloc(cs);
    const uint8_t *code = fn;
    size_t left = size;
    uint64_t ip = (uintptr_t)fn;
    bool found = false;
    while (!found && cs_disasm_iter(cs, &code, &left, &ip, in)) {
        if (!has_group(in, CS_GRP_JUMP) && !has_group(in, CS_GRP_CALL))
            continue;
        uintptr_t dest = branch_target(in);
        found = dest > (uintptr_t)fn && dest < (uintptr_t)fn + displaced;
    }
    cs_free(in, 1);
    return found;
}

/* Build P's trampoline and stub (nothing is written to the function yet). */
static bool prepare(csh cs, struct patch *p, const char **why)
{
    size_t size = function_size(p->target);
    if (size < JMP_REL32_LEN) {
        *why = size ? "the function is too short" : "the function's size is unknown";
        return false;
    }
    p->stub = alloc_near(p->target, STUB_SIZE + TRAMPOLINE_SIZE);
    if (!p->stub) {
        *why = "no free memory within 2 GiB of it";
        return false;
    }
    p->trampoline = p->stub + STUB_SIZE;
    /* the stub: jmp qword [rip+0]; .quad hook */
    static const uint8_t jmp_abs[6] = {0xFF, 0x25, 0, 0, 0, 0};
    memcpy(p->stub, jmp_abs, sizeof jmp_abs);
    memcpy(p->stub + sizeof jmp_abs, &p->hook, sizeof p->hook);

    cs_insn *in = cs_malloc(cs);
    const uint8_t *code = p->target;
    size_t left = size < MAX_DISPLACED ? size : MAX_DISPLACED;
    uint64_t ip = (uintptr_t)p->target;
    size_t out = 0;
    p->displaced = 0;
    bool ok = true;
    while (ok && p->displaced < JMP_REL32_LEN) {
        if (!cs_disasm_iter(cs, &code, &left, &ip, in)) {
            *why = "an instruction capstone cannot decode";
            ok = false;
            break;
        }
        if (has_group(in, CS_GRP_RET) || has_group(in, CS_GRP_INT) ||
            (has_group(in, CS_GRP_JUMP) && !is_relative_branch(in))) {
            *why = "the function ends before 5 bytes";
            ok = false;
            break;
        }
        size_t n = move_insn(in, p->trampoline + out, (uintptr_t)(p->trampoline + out), why);
        if (!n || out + n + JMP_REL32_LEN > TRAMPOLINE_SIZE) {
            if (n)
                *why = "a prologue too long to move";
            ok = false;
            break;
        }
        out += n;
        p->displaced += in->size;
    }
    cs_free(in, 1);
    if (!ok)
        return false;
    if (branch_into(cs, p->target, size, p->displaced)) {
        *why = "a branch of the function lands inside its first instructions";
        return false;
    }
    /* back to the rest of the function */
    p->trampoline[out] = 0xE9;
    put_rel32(p->trampoline + out + 1, (uintptr_t)(p->trampoline + out + JMP_REL32_LEN),
              (uintptr_t)(p->target + p->displaced));
    return true;
}

static bool write_jump(struct patch *p)
{
    long pg = sysconf(_SC_PAGESIZE);
    uintptr_t lo = (uintptr_t)p->target & ~(uintptr_t)(pg - 1);
    uintptr_t hi = ((uintptr_t)p->target + p->displaced + (uintptr_t)pg - 1) & ~(uintptr_t)(pg - 1);
    if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC) != 0)
        return false;
    uint8_t code[MAX_DISPLACED];
    code[0] = 0xE9;
    put_rel32(code + 1, (uintptr_t)p->target + JMP_REL32_LEN, (uintptr_t)p->stub);
    memset(code + JMP_REL32_LEN, 0xCC, p->displaced - JMP_REL32_LEN);   /* never reached */
    memcpy(p->target, code, p->displaced);
    mprotect((void *)lo, hi - lo, PROT_READ | PROT_EXEC);
    __builtin___clear_cache((char *)p->target, (char *)p->target + p->displaced);
    return true;
}

/* Where NAME is defined, if not in the shim: the executable's own function
 * (a static Python), else, when FORCE, libpython's (the next definition). */
static void *find_target(const char *name, void *hook, bool force, bool *in_exe)
{
    void *def = dlsym(RTLD_DEFAULT, name);
    *in_exe = def && def != hook;
    if (*in_exe)
        return def;
    return force ? dlsym(RTLD_NEXT, name) : NULL;
}

const char *bpr_patch_code(const struct bpr_code_patch *ps, size_t n, size_t *bad)
{
    struct patch p[BPR_MAX_PATCHES];
    if (n > BPR_MAX_PATCHES)
        return "too many functions";
    csh cs;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
        return "the disassembler does not start";
    for (int i = 0; i < n_near_pages; i++)   /* writable while stubs are added */
        mprotect(near_pages[i], NEAR_PAGE, PROT_READ | PROT_WRITE | PROT_EXEC);
    cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
    const char *why = NULL;
    for (size_t i = 0; i < n && !why; i++) {
        memset(&p[i], 0, sizeof p[i]);
        p[i].name = ps[i].name;
        p[i].target = ps[i].target;
        p[i].hook = ps[i].hook;
        if (!prepare(cs, &p[i], &why))
            *bad = i;
    }
    cs_close(&cs);
    if (why)
        return why;   /* nothing written: the program runs unchanged */
    for (size_t i = 0; i < n; i++) {
        if (!write_jump(&p[i])) {
            *bad = i;
            why = "its code cannot be made writable";
            break;
        }
        *ps[i].trampoline = p[i].trampoline;
    }
    for (int i = 0; i < n_near_pages; i++)
        mprotect(near_pages[i], NEAR_PAGE, PROT_READ | PROT_EXEC);
    return why;
}

void bpr_patch_entry_points(bool force)
{
    struct bpr_code_patch ps[BPR_MAX_PATCHES];
    void *trampolines[BPR_MAX_PATCHES];
    bool any_in_exe = false;
    size_t n = 0;
    for (size_t i = 0; i < bpr_n_entry_hooks && n < BPR_MAX_PATCHES; i++) {
        bool in_exe;
        void *target = find_target(bpr_entry_hooks[i].name, bpr_entry_hooks[i].hook, force, &in_exe);
        any_in_exe |= in_exe;
        if (!target)
            continue;
        trampolines[n] = NULL;
        ps[n] = (struct bpr_code_patch){bpr_entry_hooks[i].name, target, bpr_entry_hooks[i].hook, &trampolines[n]};
        n++;
    }
    if (any_in_exe)
        tw_add_header_flags(TRACE_HF_PYTHON_IN_EXE);
    if (!n || (!force && !any_in_exe))
        return;   /* libpython's functions reached through the PLT: nothing to patch */
    size_t bad = 0;
    const char *why = bpr_patch_code(ps, n, &bad);
    for (size_t i = 0; i < n; i++)
        if (trampolines[i])
            bpr_set_real(ps[i].name, trampolines[i]);
    if (why) {
        bpr_warn_once("patch", "cannot patch %s at %p: %s; %s", ps[bad].name, ps[bad].target, why,
                      any_in_exe ? "Blender's GIL calls are not recorded"
                                 : "GIL calls are recorded through the PLT only");
        if (!trampolines[0])
            return;
    }
    tw_add_header_flags(TRACE_HF_ENTRY_PATCHED);
}
