/* The timeline writer (timeline.h).  Time: points of the event order are
 * ticks, twice the event's sequence number; slices end at 2*seq+1 of their
 * last event.  Starts are even and ends odd, so no begin and end on one track
 * share a timestamp and the importers' ordering of equal timestamps never
 * matters.  ts is the tick's real time in microseconds since the trace
 * started (interpolated between the trace's time points) plus a picosecond
 * per tick, which keeps that order; a trace without time points falls back
 * to the tick itself (tl_ts).
 *
 * GIL-held spans: the trace records only Blender's own GIL calls, but the
 * GIL is exclusive, so a run of GIL-held events of one thread that no other
 * thread's GIL-held event interrupts is one span, and a hand-off is where
 * the next thread's run starts.  Inside a span, consecutive accesses to one
 * variable form one slice; any other event of the thread ends the slice.
 *
 * Locks held (mutexes, rwlocks) are slices on a companion track per thread
 * (tid + TL_LOCK_TRACK): a lock taken with the GIL and released after a
 * hand-off would cross the GIL spans on the thread's own track. */
#include "timeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_out.h"
#include "xalloc.h"

#define TL_LOCK_TRACK 100000u
#define TL_TASK_TRACK 200000u   /* pool jobs a worker ran, one slice each */

struct tl_hold {
    uint64_t addr, seq;
    uint16_t kind;
    bool shared;
};

struct tl_thread {
    struct tl_hold *holds;  /* mutexes / rwlocks taken and not yet released */
    uint32_t nholds, capholds;
    bool gil_open;          /* a "GIL held" B is open */
    bool win_open;          /* a "native window" B is open */
    bool grp_open;          /* an access group is pending */
    bool grp_gil;
    uint32_t grp_var;
    uint64_t gil_last, grp_first, grp_last;
    uint32_t nreads, nwrites;
    uint32_t task;          /* the pool job running, 0 none */
    uint64_t task_seq;      /* its begin */
    bool task_track;        /* its task track is named */
};

/* What a task slice says of a job: its pool and number (TR_TASK_SPAWN). */
struct tl_task {
    uint32_t pool_name, index, stack;
};

struct tl {
    FILE *f;
    const struct trace_reader *r;
    int pid;
    struct tl_thread *th;
    uint32_t nth;
    uint32_t gil_owner;     /* 0: nobody known to hold the GIL */
    bool any;               /* an event was written: the next needs ",\n" */
    uint64_t last_seq;
    struct tl_task *tasks;  /* by task id */
    uint32_t ntasks;
    uint32_t *pool_count;   /* by pool id: tasks spawned */
    uint32_t npools;
};

static struct tl_thread *tl_thread(struct tl *t, uint32_t tid)
{
    if (tid >= t->nth) {
        uint32_t n = tid + 16;
        t->th = report_xrealloc(t->th, n, sizeof *t->th);
        memset(t->th + t->nth, 0, (n - t->nth) * sizeof *t->th);
        t->nth = n;
    }
    return &t->th[tid];
}

/* Start one event object: {"ph": PH, "pid": .., "tid": .., "ts": TS */
/* A point of the event order, TICK (2*seq, or 2*seq+1 just after seq), as
 * the trace's time in microseconds: real time when the trace recorded it
 * (interpolated between its time points; a picosecond per tick keeps the
 * order of events in one microsecond), else the order itself. */
static double tl_ts(const struct tl *t, uint64_t tick)
{
    double us = trace_time_us(t->r, tick / 2);
    return us < 0 ? (double)tick : us + (double)tick * 1e-6;
}

/* Start one event object at TICK: {"ph": PH, "pid": .., "tid": .., "ts": TS */
static void tl_begin(struct tl *t, const char *ph, uint32_t tid, uint64_t tick)
{
    fputs(t->any ? ",\n" : "\n", t->f);
    t->any = true;
    fprintf(t->f, "{\"ph\": \"%s\", \"pid\": %d, \"tid\": %u, \"ts\": %.6f", ph, t->pid, tid,
            tl_ts(t, tick));
}

