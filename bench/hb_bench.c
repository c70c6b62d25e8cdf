/* Analyzer throughput: generate a trace of EVENTS events (default 50 million)
 * with many threads and variables and the mix of a correct threaded add-on:
 * each thread reads and writes its own objects' properties, shared objects
 * only inside one of 64 locks, makes occasional ID-level calls on its own
 * objects, and the main thread opens host GIL windows while the workers are
 * parked on a lock it holds (so windows are ordered with them), then
 * time trace_open + the merge of chunks + hb_event over every event on one
 * core, and report events/s and peak memory (ru_maxrss).
 * Usage: hb_bench [EVENTS [THREADS [VARS [TRACE]]]] */
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

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int main(int argc, char **argv)
{
    uint64_t events = argc > 1 ? strtoull(argv[1], NULL, 10) : 50000000ull;
    uint32_t threads = argc > 2 ? (uint32_t)atoi(argv[2]) : 32;
    uint32_t nvars = argc > 3 ? (uint32_t)atoi(argv[3]) : 20000;
    char path[256];
    snprintf(path, sizeof path, "%s", argc > 4 ? argv[4] : "/tmp/bpyrace-hb-bench.trace");

    double t0 = bench_now();
    tb_open(path);
    uint32_t nids = nvars / 50 + 1;
    uint32_t *ids = malloc(sizeof *ids * nids), *vars = malloc(sizeof *vars * nvars);
    char name[128];
    for (uint32_t i = 0; i < nids; i++) {
        snprintf(name, sizeof name, "bpy.data.objects[\"Obj%u\"]", i);
        ids[i] = tb_var(name, TRACE_VAR_ID, 0);
    }
    for (uint32_t i = 0; i < nvars; i++) {
        snprintf(name, sizeof name, "bpy.data.objects[\"Obj%u\"].prop%u", i / 50, i % 50);
        vars[i] = tb_var(name, TRACE_VAR_PROPERTY, ids[i / 50]);
    }
    uint32_t stacks[64];
    for (int i = 0; i < 64; i++) {
        snprintf(name, sizeof name, "func%d", i);
        stacks[i] = tb_stack("/addon/worker.py", name, 10 + i);
    }
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, "MainThread", 0);
    for (uint32_t t = 2; t <= threads; t++) {
        snprintf(name, sizeof name, "worker-%u", t);
        tb_spawn(1, t, TRACE_ORIGIN_PYTHON, name, stacks[0]);
    }
    uint64_t n = 0;
    uint32_t t = 1, run = 0;
    while (n < events) {
        /* Python threads run in bursts between GIL switches: a run of 16 to
         * 2,000 events on one thread, then another thread */
        if (run == 0) {
            t = 1 + (uint32_t)(next_rand() % threads);
            run = 16 + (uint32_t)(next_rand() % 2000);
        }
        run--;
        uint64_t r = next_rand();
        /* each thread works mostly on its own slice, sometimes on shared data */
        uint32_t slice = (nvars / threads) / 50 * 50;   /* whole objects per thread */
        uint32_t own = (t - 1) * slice + (uint32_t)((r >> 8) % slice);
        uint32_t shared = threads * slice + (uint32_t)((r >> 8) % (nvars - threads * slice));
        uint32_t st = stacks[(r >> 40) % 64];
        unsigned kind = (unsigned)((r >> 32) % 100);
        if (kind < 70) {
            tb_read(t, vars[own], st, 1);
            n++;
        } else if (kind < 90) {
            tb_write(t, vars[own], st, 1);
            n++;
        } else if (kind < 98) {   /* a read-modify-write of shared data under its lock */
            uint64_t lock = 0x1000 + 64 * (shared % 64);
            tb_acquire(t, TRACE_SYNC_SEM, lock, 0);
            tb_read(t, vars[shared], st, 1);
            tb_write(t, vars[shared], st, 1);
            tb_release(t, TRACE_SYNC_SEM, lock, 0);
            n += 4;
        } else if (kind < 99) {
            tb_call_id(t, ids[own / 50], "update", st);
            n++;
        } else if ((r >> 20) % 1000 == 0) {
            /* a frame step: every worker hands over to the main thread, which
             * opens and closes a native window, then hands back */
            for (uint32_t w = 2; w <= threads; w++)
                tb_release(w, TRACE_SYNC_SEM, 0x900, 0);
            tb_acquire(1, TRACE_SYNC_SEM, 0x900, 0);
            tb_gil_release(1, 1, st);
            tb_gil_acquire(1, 1);
            tb_release(1, TRACE_SYNC_SEM, 0x901, 0);
            for (uint32_t w = 2; w <= threads; w++)
                tb_acquire(w, TRACE_SYNC_SEM, 0x901, 0);
            n += 2 * threads + 2;
        }
    }
    tb_close();
    double t1 = bench_now();

    struct trace_reader *rd = bench_open(path);
    struct hb *h = hb_new(rd);
    double t2 = bench_now();
    uint64_t fed = bench_feed(rd, h);
    uint32_t nraces;
    hb_races(h, &nraces);
    double t3 = bench_now();
    /* The analyzer's own memory is the anonymous part; the trace's pages are
     * a read-only file mapping (page cache, reclaimable). */
    long anon_kb = bench_status_kb("RssAnon"), file_kb = bench_status_kb("RssFile");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("generated %llu events (%u threads, %u variables) in %.1f s\n", (unsigned long long)fed, threads,
           nvars, t1 - t0);
    printf("analyzed  %llu events in %.2f s: %.1f million events/s, %u reports\n", (unsigned long long)fed,
           t3 - t2, (double)fed / (t3 - t2) / 1e6, nraces);
    printf("memory: peak RSS %.0f MiB; at the end %.0f MiB anonymous (the analyzer and the generator's "
           "tables), %.0f MiB of the mapped trace\n",
           ru.ru_maxrss / 1024.0, anon_kb / 1024.0, file_kb / 1024.0);
    hb_free(h);
    trace_close(rd);
    unlink(path);
    return 0;
}
