/* Entry-point patching (shim/patch.c) on functions with known prologues
 * (patch_cases.S): what can be moved is moved and still computes the same
 * results through its trampoline; what cannot is refused, with nothing
 * written, so the functions run unchanged. */
#define _GNU_SOURCE
#include "shim.h"

#include <stdio.h>
#include <string.h>
#include "check_all.h"

typedef long (*fn_t)(long);
long case_rip(long), case_rip_too(long), case_jcc(long), case_call(long), case_loop_back(long),
    case_short(long), case_jrcxz(long);

/* The hooks count their calls and run the original through its trampoline. */
static int calls[3];
static fn_t orig[3];
static long hook0(long x) { calls[0]++; return orig[0](x); }
static long hook1(long x) { calls[1]++; return orig[1](x); }
static long hook2(long x) { calls[2]++; return orig[2](x); }

/* Call through a volatile pointer: the compiler must not inline or fold. */
static long call(fn_t f, long x)
{
    fn_t volatile p = f;
    return p(x);
}

static void movable(void)
{
    struct bpr_code_patch ps[3] = {
        {"case_rip", (void *)case_rip, (void *)hook0, (void **)&orig[0]},
        {"case_jcc", (void *)case_jcc, (void *)hook1, (void **)&orig[1]},
        {"case_call", (void *)case_call, (void *)hook2, (void **)&orig[2]},
    };
    size_t bad = 99;
    const char *why = bpr_patch_code(ps, 3, &bad);
    CHECK(why == NULL, "movable prologues refused: %s (function %zu)", why, bad);
    if (why)
        return;
    CHECK(call(case_rip, 5) == 1005 && calls[0] == 1, "RIP-relative: %ld, %d calls", call(case_rip, 5), calls[0]);
    CHECK(call(case_jcc, 0) == 20 && call(case_jcc, 3) == 10 && calls[1] == 2, "jcc rel8: %d calls", calls[1]);
    CHECK(call(case_call, 7) == 108 && calls[2] == 1, "call rel32: %d calls", calls[2]);
}

/* A function refused: why, and nothing written (it runs unchanged). */
static void refused(fn_t bad_fn, const char *name, const char *want_why, long arg, long want)
{
    fn_t tramp = NULL;
    struct bpr_code_patch ps[1] = {{name, (void *)bad_fn, (void *)hook0, (void **)&tramp}};
    size_t bad = 99;
    const char *why = bpr_patch_code(ps, 1, &bad);
    CHECK(why && strstr(why, want_why), "%s: refused with \"%s\", want \"%s\"", name,
          why ? why : "(accepted)", want_why);
    CHECK(bad == 0 && tramp == NULL, "%s: bad index %zu, trampoline %p", name, bad, (void *)tramp);
    int before = calls[0];
    CHECK(call(bad_fn, arg) == want && calls[0] == before, "%s: no longer runs unchanged", name);
}

/* All or none: a movable function patched together with a refused one is
 * left as it was. */
static void all_or_none(void)
{
    fn_t t0 = NULL, t1 = NULL;
    struct bpr_code_patch ps[2] = {
        {"case_rip_too", (void *)case_rip_too, (void *)hook0, (void **)&t0},
        {"case_loop_back", (void *)case_loop_back, (void *)hook0, (void **)&t1},
    };
    size_t bad = 99;
    const char *why = bpr_patch_code(ps, 2, &bad);
    CHECK(why && bad == 1 && !t0 && !t1, "batch: why %s, bad %zu", why ? why : "(accepted)", bad);
    int before = calls[0];
    CHECK(call(case_rip_too, 1) == 1001 && calls[0] == before, "case_rip_too was patched by a refused batch");
}

int main(void)
{
    movable();
    refused(case_loop_back, "case_loop_back", "branch of the function lands inside", 3, 6);
    refused(case_short, "case_short", "too short", 4, 4);
    refused(case_jrcxz, "case_jrcxz", "cannot be widened", 0, 2);
    all_or_none();
    if (failures)
        return 1;
    printf("ok: moved a RIP-relative load, a jcc rel8, a call rel32; refused a loop-back, a short function, jrcxz, and a batch holding one of them\n");
    return 0;
}