/* ", \"dur\": D" of a complete slice from tick A to tick B. */
static void tl_dur(struct tl *t, uint64_t a, uint64_t b)
{
    fprintf(t->f, ", \"dur\": %.6f", tl_ts(t, b) - tl_ts(t, a));
}

static void tl_name(struct tl *t, const char *cat, const char *name)
{
    fprintf(t->f, ", \"cat\": \"%s\", \"name\": ", cat);
    jout_string(t->f, name);
}

static void tl_group_close(struct tl *t, uint32_t tid)
{
    struct tl_thread *th = tl_thread(t, tid);
    if (!th->grp_open)
        return;
    th->grp_open = false;
    const struct trace_var *v = trace_get_var(t->r, th->grp_var);
    tl_begin(t, "X", tid, th->grp_first * 2);
    tl_dur(t, th->grp_first * 2, th->grp_last * 2 + 1);
    tl_name(t, "access", v && v->path ? v->path : "?");
    fprintf(t->f, ", \"args\": {\"reads\": %u, \"writes\": %u, \"gil\": %s}}", th->nreads,
            th->nwrites, th->grp_gil ? "true" : "false");
}

static void tl_gil_close(struct tl *t, uint32_t tid)
{
    struct tl_thread *th = tl_thread(t, tid);
    if (!th->gil_open)
        return;
    tl_group_close(t, tid);
    th->gil_open = false;
    tl_begin(t, "E", tid, th->gil_last * 2 + 1);
    tl_name(t, "gil", "GIL held");
    fputc('}', t->f);
    if (t->gil_owner == tid)
        t->gil_owner = 0;
}

/* The native window open on TID ends at SEQ (its host acquire, or its exit). */
static void tl_window_close(struct tl *t, uint32_t tid, struct tl_thread *th, uint64_t seq)
{
    if (!th->win_open)
        return;
    th->win_open = false;
    tl_begin(t, "E", tid, seq * 2 + 1);
    tl_name(t, "native", "native window");
    fputc('}', t->f);
}

/* TID did something with the GIL held at SEQ. */
static void tl_gil_touch(struct tl *t, uint32_t tid, uint64_t seq)
{
    struct tl_thread *th = tl_thread(t, tid);
    if (t->gil_owner != tid) {
        if (t->gil_owner)
            tl_gil_close(t, t->gil_owner);
        t->gil_owner = tid;
    }
    if (!th->gil_open) {
        th->gil_open = true;
        tl_begin(t, "B", tid, seq * 2);
        tl_name(t, "gil", "GIL held");
        fputc('}', t->f);
    }
    th->gil_last = seq;
}

static void tl_instant(struct tl *t, uint32_t tid, uint64_t seq, const char *cat,
                       const char *name)
{
    tl_group_close(t, tid);
    tl_begin(t, "i", tid, seq * 2);
    tl_name(t, cat, name);
    fputs(", \"s\": \"t\"}", t->f);
}

static const char *tl_sync_kind(uint16_t aux);

/* Name track TRACK after thread TID ("T3 worker (python)", plus SUFFIX) and
 * sort it at SORT. */
static void tl_track_name(struct tl *t, uint32_t track, uint32_t tid, const char *suffix, uint32_t sort)
{
    static const char *const origins[] = { "unknown", "main", "python", "blender" };
    const struct trace_thread *th = trace_get_thread(t->r, tid);
    const char *origin = th && th->origin < 4 ? origins[th->origin] : "unknown";
    char name[400];
    if (th && th->name)
        snprintf(name, sizeof name, "T%u %s (%s)%s", tid, th->name, origin, suffix);
    else
        snprintf(name, sizeof name, "T%u (%s)%s", tid, origin, suffix);
    tl_begin(t, "M", track, 0);
    fputs(", \"name\": \"thread_name\", \"args\": {\"name\": ", t->f);
    jout_string(t->f, name);
    fputs("}}", t->f);
    tl_begin(t, "M", track, 0);
    fprintf(t->f, ", \"name\": \"thread_sort_index\", \"args\": {\"sort_index\": %u}}", sort);
}

