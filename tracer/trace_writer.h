/* Trace writer: used by the shim (and by tests that build traces).
 * Each thread owns a chunk of the file-backed shared mapping and appends
 * records without taking a lock; only reserving a new chunk touches shared
 * state (one atomic add, plus a rare spinlock to map a new segment). */
#ifndef BPYRACE_TRACE_WRITER_H
#define BPYRACE_TRACE_WRITER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "trace_format.h"

/* Per-thread writer state; the shim keeps one in TLS.  Zero-initialise it
 * and set tid before the first emit. */
struct tw_thread {
    uint32_t tid;
    uint32_t gen;               /* writer session of cur/end (private: a stale
                                   chunk from a closed trace or from before a
                                   fork is never written again) */
    struct trace_record *cur;   /* next free slot in the current chunk */
    struct trace_record *end;   /* one past the chunk's last slot */
    uint32_t since_time;        /* events since this thread's last TR_TIME */
    uint32_t stage;             /* staging chunk of cur/end + 1, 0 = none (private) */
    uint64_t blk_next, blk_end; /* the thread's block of seqs (tw_emit_in_block): the
                                   next one, one past the last; empty when equal */
    uint32_t blk_gen;           /* writer session of the block */
};

/* Create PATH (truncating it) and write the header.  Returns 0, or -1 with
 * errno set.  Only one writer per process. */
int tw_open(const char *path, int pid, int ppid, const char *exe, uint32_t flags);
/* 1 once tw_open succeeded and until tw_close (or the writer gave up);
 * read inline by the shim's lock wrappers, on every lock call of the program. */
extern atomic_int tw_open_flag;
static inline int tw_is_open(void)
{
    return atomic_load_explicit(&tw_open_flag, memory_order_acquire);
}
/* Append an event record with a fresh sequence number; returns the seq, or 0
 * if the trace is not open or is full (the writer then warns once). */
uint64_t tw_emit(struct tw_thread *t, uint8_t type, uint8_t flags, uint16_t aux,
                 uint32_t stack, uint64_t a, int64_t b);
/* The same, for an event whose seq need only be ordered after the thread's
 * own earlier events and before any event that can pair with it or fall
 * between it and another thread's event it conflicts with: a release (the
 * acquire that pairs with it takes a fresh seq, later), or an access made
 * with the GIL held (another thread's access comes after a GIL hand-off,
 * which ends the block: tw_end_block).  Such seqs come from a block of
 * TW_SEQ_BLOCK the thread reserves with one atomic add; every event
 * emitted with tw_emit ends the block, so the thread's seqs still grow
 * (docs/trace-format.md, "Sequence numbers"). */
#define TW_SEQ_BLOCK 64u
uint64_t tw_emit_in_block(struct tw_thread *t, uint8_t type, uint8_t flags, uint16_t aux,
                          uint32_t stack, uint64_t a, int64_t b);

/* Fill R and publish it: the type byte goes last, with release order, so a
 * reader of the file after a SIGKILL sees a whole record or type 0. */
static inline void tw_publish(struct trace_record *r, uint8_t type, uint8_t flags, uint16_t aux,
                              uint32_t stack, uint64_t seq, uint64_t a, int64_t b)
{
    r->flags = flags;
    r->aux = aux;
    r->stack = stack;
    r->seq = seq;
    r->a = a;
    r->b = b;
    atomic_store_explicit((_Atomic uint8_t *)&r->type, type, memory_order_release);
}

extern _Atomic uint32_t tw_gen;     /* the open session's number (read inline below) */
extern uint32_t tw_time_every;      /* tw_set_time_every's N */
/* tw_emit_in_block inline, for its common case (a free slot in T's chunk
 * and a seq left in its block, this session's, no TR_TIME due): the seq,
 * or 0 when the caller must call tw_emit_in_block.  The recorder's access
 * path calls it from the Python module, two calls and their checks fewer
 * per access (docs/performance.md). */
static inline uint64_t tw_try_emit_in_block(struct tw_thread *t, uint8_t type, uint8_t flags, uint16_t aux,
                                            uint32_t stack, uint64_t a, int64_t b)
{
    struct trace_record *r = t->cur;
    if (!r || r == t->end || t->blk_next == t->blk_end || !tw_is_open() ||
        t->gen != atomic_load_explicit(&tw_gen, memory_order_acquire) || t->blk_gen != t->gen ||
        (tw_time_every && t->since_time + 1 >= tw_time_every))
        return 0;
    t->cur = r + 1;
    if (tw_time_every)
        t->since_time++;
    uint64_t seq = t->blk_next++;
    tw_publish(r, type, flags, aux, stack, seq, a, b);
    return seq;
}
/* T's block ends: its next event takes a fresh seq (the thread is giving up
 * the GIL, so another thread's access may come next). */
static inline void tw_end_block(struct tw_thread *t)
{
    t->blk_end = t->blk_next;
}
/* Append a TR_TIME record: the monotonic time now, at the next seq. */
void tw_emit_time(struct tw_thread *t);
/* T records nothing more (its thread ends): its chunk is handed on to be
 * copied to its place in the file now, not when the trace closes. */
void tw_thread_done(struct tw_thread *t);
/* Append one by itself after every N events of a thread (0, the default: never). */
void tw_set_time_every(uint32_t n);
/* Append a definition record (seq 0) followed by LEN bytes of payload in the
 * following slots (LEN <= 8192); the record and its payload are in one chunk. */
void tw_emit_def(struct tw_thread *t, uint8_t type, uint16_t aux, uint32_t stack,
                 uint64_t a, int64_t b, const void *payload, size_t len);
/* Add a line to the header's coverage notes (what could not be instrumented). */
void tw_note_coverage(const char *line);
/* Set python_version in the header. */
void tw_set_python_version(const char *version);
/* Set TRACE_HF_* bits in the header (what the shim could instrument how). */
void tw_add_header_flags(uint32_t flags);
/* Mark the trace complete (closed = 1), trim the file to its used size, unmap.
 * Safe to call once at exit; later emits are dropped. */
void tw_close(void);
/* How to start a thread the program does not see (the shim: the real
 * pthread_create, detached); without one, pages are made resident by the
 * writing thread itself (trace_writer.c, "making pages resident ahead"). */
void tw_set_thread_starter(int (*start)(void *(*fn)(void *)));
/* Requests to make pages resident (to the helper thread, or made by the
 * asking thread itself), since the process started; for tests: which
 * windows are asked for is the policy. */
uint32_t tw_populate_requests(void);
/* After fork(): the child must not write into the parent's file. */
void tw_forget_after_fork(void);

#endif
