/* bpyrace dump TRACE: the raw events, one JSON object a line, in seq order
 * (format: interface.md "The dump"; pinned by tests/golden/dump_basic.jsonl). */
#include "cli.h"
#include "cli_error.h"
#include "json_out.h"
#include "trace_reader.h"

#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

static const char *const dump_event_names[] = {
    [TR_READ] = "read",
    [TR_WRITE] = "write",
    [TR_CALL] = "call",
    [TR_ACQUIRE] = "acquire",
    [TR_RELEASE] = "release",
    [TR_THREAD_CREATE] = "thread_create",
    [TR_THREAD_START] = "thread_start",
    [TR_THREAD_JOIN] = "thread_join",
    [TR_THREAD_EXIT] = "thread_exit",
    [TR_GIL_RELEASE] = "gil_release",
    [TR_GIL_ACQUIRE] = "gil_acquire",
    [TR_MARK] = "mark",
    [TR_TASK_SPAWN] = "task_spawn",
    [TR_TASK_BEGIN] = "task_begin",
    [TR_TASK_END] = "task_end",
    [TR_TASK_JOIN] = "task_join",
};

static const char *dump_sync_name(uint16_t kind)
{
    switch (kind) {
    case TRACE_SYNC_MUTEX: return "mutex";
    case TRACE_SYNC_RWLOCK: return "rwlock";
    case TRACE_SYNC_SEM: return "sem";
    case TRACE_SYNC_COND: return "cond";
    }
    return "sync???";   /* unknown values print raw-ish, never dropped */
}

static const char *dump_origin_name(uint8_t origin)
{
    switch (origin) {
    case TRACE_ORIGIN_MAIN: return "main";
    case TRACE_ORIGIN_PYTHON: return "python";
    case TRACE_ORIGIN_BLENDER: return "blender";
    }
    return NULL;
}

/* "stack" or "native_stack" (by the frames' kind), left out for id 0. */
static void dump_stack(struct jout_obj *o, const struct trace_reader *r, uint32_t id,
                       const char *key)
{
    if (id == 0)
        return;
    const struct trace_stack *st = trace_get_stack(r, id);
    if (!key)
        key = jout_stack_is_native(st) ? "native_stack" : "stack";
    jout_key(o, key);
    jout_stack(o->f, r, st);
}

static void dump_var(struct jout_obj *o, const struct trace_reader *r, uint64_t id)
{
    const struct trace_var *v = id <= UINT32_MAX ? trace_get_var(r, (uint32_t)id) : NULL;
    jout_kv_str(o, "var", v ? v->path : "?");
}

