/* Trace writer: concurrent emits, sessions, fork and crash safety.
 * Exit status 0 pass, 1 fail, 99 harness broken (tests/cli/init.sh).
 * Labelled tsan: tests/tracer.cmake; run it with -DBPYRACE_SANITIZE=thread. */
#define _GNU_SOURCE
#include "trace_reader.h"
#include "trace_writer.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"


static struct trace_reader *open_ok(const char *path)
{
    char err[512];
    struct trace_reader *r = trace_open(path, err, sizeof err);
    if (!r) {
        fprintf(stderr, "trace_open: %s\n", err);
        exit(1);
    }
    return r;
}

/* ---- many threads at once ---- */

#define NTHREADS 8
#define NEVENTS 60000   /* 8 * 60000 records: > 256 chunks, so > 1 segment */

static pthread_barrier_t start_line;

struct worker { uint32_t tid; };

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct tw_thread t = { .tid = w->tid };
    pthread_barrier_wait(&start_line);
    for (int64_t i = 0; i < NEVENTS; i++) {
        if (i % 5000 == 0) {
            char s[32];
            int n = snprintf(s, sizeof s, "thread %u string %lld", w->tid, (long long)i);
            uint64_t id = 1 + w->tid * 1000u + (uint64_t)(i / 5000);
            tw_emit_def(&t, TR_DEF_STRING, 0, 0, id, n, s, (size_t)n);
        }
        uint64_t seq = tw_emit(&t, TR_WRITE, TRF_GIL, 0, 0, w->tid, i);
        if (seq == 0)
            abort();
    }
    if (w->tid % 2)
        tw_thread_done(&t);   /* as the shim does at a thread's end; the others' go at close */
    return NULL;
}

static int start_detached(void *(*fn)(void *));

/* Staging chunks of PATH that hold anything (positions 0-63; the
 * others are all zeros). */
static int staging_in_use(const char *path)
{
    static char area[TRACE_STAGE_CHUNKS * TRACE_CHUNK_SIZE];
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK_EQ(pread(fd, area, sizeof area, TRACE_HEADER_SIZE), (ssize_t)sizeof area);
    close(fd);
    int n = 0;
    for (size_t c = 0; c < TRACE_STAGE_CHUNKS; c++)
        for (size_t i = 0; i < TRACE_CHUNK_SIZE; i++)
            if (area[c * TRACE_CHUNK_SIZE + i]) {
                n++;
                break;
            }
    return n;
}

/* Whether the staging area of PATH is all zeros. */
static bool staging_empty(const char *path)
{
    return staging_in_use(path) == 0;
}

/* STAGED: with the helper thread that copies chunks out of the staging area
 * (as in the shim), else every chunk is written in place. */
