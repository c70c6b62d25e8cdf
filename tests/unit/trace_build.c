/* Trace builder for tests: see trace_build.h. */
#include "trace_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace_writer.h"

#define TB_MAX_THREADS 256   /* (the thread churn tests use 201) */

static struct tw_thread tb_thr[TB_MAX_THREADS];
static uint32_t tb_next_string = 1, tb_next_stack = 1, tb_next_var = 1;

static struct tw_thread *tb_t(uint32_t tid)
{
    if (tid == 0 || tid >= TB_MAX_THREADS) {
        fprintf(stderr, "trace_build: bad tid %u\n", tid);
        exit(99);
    }
    tb_thr[tid].tid = tid;
    return &tb_thr[tid];
}

void tb_open(const char *path)
{
    memset(tb_thr, 0, sizeof tb_thr);
    tb_next_string = tb_next_stack = tb_next_var = 1;
    if (tw_open(path, 4242, 1, "/usr/bin/blender", 0) != 0) {
        perror(path);
        exit(99);
    }
}

void tb_close(void)
{
    tw_close();
}

uint32_t tb_string(const char *s)
{
    uint32_t id = tb_next_string++;
    tw_emit_def(tb_t(1), TR_DEF_STRING, 0, 0, id, (int64_t)strlen(s), s, strlen(s));
    return id;
}

uint32_t tb_stackv(int native, int n, const char *const *files,
                   const char *const *functions, const int *lines)
{
    struct trace_frame fr[16];
    for (int i = 0; i < n && i < 16; i++)
        fr[i] = (struct trace_frame){tb_string(files[i]), tb_string(functions[i]), lines[i],
                                     native ? 1u : 0u};
    uint32_t id = tb_next_stack++;
    tw_emit_def(tb_t(1), TR_DEF_STACK, 0, 0, id, n, fr, (size_t)n * sizeof *fr);
    return id;
}

uint32_t tb_stack(const char *file, const char *function, int line)
{
    return tb_stackv(0, 1, &file, &function, &line);
}

uint32_t tb_var(const char *path, uint16_t kind, uint32_t owner)
{
    uint32_t p = tb_string(path), id = tb_next_var++;
    tw_emit_def(tb_t(1), TR_DEF_VAR, kind, owner, id, p, NULL, 0);
    return id;
}

uint64_t tb_ev(uint32_t tid, uint8_t type, uint8_t flags, uint16_t aux, uint32_t stack,
               uint64_t a, int64_t b)
{
    uint64_t seq = tw_emit(tb_t(tid), type, flags, aux, stack, a, b);
    if (!seq) {
        fprintf(stderr, "trace_build: emit failed\n");
        exit(99);
    }
    return seq;
}

void tb_spawn(uint32_t parent, uint32_t tid, uint8_t origin, const char *name, uint32_t created_at)
{
    if (parent)
        tb_ev(parent, TR_THREAD_CREATE, TRF_GIL, 0, created_at, tid, 0);
    tb_ev(tid, TR_THREAD_START, 0, 0, created_at, origin, parent);
    if (name)
        tb_ev(tid, TR_THREAD_NAME, 0, 0, 0, 0, tb_string(name));
}

uint64_t tb_read(uint32_t tid, uint32_t var, uint32_t stack, int gil)
{
    return tb_ev(tid, TR_READ, gil ? TRF_GIL : 0, 0, stack, var, -1);
}

uint64_t tb_write(uint32_t tid, uint32_t var, uint32_t stack, int gil)
{
    return tb_ev(tid, TR_WRITE, gil ? TRF_GIL : 0, 0, stack, var, -1);
}

uint64_t tb_call_id(uint32_t tid, uint32_t idvar, const char *what, uint32_t stack)
{
    return tb_ev(tid, TR_CALL, TRF_GIL, TRACE_LEVEL_ID, stack, idvar, tb_string(what));
}

uint64_t tb_call_global(uint32_t tid, const char *what, uint32_t stack)
{
    return tb_ev(tid, TR_CALL, TRF_GIL, TRACE_LEVEL_GLOBAL, stack, 0, tb_string(what));
}

void tb_release(uint32_t tid, uint16_t kind, uint64_t addr, uint8_t flags)
{
    tb_ev(tid, TR_RELEASE, flags, kind, 0, addr, 0);
}

void tb_acquire(uint32_t tid, uint16_t kind, uint64_t addr, uint8_t flags)
{
    tb_ev(tid, TR_ACQUIRE, flags, kind, 0, addr, 0);
}

void tb_exit(uint32_t tid)
{
    tb_ev(tid, TR_THREAD_EXIT, 0, 0, 0, 0, 0);
}

void tb_join(uint32_t tid, uint32_t joined)
{
    tb_ev(tid, TR_THREAD_JOIN, 0, 0, 0, joined, 0);
}

void tb_gil_release(uint32_t tid, int host, uint32_t stack)
{
    tb_ev(tid, TR_GIL_RELEASE, host ? TRF_HOST : 0, 0, stack, 0, 0);
}

void tb_window_open(uint32_t tid, uint32_t stack, const char *what)
{
    tb_ev(tid, TR_GIL_RELEASE, TRF_HOST, 0, stack, 0, what ? tb_string(what) : 0);
}

void tb_gil_acquire(uint32_t tid, int host)
{
    tb_ev(tid, TR_GIL_ACQUIRE, host ? TRF_HOST : 0, 0, 0, 0, 0);
}

void tb_task_spawn(uint32_t tid, uint32_t task, uint32_t pool, const char *pool_name, uint32_t stack)
{
    tb_ev(tid, TR_TASK_SPAWN, TRF_GIL, 0, stack, task, (int64_t)((uint64_t)pool << 32 | tb_string(pool_name)));
}

void tb_task_begin(uint32_t tid, uint32_t task)
{
    tb_ev(tid, TR_TASK_BEGIN, 0, 0, 0, task, 0);
}

void tb_task_end(uint32_t tid, uint32_t task)
{
    tb_ev(tid, TR_TASK_END, 0, 0, 0, task, 0);
}

void tb_pool_join(uint32_t tid, uint32_t pool)
{
    tb_ev(tid, TR_TASK_JOIN, TRF_GIL, 0, 0, 0, pool);
}

void tb_family_spawn(uint32_t tid, uint32_t family, uint32_t pool, const char *pool_name, uint32_t stack)
{
    tb_ev(tid, TR_TASK_SPAWN, TRF_GIL, TRACE_SPAWN_FAMILY, stack, family,
          (int64_t)((uint64_t)pool << 32 | tb_string(pool_name)));
}

void tb_family_begin(uint32_t tid, uint32_t task, uint32_t family)
{
    tb_ev(tid, TR_TASK_BEGIN, 0, 0, 0, task, family);
}

void tb_family_join(uint32_t tid, uint32_t family, int done)
{
    tb_ev(tid, TR_TASK_JOIN, TRF_GIL, done ? TRACE_JOIN_FAMILY_DONE : TRACE_JOIN_FAMILY, 0, 0, family);
}