/* The job TH ran, as one slice on its task track, named by its pool. */
static void tl_task_slice(struct tl *t, uint32_t tid, struct tl_thread *th, uint64_t end)
{
    if (!th->task_track) {
        th->task_track = true;
        tl_track_name(t, tid + TL_TASK_TRACK, tid, ": pool jobs", tid * 3 + 2);
    }
    const struct tl_task *k = th->task < t->ntasks ? &t->tasks[th->task] : NULL;
    const char *pool = k && k->pool_name ? trace_string(t->r, k->pool_name) : NULL;
    char name[300];
    snprintf(name, sizeof name, "task %u of %s", k ? k->index : 0, pool ? pool : "?");
    tl_begin(t, "X", tid + TL_TASK_TRACK, th->task_seq * 2);
    tl_dur(t, th->task_seq * 2, end * 2 + 1);
    tl_name(t, "task", name);
    fprintf(t->f, ", \"args\": {\"task\": %u}}", th->task);
    th->task = 0;
}

/* One "held" slice on TID's lock track. */
static void tl_hold_slice(struct tl *t, uint32_t tid, const struct tl_hold *h, uint64_t end)
{
    char name[64];
    snprintf(name, sizeof name, "%s:0x%llx", tl_sync_kind(h->kind), (unsigned long long)h->addr);
    tl_begin(t, "X", tid + TL_LOCK_TRACK, h->seq * 2);
    tl_dur(t, h->seq * 2, end * 2 + 1);
    tl_name(t, "lock", name);
    fprintf(t->f, ", \"args\": {\"shared\": %s}}", h->shared ? "true" : "false");
}

static void tl_lock_event(struct tl *t, const struct trace_event *ev)
{
    if (ev->aux != TRACE_SYNC_MUTEX && ev->aux != TRACE_SYNC_RWLOCK)
        return;   /* semaphores and conditions are not held by one thread */
    struct tl_thread *th = tl_thread(t, ev->tid);
    if (ev->type == TR_ACQUIRE) {
        if (th->nholds == th->capholds) {
            th->capholds = th->capholds ? th->capholds * 2 : 8;
            th->holds = report_xrealloc(th->holds, th->capholds, sizeof *th->holds);
        }
        th->holds[th->nholds++] = (struct tl_hold){ ev->a, ev->seq, ev->aux,
                                                   (ev->flags & TRF_SHARED) != 0 };
        return;
    }
    for (uint32_t i = th->nholds; i-- > 0;)
        if (th->holds[i].addr == ev->a) {
            tl_hold_slice(t, ev->tid, &th->holds[i], ev->seq);
            memmove(&th->holds[i], &th->holds[i + 1], (th->nholds - i - 1) * sizeof *th->holds);
            th->nholds--;
            return;
        }
}

static const char *tl_sync_kind(uint16_t aux)
{
    switch (aux) {
    case TRACE_SYNC_MUTEX: return "mutex";
    case TRACE_SYNC_RWLOCK: return "rwlock";
    case TRACE_SYNC_SEM: return "sem";
    case TRACE_SYNC_COND: return "cond";
    default: return "sync";
    }
}