static void test_concurrent(bool staged)
{
    const char *path = tmp_path(staged ? "staged.trace" : "concurrent.trace");
    if (staged)
        tw_set_thread_starter(start_detached);
    CHECK(tw_open(path, 1234, 1, "/bin/test", 0) == 0);
    CHECK(tw_is_open());
    pthread_t th[NTHREADS];
    struct worker w[NTHREADS];
    pthread_barrier_init(&start_line, NULL, NTHREADS);
    for (int i = 0; i < NTHREADS; i++) {
        w[i].tid = (uint32_t)i + 1;
        CHECK(pthread_create(&th[i], NULL, worker_main, &w[i]) == 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&start_line);
    tw_close();
    CHECK(!tw_is_open());
    tw_set_thread_starter(NULL);
    CHECK(staging_empty(path));   /* copied out, then emptied */

    struct trace_reader *r = open_ok(path);
    const struct trace_file_header *h = trace_header(r);
    CHECK_EQ(h->closed, 1);
    CHECK_EQ(h->pid, 1234);
    CHECK_STR(h->exe, "/bin/test");
    CHECK_EQ(h->last_seq, (uint64_t)NTHREADS * NEVENTS);
    struct stat st;
    CHECK(stat(path, &st) == 0);
    CHECK_EQ(st.st_size, TRACE_HEADER_SIZE + h->chunks * TRACE_CHUNK_SIZE);
    CHECK(!trace_truncated(r));
    CHECK(trace_warning(r) == NULL);
    CHECK_EQ(trace_event_count(r), (uint64_t)NTHREADS * NEVENTS);

    int64_t next[NTHREADS + 1] = { 0 };
    uint64_t expect_seq = 1;
    struct trace_event ev;
    while (trace_next(r, &ev)) {
        /* every seq handed out appears exactly once, in order */
        CHECK_EQ(ev.seq, expect_seq);
        expect_seq++;
        CHECK_EQ(ev.type, TR_WRITE);
        CHECK_EQ(ev.flags, TRF_GIL);
        CHECK(ev.tid >= 1 && ev.tid <= NTHREADS);
        CHECK_EQ(ev.a, ev.tid);
        /* program order within each thread */
        CHECK_EQ(ev.b, next[ev.tid]);
        next[ev.tid]++;
    }
    CHECK_EQ(expect_seq, (uint64_t)NTHREADS * NEVENTS + 1);
    for (int i = 1; i <= NTHREADS; i++) {
        CHECK_EQ(next[i], NEVENTS);
        for (int k = 0; k < NEVENTS / 5000; k++) {
            char s[32];
            snprintf(s, sizeof s, "thread %d string %d", i, k * 5000);
            CHECK_STR(trace_string(r, 1 + (uint32_t)i * 1000u + (uint32_t)k), s);
        }
    }
    /* rewind gives the same stream again */
    trace_rewind(r);
    CHECK(trace_next(r, &ev) && ev.seq == 1);
    trace_close(r);
}

/* ---- repeated sessions; a tw_thread kept across them ---- */

static void test_sessions(void)
{
    struct tw_thread t = { .tid = 1 };
    for (int s = 0; s < 20; s++) {
        char name[32];
        snprintf(name, sizeof name, "session%d.trace", s);
        CHECK(tw_open(tmp_path(name), 1, 0, NULL, 0) == 0);
        CHECK(tw_open(tmp_path("other.trace"), 1, 0, NULL, 0) == -1 && errno == EBUSY);
        for (int i = 0; i <= s; i++)
            CHECK_EQ(tw_emit(&t, TR_READ, 0, 0, 0, (uint64_t)s, i), (uint64_t)i + 1);
        tw_close();
        CHECK_EQ(tw_emit(&t, TR_READ, 0, 0, 0, 99, 0), 0);  /* dropped after close */
    }
    for (int s = 0; s < 20; s++) {
        char name[32];
        snprintf(name, sizeof name, "session%d.trace", s);
        struct trace_reader *r = open_ok(tmp_path(name));
        struct trace_event ev;
        int n = 0;
        while (trace_next(r, &ev)) {
            CHECK_EQ(ev.a, s);
            CHECK_EQ(ev.b, n);
            n++;
        }
        CHECK_EQ(n, s + 1);
        CHECK_EQ(trace_header(r)->stage_chunks, 64);   /* positions 0-63, then chunk 64 */
        CHECK_EQ(trace_header(r)->chunks, 65);
        trace_close(r);
    }
}

/* ---- definitions: spilling to a new chunk, header notes ---- */

static void test_definitions(void)
{
    const char *path = tmp_path("defs.trace");
    CHECK(tw_open(path, 1, 0, NULL, 0) == 0);
    tw_set_python_version("3.11.2");
    tw_note_coverage("no libunwind");
    tw_note_coverage("PyEval_SaveThread not interposed");
    struct tw_thread t = { .tid = 2 };
    /* leave 3 free slots in the first chunk */
    for (int i = 0; i < (int)TRACE_RECORDS_PER_CHUNK - 3; i++)
        tw_emit(&t, TR_READ, 0, 0, 0, 1, i);
    char big[200];
    memset(big, 'x', sizeof big);
    big[0] = '<';
    big[sizeof big - 1] = '>';
    tw_emit_def(&t, TR_DEF_STRING, 0, 0, 7, sizeof big, big, sizeof big); /* 1 + 7 slots */
    tw_emit_def(&t, TR_DEF_STRING, 0, 0, 8, 32, "0123456789abcdef0123456789abcdef", 32);
    struct trace_frame fr[3] = { { 7, 8, 12, 0 }, { 8, 7, -1, 0 }, { 7, 7, 0x40, 1 } };
    tw_emit_def(&t, TR_DEF_STACK, 0, 0, 5, 3, fr, sizeof fr);
    tw_emit_def(&t, TR_DEF_VAR, TRACE_VAR_PROPERTY, 9, 3, 8, NULL, 0);
    /* a mismatched length is refused, not written */
    tw_emit_def(&t, TR_DEF_STRING, 0, 0, 10, 5, "abc", 3);
    uint64_t last = tw_emit(&t, TR_WRITE, 0, 0, 5, 3, -1);
    tw_close();

    struct trace_reader *r = open_ok(path);
    CHECK_STR(trace_header(r)->python_version, "3.11.2");
    CHECK_STR(trace_header(r)->coverage, "no libunwind\nPyEval_SaveThread not interposed\n");
    CHECK_EQ(trace_header(r)->chunks, 64 + 2);
    CHECK_EQ(strlen(trace_string(r, 7)), sizeof big);
    CHECK(memcmp(trace_string(r, 7), big, sizeof big) == 0);
    CHECK_STR(trace_string(r, 8), "0123456789abcdef0123456789abcdef");
    CHECK_STR(trace_string(r, 10), "?");
    const struct trace_stack *st = trace_get_stack(r, 5);
    CHECK(st && st->nframes == 3);
    CHECK_EQ(st->frames[0].line, 12);
    CHECK_EQ(st->frames[2].native, 1);
    const struct trace_var *v = trace_get_var(r, 3);
    CHECK(v && v->owner == 9 && v->kind == TRACE_VAR_PROPERTY);
    CHECK_STR(v->path, "0123456789abcdef0123456789abcdef");
    struct trace_event ev;
    uint64_t n = 0;
    while (trace_next(r, &ev))
        n++;
    CHECK_EQ(n, TRACE_RECORDS_PER_CHUNK - 3 + 1);
    CHECK_EQ(ev.seq, last);
    CHECK_EQ(ev.stack, 5);
    CHECK_EQ(ev.b, -1);
    trace_close(r);
}

/* ---- fork: the child never writes into the parent's trace ---- */

static void test_fork(void)
{
    const char *path = tmp_path("parent.trace");
    const char *cpath = tmp_path("child.trace");
    CHECK(tw_open(path, 1, 0, NULL, 0) == 0);
    struct tw_thread t = { .tid = 1 };
    CHECK_EQ(tw_emit(&t, TR_THREAD_CREATE, 0, 0, 0, 2, 0), 1);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        tw_forget_after_fork();
        if (tw_is_open() || tw_emit(&t, TR_WRITE, 0, 0, 0, 666, 0) != 0)
            _exit(3);
        if (tw_open(cpath, getpid(), getppid(), NULL, 0) != 0)
            _exit(4);
        if (tw_emit(&t, TR_WRITE, 0, 0, 0, 77, 0) != 1)
            _exit(5);
        tw_close();
        _exit(0);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(tw_emit(&t, TR_THREAD_JOIN, 0, 0, 0, 2, 0), 2);
    tw_close();

    struct trace_reader *r = open_ok(path);
    struct trace_event ev;
    CHECK(trace_next(r, &ev) && ev.type == TR_THREAD_CREATE && ev.seq == 1);
    CHECK(trace_next(r, &ev) && ev.type == TR_THREAD_JOIN && ev.seq == 2);
    CHECK(!trace_next(r, &ev));
    trace_close(r);
    r = open_ok(cpath);
    CHECK(trace_next(r, &ev) && ev.type == TR_WRITE && ev.a == 77);
    CHECK(!trace_next(r, &ev));
    CHECK(!trace_truncated(r));
    trace_close(r);
}

/* ---- SIGKILL: readable up to the last record, flagged truncated ---- */

#define KILL_EVENTS 5000

static void *killer_thread(void *arg)
{
    struct tw_thread t = { .tid = (uint32_t)(uintptr_t)arg };
    for (int i = 0; i < KILL_EVENTS; i++)
        tw_emit(&t, TR_READ, 0, 0, 0, t.tid, i);
    return NULL;
}

/* STAGED: the helper copies out of the staging area; the chunks each
 * thread was writing when the process died are still only there. */
static void test_sigkill(bool staged)
{
    const char *path = tmp_path(staged ? "killed-staged.trace" : "killed.trace");
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        tw_forget_after_fork();
        tw_set_thread_starter(staged ? start_detached : NULL);
        if (tw_open(path, getpid(), getppid(), NULL, 0) != 0)
            _exit(4);
        pthread_t a, b;
        pthread_create(&a, NULL, killer_thread, (void *)(uintptr_t)1);
        pthread_create(&b, NULL, killer_thread, (void *)(uintptr_t)2);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        struct tw_thread t = { .tid = 1 };
        tw_emit_def(&t, TR_DEF_STRING, 0, 0, 1, 4, "last", 4);
        raise(SIGKILL);
        _exit(5);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    struct trace_reader *r = open_ok(path);
    CHECK(trace_truncated(r));
    CHECK(trace_warning(r) == NULL);   /* unwritten chunks are not corruption */
    CHECK_EQ(trace_event_count(r), 2 * KILL_EVENTS);
    CHECK_STR(trace_string(r, 1), "last");
    struct trace_event ev;
    uint64_t n = 0, prev = 0;
    int next[3] = { 0 };
    while (trace_next(r, &ev)) {
        CHECK(ev.seq > prev);
        prev = ev.seq;
        CHECK_EQ(ev.b, next[ev.tid]);
        next[ev.tid]++;
        n++;
    }
    CHECK_EQ(n, 2 * KILL_EVENTS);
    trace_close(r);
    CHECK(staging_empty(path) == !staged);
}

/* ---- time points: every N events of a thread, interpolated by the reader ---- */

static void test_time(void)
{
    const char *path = tmp_path("time.trace");
    CHECK(tw_open(path, 1, 0, NULL, 0) == 0);
    tw_set_time_every(4);
    struct tw_thread t = { .tid = 1 };
    for (int i = 0; i < 8; i++) {
        tw_emit(&t, TR_READ, 0, 0, 0, 1, i);
        if (i == 3) {   /* a known pause between the two time points */
            struct timespec ms = {0, 20 * 1000 * 1000};
            nanosleep(&ms, NULL);
        }
    }
    tw_emit(&t, TR_READ, 0, 0, 0, 1, 8);
    tw_emit_time(&t);   /* as the shim does at a host GIL call */
    tw_set_time_every(0);
    tw_close();
    struct trace_reader *r = open_ok(path);
    struct trace_event ev;
    uint64_t seqs[16], times[16];
    int n = 0, reads = 0;
    while (trace_next(r, &ev)) {
        if (ev.type == TR_TIME && n < 16) {
            seqs[n] = ev.seq;
            times[n++] = (uint64_t)ev.a;
        } else {
            reads++;
        }
    }
    /* reads 0-3, time (seq 5), reads 4-7, time (10), read 8, time (12) */
    CHECK_EQ(reads, 9);
    CHECK_EQ(n, 3);
    CHECK(n == 3 && seqs[0] == 5 && seqs[1] == 10 && seqs[2] == 12);
    CHECK(n == 3 && times[1] >= times[0] + 20 * 1000 * 1000 && times[2] >= times[1]);
    /* an event between two points gets a time between them; before the first
     * point, the first point's; past the last, the last's */
    double t5 = trace_time_us(r, 5), t7 = trace_time_us(r, 7), t10 = trace_time_us(r, 10);
    CHECK(t5 <= t7 && t7 <= t10 && t10 - t5 >= 20000.0);
    CHECK(trace_time_us(r, 1) == t5);
    CHECK(trace_time_us(r, 99) == trace_time_us(r, 12));
    trace_close(r);
}

/* ---- pages made resident ahead ---- */

static int start_detached(void *(*fn)(void *))
{
    pthread_t th;
    int rc = pthread_create(&th, NULL, fn, NULL);
    if (rc == 0)
        pthread_detach(th);
    return rc;
}

static int start_none(void *(*fn)(void *))
{
    (void)fn;
    return EAGAIN;
}

/* Threads of this process named NAME; the last one's task id in LAST_TID
 * (if not NULL). */
static int threads_named_last(const char *name, char *last_tid, size_t size)
{
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    for (struct dirent *e; d && (e = readdir(d));) {
        char path[300], comm[64] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f && fgets(comm, sizeof comm, f) && strncmp(comm, name, strlen(name)) == 0) {
            n++;
            if (last_tid)
                snprintf(last_tid, size, "%s", e->d_name);
        }
        if (f)
            fclose(f);
    }
    if (d)
        closedir(d);
    return n;
}

