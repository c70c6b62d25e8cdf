/* Build small trace files for tests with the writer API (tracer/trace_writer.h):
 * one writer chunk per bpyrace thread, events get increasing seqs in call
 * order, so a test states the interleaving it wants line by line. */
#ifndef BPYRACE_TRACE_BUILD_H
#define BPYRACE_TRACE_BUILD_H

#include <stdint.h>

#include "trace_format.h"

/* Start a trace at PATH (pid 4242); dies on failure. */
void tb_open(const char *path);
/* Finish it (tw_close). */
void tb_close(void);

uint32_t tb_string(const char *s);
/* A stack of one Python frame. */
uint32_t tb_stack(const char *file, const char *function, int line);
/* A stack of N frames given as file, function, line triples; native frames
 * when NATIVE. */
uint32_t tb_stackv(int native, int n, const char *const *files,
                   const char *const *functions, const int *lines);
/* A variable: path, kind (TRACE_VAR_*), owner ID's var id (0 = none). */
uint32_t tb_var(const char *path, uint16_t kind, uint32_t owner);

/* Thread TID starts (origin, parent, creation stack) with an optional name;
 * the parent's TR_THREAD_CREATE is emitted first when PARENT != 0. */
void tb_spawn(uint32_t parent, uint32_t tid, uint8_t origin, const char *name, uint32_t created_at);
/* Any event; returns its seq. */
uint64_t tb_ev(uint32_t tid, uint8_t type, uint8_t flags, uint16_t aux, uint32_t stack,
               uint64_t a, int64_t b);

/* Shorthands. */
uint64_t tb_read(uint32_t tid, uint32_t var, uint32_t stack, int gil);
uint64_t tb_write(uint32_t tid, uint32_t var, uint32_t stack, int gil);
uint64_t tb_call_id(uint32_t tid, uint32_t idvar, const char *what, uint32_t stack);
uint64_t tb_call_global(uint32_t tid, const char *what, uint32_t stack);
void tb_release(uint32_t tid, uint16_t kind, uint64_t addr, uint8_t flags);
void tb_acquire(uint32_t tid, uint16_t kind, uint64_t addr, uint8_t flags);
void tb_exit(uint32_t tid);
void tb_join(uint32_t tid, uint32_t joined);
/* GIL events; HOST: made by Blender's own code. */
void tb_gil_release(uint32_t tid, int host, uint32_t stack);
void tb_gil_acquire(uint32_t tid, int host);
/* A host release opening a native window at its site: STACK and WHAT
 * ("Scene.frame_set", "event_loop"; NULL none). */
void tb_window_open(uint32_t tid, uint32_t stack, const char *what);
/* Pool jobs: TID submits TASK to pool POOL (named POOL_NAME) at STACK; a
 * worker begins and ends it; a waiter joins every ended task of POOL. */
void tb_task_spawn(uint32_t tid, uint32_t task, uint32_t pool, const char *pool_name, uint32_t stack);
void tb_task_begin(uint32_t tid, uint32_t task);
void tb_task_end(uint32_t tid, uint32_t task);
void tb_pool_join(uint32_t tid, uint32_t pool);
/* ThreadPool: one spawn (FAMILY) for a call's jobs, each job a task begun
 * from it; a result handed over joins the family's ended jobs (DONE: the last). */
void tb_family_spawn(uint32_t tid, uint32_t family, uint32_t pool, const char *pool_name, uint32_t stack);
void tb_family_begin(uint32_t tid, uint32_t task, uint32_t family);
void tb_family_join(uint32_t tid, uint32_t family, int done);

#endif