static void tl_event(struct tl *t, const struct trace_event *ev)
{
    uint32_t tid = ev->tid;
    struct tl_thread *th = tl_thread(t, tid);
    bool gil = ev->flags & TRF_GIL;
    char name[160];
    t->last_seq = ev->seq;
    switch (ev->type) {
    case TR_READ:
    case TR_WRITE:
        if (gil)
            tl_gil_touch(t, tid, ev->seq);
        else if (th->gil_open)
            tl_gil_close(t, tid);
        if (th->grp_open && (th->grp_var != (uint32_t)ev->a || th->grp_gil != gil))
            tl_group_close(t, tid);
        if (!th->grp_open) {
            th->grp_open = true;
            th->grp_var = (uint32_t)ev->a;
            th->grp_gil = gil;
            th->grp_first = ev->seq;
            th->nreads = th->nwrites = 0;
        }
        th->grp_last = ev->seq;
        if (ev->type == TR_READ)
            th->nreads++;
        else
            th->nwrites++;
        break;
    case TR_CALL: {
        tl_group_close(t, tid);
        if (gil)
            tl_gil_touch(t, tid, ev->seq);
        const char *what = trace_string(t->r, (uint32_t)ev->b);
        snprintf(name, sizeof name, "%s %s", ev->aux == TRACE_LEVEL_GLOBAL ? "operator" : "call",
                 what ? what : "?");
        tl_begin(t, "X", tid, ev->seq * 2);
        tl_dur(t, ev->seq * 2, ev->seq * 2 + 1);
        tl_name(t, "call", name);
        fputc('}', t->f);
        break;
    }
    case TR_ACQUIRE:
    case TR_RELEASE:
        snprintf(name, sizeof name, "%s %s:0x%llx", ev->type == TR_ACQUIRE ? "acquire" : "release",
                 tl_sync_kind(ev->aux), (unsigned long long)ev->a);
        tl_instant(t, tid, ev->seq, "sync", name);
        tl_lock_event(t, ev);
        break;
    case TR_THREAD_CREATE:
        snprintf(name, sizeof name, "create T%llu", (unsigned long long)ev->a);
        tl_instant(t, tid, ev->seq, "thread", name);
        break;
    case TR_THREAD_JOIN:
        snprintf(name, sizeof name, "join T%llu", (unsigned long long)ev->a);
        tl_instant(t, tid, ev->seq, "thread", name);
        break;
    case TR_THREAD_START:
        tl_instant(t, tid, ev->seq, "thread", "start");
        break;
    case TR_THREAD_EXIT:
        tl_group_close(t, tid);
        tl_gil_close(t, tid);
        tl_window_close(t, tid, th, ev->seq);
        tl_instant(t, tid, ev->seq, "thread", "exit");
        break;
    case TR_TASK_SPAWN: {
        uint32_t pool = (uint32_t)((uint64_t)ev->b >> 32);
        if (ev->a == 0 || ev->a >= (1u << 26))
            break;
        t->pool_count = report_xgrow(t->pool_count, &t->npools, pool, sizeof *t->pool_count, 64);
        t->tasks = report_xgrow(t->tasks, &t->ntasks, (uint32_t)ev->a, sizeof *t->tasks, 64);
        t->tasks[ev->a] = (struct tl_task){(uint32_t)ev->b, ++t->pool_count[pool], ev->stack};
        tl_instant(t, tid, ev->seq, "task", "submit");
        break;
    }
    case TR_TASK_BEGIN:
        th->task = (uint32_t)ev->a;
        th->task_seq = ev->seq;
        break;
    case TR_TASK_END:
        if (th->task && th->task == ev->a)
            tl_task_slice(t, tid, th, ev->seq);
        break;
    case TR_GIL_RELEASE:
        tl_group_close(t, tid);
        tl_gil_close(t, tid);
        if ((ev->flags & TRF_HOST) && !th->win_open) {
            th->win_open = true;
            tl_begin(t, "B", tid, ev->seq * 2);
            tl_name(t, "native", "native window");
            /* its site: what released the GIL, and the Python line */
            const char *what = ev->b ? trace_string(t->r, (uint32_t)ev->b) : NULL;
            const struct trace_stack *st = ev->stack ? trace_get_stack(t->r, ev->stack) : NULL;
            fputs(", \"args\": {\"call\": ", t->f);
            if (what)
                jout_string(t->f, what);
            else
                fputs("null", t->f);
            if (st && st->nframes && !st->frames[0].native) {
                const char *file = trace_string(t->r, st->frames[0].file);
                snprintf(name, sizeof name, "%s:%d", file ? file : "?", st->frames[0].line);
                fputs(", \"site\": ", t->f);
                jout_string(t->f, name);
            }
            fputs("}}", t->f);
        }
        break;
    case TR_GIL_ACQUIRE:
        tl_group_close(t, tid);
        tl_gil_close(t, tid);
        tl_window_close(t, tid, th, ev->seq);
        break;
    default:
        break;
    }
}