static int threads_named(const char *name)
{
    return threads_named_last(name, NULL, 0);
}

/* Pages of the trace file's chunks FROM ... FROM + N - 1 in the page cache. */
static int resident_chunks(const char *path, uint64_t from, size_t n)
{
    int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    off_t off = TRACE_HEADER_SIZE + (off_t)from * TRACE_CHUNK_SIZE;
    size_t len = n * TRACE_CHUNK_SIZE;
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
    CHECK(p != MAP_FAILED);
    unsigned char vec[1024];
    size_t pages = len / (size_t)sysconf(_SC_PAGESIZE);
    CHECK(pages <= sizeof vec && mincore(p, len, vec) == 0);
    int in = 0;
    for (size_t i = 0; i < pages; i++)
        in += vec[i] & 1;
    munmap(p, len);
    close(fd);
    return in;
}

/* Wait up to 5 s for chunks FROM ... FROM + 255 of PATH to be resident;
 * returns how many pages are. */
static int wait_resident(const char *path, uint64_t from)
{
    int in = 0;
    for (int tries = 0; tries < 500 && in < 256; tries++) {
        in = resident_chunks(path, from, 256);
        if (in < 256)
            usleep(10000);
    }
    return in;
}

/* Fill chunks 0 ... 259 of a fresh trace at PATH from one thread. */
static void write_past_window(const char *path)
{
    CHECK(tw_open(path, 1, 0, NULL, 0) == 0);
    CHECK_EQ(wait_resident(path, 256), 256);   /* tw_open asked for two windows */
    struct tw_thread t = { .tid = 1 };
    for (int i = 0; i < 260 * (int)TRACE_RECORDS_PER_CHUNK; i++)
        tw_emit(&t, TR_READ, 0, 0, 0, 1, i);
}

