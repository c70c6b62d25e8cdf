/* trace_gen FILE [STEPS [SEED [THREADS [VARS]]]]: write a deterministic trace that uses every record kind
 * the analyzer and the report writers look at (threads, names, locks,
 * rwlocks, accesses, RNA and operator calls, native windows, pool tasks and
 * families, test marks, time points, native stacks), spread over several
 * chunks of several threads.  It is the input of the suite's corruption
 * check (corrupt_check.py) and a seed of the trace fuzzer.  SEED, THREADS
 * (3..64) and VARS (1..4096) make variants for comparing analyzer builds; the
 * defaults give the same trace as ever.
 * Exit status 0, or 99 when the trace cannot be written. */
#include <stdio.h>
#include <stdlib.h>

#include "trace_build.h"

#define NTHREADS 6      /* T1 main, T2..T6 Python threads (T5, T6 pool workers) */
#define NVARS 24
#define MAX_THREADS 64
#define MAX_VARS 4096
#define NSTEPS 9000     /* default: about 1,500 events a thread, two chunks each */

static uint32_t rng = 12345;

static uint32_t next(uint32_t n)
{
    rng = rng * 1103515245u + 12345u;   /* fixed: the same trace every time */
    return (rng >> 8) % n;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 6) {
        fprintf(stderr, "usage: trace_gen FILE [STEPS [SEED [THREADS [VARS]]]]\n");
        return 99;
    }
    int nsteps = argc > 2 ? atoi(argv[2]) : NSTEPS;
    if (argc > 3)
        rng = (uint32_t)strtoul(argv[3], NULL, 10);
    uint32_t nthreads = argc > 4 ? (uint32_t)atoi(argv[4]) : NTHREADS;
    uint32_t nvars = argc > 5 ? (uint32_t)atoi(argv[5]) : NVARS;
    if (nthreads < 3 || nthreads > MAX_THREADS || nvars < 1 || nvars > MAX_VARS) {
        fprintf(stderr, "trace_gen: THREADS 3..%d, VARS 1..%d\n", MAX_THREADS, MAX_VARS);
        return 99;
    }
    uint32_t first_worker = nthreads - 1;   /* the last two threads are pool workers */
    tb_open(argv[1]);
    uint32_t stacks[8];
    for (int i = 0; i < 8; i++) {
        char file[32], fn[32];
        snprintf(file, sizeof file, "/addon/mod%d.py", i % 3);
        snprintf(fn, sizeof fn, "work_%d", i);
        stacks[i] = tb_stack(file, fn, 10 + i);
    }
    const char *nat_files[] = {"/usr/bin/blender", "/usr/bin/blender"};
    const char *nat_fns[] = {"BKE_scene_graph_update", "??"};
    const int nat_lines[] = {0x1234, 0x88};
    uint32_t native = tb_stackv(1, 2, nat_files, nat_fns, nat_lines);

    uint32_t vars[MAX_VARS], ids[4];
    for (int i = 0; i < 4; i++) {
        char path[64];
        snprintf(path, sizeof path, "bpy.data.objects[\"Obj%d\"]", i);
        ids[i] = tb_var(path, TRACE_VAR_ID, 0);
    }
    for (uint32_t i = 0; i < nvars; i++) {
        char path[96];
        snprintf(path, sizeof path, "bpy.data.objects[\"Obj%u\"].prop%u", i % 4, i);
        vars[i] = tb_var(path, TRACE_VAR_PROPERTY, ids[i % 4]);
    }

    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, "MainThread", 0);
    for (uint32_t t = 2; t <= nthreads; t++)
        tb_spawn(1, t, TRACE_ORIGIN_PYTHON, t >= first_worker ? "ThreadPoolExecutor-0_0" : "worker",
                 stacks[t % 8]);

    uint32_t test = tb_string("tests/test_gen.py::test_it");
    tb_ev(1, TR_MARK, 0, TRACE_MARK_START, 0, test, 1000);

    uint64_t ns = 0;
    uint32_t task = 0, running[MAX_THREADS + 1] = {0};
    int held[MAX_THREADS + 1] = {0}, window_open = 0;
    for (int step = 0; step < nsteps; step++) {
        uint32_t t = 1 + next(nthreads);
        uint32_t r = next(100);
        uint32_t st = stacks[next(8)];
        if (r < 40) {
            tb_ev(t, next(3) ? TR_READ : TR_WRITE, next(4) ? TRF_GIL : 0, 0, st,
                  vars[next(nvars)], next(5) ? -1 : (int64_t)next(50));
        } else if (r < 44) {
            tb_ev(t, TR_WRITE, TRF_GIL | TRF_NATIVE, 0, st, vars[next(nvars)],
                  (int64_t)((uint64_t)native << 32 | 0xffffffffu));   /* index -1 */
        } else if (r < 60) {   /* a lock, or a shared/exclusive rwlock */
            uint16_t kind = next(4) ? TRACE_SYNC_MUTEX : TRACE_SYNC_RWLOCK;
            uint8_t fl = kind == TRACE_SYNC_RWLOCK && next(2) ? TRF_SHARED : 0;
            uint64_t addr = 0x7f0000001000ull + 64 * next(4);
            if (held[t]) {
                tb_release(t, kind, addr, fl);
                held[t] = 0;
            } else {
                tb_acquire(t, kind, addr, fl);
                held[t] = 1;
            }
        } else if (r < 64) {
            tb_call_id(t, ids[next(4)], "Object.update_tag", st);
        } else if (r < 66) {
            tb_call_global(t, "bpy.ops.object.select_all", st);
        } else if (r < 72 && t == 1) {   /* the main thread's native windows */
            if (window_open)
                tb_gil_acquire(1, 1);
            else
                tb_window_open(1, st, next(2) ? "Scene.frame_set" : "event_loop");
            window_open = !window_open;
        } else if (r < 76) {
            tb_gil_release(t, 0, st);
            tb_gil_acquire(t, 0);
        } else if (r < 84 && t >= first_worker) {   /* pool jobs on the workers */
            if (running[t]) {
                tb_task_end(t, running[t]);
                running[t] = 0;
            } else {
                ++task;
                if (next(3)) {
                    tb_task_spawn(1, task, 1, "ThreadPoolExecutor-0", st);
                    tb_task_begin(t, task);
                } else {
                    uint32_t family = task, job = ++task;
                    tb_family_spawn(1, family, 2, "ThreadPool-1", st);
                    tb_family_begin(t, job, family);
                    tb_family_join(1, family, 0);
                }
                running[t] = task;
            }
        } else if (r < 86) {
            tb_pool_join(1, 1);
        } else if (r < 90) {
            ns += 1000 + next(50000);
            tb_ev(t, TR_TIME, 0, 0, 0, ns, 0);
        } else {
            tb_read(t, vars[next(nvars)], st, 1);
        }
    }
    tb_ev(1, TR_MARK, 0, TRACE_MARK_OUTCOME, 0, test, TRACE_OUTCOME_FAILED);
    tb_ev(1, TR_MARK, 0, TRACE_MARK_MESSAGE, 0, test, tb_string("assert 1 == 2"));
    tb_ev(1, TR_MARK, 0, TRACE_MARK_END, 0, test, 2000);
    if (window_open)
        tb_gil_acquire(1, 1);
    for (uint32_t t = 2; t <= nthreads; t++) {
        if (running[t])
            tb_task_end(t, running[t]);
        tb_exit(t);
        tb_join(1, t);
    }
    tb_close();
    return 0;
}