static void tl_thread_names(struct tl *t)
{
    uint32_t n = trace_thread_count(t->r);
    for (uint32_t tid = 1; tid < n; tid++) {
        if (!trace_get_thread(t->r, tid))
            continue;
        tl_track_name(t, tid, tid, "", tid * 3);
        tl_track_name(t, tid + TL_LOCK_TRACK, tid, ": locks held", tid * 3 + 1);   /* right below it */
    }
}

/* One flow arrow per race, from the earlier access to the later one. */
static void tl_flows(struct tl *t, const struct report_set *set)
{
    for (size_t i = 0; i < set->nraces; i++) {
        const struct race_report *rr = &set->races[i];
        char name[1200];
        snprintf(name, sizeof name, "%s %s", rr->cls == HB_HARD ? "data race" : "GIL race",
                 rr->variable);
        for (int k = 0; k < 2; k++) {
            const struct report_access *a = &rr->acc[k];
            tl_begin(t, k ? "f" : "s", a->thread.id, a->seq * 2);
            tl_name(t, "race", name);
            fprintf(t->f, ", \"id\": %zu%s, \"args\": {\"access\": \"%s\", \"count\": %llu}}",
                    i + 1, k ? ", \"bp\": \"e\"" : "", a->kind, (unsigned long long)rr->count);
        }
    }
}

int timeline_write(const char *path, struct trace_reader *r, const struct report_set *set)
{
    bool out = !strcmp(path, "-");
    FILE *f = out ? stdout : fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bpyrace: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    static char buf[1 << 20];
    if (!out)
        setvbuf(f, buf, _IOFBF, sizeof buf);
    struct tl t = { .f = f, .r = r, .pid = trace_header(r) ? trace_header(r)->pid : 0 };
    const char *exe = trace_header(r) ? trace_header(r)->exe : "";
    const char *base = strrchr(exe, '/');
    base = base ? base + 1 : exe;

    fputs("{\"traceEvents\": [", f);
    tl_begin(&t, "M", 0, 0);
    fputs(", \"name\": \"process_name\", \"args\": {\"name\": ", f);
    char pname[300];
    /* viewers add the pid themselves (speedscope: "blender (bpyrace) (pid 42)") */
    snprintf(pname, sizeof pname, "%s (bpyrace)", *base ? base : "program");
    jout_string(f, pname);
    fputs("}}", f);
    tl_thread_names(&t);

    trace_rewind(r);
    struct trace_event ev;
    while (trace_next(r, &ev))
        tl_event(&t, &ev);
    for (uint32_t tid = 0; tid < t.nth; tid++) {
        /* locks never released: held until the end of the trace */
        for (uint32_t i = 0; i < t.th[tid].nholds; i++)
            tl_hold_slice(&t, tid, &t.th[tid].holds[i], t.last_seq);
        free(t.th[tid].holds);
        tl_group_close(&t, tid);
        tl_gil_close(&t, tid);
        if (t.th[tid].win_open) {
            /* never closed (killed during native work): end with the trace */
            tl_begin(&t, "E", tid, t.last_seq * 2 + 1);
            tl_name(&t, "native", "native window");
            fputc('}', f);
        }
    }
    tl_flows(&t, set);
    if (trace_time_us(r, 0) >= 0)
        fputs("\n],\n\"displayTimeUnit\": \"ms\",\n\"otherData\": {\"tool\": \"bpyrace\", "
              "\"time\": \"ts = microseconds since the trace started (monotonic clock, interpolated "
              "between time points; a picosecond per event keeps their order)\"}}\n", f);
    else
        fputs("\n],\n\"displayTimeUnit\": \"ns\",\n\"otherData\": {\"tool\": \"bpyrace\", "
              "\"time\": \"ts = 2 x event sequence number (this trace recorded no time)\"}}\n", f);
    free(t.th);
    free(t.tasks);
    free(t.pool_count);
    int bad = ferror(f);
    if (out)
        bad |= fflush(f);
    else
        bad |= fclose(f);
    if (bad) {
        fprintf(stderr, "bpyrace: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}