/* The descriptors of the helper thread's own table (tw_helper_file): -1 if
 * there is no helper; else how many, and whether the one is PATH. */
static int helper_fds(const char *path, bool *is_trace)
{
    char tid[256], dir[300];
    if (threads_named_last("bpyrace-pages", tid, sizeof tid) == 0)
        return -1;
    snprintf(dir, sizeof dir, "/proc/self/task/%s/fd", tid);
    int found = 0;
    *is_trace = false;
    DIR *fds = opendir(dir);
    for (struct dirent *x; fds && (x = readdir(fds));) {
        if (x->d_name[0] == '.')
            continue;
        char link[600], target[PATH_MAX];
        snprintf(link, sizeof link, "%s/%s", dir, x->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        target[n > 0 ? n : 0] = 0;
        *is_trace = strcmp(target, path) == 0;
        found++;
    }
    if (fds)
        closedir(fds);
    return found;
}

/* Threads that each take a staging chunk and keep it open. */
#define HOLDERS ((int)TRACE_STAGE_CHUNKS)
static pthread_barrier_t held, release_holders;

static void *holder_main(void *arg)
{
    struct tw_thread t = { .tid = (uint32_t)(uintptr_t)arg };
    tw_emit(&t, TR_READ, 0, 0, 0, t.tid, 0);
    pthread_barrier_wait(&held);
    pthread_barrier_wait(&release_holders);
    return NULL;
}

/* Opening asks for chunks 0-511 to be made resident (the staging area is
 * written in place by every thread).  The helper, with a descriptor of its
 * own for the session, writes the chunks it copies with pwritev: they need
 * no resident pages, so crossing into a window asks for nothing more; once
 * a chunk has been written in place (every staging chunk held), crossing
 * into a window asks for the one after it.  Without a helper (a forked
 * child, none can start) the writing thread makes them resident itself.
 * Checked far from the start: populating the first window makes the first
 * 8 MiB resident on this kernel (large folios). */
#define FAR_WINDOW 2560u   /* asked for when chunk 2304 begins */
#define FAR_CHUNKS 2310

static void test_populate_ahead(void)
{
    tw_set_thread_starter(start_detached);
    const char *path = tmp_path("resident.trace");
    uint32_t asked = tw_populate_requests();
    CHECK(tw_open(path, 1, 0, NULL, 0) == 0);
    CHECK_EQ(wait_resident(path, 256), 256);   /* tw_open asked for two windows */
    /* (the helper names itself when it first runs) */
    int helpers = 0;
    for (int tries = 0; tries < 500 && helpers != 1; tries++) {
        helpers = threads_named("bpyrace-pages");
        if (helpers != 1)
            usleep(10000);
    }
    CHECK_EQ(helpers, 1);
    /* Its own table: the trace alone, once it has run for this session (a
     * helper that has not had a session's file yet has every window asked
     * for: the writer must not start before, for the count below). */
    bool is_trace = false;
    int fds = 0;
    for (int tries = 0; tries < 500 && !(fds == 1 && is_trace); tries++) {
        fds = helper_fds(path, &is_trace);
        if (!(fds == 1 && is_trace))
            usleep(10000);
    }
    CHECK_EQ(fds, 1);
    CHECK(is_trace);
    /* It runs at the normal policy: at SCHED_IDLE it never ran on a core the
     * program kept busy, and the writers copied their chunks themselves. */
    char tid[256];
    CHECK(threads_named_last("bpyrace-pages", tid, sizeof tid) == 1);
    CHECK_EQ(sched_getscheduler((pid_t)atoi(tid)), SCHED_OTHER);
    struct tw_thread t = { .tid = 1 };
    for (int i = 0; i < (FAR_CHUNKS - 64) * (int)TRACE_RECORDS_PER_CHUNK; i++)   /* chunks 64 on */
        tw_emit(&t, TR_READ, 0, 0, 0, 1, i);
    CHECK_EQ(wait_resident(path, FAR_WINDOW - 512), 256);   /* staged, written by the helper */
    /* tw_open's request only: none at chunks 256, 512, ... 2304 (residency
     * cannot tell: a chunk the writer copied itself, when the helper fell
     * behind, faults in a large folio around it) */
    CHECK_EQ(tw_populate_requests() - asked, 1);
    tw_close();

    const char *p2 = tmp_path("resident-in-place.trace");
    asked = tw_populate_requests();
    CHECK(tw_open(p2, 1, 0, NULL, 0) == 0);
    CHECK_EQ(wait_resident(p2, 256), 256);
    pthread_barrier_init(&held, NULL, HOLDERS + 1);
    pthread_barrier_init(&release_holders, NULL, HOLDERS + 1);
    pthread_t th[HOLDERS];
    for (int i = 0; i < HOLDERS; i++)
        CHECK(pthread_create(&th[i], NULL, holder_main, (void *)(uintptr_t)(i + 2)) == 0);
    pthread_barrier_wait(&held);   /* chunks 64-127, every staging chunk, open */
    struct tw_thread w = { .tid = 1 };
    uint64_t n = (uint64_t)(FAR_CHUNKS - 128) * TRACE_RECORDS_PER_CHUNK;   /* chunks 128 on, in place */
    for (uint64_t i = 0; i < n; i++)
        tw_emit(&w, TR_READ, 0, 0, 0, 1, (int64_t)i);
    CHECK_EQ(wait_resident(p2, FAR_WINDOW), 256);
    CHECK_EQ(tw_populate_requests() - asked, 1 + FAR_CHUNKS / 256);   /* tw_open's, chunks 256 ... 2304 */
    pthread_barrier_wait(&release_holders);
    for (int i = 0; i < HOLDERS; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&held);
    pthread_barrier_destroy(&release_holders);
    tw_close();
    struct trace_reader *r = open_ok(p2);
    CHECK_EQ(trace_event_count(r), HOLDERS + n);
    trace_close(r);

    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {   /* the helper stayed in the parent: none here, and none can start */
        tw_forget_after_fork();
        tw_set_thread_starter(start_none);
        const char *p3 = tmp_path("resident2.trace");
        uint32_t before = tw_populate_requests();
        write_past_window(p3);
        int now = resident_chunks(p3, 512, 256);
        int helpers = threads_named("bpyrace-pages");
        uint32_t requests = tw_populate_requests() - before;   /* tw_open's, chunk 256's */
        tw_close();
        _exit(now == 256 && helpers == 0 && requests == 2 ? 0 : 1);
    }
    int status;
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    tw_set_thread_starter(NULL);
}

/* The helper clears each staging chunk it wrote (header and records), so a
 * writer that takes a free one stores only its records.  One thread fills
 * 32 chunks and starts a 33rd: the 32 handed on (half the area waiting:
 * the helper is woken) read as zeros once written; only the open one holds
 * anything.  (Before, the writer cleared a chunk when it took it: 33.) */
static void test_stage_cleared(void)
{
    tw_set_thread_starter(start_detached);
    const char *path = tmp_path("cleared.trace");
    CHECK(tw_open(path, 1, 0, NULL, 0) == 0);
    struct tw_thread t = { .tid = 1 };
    uint64_t n = 32 * (uint64_t)TRACE_RECORDS_PER_CHUNK + 1;
    for (uint64_t i = 0; i < n; i++)
        tw_emit(&t, TR_READ, 0, 0, 0, 1, (int64_t)i);
    int in_use = TRACE_STAGE_CHUNKS;
    for (int tries = 0; tries < 500 && in_use != 1; tries++) {
        in_use = staging_in_use(path);
        if (in_use != 1)
            usleep(10000);
    }
    CHECK_EQ(in_use, 1);
    tw_close();
    struct trace_reader *r = open_ok(path);
    CHECK_EQ(trace_event_count(r), n);
    trace_close(r);
    tw_set_thread_starter(NULL);
}

/* ---- seqs from a thread's block (tw_emit_in_block) ---- */

/* Exact seqs, emitted from one OS thread for two writer threads A and B:
 * a block serves A's releases and GIL-held accesses until any other event
 * of A or a tw_end_block; B's fresh seqs come after A's whole block; a new
 * session starts A's blocks again. */
static void test_blocks(void)
{
    const char *path = tmp_path("blocks.trace");
    CHECK(tw_open(path, 1, 0, NULL, 0) == 0);
    struct tw_thread a = { .tid = 1 }, b = { .tid = 2 };
    CHECK_EQ(tw_emit_in_block(&a, TR_WRITE, TRF_GIL, 0, 0, 7, 0), 1);   /* block 1..64 */
    CHECK_EQ(tw_emit_in_block(&a, TR_RELEASE, 0, TRACE_SYNC_MUTEX, 0, 0x100, 0), 2);
    CHECK_EQ(tw_emit(&b, TR_ACQUIRE, 0, TRACE_SYNC_MUTEX, 0, 0x100, 0), 65);
    CHECK_EQ(tw_emit_in_block(&a, TR_READ, TRF_GIL, 0, 0, 7, -1), 3);   /* (B's event is no GIL hand-off) */
    tw_end_block(&a);                                                    /* A hands the GIL on */
    CHECK_EQ(tw_emit_in_block(&b, TR_WRITE, TRF_GIL, 0, 0, 7, 0), 66);  /* B's block 66..129 */
    CHECK_EQ(tw_emit_in_block(&a, TR_READ, TRF_GIL, 0, 0, 7, -1), 130); /* A's next block: after B's */
    CHECK_EQ(tw_emit(&a, TR_ACQUIRE, 0, TRACE_SYNC_MUTEX, 0, 0x100, 0), 194);
    CHECK_EQ(tw_emit_in_block(&a, TR_RELEASE, 0, TRACE_SYNC_MUTEX, 0, 0x100, 0), 195); /* (ended by the acquire) */
    for (unsigned i = 0; i < TW_SEQ_BLOCK; i++)   /* 195..258, then a block from 259 */
        tw_emit_in_block(&a, TR_READ, TRF_GIL, 0, 0, 8, (int64_t)i);
    CHECK_EQ(tw_emit_in_block(&a, TR_READ, TRF_GIL, 0, 0, 9, -1), 260);
    tw_close();

    struct trace_reader *r = open_ok(path);
    CHECK(trace_warning(r) == NULL);
    CHECK_EQ(trace_event_count(r), 73);
    static const struct { uint64_t seq; uint32_t tid; } order[] = {
        {1, 1}, {2, 1}, {3, 1}, {65, 2}, {66, 2}, {130, 1}, {194, 1}, {195, 1},
    };
    struct trace_event ev;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        CHECK(trace_next(r, &ev));
        CHECK_EQ(ev.seq, order[i].seq);
        CHECK_EQ(ev.tid, order[i].tid);
    }
    uint64_t last = 195;
    while (trace_next(r, &ev)) {
        CHECK(ev.seq > last);
        last = ev.seq;
    }
    CHECK_EQ(last, 260);
    trace_close(r);

    /* A new session: A's block of the last one is not used again. */
    CHECK(tw_open(path, 1, 0, NULL, 0) == 0);
    CHECK_EQ(tw_emit_in_block(&a, TR_WRITE, TRF_GIL, 0, 0, 7, 0), 1);
    tw_close();
}

