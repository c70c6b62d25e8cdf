/* Analyzer memory and speed with many pool jobs: a trace of TASKS tiny jobs
 * (default 1,000,000) on WORKERS workers (default 4), each job reading and
 * writing a shared property under the future-like lock of its own and one
 * property of its own.  SHAPE "batched" submits 64 jobs, then waits for their
 * results (each job's end observed through its future's lock), and repeats:
 * memory must stay flat however many jobs run.  SHAPE "eager" submits every
 * job before any runs (Executor.map): the submitted jobs are live, and cost a
 * clock each until they begin.  Prints the time and the anonymous memory.
 * Usage: task_bench [TASKS [WORKERS [SHAPE [TRACE]]]] */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "hb.h"
#include "trace_build.h"

static void run_job(uint32_t worker, uint32_t task, uint32_t shared, uint32_t own, uint32_t stack)
{
    tb_task_begin(worker, task);
    tb_acquire(worker, TRACE_SYNC_SEM, 0x1000, 0);   /* the job's lock */
    tb_read(worker, shared, stack, 1);
    tb_write(worker, shared, stack, 1);
    tb_release(worker, TRACE_SYNC_SEM, 0x1000, 0);
    tb_write(worker, own, stack, 1);
    tb_release(worker, TRACE_SYNC_SEM, 0x100000 + task % 64, 0);   /* set_result: the future's lock */
    tb_task_end(worker, task);
}

int main(int argc, char **argv)
{
    uint32_t tasks = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000u;
    uint32_t workers = argc > 2 ? (uint32_t)atoi(argv[2]) : 4;
    const char *shape = argc > 3 ? argv[3] : "batched";
    char path[256];
    snprintf(path, sizeof path, "%s", argc > 4 ? argv[4] : "/tmp/bpyrace-task-bench.trace");
    bool eager = !strcmp(shape, "eager");

    double t0 = bench_now();
    tb_open(path);
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    for (uint32_t w = 0; w < workers; w++)
        tb_spawn(1, 2 + w, TRACE_ORIGIN_PYTHON, "ThreadPoolExecutor-0_w", 0);
    uint32_t shared = tb_var("bpy.data.scenes[\"Scene\"][\"total\"]", TRACE_VAR_IDPROP, 0);
    uint32_t own[64];
    char name[96];
    for (int i = 0; i < 64; i++) {
        snprintf(name, sizeof name, "bpy.data.objects[\"Obj%d\"].location", i);
        own[i] = tb_var(name, TRACE_VAR_PROPERTY, 0);
    }
    uint32_t submit = tb_stack("/addon/bake.py", "bake_all", 40);
    uint32_t job = tb_stack("/addon/bake.py", "bake_one", 12);
    if (eager) {
        for (uint32_t k = 1; k <= tasks; k++)
            tb_task_spawn(1, k, 1, "ThreadPoolExecutor-0", submit);
        for (uint32_t k = 1; k <= tasks; k++)
            run_job(2 + k % workers, k, shared, own[k % 64], job);
        tb_pool_join(1, 1);
    } else {
        for (uint32_t b = 1; b <= tasks; b += 64) {
            uint32_t e = b + 64 <= tasks + 1 ? b + 64 : tasks + 1;
            for (uint32_t k = b; k < e; k++)
                tb_task_spawn(1, k, 1, "ThreadPoolExecutor-0", submit);
            for (uint32_t k = b; k < e; k++)
                run_job(2 + k % workers, k, shared, own[k % 64], job);
            for (uint32_t k = b; k < e; k++)   /* result() of each */
                tb_acquire(1, TRACE_SYNC_SEM, 0x100000 + k % 64, 0);
        }
    }
    tb_close();
    double t1 = bench_now();

    struct trace_reader *rd = bench_open(path);
    long reader_kb = bench_status_kb("RssAnon");   /* the generator's and the reader's share */
    struct hb *h = hb_new(rd);
    double t2 = bench_now();
    uint64_t fed = bench_feed(rd, h);
    uint32_t nraces;
    hb_races(h, &nraces);
    double t3 = bench_now();
    long analyzer_kb = bench_status_kb("RssAnon") - reader_kb;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%s: %u jobs on %u workers, %llu events generated in %.1f s\n", shape, tasks, workers,
           (unsigned long long)fed, t1 - t0);
    printf("analyzed in %.2f s (%.1f million events/s), %u reports; the analyzer's memory %.1f MiB "
           "(anonymous, grown since the trace was opened; %.0f MiB before), peak RSS %.0f MiB (the mapped "
           "trace included)\n",
           t3 - t2, (double)fed / (t3 - t2) / 1e6, nraces, analyzer_kb / 1024.0, reader_kb / 1024.0,
           ru.ru_maxrss / 1024.0);
    hb_free(h);
    trace_close(rd);
    unlink(path);
    return 0;
}
