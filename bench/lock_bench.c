/* The recorder's cost of one lock event pair: a mutex locked and unlocked
 * PAIRS times (default 1,000,000) by one thread, through the shim's
 * wrappers (linked in, recording to BPYRACE_TRACE) and through libc's own
 * functions (dlsym RTLD_NEXT, the same indirect call the PLT makes); the
 * median of 5 runs of each, in ns per pair.  A mutex that one thread takes
 * again and again is most of Blender's lock events (around every RNA update,
 * and in its own threads under an idle window): docs/performance.md,
 * "Sixteenth pass".  Usage: BPYRACE_TRACE=FILE bench/lock_bench [PAIRS]
 * (the trace, FILE.<pid>, is removed at the end). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "trace_writer.h"

/* The shim activates only in a process with libpython. */
__attribute__((visibility("default"))) char _PyRuntime[64];

#define RUNS 5

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long counter;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double pairs_ns(int (*lock)(pthread_mutex_t *), int (*unlock)(pthread_mutex_t *), long pairs)
{
    double start = now_ns();
    for (long i = 0; i < pairs; i++) {
        lock(&mutex);
        counter++;
        unlock(&mutex);
    }
    return (now_ns() - start) / (double)pairs;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *base = getenv("BPYRACE_TRACE");
    long pairs = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    if (!base || !*base || pairs <= 0) {
        fprintf(stderr, "usage: BPYRACE_TRACE=FILE %s [PAIRS]\n", argv[0]);
        return 2;
    }
    int (*real_lock)(pthread_mutex_t *) = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_lock");
    int (*real_unlock)(pthread_mutex_t *) = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_unlock");
    if (!real_lock || !real_unlock) {
        fprintf(stderr, "lock_bench: libc's pthread_mutex_lock/unlock not found\n");
        return 2;
    }
    double plain[RUNS], recorded[RUNS];
    for (int r = 0; r < RUNS; r++) {   /* (in turns: the machine's drift falls on both) */
        plain[r] = pairs_ns(real_lock, real_unlock, pairs);
        recorded[r] = pairs_ns(pthread_mutex_lock, pthread_mutex_unlock, pairs);
    }
    qsort(plain, RUNS, sizeof plain[0], by_value);
    qsort(recorded, RUNS, sizeof recorded[0], by_value);
    tw_close();
    char path[4200];
    snprintf(path, sizeof path, "%s.%d", base, (int)getpid());
    FILE *f = fopen(path, "rb");
    long bytes = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        bytes = ftell(f);
    if (f)
        fclose(f);
    unlink(path);
    if (bytes < 0) {
        fprintf(stderr, "lock_bench: no trace at %s: was the shim recording?\n", path);
        return 1;
    }
    printf("plain     %6.1f ns a lock/unlock pair (libc)\n", plain[RUNS / 2]);
    printf("recorded  %6.1f ns a pair, %.1f ns the recorder's (%.2fx); trace %.1f bytes a pair\n", recorded[RUNS / 2],
           recorded[RUNS / 2] - plain[RUNS / 2], recorded[RUNS / 2] / plain[RUNS / 2],
           (double)bytes / ((double)pairs * RUNS));
    return 0;
}
