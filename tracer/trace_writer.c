/* Trace writer (format: trace_format.h, docs/trace-format.md).
 *
 * Runs inside the traced process (the shim is LD_PRELOADed into Blender), so:
 * no pthread_mutex_* (the shim interposes them; we would record ourselves),
 * no malloc on the hot path, never abort: on failure warn once and drop.
 *
 * The file is mapped MAP_SHARED in segments of TW_SEG_SIZE.  Segment k maps
 * the file range [k * TW_SEG_SIZE, (k + 1) * TW_SEG_SIZE + TRACE_HEADER_SIZE):
 * offsets that are multiples of any page size, holding chunks
 * k * TW_CHUNKS_PER_SEG ... + TW_CHUNKS_PER_SEG - 1 (segment 0 also holds
 * the file header, and its first chunk positions are the staging area:
 * "staging chunks" below).  Neighbouring segments overlap by one header's
 * worth of bytes; both views share the page cache, so that is harmless. */
#define _GNU_SOURCE
#include "trace_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define TW_SEG_SIZE (16u << 20)
#define TW_CHUNKS_PER_SEG (TW_SEG_SIZE / TRACE_CHUNK_SIZE)
#define TW_POPULATE_CHUNKS 256u           /* 1 MiB: made resident a window ahead */
#define TW_MAX_SEGS 4096u                 /* 64 GiB of trace */
#define TW_MAP_LEN ((size_t)TW_SEG_SIZE + TRACE_HEADER_SIZE)
#define TW_SLOTS_PER_CHUNK (TRACE_CHUNK_SIZE / TRACE_RECORD_SIZE)
/* A definition and its payload fit in one chunk after its header (strings
 * are cut at 511 bytes and stacks at 64 frames, 1 KiB, before they get here). */
#define TW_MAX_DEF_PAYLOAD (TRACE_CHUNK_SIZE - 2u * TRACE_RECORD_SIZE)
#define TW_STAGE_CHUNKS TRACE_STAGE_CHUNKS /* the staging area: see "staging chunks" below */
#define TW_STAGE_WAKE 32u                 /* full staging chunks waiting that wake the helper (half the area), and its batch */
#define TW_HELPER_NAP_NS 500000L          /* the helper's nap while chunks keep coming: 0.5 ms */

/* Session state.  tw_open/tw_close/segment mapping run under tw_lock; the hot
 * path only reads tw_open_flag and tw_gen and bumps two counters. */
atomic_int tw_open_flag;                      /* 1 while a trace is open */
_Atomic uint32_t tw_gen;                      /* session number, never 0 once opened */
static _Atomic uint64_t tw_seq = 1;
static _Atomic uint64_t tw_next_chunk;
static atomic_flag tw_lock = ATOMIC_FLAG_INIT; /* segment mapping, open, close */
static atomic_int tw_failed;                  /* sticky: mapping more failed */
static atomic_int tw_warned;

/* Changed under tw_lock; atomic because the helper reads them without it
 * (it opens the trace in a descriptor table of its own: tw_helper_file). */
static _Atomic int tw_fd = -1;
static _Atomic uint64_t tw_dev, tw_ino;        /* the trace file, to know it again */
static char tw_path[PATH_MAX + 64];            /* absolute: reopened by name */
static uint64_t tw_start_mono;                 /* CLOCK_MONOTONIC at tw_open */
uint32_t tw_time_every;                        /* a thread's events per TR_TIME, 0 none */

void tw_set_time_every(uint32_t n)
{
    tw_time_every = n;
}
static uint32_t tw_nsegs;                     /* mapped segments: always a prefix */
static char *_Atomic tw_seg[TW_MAX_SEGS];

/* Mappings of closed sessions, replaced by anonymous memory (see tw_close). */
static struct { void *addr; size_t len; } tw_grave[TW_MAX_SEGS];
static uint32_t tw_ngrave;

static void tw_lock_take(void)
{
    while (atomic_flag_test_and_set_explicit(&tw_lock, memory_order_acquire))
        sched_yield();
}

static void tw_lock_drop(void)
{
    atomic_flag_clear_explicit(&tw_lock, memory_order_release);
}

/* One line on stderr, once per process; write(2) rather than stdio, whose
 * locks would be a surprise inside a host's signal or exit path. */
static void tw_warn(const char *what, int err, const char *consequence)
{
    if (atomic_exchange(&tw_warned, 1))
        return;
    char buf[256];
    int n = snprintf(buf, sizeof buf, "bpyrace: %s%s%s; %s\n",
                     what, err ? ": " : "", err ? strerror(err) : "", consequence);
    if (n > 0) {
        ssize_t w = write(2, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
        (void)w;
    }
}

static struct trace_file_header *tw_header(void)
{
    return (struct trace_file_header *)atomic_load_explicit(&tw_seg[0], memory_order_relaxed);
}

/* Events are being dropped from now on: say so in the header, so that the
 * report can say from where its trace is incomplete.  Caller holds tw_lock. */
static void tw_mark_dropped(void)
{
    struct trace_file_header *h = tw_header();
    if (h && !(h->flags & TRACE_HF_DROPPED)) {
        h->dropped_seq = atomic_load(&tw_seq);
        h->flags |= TRACE_HF_DROPPED;
    }
}

/* Move FD to a high number, out of the program's way: its own open() calls
 * get the numbers they would get without bpyrace, and a number it reuses is
 * less likely to be ours.  Returns the new descriptor (FD is closed), or FD
 * itself when the limit leaves no room. */
static int tw_move_high(int fd)
{
    struct rlimit rl;
    int lo = 1000;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur <= 1000)
        lo = (int)rl.rlim_cur / 2;
    if (fd >= lo)
        return fd;
    int hi = fcntl(fd, F_DUPFD_CLOEXEC, lo);
    if (hi < 0)
        return fd;
    close(fd);
    return hi;
}

/* Whether tw_fd is still the trace file: the program may have closed it
 * (os.closerange) or put a file of its own at its number (dup2, or a reused
 * number).  Caller holds tw_lock. */
static int tw_fd_ours(void)
{
    struct stat st;
    int fd = tw_fd;
    return fd >= 0 && fstat(fd, &st) == 0 && (uint64_t)st.st_dev == tw_dev && (uint64_t)st.st_ino == tw_ino;
}

/* Make tw_fd the trace file again before using it: a number that is not ours
 * any more is forgotten, never closed, truncated or extended (it may be the
 * program's file), and the trace is reopened by name, if the file there is
 * still ours.  A thread of the program could still close and reuse the
 * number between this check and the use: the window is a few system calls.
 * Returns 0, or -1 with errno.  Caller holds tw_lock. */