static void dump_event(FILE *f, const struct trace_reader *r, const struct trace_event *ev)
{
    struct jout_obj o;
    jout_begin(&o, f);
    jout_kv_u64(&o, "seq", ev->seq);
    double us = trace_time_us(r, ev->seq);   /* since the start; interpolated */
    if (us >= 0)
        jout_kv_u64(&o, "time_ns", (uint64_t)(us * 1000.0 + 0.5));
    jout_kv_u64(&o, "tid", ev->tid);
    jout_kv_str(&o, "event", dump_event_names[ev->type]);
    bool gil = ev->flags & TRF_GIL;
    switch (ev->type) {
    case TR_READ:
    case TR_WRITE:
        dump_var(&o, r, ev->a);
        if (ev->b >= 0)
            jout_kv_i64(&o, "index", ev->b);
        jout_kv_bool(&o, "gil", gil);
        dump_stack(&o, r, ev->stack, NULL);
        break;
    case TR_CALL:
        jout_kv_str(&o, "level", ev->aux == TRACE_LEVEL_ID ? "id" : "global");
        jout_kv_str(&o, "what", ev->b > 0 && ev->b <= UINT32_MAX ? trace_string(r, (uint32_t)ev->b) : "?");
        if (ev->aux == TRACE_LEVEL_ID)
            dump_var(&o, r, ev->a);
        jout_kv_bool(&o, "gil", gil);
        dump_stack(&o, r, ev->stack, NULL);
        break;
    case TR_ACQUIRE:
    case TR_RELEASE: {
        char sync[48];
        snprintf(sync, sizeof sync, "%s:0x%" PRIx64, dump_sync_name(ev->aux), ev->a);
        jout_kv_str(&o, "sync", sync);
        if (ev->flags & TRF_SHARED)
            jout_kv_str(&o, "mode", "read");
        dump_stack(&o, r, ev->stack, NULL);
        break;
    }
    case TR_THREAD_CREATE:
    case TR_THREAD_JOIN:
        jout_kv_u64(&o, "child", ev->a);
        break;
    case TR_THREAD_START: {
        const char *origin = dump_origin_name(ev->a <= 255 ? (uint8_t)ev->a : 0);
        jout_kv_str(&o, "origin", origin ? origin : "???");
        const struct trace_thread *t = trace_get_thread(r, ev->tid);
        if (t && t->name)
            jout_kv_str(&o, "name", t->name);
        if (ev->b > 0)
            jout_kv_i64(&o, "parent", ev->b);
        dump_stack(&o, r, ev->stack, "created_at");
        break;
    }
    case TR_GIL_RELEASE:
    case TR_GIL_ACQUIRE:
        jout_kv_bool(&o, "host", ev->flags & TRF_HOST);
        jout_kv_bool(&o, "gil", gil);
        /* a host release's site: what released the GIL */
        if (ev->type == TR_GIL_RELEASE && ev->b > 0 && ev->b <= UINT32_MAX) {
            const char *call = trace_string(r, (uint32_t)ev->b);
            jout_kv_str(&o, "call", call ? call : "?");
        }
        dump_stack(&o, r, ev->stack, NULL);
        break;
    case TR_TASK_SPAWN: {
        jout_kv_u64(&o, "task", ev->a);
        const char *pool = trace_string(r, (uint32_t)ev->b);
        jout_kv_str(&o, "pool", pool ? pool : "?");
        jout_kv_u64(&o, "pool_id", (uint64_t)ev->b >> 32);
        if (ev->aux == TRACE_SPAWN_FAMILY)
            jout_kv_bool(&o, "family", true);
        dump_stack(&o, r, ev->stack, "submitted_at");
        break;
    }
    case TR_TASK_BEGIN:
        jout_kv_u64(&o, "task", ev->a);
        if (ev->b > 0)
            jout_kv_u64(&o, "family", (uint64_t)ev->b);
        break;
    case TR_TASK_END:
        jout_kv_u64(&o, "task", ev->a);
        break;
    case TR_TASK_JOIN:
        if (ev->aux == TRACE_JOIN_POOL) {
            jout_kv_u64(&o, "pool_id", (uint64_t)ev->b);
        } else {
            jout_kv_u64(&o, "family", (uint64_t)ev->b);
            jout_kv_bool(&o, "done", ev->aux == TRACE_JOIN_FAMILY_DONE);
        }
        break;
    case TR_MARK: {   /* bpyrace test: a test's start, end, outcome or message */
        static const char *const kinds[] = {"?", "start", "end", "outcome", "message"};
        static const char *const outcomes[] = {"?", "passed", "failed", "skipped", "error"};
        jout_kv_str(&o, "mark", kinds[ev->aux <= 4 ? ev->aux : 0]);
        jout_kv_str(&o, "test", ev->a > 0 && ev->a <= UINT32_MAX ? trace_string(r, (uint32_t)ev->a) : "?");
        if (ev->aux == TRACE_MARK_OUTCOME)
            jout_kv_str(&o, "outcome", outcomes[ev->b >= 1 && ev->b <= 4 ? ev->b : 0]);
        else if (ev->aux == TRACE_MARK_MESSAGE)
            jout_kv_str(&o, "message", ev->b > 0 && ev->b <= UINT32_MAX ? trace_string(r, (uint32_t)ev->b) : "?");
        else
            jout_kv_i64(&o, "time_us", ev->b);
        break;
    }
    }
    if (ev->native_stack)
        dump_stack(&o, r, ev->native_stack, "native_stack");
    jout_end(&o);
    putc('\n', f);
}

int cli_dump(const char *path)
{
    char err[512];
    struct trace_reader *r = trace_open(path, err, sizeof err);
    if (!r) {
        cli_error("%s", err);
        return CLI_EXIT_USAGE;
    }
    /* Dumps run to millions of lines: write them in large blocks. */
    static char outbuf[1 << 20];
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    struct trace_event ev;
    while (trace_next(r, &ev)) {
        /* A thread's name is folded into its thread_start line; time points
         * into every event's time_us. */
        if (ev.type == TR_THREAD_NAME || ev.type == TR_TIME)
            continue;
        dump_event(stdout, r, &ev);
    }
    if (fflush(stdout) != 0) {
        cli_perror("stdout");
        trace_close(r);
        return CLI_EXIT_USAGE;
    }
    cli_file_warning(path, trace_warning(r));
    if (trace_truncated(r))
        cli_file_warning(path, TRACE_TRUNCATED_WARNING);
    trace_close(r);
    return 0;
}