/* tw_try_emit_in_block: the same seqs and records as tw_emit_in_block, and
 * 0 (nothing written) whenever the out-of-line call has work to do: no chunk
 * yet, no block, the block or the chunk used up, a TR_TIME due, another
 * session. */
static void test_try_in_block(void)
{
    const char *path = tmp_path("try.trace");
    CHECK(tw_open(path, 1, 0, NULL, 0) == 0);
    struct tw_thread a = { .tid = 1 };
    CHECK_EQ(tw_try_emit_in_block(&a, TR_READ, TRF_GIL, 0, 5, 7, -1), 0);     /* no chunk yet */
    CHECK_EQ(tw_emit_in_block(&a, TR_WRITE, TRF_GIL, 0, 5, 7, 0), 1);        /* block 1..64 */
    CHECK_EQ(tw_try_emit_in_block(&a, TR_READ, TRF_GIL, 0, 5, 7, 3), 2);
    tw_end_block(&a);
    CHECK_EQ(tw_try_emit_in_block(&a, TR_READ, TRF_GIL, 0, 5, 7, 4), 0);      /* the block ended */
    CHECK_EQ(tw_emit_in_block(&a, TR_READ, TRF_GIL, 0, 5, 7, 4), 65);
    uint64_t seq = 65;
    int fast = 0, slow = 0;
    for (int i = 0; i < 3 * (int)TRACE_RECORDS_PER_CHUNK; i++) {   /* past blocks' and chunks' ends */
        uint64_t s = tw_try_emit_in_block(&a, TR_READ, TRF_GIL, 0, 5, 8, i);
        if (s)
            fast++;
        else {
            s = tw_emit_in_block(&a, TR_READ, TRF_GIL, 0, 5, 8, i);
            slow++;
        }
        CHECK_EQ(s, ++seq);
    }
    CHECK(fast > 0 && slow >= 3 * (int)TRACE_RECORDS_PER_CHUNK / (int)TW_SEQ_BLOCK);
    tw_set_time_every(4);
    int due = 0;
    for (int i = 0; i < 8; i++)
        if (!tw_try_emit_in_block(&a, TR_READ, TRF_GIL, 0, 5, 9, i)) {
            tw_emit_in_block(&a, TR_READ, TRF_GIL, 0, 5, 9, i);
            due++;
        }
    /* every fourth event is the out-of-line call's, with its TR_TIME, whose
     * fresh seq ends the block: the next one takes a new block, out of line */
    CHECK_EQ(due, 4);
    tw_set_time_every(0);
    tw_close();
    CHECK_EQ(tw_try_emit_in_block(&a, TR_READ, TRF_GIL, 0, 5, 7, -1), 0);     /* closed */

    struct trace_reader *r = open_ok(path);
    CHECK(trace_warning(r) == NULL);
    struct trace_event ev;
    CHECK(trace_next(r, &ev));
    CHECK_EQ(ev.seq, 1);
    CHECK(trace_next(r, &ev));
    CHECK_EQ(ev.seq, 2);
    CHECK_EQ(ev.type, TR_READ);
    CHECK_EQ(ev.stack, 5);
    CHECK_EQ(ev.a, 7);
    CHECK_EQ(ev.b, 3);
    CHECK(ev.flags & TRF_GIL);
    uint64_t n = 2, last = 2;
    while (trace_next(r, &ev)) {
        CHECK(ev.seq > last);
        last = ev.seq;
        n += ev.type != TR_TIME;
    }
    CHECK_EQ(n, 3 + 3 * TRACE_RECORDS_PER_CHUNK + 8);
    trace_close(r);
}

int main(void)
{
    if (!tmpdir_make("bpyrace-tw"))
        return 99;
    test_concurrent(false);
    test_sessions();
    test_definitions();
    test_fork();
    test_sigkill(false);
    test_sigkill(true);
    test_time();
    test_blocks();
    test_try_in_block();
    /* (starts the helper thread for good: the tests above fork and start
     * threads in the child, which TSan allows only from a single thread) */
    test_concurrent(true);
    test_populate_ahead();
    test_stage_cleared();
    if (!tmpdir_remove())
        return 99;
    puts("test_trace_writer: all passed");
    return 0;
}