static int tw_fd_check(void)
{
    if (tw_fd_ours())
        return 0;
    tw_fd = -1;
    int fd = open(tw_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    tw_fd = tw_move_high(fd);
    if (!tw_fd_ours()) {
        close(tw_fd);
        tw_fd = -1;
        errno = ESTALE;   /* another file is at the trace's name */
        return -1;
    }
    return 0;
}

/* Size the file for segment K and map it.  Caller holds tw_lock.
 * fallocate rather than ftruncate: a store into a sparse page the disk
 * cannot hold raises SIGBUS in the host; a failed fallocate is just a warning. */
static int tw_map_segment(uint32_t k)
{
    off_t off = (off_t)k * TW_SEG_SIZE;
    off_t need = off + (off_t)TW_MAP_LEN;
    int rc = fallocate(tw_fd, 0, off, (off_t)TW_MAP_LEN);
    if (rc != 0 && (errno == EOPNOTSUPP || errno == ENOSYS))
        rc = ftruncate(tw_fd, need);
    if (rc != 0)
        return -1;
    void *p = mmap(NULL, TW_MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, tw_fd, off);
    if (p == MAP_FAILED)
        return -1;
    atomic_store_explicit(&tw_seg[k], (char *)p, memory_order_release);
    return 0;
}

/* A segment could not be had (errno ERR, WHAT): unless AHEAD, the failure
 * sticks and events are dropped from here on.  Under tw_lock. */
static void tw_segment_failed(bool ahead, const char *what, int err)
{
    if (ahead)
        return;
    atomic_store(&tw_failed, 1);
    tw_mark_dropped();
    tw_warn(what, err, "later events are dropped");
}

/* Map segments up to and including K, the descriptor checked first.
 * Returns 0, or -1 (with tw_segment_failed's consequences unless AHEAD).
 * Caller holds tw_lock. */
static int tw_map_through(uint32_t k, bool ahead)
{
    if (tw_nsegs <= k && tw_fd_check() != 0) {
        tw_segment_failed(ahead, "the program closed the trace file's descriptor and it cannot be reopened", errno);
        return -1;
    }
    while (tw_nsegs <= k) {
        if (tw_map_segment(tw_nsegs) != 0) {
            tw_segment_failed(ahead, "cannot extend the trace file", errno);
            return -1;
        }
        tw_nsegs++;
        tw_header()->chunks = (uint64_t)tw_nsegs * TW_CHUNKS_PER_SEG;
    }
    return 0;
}

/* Map segments up to and including K (a prefix, so close can trim simply).
 * Returns 0, or -1 if the session closed or mapping failed (sticky unless
 * AHEAD: see tw_ensure_segment). */
static int tw_ensure_segment_ex(uint32_t k, bool ahead)
{
    tw_lock_take();
    int rc = !atomic_load(&tw_open_flag) || atomic_load(&tw_failed) ? -1 : tw_map_through(k, ahead);
    tw_lock_drop();
    return rc;
}

/* AHEAD: mapped before any chunk of it is needed; a failure then is left for
 * the writer that needs it to meet (and report: events are dropped from
 * there on, not from now). */
static int tw_ensure_segment(uint32_t k)
{
    return tw_ensure_segment_ex(k, false);
}

/* ---- making pages resident ahead ----
 * The chunk that starts each 1 MiB window of a segment asks for the window
 * after it to be made resident with madvise(MADV_POPULATE_WRITE): on ext4 a
 * first store into each page of the shared mapping otherwise takes a write
 * fault of its own (page_mkwrite on the fallocated range), about a sixth of
 * the recorder's time in a loop of accesses (docs/performance.md); tw_open
 * asks for the first two windows.  The madvise (allocating, zeroing and
 * dirtying 256 page-cache pages, 0.5 ms and more) is made by a helper thread
 * when the shim gave us a way to start one (tw_set_thread_starter), so the
 * program's thread only posts the request and wakes it; without one, or if
 * it cannot start, the thread that asked does it.  A kernel without
 * MADV_POPULATE_WRITE (before 5.14), or one that fails it, leaves the pages
 * to fault in as before. */
static int (*tw_starter)(void *(*fn)(void *));
static _Atomic uint32_t tw_helper_word;        /* futex word: bumped by every request */
static atomic_bool tw_helper_asleep;           /* set by the helper before it waits */
static _Atomic uint32_t tw_pf_asked;           /* populate requests made */
static _Atomic uint64_t tw_pf_range;           /* the latest request: first chunk << 32 | windows */
static _Atomic uint32_t tw_pf_gen;             /* ... and its session */
static atomic_int tw_pf_state;                 /* 0 not started, 2 starting, 1 running, -1 none */
static atomic_bool tw_helper_writes;          /* the helper pwrites (its last session's file was had) */
static atomic_bool tw_in_place;                /* a chunk was written at its position (not staged) */

void tw_set_thread_starter(int (*start)(void *(*fn)(void *)))
{
    tw_starter = start;
    int gave_up = -1;   /* (a running helper stays) */
    atomic_compare_exchange_strong(&tw_pf_state, &gave_up, 0);
}

/* Threads inside tw_populate's madvise: whoever unmaps a segment (not
 * replaces it: tw_close's retiring, below) waits for none to be left, so a
 * madvise never lands on memory that has become the program's. */
static atomic_int tw_pf_inflight;

static void tw_populate_wait_idle(void)
{
    while (atomic_load(&tw_pf_inflight))
        sched_yield();
}

/* Make chunks IDX ... IDX + TW_POPULATE_CHUNKS - 1 of session GEN resident,
 * if that session is still open and their segment mapped.  Never under
 * tw_lock: the helper may be preempted at any point, and a writer spinning
 * on the lock would wait for it. */
static void tw_populate(uint64_t idx, uint32_t gen)
{
#ifdef MADV_POPULATE_WRITE
    uint32_t k = (uint32_t)(idx / TW_CHUNKS_PER_SEG);
    if (k >= TW_MAX_SEGS)
        return;
    atomic_fetch_add(&tw_pf_inflight, 1);   /* (before the checks: see tw_populate_wait_idle) */
    char *seg = atomic_load(&tw_open_flag) && atomic_load(&tw_gen) == gen ? atomic_load(&tw_seg[k]) : NULL;
    if (seg) {
        uintptr_t from = (uintptr_t)(seg + TRACE_HEADER_SIZE + (idx % TW_CHUNKS_PER_SEG) * TRACE_CHUNK_SIZE);
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        from &= ~(page - 1);
        (void)madvise((void *)from, (size_t)TW_POPULATE_CHUNKS * TRACE_CHUNK_SIZE, MADV_POPULATE_WRITE);
    }
    atomic_fetch_sub(&tw_pf_inflight, 1);
#else
    (void)idx;
    (void)gen;
#endif
}

/* RANGE's windows, one madvise each. */
static void tw_populate_range(uint64_t range, uint32_t gen)
{
    for (uint64_t w = 0; w < (range & 0xffffffffu); w++)
        tw_populate((range >> 32) + w * TW_POPULATE_CHUNKS, gen);
}

static int tw_stage_copy_full(void);
static void tw_helper_own_files(void);
static int tw_helper_file(uint32_t gen);

static void *tw_populate_main(void *arg)
{
    (void)arg;
    prctl(PR_SET_NAME, "bpyrace-pages", 0, 0, 0);
    tw_helper_own_files();
    /* At the normal policy (a starter's SCHED_IDLE or SCHED_BATCH is left
     * where the kernel allows): its pwritev costs about 1 us a page, while a
     * writer that finds no free staging chunk copies one through the mapping
     * at 7 to 17 us a page.  At SCHED_IDLE, on a core the program kept busy,
     * it never ran and the writers paid that (docs/performance.md, "Twelfth
     * pass"). */
    struct sched_param normal = {0};
    sched_setscheduler(0, SCHED_OTHER, &normal);
    uint32_t done = 0;
    for (;;) {
        uint32_t word = atomic_load(&tw_helper_word);
        uint32_t asked = atomic_load(&tw_pf_asked);
        if (asked != done) {
            done = asked;   /* requests made meanwhile are folded into the latest */
            uint32_t gen = atomic_load(&tw_pf_gen);
            /* (first: whether the helper writes decides what is populated next) */
            tw_helper_file(gen);
            tw_populate_range(atomic_load(&tw_pf_range), gen);
        }
        /* While chunks keep coming it comes back by itself after a nap, so
         * the writers need not wake it: a wake costs the waking thread 4 to
         * 30 us on a VM (the interprocessor interrupt), about 2 % of a loop
         * of accesses that woke it every 32 chunks.  A nap that finds
         * nothing ends the naps; a writer then wakes it (tw_stage_hand_on). */
        bool wrote = tw_stage_copy_full() > 0;
        /* Announced before the wait, both seq_cst: a waker that reads false
         * bumped the word before this store, so the wait returns at once. */
        atomic_store(&tw_helper_asleep, true);
        if (atomic_load(&tw_helper_word) == word) {
            struct timespec nap = {0, TW_HELPER_NAP_NS};
            syscall(SYS_futex, &tw_helper_word, FUTEX_WAIT_PRIVATE, word, wrote ? &nap : NULL, NULL, 0);
        }
        atomic_store(&tw_helper_asleep, false);
    }
    return NULL;
}

/* The wake is a system call and, the helper sleeping on the other core, an
 * interprocessor interrupt (a trip to the hypervisor in a VM): made only when
 * the helper is asleep, and by one waker only (the flag is taken); awake, it
 * sees the bumped word before it waits. */
static void tw_helper_wake(void)
{
    atomic_fetch_add(&tw_helper_word, 1);
    if (atomic_load(&tw_helper_asleep) && atomic_exchange(&tw_helper_asleep, false))
        syscall(SYS_futex, &tw_helper_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Start the helper with every signal blocked (it must never take one of
 * the program's), once; -1 state: the asking thread populates itself. */
static bool tw_populate_helper(void)
{
    int state = atomic_load(&tw_pf_state);
    if (state != 0)
        return state == 1;
    if (!tw_starter) {
        atomic_store(&tw_pf_state, -1);
        return false;
    }
    int expect = 0;
    if (!atomic_compare_exchange_strong(&tw_pf_state, &expect, 2))
        return atomic_load(&tw_pf_state) == 1;   /* another thread is starting it */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = tw_starter(tw_populate_main);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    atomic_store(&tw_pf_state, rc == 0 ? 1 : -1);
    return rc == 0;
}

/* Ask for WINDOWS windows from chunk FROM of session GEN to be made resident. */
static _Atomic uint32_t tw_pf_requests;        /* every request, the helper's or not */

static void tw_populate_ask(uint64_t from, uint32_t windows, uint32_t gen)
{
    atomic_fetch_add(&tw_pf_requests, 1);
    uint64_t range = from << 32 | windows;
    if (!tw_populate_helper()) {
        tw_populate_range(range, gen);
        return;
    }
    atomic_store(&tw_pf_range, range);
    atomic_store(&tw_pf_gen, gen);
    atomic_fetch_add(&tw_pf_asked, 1);
    tw_helper_wake();
}

uint32_t tw_populate_requests(void)
{
    return atomic_load(&tw_pf_requests);
}

static void tw_populate_ahead(uint64_t idx, uint32_t gen)
{
    if (idx == 0 || idx % TW_POPULATE_CHUNKS != 0)
        return;   /* (chunk 0: tw_open asked) */
    /* The next segment is mapped here, by the writer, when the window is its
     * first: writers crossing the boundary then wait for neither the file to
     * grow nor its first pages. */
    uint64_t next = idx + TW_POPULATE_CHUNKS;
    uint32_t k = (uint32_t)(next / TW_CHUNKS_PER_SEG);
    if (k < TW_MAX_SEGS && !atomic_load_explicit(&tw_seg[k], memory_order_acquire) && tw_ensure_segment_ex(k, true) != 0)
        return;
    /* Chunks the helper writes with pwritev need no resident pages: only
     * those written in place since the last window do.  (Until the helper
     * first had a session's file, and if it could not have the last one,
     * every window is asked for; a session it cannot write after all
     * copies through the mapping, page faults included.) */
    if (atomic_exchange(&tw_in_place, false) || !atomic_load(&tw_helper_writes))
        tw_populate_ask(next, 1, gen);
}

/* ---- the helper's own descriptor table ----
 * A store into a page of the shared mapping that the thread has not touched
 * yet costs a trip to the hypervisor on a VM with shadow page tables, even
 * for a page made resident ahead (7 us on the PVM guests measured, 9 us with
 * the populating); pwritev copies the same page in the kernel, about 1 us a
 * page in a batch (docs/performance.md, "Eleventh pass").  So the helper
 * writes the chunks it copies with pwritev.  Not through the program's
 * descriptor table: the program may close the trace's number and put a file
 * of its own there between a check and the write (tw_fd_check).  The helper
 * gives itself a table of its own (unshare CLONE_FILES), closes its copies
 * of the program's descriptors (they would keep the program's pipes and
 * sockets open) and opens the trace anew for each session, through
 * /proc/self/fd (the program's table), checking that what it opened is the
 * trace file.  Where any of that fails the helper copies through the
 * mapping, as before. */
/* The helper's own table is known to nobody else, the sanitizers' runtimes
 * included: a ThreadSanitizer build keeps one record per descriptor number
 * for the whole process, and took the helper's descriptor 1 for the
 * program's stdout (a race reported in the host).  So the helper's calls on
 * its own descriptors are system calls, not the C library's (which a
 * sanitizer intercepts). */
static int tw_sys_open(const char *path, int flags)
{
    return (int)syscall(SYS_openat, AT_FDCWD, path, flags, 0);
}

static void tw_sys_close(int fd)
{
    syscall(SYS_close, fd);
}

static int tw_sys_fstat(int fd, struct stat *st)
{
    return (int)syscall(SYS_fstat, fd, st);
}

static ssize_t tw_sys_pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
    /* (the offset in two halves, as the kernel takes it where a long is 32 bits) */
    return (ssize_t)syscall(SYS_pwritev, fd, iov, (long)n, (long)off, (long)((uint64_t)off >> 32));
}

static bool tw_helper_private;                 /* helper only: its table is its own */
static int tw_helper_fd = -1;                  /* helper only: the trace, in that table */
static uint32_t tw_helper_fd_gen;              /* helper only: the session it was opened for */

static void tw_helper_own_files(void)
{
    tw_helper_private = false;
    tw_helper_fd = -1;
    tw_helper_fd_gen = 0;
#if defined(SYS_close_range) && defined(CLONE_FILES)
    /* close_range must work before the table is copied: the copies must go */
    if (syscall(SYS_close_range, ~0u - 1u, ~0u, 0u) != 0 || unshare(CLONE_FILES) != 0)
        return;
    syscall(SYS_close_range, 0u, ~0u, 0u);
    tw_helper_private = true;
#endif
}

/* The helper's descriptor of session GEN's trace, or -1. */
static int tw_helper_file(uint32_t gen)
{
    if (!tw_helper_private)
        return -1;
    if (tw_helper_fd_gen == gen)
        return tw_helper_fd;
    if (tw_helper_fd >= 0)
        tw_sys_close(tw_helper_fd);   /* (a closed session's) */
    tw_helper_fd = -1;
    tw_helper_fd_gen = gen;   /* one try a session */
    /* read after GEN: tw_open publishes them before the session number */
    int num = tw_fd;
    uint64_t dev = tw_dev, ino = tw_ino;
    if (num < 0)
        return -1;
    /* O_PATH first: it opens nothing (a FIFO or a device the program put at
     * the number would notice an open), and it pins the file checked */
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", num);
    int pin = tw_sys_open(path, O_PATH | O_CLOEXEC);
    if (pin < 0)
        return -1;
    struct stat st;
    int fd = -1;
    if (tw_sys_fstat(pin, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_dev == dev &&
        (uint64_t)st.st_ino == ino && atomic_load(&tw_gen) == gen) {
        snprintf(path, sizeof path, "/proc/thread-self/fd/%d", pin);   /* (the helper's own table) */
        fd = tw_sys_open(path, O_WRONLY | O_CLOEXEC);
    }
    tw_sys_close(pin);
    tw_helper_fd = fd;
    atomic_store(&tw_helper_writes, fd >= 0);
    return fd;
}

/* ---- staging chunks ----
 * The first store into a fresh page of the file costs a page fault, and
 * under a hypervisor that keeps shadow page tables (the PVM guests this is
 * measured on) a trip to the hypervisor even for a page made resident ahead:
 * 3 to 10 us per 127 records, most of the recorder's cost in a loop of
 * accesses (docs/performance.md, "Fifth pass").  So a thread writes its
 * chunk in one of TW_STAGE_CHUNKS staging chunks at the start of the file
 * (chunk positions 0 ... TW_STAGE_CHUNKS - 1), reused over and over, their
 * pages resident and mapped; once full, the helper thread copies the chunk
 * to its own position.  All of it is the MAP_SHARED file, so a crash keeps
 * a chunk not copied yet: the reader takes it from the staging area
 * (docs/trace-format.md, "Staging chunks").  Without a helper, or when no
 * staging chunk is free, a thread writes at the chunk's position directly. */
enum { TW_SLOT_FREE, TW_SLOT_OPEN, TW_SLOT_FULL, TW_SLOT_COPYING };
static _Atomic uint8_t tw_slot_state[TW_STAGE_CHUNKS];
static _Atomic uint32_t tw_stage_hand;         /* where the next search for a free one starts */
static atomic_int tw_stage_pending;            /* full ones not claimed yet, for the wakes */
static atomic_bool tw_staging;                 /* this session stages */

static char *tw_stage_chunk(uint32_t s)
{
    return atomic_load_explicit(&tw_seg[0], memory_order_acquire) + TRACE_HEADER_SIZE +
           (size_t)s * TRACE_CHUNK_SIZE;
}

/* Copy staging chunk FROM into the mapped chunk TO: the records first, the
 * magic last, so a copy cut short by a crash reads as never written (the
 * reader then takes the staging chunk). */
static void tw_stage_copy_to(const char *from, char *to)
{
    const struct trace_chunk_header *h = (const void *)from;
    struct trace_chunk_header *d = (void *)to;
    memcpy(to + TRACE_RECORD_SIZE, from + TRACE_RECORD_SIZE, TRACE_CHUNK_SIZE - TRACE_RECORD_SIZE);
    d->tid = h->tid;
    d->index = h->index;
    d->reserved[0] = d->reserved[1] = 0;
    atomic_store_explicit((_Atomic uint32_t *)&d->magic, TRACE_CHUNK_MAGIC, memory_order_release);
}

/* Copy staging chunk S (the caller set it COPYING and counts itself in
 * tw_pf_inflight) to its position.  False when the session is over or the
 * position's segment is not mapped (never mapped here: that takes tw_lock,
 * which the helper must not hold; the chunk's writer mapped it). */
static bool tw_stage_copy(uint32_t s, uint32_t gen)
{
    if (!atomic_load(&tw_open_flag) || atomic_load(&tw_gen) != gen)
        return false;
    const char *from = tw_stage_chunk(s);
    uint64_t idx = ((const struct trace_chunk_header *)from)->index;
    uint64_t k = idx / TW_CHUNKS_PER_SEG;
    char *seg = k < TW_MAX_SEGS ? atomic_load_explicit(&tw_seg[k], memory_order_acquire) : NULL;
    if (!seg)
        return false;
    tw_stage_copy_to(from, seg + TRACE_HEADER_SIZE + (size_t)(idx % TW_CHUNKS_PER_SEG) * TRACE_CHUNK_SIZE);
    return true;
}

/* Staging chunk S, if full, is now COPYING and the caller's. */
static bool tw_stage_claim(uint32_t s)
{
    uint8_t full = TW_SLOT_FULL;
    if (atomic_load_explicit(&tw_slot_state[s], memory_order_relaxed) != TW_SLOT_FULL ||
        !atomic_compare_exchange_strong(&tw_slot_state[s], &full, TW_SLOT_COPYING))
        return false;
    atomic_fetch_sub_explicit(&tw_stage_pending, 1, memory_order_relaxed);
    return true;
}

/* Staging chunk S is full (again): returns how many are now (a claim may
 * count down first, so this is a close estimate, never used for more than
 * when to wake the helper). */
static int tw_stage_set_full(uint32_t s)
{
    atomic_store_explicit(&tw_slot_state[s], TW_SLOT_FULL, memory_order_release);
    return atomic_fetch_add_explicit(&tw_stage_pending, 1, memory_order_relaxed) + 1;
}

/* Empty staging chunk S, copied already: unpublish it first, so a crash
 * from here on leaves a chunk that reads as unused.  A FREE staging chunk
 * is all zeros (tw_open's file is new), so a writer that takes one stores
 * its records and nothing else: the helper clears the chunks it wrote, on
 * its own core (4 KiB of stores into lines the helper's write had just
 * read cost the writer about a microsecond a chunk). */
static void tw_stage_clear(uint32_t s)
{
    char *chunk = tw_stage_chunk(s);
    atomic_store_explicit((_Atomic uint32_t *)chunk, 0, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    memset(chunk + sizeof(uint32_t), 0, TRACE_CHUNK_SIZE - sizeof(uint32_t));   /* (the header's rest too) */
}

/* Claim staging chunk S if it is full, copy it, clear it and leave it in
 * state AFTER (FREE, or OPEN for a writer that takes it); true if copied. */
static bool tw_stage_claim_copy(uint32_t s, uint8_t after)
{
    if (!tw_stage_claim(s))
        return false;
    atomic_fetch_add(&tw_pf_inflight, 1);   /* (before the checks: see tw_populate_wait_idle) */
    bool ok = tw_stage_copy(s, atomic_load(&tw_gen));
    if (ok)
        tw_stage_clear(s);
    atomic_fetch_sub(&tw_pf_inflight, 1);
    if (ok)
        atomic_store_explicit(&tw_slot_state[s], after, memory_order_release);
    else
        tw_stage_set_full(s);
    return ok;
}

static uint64_t tw_stage_index(uint32_t s)
{
    return ((const struct trace_chunk_header *)tw_stage_chunk(s))->index;
}

/* The helper's writes: claim every full staging chunk, and write them with
 * one pwritev per run of consecutive positions (a thread that records much
 * fills chunks one after another).  A chunk is one page, written whole or
 * not at all by a write cut short; a chunk the write did not take is copied
 * through the mapping.  Returns how many were claimed, or -1 if the helper
 * has no descriptor of its own for this session. */
static int tw_stage_write_full(uint32_t gen)
{
    int fd = tw_helper_file(gen);
    if (fd < 0)
        return -1;
    uint32_t run[TW_STAGE_WAKE];
    uint32_t n = 0;
    atomic_fetch_add(&tw_pf_inflight, 1);   /* (before the checks: see tw_populate_wait_idle) */
    /* At most half the area at a time: a writer that needs a staging chunk
     * meanwhile finds one free or full (and copies that one itself), not
     * every one of them being written, which would send it to write in place. */
    for (uint32_t s = 0; s < TW_STAGE_CHUNKS && n < TW_STAGE_WAKE; s++)
        if (tw_stage_claim(s))
            run[n++] = s;
    if (!atomic_load(&tw_open_flag) || atomic_load(&tw_gen) != gen) {
        /* closing: the staging area may be unmapped already (tw_close copies them) */
        for (uint32_t i = 0; i < n; i++)
            tw_stage_set_full(run[i]);
        atomic_fetch_sub(&tw_pf_inflight, 1);
        return 0;
    }
    for (uint32_t i = 1; i < n; i++)   /* by position: insertion, n <= 32 */
        for (uint32_t j = i; j > 0 && tw_stage_index(run[j - 1]) > tw_stage_index(run[j]); j--) {
            uint32_t t = run[j];
            run[j] = run[j - 1];
            run[j - 1] = t;
        }
    for (uint32_t i = 0; i < n;) {
        uint32_t len = 1;
        while (i + len < n && tw_stage_index(run[i + len]) == tw_stage_index(run[i]) + len)
            len++;
        struct iovec iov[TW_STAGE_WAKE];
        for (uint32_t j = 0; j < len; j++)
            iov[j] = (struct iovec){tw_stage_chunk(run[i + j]), TRACE_CHUNK_SIZE};
        ssize_t w = tw_sys_pwritev(fd, iov, (int)len,
                                   (off_t)(TRACE_HEADER_SIZE + tw_stage_index(run[i]) * TRACE_CHUNK_SIZE));
        uint32_t written = w > 0 ? (uint32_t)((size_t)w / TRACE_CHUNK_SIZE) : 0;
        for (uint32_t j = 0; j < len; j++) {
            bool ok = j < written || tw_stage_copy(run[i + j], gen);
            if (!ok) {
                tw_stage_set_full(run[i + j]);
                continue;
            }
            tw_stage_clear(run[i + j]);
            atomic_store_explicit(&tw_slot_state[run[i + j]], TW_SLOT_FREE, memory_order_release);
        }
        i += len;
    }
    atomic_fetch_sub(&tw_pf_inflight, 1);
    return (int)n;
}

/* The helper's part: every full staging chunk.  Returns how many it took. */
static int tw_stage_copy_full(void)
{
    if (!atomic_load(&tw_staging))
        return 0;
    uint32_t gen = atomic_load(&tw_gen);
    int n, all = 0;
    do
        all += (n = tw_stage_write_full(gen)) > 0 ? n : 0;
    while (n == (int)TW_STAGE_WAKE);   /* (more may be full) */
    if (n >= 0)
        return all;
    for (uint32_t s = 0; s < TW_STAGE_CHUNKS; s++)
        all += tw_stage_claim_copy(s, TW_SLOT_FREE);
    return all;
}

/* A staging chunk for a new chunk, now OPEN and the caller's, or -1: none
 * is free (the helper is behind and nothing full could be copied here, or
 * other threads hold them all). */
static int tw_stage_take(void)
{
    uint32_t hand = atomic_load_explicit(&tw_stage_hand, memory_order_relaxed);
    for (uint32_t n = 0; n < TW_STAGE_CHUNKS; n++) {
        uint32_t s = (hand + n) % TW_STAGE_CHUNKS;
        uint8_t free_ = TW_SLOT_FREE;
        if (atomic_load_explicit(&tw_slot_state[s], memory_order_relaxed) == TW_SLOT_FREE &&
            atomic_compare_exchange_strong(&tw_slot_state[s], &free_, TW_SLOT_OPEN)) {
            atomic_store_explicit(&tw_stage_hand, s + 1, memory_order_relaxed);
            return (int)s;
        }
    }
    /* The helper is behind (not scheduled yet on a busy machine, or gone):
     * the writer copies one itself (what writing in place would cost anyway). */
    for (uint32_t n = 0; n < TW_STAGE_CHUNKS; n++) {
        uint32_t s = (hand + n) % TW_STAGE_CHUNKS;
        if (tw_stage_claim_copy(s, TW_SLOT_OPEN))
            return (int)s;
    }
    return -1;
}

/* T's staging chunk is full (or T is done): hand it on to be copied. */
static void tw_stage_hand_on(struct tw_thread *t, uint32_t gen)
{
    if (t->stage && t->gen == gen) {
        /* Woken when half the area waits: a helper that naps between its
         * rounds (while chunks keep coming) is rarely that far behind. */
        if (tw_stage_set_full(t->stage - 1) >= (int)TW_STAGE_WAKE)
            tw_helper_wake();
    }
    t->stage = 0;
}

/* At close, under tw_lock, no copy running: copy every staging chunk in use
 * to its position (mapping its segment if need be), then empty the staging
 * area, which a closed trace does not need, unless a chunk could not be
 * copied (the file could not grow): it stays there for the reader. */
static void tw_stage_flush_all(void)
{
    bool kept = false;
    for (uint32_t s = 0; s < TW_STAGE_CHUNKS; s++) {
        if (atomic_load(&tw_slot_state[s]) == TW_SLOT_FREE)
            continue;
        atomic_store(&tw_slot_state[s], TW_SLOT_FREE);
        const char *from = tw_stage_chunk(s);
        const struct trace_chunk_header *h = (const void *)from;
        if (h->magic != TRACE_CHUNK_MAGIC)
            continue;
        uint64_t k = h->index / TW_CHUNKS_PER_SEG;
        if (k >= TW_MAX_SEGS || atomic_load(&tw_failed) || tw_map_through((uint32_t)k, true) != 0) {
            kept = true;
            continue;
        }
        tw_stage_copy_to(from, atomic_load(&tw_seg[k]) + TRACE_HEADER_SIZE +
                                   (size_t)(h->index % TW_CHUNKS_PER_SEG) * TRACE_CHUNK_SIZE);
    }
    if (kept)
        return;
    /* A hole where the file system can make one: no disk space, no writing back. */
    if (tw_fd_check() != 0 ||
        fallocate(tw_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, TRACE_HEADER_SIZE,
                  (off_t)TW_STAGE_CHUNKS * TRACE_CHUNK_SIZE) != 0)
        memset(tw_stage_chunk(0), 0, (size_t)TW_STAGE_CHUNKS * TRACE_CHUNK_SIZE);
}

void tw_thread_done(struct tw_thread *t)
{
    uint32_t gen = atomic_load_explicit(&tw_gen, memory_order_acquire);
    if (t->stage && t->gen == gen) {
        tw_stage_hand_on(t, gen);
        t->cur = t->end = NULL;
    }
}

/* Give T a fresh chunk.  Returns 0, or -1 (T then has no chunk). */
static int tw_new_chunk(struct tw_thread *t, uint32_t gen)
{
    tw_stage_hand_on(t, gen);
    t->cur = t->end = NULL;
    t->gen = gen;
    uint64_t idx = atomic_fetch_add(&tw_next_chunk, 1);
    /* Checked after the add: tw_close clears the flag before it reads the
     * counter, so a chunk reserved here is inside the file close keeps. */
    if (!atomic_load(&tw_open_flag))
        return -1;
    if (idx >= (uint64_t)TW_MAX_SEGS * TW_CHUNKS_PER_SEG) {
        tw_lock_take();
        if (atomic_load(&tw_open_flag))
            tw_mark_dropped();
        tw_lock_drop();
        tw_warn("trace file full (64 GiB)", 0, "later events are dropped");
        return -1;
    }
    /* The position's segment is mapped even for a staged chunk: its copy
     * goes there. */
    uint32_t k = (uint32_t)(idx / TW_CHUNKS_PER_SEG);
    char *seg = atomic_load_explicit(&tw_seg[k], memory_order_acquire);
    if (!seg) {
        if (tw_ensure_segment(k) != 0)
            return -1;
        seg = atomic_load_explicit(&tw_seg[k], memory_order_acquire);
    }
    char *chunk = seg + TRACE_HEADER_SIZE + (size_t)(idx % TW_CHUNKS_PER_SEG) * TRACE_CHUNK_SIZE;
    int s = atomic_load_explicit(&tw_staging, memory_order_relaxed) ? tw_stage_take() : -1;
    if (s >= 0) {
        chunk = tw_stage_chunk((uint32_t)s);   /* (cleared: tw_stage_clear) */
        t->stage = (uint32_t)s + 1;
    } else if (!atomic_load_explicit(&tw_in_place, memory_order_relaxed)) {
        atomic_store_explicit(&tw_in_place, true, memory_order_relaxed);
    }
    tw_populate_ahead(idx, gen);
    struct trace_chunk_header *h = (struct trace_chunk_header *)chunk;
    h->tid = t->tid;
    h->index = idx;
    h->reserved[0] = h->reserved[1] = 0;
    atomic_store_explicit((_Atomic uint32_t *)&h->magic, TRACE_CHUNK_MAGIC, memory_order_release);
    t->cur = (struct trace_record *)chunk + 1;
    t->end = (struct trace_record *)chunk + TW_SLOTS_PER_CHUNK;
    return 0;
}

/* Make room for NSLOTS consecutive slots in T's chunk; returns the first or
 * NULL when events are being dropped. */
static inline __attribute__((always_inline)) struct trace_record *tw_reserve(struct tw_thread *t, size_t nslots)
{
    if (!atomic_load_explicit(&tw_open_flag, memory_order_acquire))
        return NULL;
    uint32_t gen = atomic_load_explicit(&tw_gen, memory_order_acquire);
    if (t->gen != gen || !t->cur || (size_t)(t->end - t->cur) < nslots) {
        if (tw_new_chunk(t, gen) != 0)
            return NULL;
    }
    struct trace_record *r = t->cur;
    t->cur += nslots;
    return r;
}

int tw_open(const char *path, int pid, int ppid, const char *exe, uint32_t flags)
{
    tw_lock_take();
    if (atomic_load(&tw_open_flag)) {
        tw_lock_drop();
        errno = EBUSY;
        return -1;
    }
    /* Threads of the previous session have had their chance to finish
     * their last store (see tw_close). */
    tw_populate_wait_idle();
    for (uint32_t i = 0; i < tw_ngrave; i++)
        munmap(tw_grave[i].addr, tw_grave[i].len);
    tw_ngrave = 0;

    /* Private (0600: stacks, paths and thread names are the user's), never
     * through a symlink planted at the name, and, when `bpyrace run` made
     * sure the name was free (BPYRACE_TRACE_NEW), only as a new file: a file
     * that appeared there since is someone else's. */
    const char *new_only = getenv("BPYRACE_TRACE_NEW");
    int oflags = O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW;
    if (new_only && !strcmp(new_only, "1"))
        oflags |= O_EXCL;
    int fd = open(path, oflags, 0600);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        tw_lock_drop();
        errno = err;
        return -1;
    }
    tw_fd = tw_move_high(fd);
    fd = tw_fd;
    tw_dev = (uint64_t)st.st_dev;
    tw_ino = (uint64_t)st.st_ino;
    char cwd[PATH_MAX];
    if (path[0] != '/' && getcwd(cwd, sizeof cwd))
        snprintf(tw_path, sizeof tw_path, "%s/%s", cwd, path);
    else
        snprintf(tw_path, sizeof tw_path, "%s", path);
    tw_nsegs = 0;
    if (tw_map_segment(0) != 0) {
        int err = errno;
        close(fd);
        tw_fd = -1;
        tw_lock_drop();
        errno = err;
        return -1;
    }
    tw_nsegs = 1;
    struct trace_file_header *h = tw_header();
    memcpy(h->magic, TRACE_MAGIC, sizeof h->magic);
    h->version = TRACE_VERSION;
    h->header_size = TRACE_HEADER_SIZE;
    h->chunk_size = TRACE_CHUNK_SIZE;
    h->closed = 0;
    h->pid = pid;
    h->ppid = ppid;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    h->start_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    tw_start_mono = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    h->start_mono_ns = tw_start_mono;
    h->chunks = TW_CHUNKS_PER_SEG;
    h->last_seq = 0;
    h->flags = flags;
    h->stage_chunks = TW_STAGE_CHUNKS;
    if (exe)
        snprintf(h->exe, sizeof h->exe, "%s", exe);

    for (uint32_t i = 0; i < TW_STAGE_CHUNKS; i++)
        atomic_store(&tw_slot_state[i], TW_SLOT_FREE);
    atomic_store(&tw_stage_hand, 0);
    atomic_store(&tw_stage_pending, 0);
    atomic_store(&tw_staging, false);
    atomic_store(&tw_in_place, false);
    atomic_store(&tw_next_chunk, TW_STAGE_CHUNKS);
    atomic_store(&tw_seq, 1);
    atomic_store(&tw_failed, 0);
    atomic_store(&tw_warned, 0);
    uint32_t g = atomic_load(&tw_gen) + 1;
    atomic_store(&tw_gen, g ? g : 1);
    atomic_store_explicit(&tw_open_flag, 1, memory_order_release);
    tw_lock_drop();
    /* The first two windows (the staging area and the first chunks), while
     * the program starts (after the lock: populating takes it, window by
     * window).  Staging needs the helper that copies. */
    tw_populate_ask(0, 2, atomic_load(&tw_gen));
    atomic_store(&tw_staging, atomic_load(&tw_pf_state) == 1);
    return 0;
}


/* A seq from the counter; T's block ends, since T's later seqs must follow it. */
static uint64_t tw_fresh_seq(struct tw_thread *t)
{
    uint64_t seq = atomic_fetch_add_explicit(&tw_seq, 1, memory_order_seq_cst);
    t->blk_end = t->blk_next;
    return seq;
}

/* The next seq of T's block, a new block when it is used up or of an older
 * session.  A locked add costs 30 to 40 cycles on the recording thread (it
 * waits for the thread's stores to drain): a third of the recorder's own
 * time in a loop of accesses (docs/performance.md, "Eighth pass"). */
static uint64_t tw_block_seq(struct tw_thread *t)
{
    if (t->blk_next == t->blk_end || t->blk_gen != t->gen) {
        t->blk_next = atomic_fetch_add_explicit(&tw_seq, TW_SEQ_BLOCK, memory_order_seq_cst);
        t->blk_end = t->blk_next + TW_SEQ_BLOCK;
        t->blk_gen = t->gen;   /* (tw_reserve made T's chunk this session's) */
    }
    return t->blk_next++;
}

static inline __attribute__((always_inline)) uint64_t tw_emit_event(struct tw_thread *t, bool in_block,
                                                                    uint8_t type, uint8_t flags, uint16_t aux,
                                                                    uint32_t stack, uint64_t a, int64_t b)
{
    struct trace_record *r = tw_reserve(t, 1);
    if (!r)
        return 0;
    /* The seq is taken after the slot is ours, as late as possible: the
     * shim records a release before the real unlock and an acquire after the
     * real lock, so the two seqs are ordered like the operations. */
    uint64_t seq = in_block ? tw_block_seq(t) : tw_fresh_seq(t);
    tw_publish(r, type, flags, aux, stack, seq, a, b);
    if (tw_time_every && ++t->since_time >= tw_time_every)
        tw_emit_time(t);
    return seq;
}

uint64_t tw_emit(struct tw_thread *t, uint8_t type, uint8_t flags, uint16_t aux,
                 uint32_t stack, uint64_t a, int64_t b)
{
    return tw_emit_event(t, false, type, flags, aux, stack, a, b);
}

uint64_t tw_emit_in_block(struct tw_thread *t, uint8_t type, uint8_t flags, uint16_t aux,
                          uint32_t stack, uint64_t a, int64_t b)
{
    return tw_emit_event(t, true, type, flags, aux, stack, a, b);
}

void tw_emit_time(struct tw_thread *t)
{
    t->since_time = 0;
    struct trace_record *r = tw_reserve(t, 1);
    if (!r)
        return;
    /* Threads read the clock and take seqs in either order: readers make the
     * times nondecreasing in seq. */
    uint64_t seq = tw_fresh_seq(t);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    tw_publish(r, TR_TIME, 0, 0, 0, seq, now > tw_start_mono ? now - tw_start_mono : 0, 0);
}

void tw_emit_def(struct tw_thread *t, uint8_t type, uint16_t aux, uint32_t stack,
                 uint64_t a, int64_t b, const void *payload, size_t len)
{
    /* The reader derives the payload size from the type (docs/trace-format.md);
     * a mismatch would desynchronise the chunk, so refuse it here. */
    size_t expect = type == TR_DEF_STRING ? (size_t)b
                  : type == TR_DEF_STACK ? (size_t)b * sizeof(struct trace_frame)
                  : 0;
    if (b < 0 || len != expect || len > TW_MAX_DEF_PAYLOAD) {
        tw_warn("bad definition record (writer bug)", 0, "it is dropped");
        return;
    }
    size_t nslots = 1 + (len + TRACE_RECORD_SIZE - 1) / TRACE_RECORD_SIZE;
    struct trace_record *r = tw_reserve(t, nslots);
    if (!r)
        return;
    char *p = (char *)(r + 1);
    if (len)
        memcpy(p, payload, len);
    size_t pad = (nslots - 1) * TRACE_RECORD_SIZE - len;
    memset(p + len, 0, pad);
    tw_publish(r, type, 0, aux, stack, 0, a, b);
}

void tw_note_coverage(const char *line)
{
    tw_lock_take();
    if (atomic_load(&tw_open_flag)) {
        char *cov = tw_header()->coverage;
        size_t used = strnlen(cov, sizeof tw_header()->coverage);
        size_t room = sizeof tw_header()->coverage - used;
        if (room > 1)
            snprintf(cov + used, room, "%s\n", line);
    }
    tw_lock_drop();
}

void tw_set_python_version(const char *version)
{
    tw_lock_take();
    if (atomic_load(&tw_open_flag))
        snprintf(tw_header()->python_version, sizeof tw_header()->python_version, "%s", version);
    tw_lock_drop();
}

void tw_add_header_flags(uint32_t flags)
{
    tw_lock_take();
    if (atomic_load(&tw_open_flag))
        tw_header()->flags |= flags;
    tw_lock_drop();
}

/* Replace every mapping with anonymous memory at the same address.  A thread
 * still in the middle of an emit when the session ends then stores into
 * harmless memory instead of faulting (munmap) or writing past the trimmed
 * end of the file (SIGBUS).  The placeholders are freed by the next tw_open. */
static void tw_retire_segments(void)
{
    for (uint32_t k = 0; k < tw_nsegs; k++) {
        char *p = atomic_load(&tw_seg[k]);
        void *q = mmap(p, TW_MAP_LEN, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
        if (q == MAP_FAILED) {
            tw_populate_wait_idle();
            munmap(p, TW_MAP_LEN);
        } else {
            tw_grave[tw_ngrave].addr = p;
            tw_grave[tw_ngrave].len = TW_MAP_LEN;
            tw_ngrave++;
        }
        atomic_store(&tw_seg[k], NULL);
    }
    tw_nsegs = 0;
}

void tw_close(void)
{
    tw_lock_take();
    if (!atomic_load(&tw_open_flag)) {
        tw_lock_drop();
        return;
    }
    /* Clear the flag before reading the chunk counter: see tw_new_chunk. */
    atomic_store(&tw_open_flag, 0);
    /* No copy runs from here on (they check the flag after counting themselves). */
    tw_populate_wait_idle();
    tw_stage_flush_all();
    uint64_t n = atomic_load(&tw_next_chunk);
    uint64_t mapped = (uint64_t)tw_nsegs * TW_CHUNKS_PER_SEG;
    if (n > mapped)
        n = mapped;
    struct trace_file_header *h = tw_header();
    h->chunks = n;
    h->last_seq = atomic_load(&tw_seq) - 1;
    atomic_store_explicit((_Atomic uint32_t *)&h->closed, 1, memory_order_release);
    tw_retire_segments();
    /* Untrimmed (the descriptor gone, the file renamed), the trace just ends
     * in empty chunks. */
    if (tw_fd_check() == 0) {
        if (ftruncate(tw_fd, (off_t)(TRACE_HEADER_SIZE + n * TRACE_CHUNK_SIZE)) != 0)
            tw_warn("cannot trim the trace file", errno, "the trace ends in empty chunks");
        close(tw_fd);
    }
    tw_fd = -1;
    atomic_fetch_add(&tw_gen, 1);
    tw_lock_drop();
}

void tw_forget_after_fork(void)
{
    /* Only the forking thread exists in the child; a parent thread may have
     * held the lock at fork time, so reset it rather than take it. */
    atomic_flag_clear(&tw_lock);
    if (atomic_load(&tw_open_flag)) {
        atomic_store(&tw_open_flag, 0);
        for (uint32_t k = 0; k < tw_nsegs; k++) {
            munmap(atomic_load(&tw_seg[k]), TW_MAP_LEN);
            atomic_store(&tw_seg[k], NULL);
        }
        tw_nsegs = 0;
        if (tw_fd_ours())   /* else the number is the program's */
            close(tw_fd);
        tw_fd = -1;
        }
    for (uint32_t i = 0; i < tw_ngrave; i++)
        munmap(tw_grave[i].addr, tw_grave[i].len);
    tw_ngrave = 0;
    atomic_fetch_add(&tw_gen, 1);
    atomic_store(&tw_pf_state, 0);   /* the helper thread stayed in the parent */
    atomic_store(&tw_helper_writes, false);   /* (its descriptor is in the parent's helper's table) */
    atomic_store(&tw_pf_inflight, 0);
}
