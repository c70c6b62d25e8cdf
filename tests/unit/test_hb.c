/* Unit tests for the happens-before analyzer (reports/hb.c), the report
 * builder's folding and the suppressions: one small trace per rule of
 * docs/race-model.md, built with the writer, exact assertions on the races.
 * Exit status: 0 pass, 1 fail, 99 harness broken. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hb.h"
#include "race_report.h"
#include "trace_build.h"
#include "trace_reader.h"
#include "tally.h"

static char trace_path[512];

struct result {
    struct trace_reader *r;
    struct hb *h;
    const struct hb_race *races;
    uint32_t n;
};

static void begin(const char *name)
{
    current_test = name;
    tb_open(trace_path);
}

/* Close the trace and analyze it. */
static struct result analyze(void)
{
    struct result res = {0};
    char err[512];
    tb_close();
    res.r = trace_open(trace_path, err, sizeof err);
    if (!res.r) {
        fprintf(stderr, "trace_open: %s\n", err);
        exit(99);
    }
    res.h = hb_new(res.r);
    struct trace_event ev;
    while (trace_next(res.r, &ev))
        hb_event(res.h, &ev);
    res.races = hb_races(res.h, &res.n);
    return res;
}

static void done(struct result *res)
{
    hb_free(res->h);
    trace_close(res->r);
}

/* Races on VAR of class CLS (0 = any). */
static unsigned races_on(const struct result *res, uint32_t var, int cls)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < res->n; i++)
        if (res->races[i].var == var && (!cls || res->races[i].cls == cls))
            n++;
    return n;
}

/* The race on VAR whose sides are of kinds K1 (earlier) and K2. */
static const struct hb_race *race_kinds(const struct result *res, uint32_t var, int k1, int k2)
{
    for (uint32_t i = 0; i < res->n; i++)
        if (res->races[i].var == var && res->races[i].first.kind == k1 &&
            res->races[i].second.kind == k2)
            return &res->races[i];
    return NULL;
}

static uint32_t S(int line)
{
    return tb_stack("/t/script.py", "f", line);
}

/* Threads T2 and T3 created by T1, unordered with each other. */
static void two_workers(void)
{
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    tb_spawn(1, 2, TRACE_ORIGIN_PYTHON, "w2", S(1));
    tb_spawn(1, 3, TRACE_ORIGIN_PYTHON, "w3", S(2));
}

/* ---- edges ---- */

static void test_program_order(void)
{
    begin("program_order");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0), y = tb_var("Y", TRACE_VAR_PROPERTY, 0);
    tb_write(2, x, S(10), 1);
    tb_read(2, x, S(11), 1);
    tb_write(2, x, S(12), 1);
    tb_write(3, y, S(13), 1); /* another variable */
    struct result r = analyze();
    CHECK(r.n == 0);
    done(&r);
}

static void test_unordered_gil(void)
{
    begin("unordered_gil");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_write(2, x, S(10), 1);
    tb_write(3, x, S(11), 1);
    struct result r = analyze();
    CHECK(r.n == 1);
    CHECK(races_on(&r, x, HB_GIL) == 1);
    CHECK(r.n == 1 && r.races[0].first.tid == 2 && r.races[0].second.tid == 3);
    CHECK(r.n == 1 && r.races[0].count == 2);   /* the two writes */
    done(&r);
}

static void test_read_read(void)
{
    begin("read_read");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_read(2, x, S(10), 1);
    tb_read(3, x, S(11), 0);
    tb_read(2, x, S(12), 1);
    struct result r = analyze();
    CHECK(r.n == 0);
    done(&r);
}

static void test_create_start(void)
{
    begin("create_start");
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0), y = tb_var("Y", TRACE_VAR_PROPERTY, 0);
    tb_write(1, x, S(10), 1);          /* before the create: ordered */
    tb_spawn(1, 2, TRACE_ORIGIN_PYTHON, "w", S(11));
    tb_write(1, y, S(12), 1);          /* after the create: not ordered */
    tb_read(2, x, S(13), 1);
    tb_read(2, y, S(14), 1);
    struct result r = analyze();
    CHECK(races_on(&r, x, 0) == 0);
    CHECK(races_on(&r, y, HB_GIL) == 1);
    CHECK(r.n == 1);
    done(&r);
}

static void test_exit_join(void)
{
    begin("exit_join");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0), y = tb_var("Y", TRACE_VAR_PROPERTY, 0);
    tb_write(2, x, S(10), 1);
    tb_write(3, y, S(11), 1);
    tb_exit(2);
    tb_exit(3);
    tb_join(1, 2);                     /* joins T2 only */
    tb_read(1, x, S(12), 1);
    tb_read(1, y, S(13), 1);
    struct result r = analyze();
    CHECK(races_on(&r, x, 0) == 0);
    CHECK(races_on(&r, y, HB_GIL) == 1);
    CHECK(r.n == 1);
    done(&r);
}

/* KIND release by T2 then acquire by T3: orders T2's write before T3's read
 * when the objects are the same. */
static void lock_case(const char *name, uint16_t kind)
{
    begin(name);
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0), y = tb_var("Y", TRACE_VAR_PROPERTY, 0);
    tb_write(2, x, S(10), 1);
    tb_release(2, kind, 0x1000, 0);
    tb_acquire(3, kind, 0x1000, 0);
    tb_read(3, x, S(11), 1);
    tb_write(2, y, S(12), 1);          /* after the release: not covered */
    tb_release(2, kind, 0x2000, 0);
    tb_acquire(3, kind, 0x3000, 0);    /* another object */
    tb_read(3, y, S(13), 1);
    struct result r = analyze();
    CHECK(races_on(&r, x, 0) == 0);
    CHECK(races_on(&r, y, HB_GIL) == 1);
    CHECK(r.n == 1);
    done(&r);
}

static void test_locks(void)
{
    lock_case("mutex", TRACE_SYNC_MUTEX);
    lock_case("semaphore", TRACE_SYNC_SEM);
    lock_case("condition", TRACE_SYNC_COND);
    lock_case("rwlock_write_unlock_read_lock", TRACE_SYNC_RWLOCK); /* acquire flags 0 = write lock */

    /* Same address, different kinds: different objects. */
    begin("kind_distinguishes");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_write(2, x, S(10), 1);
    tb_release(2, TRACE_SYNC_MUTEX, 0x1000, 0);
    tb_acquire(3, TRACE_SYNC_SEM, 0x1000, 0);
    tb_read(3, x, S(11), 1);
    struct result r = analyze();
    CHECK(races_on(&r, x, HB_GIL) == 1);
    done(&r);
}

static void test_rwlock(void)
{
    /* write-unlock -> read-lock orders */
    begin("rwlock_write_to_read");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_write(2, x, S(10), 1);
    tb_release(2, TRACE_SYNC_RWLOCK, 0x1000, 0);
    tb_acquire(3, TRACE_SYNC_RWLOCK, 0x1000, TRF_SHARED);
    tb_read(3, x, S(11), 1);
    struct result r = analyze();
    CHECK(r.n == 0);
    done(&r);

    /* read-unlock -> write-lock orders */
    begin("rwlock_read_to_write");
    two_workers();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_read(2, x, S(10), 1);
    tb_release(2, TRACE_SYNC_RWLOCK, 0x1000, TRF_SHARED);
    tb_acquire(3, TRACE_SYNC_RWLOCK, 0x1000, 0);
    tb_write(3, x, S(11), 1);
    r = analyze();
    CHECK(r.n == 0);
    done(&r);

    /* read-unlock -> read-lock does NOT order */
    begin("rwlock_read_to_read");
    two_workers();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_write(2, x, S(10), 1);          /* a write under a read lock: the bug to find */
    tb_release(2, TRACE_SYNC_RWLOCK, 0x1000, TRF_SHARED);
    tb_acquire(3, TRACE_SYNC_RWLOCK, 0x1000, TRF_SHARED);
    tb_read(3, x, S(11), 1);
    r = analyze();
    CHECK(r.n == 1);
    CHECK(races_on(&r, x, HB_GIL) == 1);
    done(&r);
}

static void test_gil_edges(void)
{
    /* Host hand-off T2 -> T3 orders T2's write before T3's read (T2's
     * release also opens a window: only the fine pair is looked at). */
    begin("host_gil_handoff");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_write(2, x, S(10), 1);
    tb_gil_release(2, 1, S(11));
    tb_gil_acquire(3, 1);
    tb_read(3, x, S(12), 1);
    struct result r = analyze();
    CHECK(race_kinds(&r, x, HB_SIDE_WRITE, HB_SIDE_READ) == NULL);
    CHECK(race_kinds(&r, x, HB_SIDE_WINDOW, HB_SIDE_READ) != NULL);
    done(&r);

    /* Interpreter switch T2 -> T3 (no TRF_HOST) orders nothing. */
    begin("interpreter_gil_switch");
    two_workers();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_write(2, x, S(10), 1);
    tb_gil_release(2, 0, 0);
    tb_gil_acquire(3, 0);
    tb_read(3, x, S(12), 1);
    r = analyze();
    CHECK(r.n == 1);
    CHECK(race_kinds(&r, x, HB_SIDE_WRITE, HB_SIDE_READ) != NULL);
    CHECK(races_on(&r, x, HB_GIL) == 1);
    done(&r);
}

/* ---- coarse writes ---- */

/* Two objects, Cube and Sphere, and their locations: the variables an
 * ID-level call on Cube must, and must not, be checked against. */
struct two_objects { uint32_t cube, sph, cl, sl; };

static struct two_objects two_objects(void)
{
    struct two_objects o;
    o.cube = tb_var("bpy.data.objects[\"Cube\"]", TRACE_VAR_ID, 0);
    o.sph = tb_var("bpy.data.objects[\"Sphere\"]", TRACE_VAR_ID, 0);
    o.cl = tb_var("bpy.data.objects[\"Cube\"].location", TRACE_VAR_PROPERTY, o.cube);
    o.sl = tb_var("bpy.data.objects[\"Sphere\"].location", TRACE_VAR_PROPERTY, o.sph);
    return o;
}

static void test_id_call(void)
{
    begin("id_call");
    two_workers();
    struct two_objects objs = two_objects();
    uint32_t cube = objs.cube, cl = objs.cl, sl = objs.sl;
    uint32_t ck = tb_var("bpy.data.objects[\"Cube\"][\"key\"]", TRACE_VAR_IDPROP, cube);
    tb_read(2, cl, S(10), 1);          /* before the call */
    tb_read(2, sl, S(11), 1);
    tb_call_id(3, cube, "Object.keyframe_insert", S(20));
    tb_read(2, ck, S(12), 1);          /* after the call */
    tb_read(2, sl, S(13), 1);
    struct result r = analyze();
    const struct hb_race *a = race_kinds(&r, cl, HB_SIDE_READ, HB_SIDE_CALL_ID);
    const struct hb_race *b = race_kinds(&r, ck, HB_SIDE_CALL_ID, HB_SIDE_READ);
    CHECK(a && a->cls == HB_GIL && a->second.tid == 3 && a->second.what != 0);
    CHECK(b && b->cls == HB_GIL && b->first.tid == 3);
    CHECK(races_on(&r, sl, 0) == 0);
    CHECK(r.n == 2);
    done(&r);

    /* The ID var itself is covered too. */
    begin("id_call_on_id_var");
    two_workers();
    cube = tb_var("bpy.data.objects[\"Cube\"]", TRACE_VAR_ID, 0);
    tb_read(2, cube, S(10), 1);
    tb_call_id(3, cube, "Object.update", S(20));
    r = analyze();
    CHECK(races_on(&r, cube, HB_GIL) == 1);
    done(&r);
}

static void test_global_call(void)
{
    begin("global_call");
    two_workers();
    uint32_t cube = tb_var("bpy.data.objects[\"Cube\"]", TRACE_VAR_ID, 0);
    uint32_t cl = tb_var("bpy.data.objects[\"Cube\"].location", TRACE_VAR_PROPERTY, cube);
    uint32_t other = tb_var("bpy.data.scenes[\"Scene\"].frame_current", TRACE_VAR_PROPERTY, 0);
    tb_read(2, cl, S(10), 1);
    tb_call_global(3, "bpy.ops.object.select_all", S(20));
    tb_write(2, other, S(11), 1);
    struct result r = analyze();
    CHECK(race_kinds(&r, cl, HB_SIDE_READ, HB_SIDE_CALL_GLOBAL) != NULL);
    CHECK(race_kinds(&r, other, HB_SIDE_CALL_GLOBAL, HB_SIDE_WRITE) != NULL);
    CHECK(r.n == 2);
    done(&r);

    /* Calls against calls have no fine variable: nothing. */
    begin("call_vs_call");
    two_workers();
    cube = tb_var("bpy.data.objects[\"Cube\"]", TRACE_VAR_ID, 0);
    tb_call_id(2, cube, "Object.update", S(10));
    tb_call_global(3, "bpy.ops.object.select_all", S(20));
    r = analyze();
    CHECK(r.n == 0);
    done(&r);
}

/* ---- native windows ---- */

static void test_window_unordered(void)
{
    begin("window_unordered");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0), y = tb_var("Y", TRACE_VAR_PROPERTY, 0);
    tb_read(2, y, S(9), 1);            /* before the open, unordered */
    tb_gil_release(1, 1, S(30));       /* frame_set */
    tb_read(2, x, S(10), 1);           /* inside */
    tb_gil_acquire(1, 1);
    tb_read(1, x, S(31), 1);           /* the window's own thread: never */
    struct result r = analyze();
    const struct hb_race *a = race_kinds(&r, x, HB_SIDE_WINDOW, HB_SIDE_READ);
    const struct hb_race *b = race_kinds(&r, y, HB_SIDE_READ, HB_SIDE_WINDOW);
    CHECK(a && a->cls == HB_HARD && a->observed && a->first.tid == 1 && !a->first.gil);
    CHECK(a && a->first.end_seq > a->first.seq);
    CHECK(b && b->cls == HB_HARD && !b->observed);
    CHECK(r.n == 2);
    done(&r);
}

static void test_window_ordered(void)
{
    /* access -> open (mutex) and close -> access (mutex): no race */
    begin("window_ordered");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_read(2, x, S(10), 1);
    tb_release(2, TRACE_SYNC_SEM, 0x10, 0);
    tb_acquire(1, TRACE_SYNC_SEM, 0x10, 0);
    tb_gil_release(1, 1, S(30));
    tb_gil_acquire(1, 1);
    tb_release(1, TRACE_SYNC_SEM, 0x20, 0);
    tb_acquire(2, TRACE_SYNC_SEM, 0x20, 0);
    tb_write(2, x, S(11), 1);
    struct result r = analyze();
    CHECK(r.n == 0);
    done(&r);

    /* ordered after the open but not after the close: conflicts */
    begin("window_after_open_before_close");
    two_workers();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_gil_release(1, 1, S(30));
    tb_gil_acquire(1, 1);
    tb_write(2, x, S(11), 1);          /* no sync with T1 at all */
    r = analyze();
    CHECK(races_on(&r, x, HB_HARD) == 1);
    CHECK(r.n == 1 && !r.races[0].observed); /* after the close in seq order */
    done(&r);
}

static void test_window_worker_driver(void)
{
    /* A depsgraph worker takes the GIL inside the main thread's window (a
     * Python driver): its access is inside the window.  Its own host release
     * is nested and opens nothing: T1's accesses after the close, ordered
     * after that release, are clean. */
    begin("window_worker_driver");
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    tb_spawn(1, 5, TRACE_ORIGIN_BLENDER, NULL, 0);
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_gil_release(1, 1, S(30));       /* frame_set: window opens */
    tb_gil_acquire(5, 1);              /* PyGILState_Ensure in the worker */
    tb_read(5, x, S(40), 1);           /* the driver */
    tb_gil_release(5, 1, 0);           /* nested: opens nothing */
    tb_gil_acquire(1, 1);              /* window closes */
    tb_write(1, x, S(31), 1);
    struct result r = analyze();
    const struct hb_race *a = race_kinds(&r, x, HB_SIDE_WINDOW, HB_SIDE_READ);
    CHECK(a && a->cls == HB_HARD && a->first.tid == 1 && a->second.tid == 5 && a->observed);
    CHECK(r.n == 1);
    done(&r);

    /* A thread's end closes its window: a worker's stray host release must
     * not make every later window look nested. */
    begin("window_closed_by_exit");
    two_workers();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_gil_release(2, 1, S(40));       /* T2's window opens ... */
    tb_exit(2);                        /* ... and ends with T2 */
    tb_join(1, 2);
    tb_gil_release(1, 1, S(30));       /* not nested: opens T1's window */
    tb_read(3, x, S(10), 1);
    tb_gil_acquire(1, 1);
    r = analyze();
    a = race_kinds(&r, x, HB_SIDE_WINDOW, HB_SIDE_READ);
    CHECK(a && a->first.tid == 1 && a->cls == HB_HARD);
    CHECK(r.n == 2);                   /* T3 also raced with T2's window */
    done(&r);

    /* A window never closed extends to the end. */
    begin("window_never_closed");
    two_workers();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_gil_release(1, 1, S(30));
    tb_exit(2);
    tb_read(3, x, S(10), 1);
    r = analyze();
    CHECK(r.n == 1 && r.races[0].first.kind == HB_SIDE_WINDOW && r.races[0].first.end_seq == 0);
    done(&r);
}

static void test_ops_window_fold(void)
{
    /* bpy.ops: a global write with the GIL and a window at the same code
     * location -> one report, the stronger class. */
    begin("ops_window_fold");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_read(2, x, S(10), 1);
    uint32_t at = S(50);
    tb_call_global(1, "bpy.ops.object.select_all", at);
    tb_gil_release(1, 1, at);
    tb_gil_acquire(1, 1);
    struct result r = analyze();
    CHECK(r.n == 1);
    CHECK(r.n == 1 && r.races[0].cls == HB_HARD && r.races[0].count == 3 &&   /* read, call, window */
          r.races[0].second.kind == HB_SIDE_WINDOW);
    done(&r);
}

static struct report_set build(struct result *r);

static void test_window_sites(void)
{
    /* A window carries its site: the Python stack and what released the GIL;
     * the race's window side shows both. */
    begin("window_site_call");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    uint32_t at = S(34);
    tb_window_open(1, at, "Scene.frame_set");
    tb_read(2, x, S(10), 1);
    tb_gil_acquire(1, 1);
    struct result r = analyze();
    const struct hb_race *a = race_kinds(&r, x, HB_SIDE_WINDOW, HB_SIDE_READ);
    CHECK(r.n == 1 && a && a->first.stack == at && a->first.what &&
          !strcmp(trace_string(r.r, a->first.what), "Scene.frame_set"));
    done(&r);

    /* Outside Python, windows are sited by Blender's phase: a thread reading
     * during start-up and during the event loop makes two reports (one per
     * site, whichever side came first), and more event-loop windows none. */
    begin("window_site_phase");
    two_workers();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_window_open(1, 0, "startup");
    tb_read(2, x, S(10), 1);
    tb_gil_acquire(1, 1);
    for (int i = 0; i < 3; i++) {
        tb_window_open(1, 0, "event_loop");
        tb_read(2, x, S(10), 1);
        tb_gil_acquire(1, 1);
    }
    r = analyze();
    CHECK(r.n == 2);
    int startup = 0, loop = 0;
    for (uint32_t i = 0; i < r.n; i++) {
        const struct hb_race *rc = &r.races[i];
        const struct hb_side *w = rc->first.kind == HB_SIDE_WINDOW ? &rc->first : &rc->second;
        const char *what = w->what ? trace_string(r.r, w->what) : "";
        CHECK(w->kind == HB_SIDE_WINDOW && w->stack == 0 && rc->cls == HB_HARD);
        startup += !strcmp(what, "startup");
        loop += !strcmp(what, "event_loop");
    }
    CHECK(startup == 1 && loop == 1);
    done(&r);

    /* A registry is a variable like any other: a thread's
     * bpy.app.timers.register during the event loop is one data race whose
     * window side is the event loop, with the hand-off as advice. */
    begin("registry_vs_event_loop");
    two_workers();
    uint32_t timers = tb_var("bpy.app.timers", TRACE_VAR_REGISTRY, 0);
    tb_window_open(1, 0, "event_loop");
    tb_write(2, timers, S(15), 1);
    tb_gil_acquire(1, 1);
    r = analyze();
    CHECK(r.n == 1);
    struct report_set set = build(&r);
    CHECK(set.nraces == 1);
    if (set.nraces == 1) {
        const struct race_report *rr = &set.races[0];
        CHECK(rr->cls == HB_HARD && !strcmp(rr->variable, "bpy.app.timers"));
        CHECK(rr->acc[0].side == HB_SIDE_WINDOW && rr->acc[0].what && !strcmp(rr->acc[0].what, "event_loop") &&
              rr->acc[0].nstack == 0);
        CHECK(rr->acc[1].side == HB_SIDE_WRITE && rr->acc[1].nstack == 1);
        CHECK(strstr(rr->advice, "queue.Queue") && strstr(rr->advice, "main thread"));
    }
    report_set_free(&set);
    done(&r);
}

/* ---- tasks: pool jobs (race model "Tasks", edge 6) ---- */

/* T1 main, T2 and T3 pool workers, T4 a ThreadPool's result handler. */
static void pool_threads(void)
{
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    tb_spawn(1, 2, TRACE_ORIGIN_PYTHON, "ThreadPoolExecutor-0_0", S(1));
    tb_spawn(1, 3, TRACE_ORIGIN_PYTHON, "ThreadPoolExecutor-0_1", S(2));
    tb_spawn(1, 4, TRACE_ORIGIN_PYTHON, "Thread-3 (_handle_results)", S(3));
}

static void test_tasks(void)
{
    /* Two jobs run one after the other by one worker: the worker's program
     * order is not an edge, so they race; the sides name the tasks. */
    begin("task_same_worker");
    pool_threads();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    uint32_t at = S(16);
    tb_task_spawn(1, 1, 1, "ThreadPoolExecutor-0", at);
    tb_task_spawn(1, 2, 1, "ThreadPoolExecutor-0", at);
    tb_task_begin(2, 1);
    tb_write(2, x, S(11), 1);
    tb_task_end(2, 1);
    tb_task_begin(2, 2);
    tb_write(2, x, S(11), 1);
    tb_task_end(2, 2);
    struct result r = analyze();
    CHECK(r.n == 1 && r.races[0].cls == HB_GIL && !r.races[0].observed);
    if (r.n == 1) {
        const struct hb_side *a = &r.races[0].first, *b = &r.races[0].second;
        CHECK(a->tid == 2 && b->tid == 2 && a->task == 1 && b->task == 2 && a->task_known &&
              b->task_index == 2 && a->task_index == 1 && a->submitter == 1 && a->submitted_at == at &&
              a->pool && !strcmp(trace_string(r.r, a->pool), "ThreadPoolExecutor-0"));
    }
    CHECK(hb_thread_count(r.h) == 4);   /* tasks are not threads */
    done(&r);

    /* The pool's bookkeeping: after a job the worker releases the idle
     * semaphore (outside the job), the submitter acquires it before the next
     * submit.  That orders the worker, not the job: both races stay. */
    begin("task_bookkeeping");
    pool_threads();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_task_spawn(1, 1, 1, "P", S(16));
    tb_task_begin(2, 1);
    tb_write(2, x, S(11), 1);
    tb_task_end(2, 1);
    tb_release(2, TRACE_SYNC_SEM, 0x1000, 0);   /* _idle_semaphore.release() */
    tb_acquire(1, TRACE_SYNC_SEM, 0x1000, 0);   /* submit: _idle_semaphore.acquire() */
    tb_read(1, x, S(20), 1);
    tb_task_spawn(1, 2, 1, "P", S(17));
    tb_task_begin(3, 2);
    tb_write(3, x, S(11), 1);
    tb_task_end(3, 2);
    r = analyze();
    CHECK(r.n == 2 && races_on(&r, x, HB_GIL) == 2);
    done(&r);

    /* submit -> the job's first event; the submitter's later accesses are not
     * ordered with the job. */
    begin("task_spawn_edge");
    pool_threads();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    uint32_t y = tb_var("Y", TRACE_VAR_PROPERTY, 0);
    tb_write(1, x, S(10), 1);
    tb_task_spawn(1, 1, 1, "P", S(16));
    tb_write(1, y, S(12), 1);
    tb_task_begin(2, 1);
    tb_read(2, x, S(11), 1);
    tb_read(2, y, S(13), 1);
    tb_task_end(2, 1);
    r = analyze();
    CHECK(r.n == 1 && races_on(&r, y, HB_GIL) == 1 && races_on(&r, x, 0) == 0);
    done(&r);

    /* A lock used inside two jobs orders them as it would two threads. */
    begin("task_lock");
    pool_threads();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_task_spawn(1, 1, 1, "P", S(16));
    tb_task_spawn(1, 2, 1, "P", S(16));
    tb_task_begin(2, 1);
    tb_acquire(2, TRACE_SYNC_SEM, 0x2000, 0);
    tb_write(2, x, S(11), 1);
    tb_release(2, TRACE_SYNC_SEM, 0x2000, 0);
    tb_task_end(2, 1);
    tb_task_begin(3, 2);
    tb_acquire(3, TRACE_SYNC_SEM, 0x2000, 0);
    tb_write(3, x, S(11), 1);
    tb_release(3, TRACE_SYNC_SEM, 0x2000, 0);
    tb_task_end(3, 2);
    r = analyze();
    CHECK(r.n == 0);
    done(&r);

    /* The job's end -> a wait that observes it: the future's condition lock,
     * released by set_result inside the job and taken by result(). */
    begin("task_future");
    pool_threads();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_task_spawn(1, 1, 1, "P", S(16));
    tb_task_begin(2, 1);
    tb_write(2, x, S(11), 1);
    tb_release(2, TRACE_SYNC_SEM, 0x3000, 0);   /* set_result: with self._condition */
    tb_task_end(2, 1);
    tb_acquire(1, TRACE_SYNC_SEM, 0x3000, 0);   /* result() */
    tb_read(1, x, S(20), 1);
    r = analyze();
    CHECK(r.n == 0);
    done(&r);

    /* shutdown(wait=True) joins every ended job of its pool, not another
     * pool's; without it, the main thread's read races. */
    begin("task_pool_join");
    pool_threads();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    y = tb_var("Y", TRACE_VAR_PROPERTY, 0);
    tb_task_spawn(1, 1, 1, "P", S(16));
    tb_task_spawn(1, 2, 2, "Q", S(17));
    tb_task_begin(2, 1);
    tb_write(2, x, S(11), 1);
    tb_task_end(2, 1);
    tb_task_begin(3, 2);
    tb_write(3, y, S(12), 1);
    tb_task_end(3, 2);
    tb_pool_join(1, 1);
    tb_read(1, x, S(20), 1);
    tb_read(1, y, S(21), 1);
    r = analyze();
    CHECK(r.n == 1 && races_on(&r, y, HB_GIL) == 1);
    done(&r);

    /* A job submitted from a job starts from the submitting job's clock; the
     * next job on the first worker is still unordered with it. */
    begin("task_nested");
    pool_threads();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_task_spawn(1, 1, 1, "P", S(16));
    tb_task_spawn(1, 3, 1, "P", S(16));
    tb_task_begin(2, 1);
    tb_write(2, x, S(11), 1);
    tb_task_spawn(2, 2, 1, "P", S(14));
    tb_task_end(2, 1);
    tb_task_begin(3, 2);
    tb_read(3, x, S(15), 1);
    tb_task_end(3, 2);
    tb_task_begin(2, 3);
    tb_write(2, x, S(19), 1);
    tb_task_end(2, 3);
    r = analyze();
    CHECK(r.n == 2 && races_on(&r, x, HB_GIL) == 2);
    for (uint32_t i = 0; i < r.n; i++) {
        const struct hb_side *a = &r.races[i].first, *b = &r.races[i].second;
        CHECK(b->task == 3 && (a->task == 1 || a->task == 2));
        if (a->task == 2)
            CHECK(a->submitter == 2 && a->tid == 3);
    }
    done(&r);

    /* Logical threads are reused: 3000 jobs, each ordered after the one
     * before (submitted after its result was observed), leave no race and
     * one thread; 3000 unordered jobs still race. */
    begin("task_reuse");
    pool_threads();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    for (uint32_t k = 1; k <= 3000; k++) {
        tb_task_spawn(1, k, 1, "P", S(16));
        tb_task_begin(2 + k % 2, k);
        tb_write(2 + k % 2, x, S(11), 1);
        tb_release(2 + k % 2, TRACE_SYNC_SEM, 0x4000 + k, 0);
        tb_task_end(2 + k % 2, k);
        tb_acquire(1, TRACE_SYNC_SEM, 0x4000 + k, 0);
    }
    r = analyze();
    CHECK(r.n == 0);
    done(&r);
    /* ThreadPool.map: the items of one call are tasks of one family, each
     * starting from the call; two items race; a result handed over (the
     * result handler's _set, before get() returns) orders the ended items
     * before the waiter, the last one forgets the family. */
    begin("task_family");
    pool_threads();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    y = tb_var("Y", TRACE_VAR_PROPERTY, 0);
    tb_write(1, y, S(9), 1);
    tb_family_spawn(1, 7, 1, "ThreadPool-0", S(16));
    tb_family_begin(2, 8, 7);
    tb_read(2, y, S(10), 1);           /* ordered after the call: clean */
    tb_write(2, x, S(11), 1);
    tb_task_end(2, 8);
    tb_family_begin(2, 9, 7);
    tb_write(2, x, S(11), 1);          /* the other item: a race */
    tb_task_end(2, 9);
    tb_family_join(4, 7, 1);           /* T4: the result handler */
    tb_release(4, TRACE_SYNC_SEM, 0x5000, 0);   /* its event.set() */
    tb_acquire(1, TRACE_SYNC_SEM, 0x5000, 0);   /* get() */
    tb_read(1, x, S(20), 1);           /* after the result: clean */
    r = analyze();
    CHECK(r.n == 1 && races_on(&r, x, HB_GIL) == 1);
    if (r.n == 1)
        CHECK(r.races[0].first.task == 8 && r.races[0].second.task == 9 && r.races[0].second.task_index == 2 &&
              r.races[0].first.task_index == 1 && r.races[0].second.submitted_at != 0);
    done(&r);

    /* A job whose submit was not seen (a cut trace) starts from nothing:
     * unordered with everything before it. */
    begin("task_without_spawn");
    pool_threads();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_write(1, x, S(9), 1);
    tb_task_begin(2, 42);
    tb_read(2, x, S(11), 1);
    tb_task_end(2, 42);
    r = analyze();
    CHECK(r.n == 1 && r.races[0].second.task == 42 && r.races[0].second.pool == 0 &&
          r.races[0].second.task_index == 0 && r.races[0].second.tid == 2);
    done(&r);

    begin("task_unordered_many");
    pool_threads();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    for (uint32_t k = 1; k <= 3000; k++)
        tb_task_spawn(1, k, 1, "P", S(16));
    for (uint32_t k = 1; k <= 3000; k++) {
        tb_task_begin(2 + k % 2, k);
        tb_write(2 + k % 2, x, S(11), 1);
        tb_task_end(2 + k % 2, k);
    }
    r = analyze();
    CHECK(r.n == 1 && r.races[0].cls == HB_GIL && r.races[0].count >= 2999);
    done(&r);
}

/* ---- class, dedup, observed ---- */

static void test_class_from_accesses(void)
{
    begin("class_no_gil_first");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0), y = tb_var("Y", TRACE_VAR_PROPERTY, 0);
    tb_write(2, x, S(10), 0);          /* without the GIL */
    tb_read(3, x, S(11), 1);
    tb_write(2, y, S(12), 1);
    tb_read(3, y, S(13), 0);           /* the later side without the GIL */
    struct result r = analyze();
    CHECK(races_on(&r, x, HB_HARD) == 1);
    CHECK(races_on(&r, y, HB_HARD) == 1);
    CHECK(r.n == 2);
    done(&r);
}

static void test_dedup_counts(void)
{
    begin("dedup_counts");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    const char *files[] = {"/t/script.py", "/t/caller_a.py"};
    const char *fns[] = {"nudge", "a"};
    int lines[] = {15, 3};
    uint32_t deep_a = tb_stackv(0, 2, files, fns, lines);
    files[1] = "/t/caller_b.py";
    uint32_t deep_b = tb_stackv(0, 2, files, fns, lines);
    for (int i = 0; i < 3; i++)
        tb_write(2, x, S(10), 1);
    tb_read(3, x, deep_a, 1);          /* same top frame, other caller: folds */
    tb_read(3, x, deep_b, 1);
    tb_read(3, x, S(99), 1);           /* another code location */
    struct result r = analyze();
    CHECK(r.n == 2);
    /* counts are accesses: T2's last write (the one kept) and the two folded
     * reads in one report, that write and the other read in the other */
    unsigned total = 0;
    for (uint32_t i = 0; i < r.n; i++)
        total += (unsigned)r.races[i].count;
    CHECK(total == 5);
    CHECK(r.n == 2 && (r.races[0].count == 3 || r.races[1].count == 3));
    done(&r);

    /* A read racing five windows: six accesses, not five pairs per read. */
    begin("count_accesses");
    two_workers();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_read(2, x, S(10), 1);
    for (int i = 0; i < 5; i++) {
        tb_window_open(1, S(34), "Scene.frame_set");
        tb_gil_acquire(1, 1);
    }
    r = analyze();
    CHECK(r.n == 1 && r.races[0].count == 6);
    CHECK(r.n == 1 && r.races[0].count <= hb_event_count(r.h));
    done(&r);
}

static void test_observed(void)
{
    begin("observed");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_read(2, x, S(10), 1);
    tb_write(3, x, S(20), 1);          /* T3 had not touched X: possible */
    tb_read(2, x, S(11), 1);           /* T2 touched X before the write: observed */
    struct result r = analyze();
    const struct hb_race *a = race_kinds(&r, x, HB_SIDE_READ, HB_SIDE_WRITE);
    const struct hb_race *b = race_kinds(&r, x, HB_SIDE_WRITE, HB_SIDE_READ);
    CHECK(a && !a->observed);
    CHECK(b && b->observed);
    CHECK(r.n == 2);
    done(&r);
}

/* ---- report layer: folding and suppressions ---- */

static struct report_set build(struct result *r)
{
    struct report_set set = {0};
    report_build(&set, r->r, r->races, r->n);
    return set;
}

static void test_item_folding(void)
{
    begin("item_folding");
    two_workers();
    uint32_t v[4];
    v[0] = tb_var("bpy.data.meshes[\"M\"].vertices[10].co", TRACE_VAR_PROPERTY, 0);
    v[1] = tb_var("bpy.data.meshes[\"M\"].vertices[9].co", TRACE_VAR_PROPERTY, 0);
    v[2] = tb_var("bpy.data.meshes[\"M\"].vertices[11].co", TRACE_VAR_PROPERTY, 0);
    v[3] = tb_var("bpy.data.meshes[\"M\"].vertices[12].normal", TRACE_VAR_PROPERTY, 0);
    for (int i = 0; i < 4; i++)
        tb_write(2, v[i], S(10), 1);
    for (int i = 0; i < 4; i++)
        tb_read(3, v[i], S(20), 1);
    tb_read(3, v[0], S(21), 1);        /* another pair of locations */
    struct result r = analyze();
    CHECK(r.n == 5);
    struct report_set set = build(&r);
    CHECK(set.nraces == 3);
    int found = 0;
    for (size_t i = 0; i < set.nraces; i++) {
        const struct race_report *rr = &set.races[i];
        if (!strcmp(rr->variable, "bpy.data.meshes[\"M\"].vertices[9].co")) {
            found++;
            CHECK(rr->nitems == 3 && rr->count == 6);   /* a write and a read per item */
        } else if (!strcmp(rr->variable, "bpy.data.meshes[\"M\"].vertices[10].co")) {
            found++;
            CHECK(rr->nitems == 1);
        } else if (!strcmp(rr->variable, "bpy.data.meshes[\"M\"].vertices[12].normal")) {
            found++;
        }
    }
    CHECK(found == 3);
    report_set_free(&set);
    done(&r);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(99);
    }
    fputs(text, f);
    fclose(f);
}

static void test_suppressions(void)
{
    begin("suppressions");
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    tb_spawn(1, 2, TRACE_ORIGIN_PYTHON, "w2", S(1));
    tb_spawn(1, 3, TRACE_ORIGIN_BLENDER, NULL, 0);
    uint32_t a = tb_var("bpy.data.objects[\"Cube\"].location", TRACE_VAR_PROPERTY, 0);
    uint32_t b = tb_var("bpy.data.objects[\"Cube\"].scale", TRACE_VAR_PROPERTY, 0);
    uint32_t c = tb_var("bpy.data.scenes[\"Scene\"][\"counter\"]", TRACE_VAR_IDPROP, 0);
    tb_write(2, a, tb_stack("/t/addon/move.py", "move", 5), 1);
    tb_read(1, a, S(6), 1);
    tb_write(2, b, tb_stack("/t/other.py", "grow", 7), 1);
    tb_read(1, b, S(8), 1);
    tb_write(3, c, 0, 0);
    tb_read(1, c, S(9), 1);
    struct result r = analyze();
    CHECK(r.n == 3);

    struct {
        const char *rules;
        size_t left;
    } cases[] = {
        {"# nothing\n\n", 3},
        {"variable:bpy.data.objects[\"Cube\"].*\n", 1},
        {"variable:*[\"counter\"]\n", 2},
        {"function:grow\n", 2},
        {"file:*/addon/*\n", 2},
        {"origin:blender\n", 2},
        {"class:hard\n", 2},
        {"  function : mo?e  \n# comment\nclass:gil\n", 1},
    };
    char spath[600];
    snprintf(spath, sizeof spath, "%s.supp", trace_path);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        write_file(spath, cases[i].rules);
        struct supp_list *s = supp_load(spath);
        CHECK(s != NULL);
        struct report_set set = build(&r);
        supp_apply(s, &set);
        CHECK(set.nraces == cases[i].left);
        CHECK(set.suppressed == 3 - cases[i].left);
        if (set.nraces != cases[i].left)
            fprintf(stderr, "  rules %s", cases[i].rules);
        report_set_free(&set);
        supp_free(s);
    }
    /* A bad file is refused (the message is on stderr). */
    write_file(spath, "variable:x\nfrobnicate:y\n");
    CHECK(supp_load(spath) == NULL);
    write_file(spath, "no colon here\n");
    CHECK(supp_load(spath) == NULL);
    unlink(spath);
    done(&r);
}

/* ---- thread churn: OS threads share clock slots (race model, "Bounds") ---- */

/* A Python thread's end as the shim records it on 3.11: it releases its
 * tstate lock (a semaphore) and exits; Thread.join() acquires that lock. */
static void py_thread_end(uint32_t tid, uint64_t tstate_lock)
{
    tb_release(tid, TRACE_SYNC_SEM, tstate_lock, 0);
    tb_exit(tid);
}

static const struct hb_race *race_locs(const struct result *res, uint32_t var, int l1, int l2)
{
    for (uint32_t i = 0; i < res->n; i++) {
        const struct hb_race *r = &res->races[i];
        const struct trace_stack *a = trace_get_stack(res->r, r->first.stack);
        const struct trace_stack *b = trace_get_stack(res->r, r->second.stack);
        if (r->var == var && a && b && a->frames[0].line == l1 && b->frames[0].line == l2)
            return r;
    }
    return NULL;
}

static void test_churn(void)
{
    /* start; join, 200 times: every thread takes the slot of the one before
     * (main + one), writes of the same property race with nothing. */
    begin("churn_join_reuses");
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    for (uint32_t tid = 2; tid < 202; tid++) {
        tb_spawn(1, tid, TRACE_ORIGIN_PYTHON, NULL, S(1));
        tb_write(tid, x, S(10), 1);
        py_thread_end(tid, 0x1000 + tid);
        tb_acquire(1, TRACE_SYNC_SEM, 0x1000 + tid, 0);
    }
    tb_read(1, x, S(11), 1);
    struct result r = analyze();
    CHECK(r.n == 0);
    CHECK(hb_thread_count(r.h) == 201);
    CHECK(hb_slot_count(r.h) == 2);
    done(&r);

    /* The same with pthread_join (TR_THREAD_JOIN). */
    begin("churn_pthread_join_reuses");
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    for (uint32_t tid = 2; tid < 52; tid++) {
        tb_spawn(1, tid, TRACE_ORIGIN_BLENDER, NULL, 0);
        tb_write(tid, x, S(10), 0);
        tb_exit(tid);
        tb_join(1, tid);
    }
    r = analyze();
    CHECK(r.n == 0);
    CHECK(hb_slot_count(r.h) == 2);
    done(&r);

    /* Finished but never joined: no thread is ordered after another, each
     * keeps a slot of its own, and their writes race (one report: same
     * locations), naming the trace's threads. */
    begin("churn_unordered_no_reuse");
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    for (uint32_t tid = 2; tid < 12; tid++) {
        tb_spawn(1, tid, TRACE_ORIGIN_PYTHON, NULL, S(1));
        tb_write(tid, x, S(10), 1);
        py_thread_end(tid, 0x1000 + tid);
    }
    r = analyze();
    CHECK(r.n == 1 && races_on(&r, x, HB_GIL) == 1);
    CHECK(r.n == 1 && r.races[0].first.tid == 2 && r.races[0].second.tid == 3);
    CHECK(r.n == 1 && r.races[0].count == 10);
    CHECK(hb_slot_count(r.h) == 11);
    done(&r);

    /* A thread that accessed nothing holds up nobody: its slot passes on
     * even unordered (nothing of it can race). */
    begin("churn_no_access_reuses");
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    for (uint32_t tid = 2; tid < 12; tid++) {
        tb_spawn(1, tid, TRACE_ORIGIN_BLENDER, NULL, 0);
        tb_release(tid, TRACE_SYNC_MUTEX, 0x2000, 0);
        tb_exit(tid);
    }
    r = analyze();
    CHECK(r.n == 0);
    CHECK(hb_slot_count(r.h) == 2);
    done(&r);

    /* T3 and T4 run one after the other (T4 takes T3's slot); the long-lived
     * worker T2 is ordered with neither: its read races with both writes,
     * two reports at two pairs of locations, as with a slot each.  Its global
     * call finds both again through the slot's log, and T3's and T4's ID
     * calls race with its read.  T4's read of Z after T2's write is T4's
     * first touch of Z (T3's was before): not observed. */
    begin("churn_reused_slot_vs_third");
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    tb_spawn(1, 2, TRACE_ORIGIN_PYTHON, "worker", S(1));
    uint32_t ob = tb_var("bpy.data.objects[\"Cube\"]", TRACE_VAR_ID, 0);
    x = tb_var("X", TRACE_VAR_PROPERTY, ob);
    uint32_t z = tb_var("Z", TRACE_VAR_PROPERTY, 0);
    tb_spawn(1, 3, TRACE_ORIGIN_PYTHON, NULL, S(2));
    tb_write(3, x, S(20), 1);
    tb_read(3, z, S(23), 1);
    tb_call_id(3, ob, "Object.update", S(22));
    py_thread_end(3, 0x3000);
    tb_acquire(1, TRACE_SYNC_SEM, 0x3000, 0);
    tb_write(2, z, S(41), 1);
    tb_spawn(1, 4, TRACE_ORIGIN_PYTHON, NULL, S(2));
    tb_write(4, x, S(30), 1);
    tb_read(4, z, S(31), 1);
    tb_call_id(4, ob, "Object.update", S(32));
    py_thread_end(4, 0x4000);
    tb_acquire(1, TRACE_SYNC_SEM, 0x4000, 0);
    tb_read(2, x, S(40), 1);
    tb_call_global(2, "object.select_all", S(42));
    r = analyze();
    CHECK(hb_slot_count(r.h) == 3);
    const struct hb_race *a = race_locs(&r, x, 20, 40), *b = race_locs(&r, x, 30, 40);
    CHECK(a && a->first.tid == 3 && a->second.tid == 2 && a->cls == HB_GIL);
    CHECK(b && b->first.tid == 4 && b->second.tid == 2);
    CHECK(race_locs(&r, x, 20, 42) && race_locs(&r, x, 30, 42));   /* the walk */
    CHECK(race_locs(&r, x, 22, 40) && race_locs(&r, x, 32, 40));   /* the ID calls */
    CHECK(race_locs(&r, z, 23, 41) && race_locs(&r, z, 23, 42) && race_locs(&r, z, 31, 42));
    const struct hb_race *c = race_locs(&r, z, 41, 31);
    CHECK(c && c->first.tid == 2 && c->second.tid == 4 && !c->observed);
    CHECK(r.n == 10);
    done(&r);

    /* A pthread_join of T3 after T4 took its slot still gets T3's exit
     * clock: W's read of X (written by T3) is ordered, its read of Z
     * (written by T4) is not. */
    begin("churn_join_after_reuse");
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    tb_spawn(1, 2, TRACE_ORIGIN_BLENDER, "w", 0);
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    z = tb_var("Z", TRACE_VAR_PROPERTY, 0);
    tb_spawn(1, 3, TRACE_ORIGIN_BLENDER, NULL, 0);
    tb_write(3, x, S(20), 0);
    tb_exit(3);
    tb_join(1, 3);
    tb_spawn(1, 4, TRACE_ORIGIN_BLENDER, NULL, 0);
    tb_write(4, z, S(30), 0);
    tb_join(2, 3);
    tb_read(2, x, S(40), 1);
    tb_read(2, z, S(41), 1);
    r = analyze();
    CHECK(hb_slot_count(r.h) == 3);
    CHECK(races_on(&r, x, 0) == 0);
    CHECK(races_on(&r, z, HB_HARD) == 1);
    CHECK(r.n == 1);
    done(&r);

    /* Ordered after T3's write but not after its exit's window close: T3's
     * slot does not pass on (its window closes at its exit). */
    begin("churn_window_at_exit_no_reuse");
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    tb_spawn(1, 3, TRACE_ORIGIN_BLENDER, NULL, 0);
    tb_write(3, x, S(20), 1);
    tb_release(3, TRACE_SYNC_SEM, 0x3000, 0);
    tb_window_open(3, 0, "blender_thread");
    tb_exit(3);
    tb_acquire(1, TRACE_SYNC_SEM, 0x3000, 0);
    tb_spawn(1, 4, TRACE_ORIGIN_BLENDER, NULL, 0);
    tb_read(4, x, S(30), 1);
    r = analyze();
    CHECK(hb_slot_count(r.h) == 3);
    CHECK(r.n == 1 && race_kinds(&r, x, HB_SIDE_WINDOW, HB_SIDE_READ) != NULL);
    done(&r);
}

/* ---- the walk of a coarse write over the threads' logs ---- */

/* T2 logs X, then Z, then X and Y in many epochs (each release ticks its
 * clock; nobody takes that lock); Z only before the midpoint lock that the
 * walkers take.  A walk from the newest entry must meet X and Y however often
 * they were logged again, once each, and stop at Z: an entry left at its
 * place or its epoch of first logging would end the walk before X. */
static void walk_many_epochs(uint32_t x, uint32_t y, uint32_t z)
{
    tb_write(2, x, S(10), 1);          /* X first: its entry must move past Z's */
    tb_write(2, z, S(12), 1);
    for (int i = 0; i < 3000; i++) {   /* (past HB_LOG_MIN pairs: trims run) */
        tb_write(2, x, S(10), 1);
        tb_read(2, y, S(11), 1);
        tb_release(2, TRACE_SYNC_MUTEX, 0x50, 0);
        if (i == 1500)
            tb_release(2, TRACE_SYNC_SEM, 0x60, 0);   /* the midpoint */
    }
}

/* T2 a worker; T3 writes X then Y, exits and is joined by T1; T4 takes
 * T3's slot and writes X in 50 epochs of its own.  T2's walk comes next. */
static void slot_reuse(uint32_t *x, uint32_t *y)
{
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    tb_spawn(1, 2, TRACE_ORIGIN_BLENDER, "w", 0);
    *x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    *y = tb_var("Y", TRACE_VAR_PROPERTY, 0);
    tb_spawn(1, 3, TRACE_ORIGIN_BLENDER, NULL, 0);
    tb_write(3, *x, S(20), 1);
    tb_write(3, *y, S(21), 1);
    tb_exit(3);
    tb_join(1, 3);
    tb_spawn(1, 4, TRACE_ORIGIN_BLENDER, NULL, 0);
    for (int i = 0; i < 50; i++) {
        tb_write(4, *x, S(30), 1);
        tb_release(4, TRACE_SYNC_MUTEX, 0x70, 0);
    }
}

static void test_walk_log(void)
{
    begin("walk_log_epochs_call");
    two_workers();
    uint32_t x = tb_var("X", TRACE_VAR_PROPERTY, 0), y = tb_var("Y", TRACE_VAR_PROPERTY, 0);
    uint32_t z = tb_var("Z", TRACE_VAR_PROPERTY, 0);
    walk_many_epochs(x, y, z);
    tb_acquire(3, TRACE_SYNC_SEM, 0x60, 0);
    tb_call_global(3, "bpy.ops.object.select_all", S(20));
    struct result r = analyze();
    const struct hb_race *a = race_kinds(&r, x, HB_SIDE_WRITE, HB_SIDE_CALL_GLOBAL);
    const struct hb_race *b = race_kinds(&r, y, HB_SIDE_READ, HB_SIDE_CALL_GLOBAL);
    CHECK(a && a->count == 2 && a->first.tid == 2 && a->second.tid == 3);  /* last write, call */
    CHECK(b && b->count == 2);
    CHECK(races_on(&r, z, 0) == 0);    /* ordered before the call */
    CHECK(r.n == 2);
    done(&r);

    /* The same for a native window opening, and then a call after more
     * epochs: each (var, window or call) pair once, with its own count. */
    begin("walk_log_epochs_window");
    two_workers();
    x = tb_var("X", TRACE_VAR_PROPERTY, 0);
    y = tb_var("Y", TRACE_VAR_PROPERTY, 0);
    z = tb_var("Z", TRACE_VAR_PROPERTY, 0);
    walk_many_epochs(x, y, z);
    tb_acquire(1, TRACE_SYNC_SEM, 0x60, 0);
    tb_window_open(1, S(30), "Scene.frame_set");
    tb_gil_acquire(1, 1);
    tb_write(2, x, S(13), 1);          /* a new epoch, a new location */
    tb_release(2, TRACE_SYNC_MUTEX, 0x50, 0);
    tb_window_open(1, S(30), "Scene.frame_set");
    tb_gil_acquire(1, 1);
    r = analyze();
    CHECK(races_on(&r, x, HB_HARD) == 2 && races_on(&r, y, HB_HARD) == 1);
    a = race_locs(&r, x, 10, 30);
    b = race_locs(&r, x, 30, 13);
    const struct hb_race *c = race_locs(&r, y, 11, 30);
    CHECK(a && a->count == 2);         /* the last S(10) write, the first window */
    CHECK(b && b->count == 3);         /* first window, the S(13) write, the second */
    CHECK(c && c->count == 3);         /* the last read, both windows */
    CHECK(races_on(&r, z, 0) == 0);
    CHECK(r.n == 3);
    done(&r);

    /* Only ID Cube's variables (and Cube's own) for an ID-level call on
     * Cube, though Sphere's is logged last and as often. */
    begin("walk_log_idfilter");
    two_workers();
    struct two_objects objs = two_objects();
    uint32_t cube = objs.cube, cl = objs.cl, sl = objs.sl;
    uint32_t ck = tb_var("bpy.data.objects[\"Cube\"][\"key\"]", TRACE_VAR_IDPROP, cube);
    tb_write(2, ck, S(12), 1);         /* before the midpoint: ordered */
    tb_release(2, TRACE_SYNC_SEM, 0x60, 0);
    tb_read(2, cube, S(13), 1);        /* the oldest after it */
    for (int i = 0; i < 2000; i++) {
        tb_write(2, cl, S(10), 1);
        tb_write(2, sl, S(11), 1);
        tb_release(2, TRACE_SYNC_MUTEX, 0x50, 0);
    }
    tb_acquire(3, TRACE_SYNC_SEM, 0x60, 0);
    tb_call_id(3, cube, "Object.update", S(20));
    r = analyze();
    a = race_kinds(&r, cl, HB_SIDE_WRITE, HB_SIDE_CALL_ID);
    b = race_kinds(&r, cube, HB_SIDE_READ, HB_SIDE_CALL_ID);
    CHECK(a && a->count == 2);
    CHECK(b && b->count == 2);
    CHECK(races_on(&r, sl, 0) == 0 && races_on(&r, ck, 0) == 0);
    CHECK(r.n == 2);
    done(&r);

    /* T4 takes T3's slot (T3 joined) and logs X again in its own epochs,
     * after Y, which only T3 logged.  T2 knows T3 up to its exit: X's entry
     * must have moved to the newest end with T4's epoch, or the walk stops
     * at Y's and misses T4's write. */
    begin("walk_log_slot_reuse_known");
    slot_reuse(&x, &y);
    tb_join(2, 3);
    tb_call_global(2, "bpy.ops.object.select_all", S(40));
    r = analyze();
    CHECK(hb_slot_count(r.h) == 3);    /* T4 on T3's slot */
    a = race_locs(&r, x, 30, 40);
    CHECK(a && a->count == 2 && a->first.tid == 4);
    CHECK(race_locs(&r, x, 20, 40) == NULL && races_on(&r, y, 0) == 0);
    CHECK(r.n == 1);
    done(&r);

    /* The same with T2 ordered after nothing: T3's X write, retired when T4
     * wrote X, is found through T4's entry, and Y through T3's. */
    begin("walk_log_slot_reuse_retired");
    slot_reuse(&x, &y);
    tb_call_global(2, "bpy.ops.object.select_all", S(40));
    r = analyze();
    CHECK(hb_slot_count(r.h) == 3);
    a = race_locs(&r, x, 30, 40);
    b = race_locs(&r, x, 20, 40);
    c = race_locs(&r, y, 21, 40);
    CHECK(a && a->count == 2 && a->first.tid == 4);
    CHECK(b && b->count == 2 && b->first.tid == 3);
    CHECK(c && c->count == 2 && c->first.tid == 3);
    CHECK(r.n == 3);
    done(&r);
}

/* An ID-level call passes a slot by its newest entry per bucket of IDs:
 * the slot is skipped when it logged none of the ID's variables since what
 * the caller knows, and walked as before when it did, whatever other IDs
 * share the bucket. */
static void test_walk_id_buckets(void)
{
    /* T2 writes only Sphere after the midpoint: a call on Cube finds
     * nothing; once T2 writes Cube's location, the next call finds it. */
    begin("walk_id_bucket_skip");
    two_workers();
    struct two_objects objs = two_objects();
    uint32_t cube = objs.cube, cl = objs.cl, sl = objs.sl;
    tb_write(2, cl, S(10), 1);
    tb_release(2, TRACE_SYNC_SEM, 0x60, 0);
    for (int i = 0; i < 100; i++) {
        tb_write(2, sl, S(11), 1);
        tb_release(2, TRACE_SYNC_MUTEX, 0x50, 0);
    }
    tb_acquire(3, TRACE_SYNC_SEM, 0x60, 0);
    tb_call_id(3, cube, "Object.update", S(20));
    tb_release(3, TRACE_SYNC_SEM, 0x61, 0);   /* T2's next write is after that call */
    tb_acquire(2, TRACE_SYNC_SEM, 0x61, 0);
    tb_write(2, cl, S(12), 1);
    tb_call_id(3, cube, "Object.update", S(21));
    struct result r = analyze();
    const struct hb_race *a = race_locs(&r, cl, 12, 21);
    CHECK(a && a->count == 2 && a->first.tid == 2 && a->second.tid == 3);
    CHECK(race_locs(&r, cl, 10, 20) == NULL && races_on(&r, sl, 0) == 0);
    CHECK(r.n == 1);
    done(&r);

    /* 300 IDs (more than the buckets: some share one), a location each
     * written by T2; T3 calls on every ID: each call finds its own ID's
     * location and no other. */
    begin("walk_id_bucket_shared");
    two_workers();
    enum { NIDS = 300 };
    uint32_t ids[NIDS], locs[NIDS];
    for (int i = 0; i < NIDS; i++) {
        char path[64];
        snprintf(path, sizeof path, "bpy.data.objects[\"o%d\"]", i);
        ids[i] = tb_var(path, TRACE_VAR_ID, 0);
        snprintf(path, sizeof path, "bpy.data.objects[\"o%d\"].location", i);
        locs[i] = tb_var(path, TRACE_VAR_PROPERTY, ids[i]);
    }
    for (int i = 0; i < NIDS; i++) {
        tb_write(2, locs[i], S(10), 1);
        tb_release(2, TRACE_SYNC_MUTEX, 0x50, 0);
    }
    for (int i = 0; i < NIDS; i++)
        tb_call_id(3, ids[i], "Object.update", S(20));
    r = analyze();
    unsigned found = 0;
    for (int i = 0; i < NIDS; i++) {
        a = race_kinds(&r, locs[i], HB_SIDE_WRITE, HB_SIDE_CALL_ID);
        found += a && a->count == 2 && races_on(&r, locs[i], 0) == 1;
    }
    CHECK(found == NIDS);
    CHECK(r.n == NIDS);
    done(&r);

    /* An ID variable that has an owner of its own (no shortcut for it):
     * its call still finds the entries on it and on what it owns. */
    begin("walk_id_owned_filter");
    two_workers();
    uint32_t mat = tb_var("bpy.data.materials[\"M\"]", TRACE_VAR_ID, 0);
    uint32_t nt = tb_var("bpy.data.materials[\"M\"].node_tree", TRACE_VAR_ID, mat);
    uint32_t nn = tb_var("bpy.data.materials[\"M\"].node_tree.nodes", TRACE_VAR_PROPERTY, nt);
    tb_write(2, nt, S(10), 1);
    tb_write(2, nn, S(11), 1);
    tb_call_id(3, nt, "NodeTree.update", S(20));
    r = analyze();
    CHECK(race_kinds(&r, nt, HB_SIDE_WRITE, HB_SIDE_CALL_ID) != NULL);
    CHECK(race_kinds(&r, nn, HB_SIDE_WRITE, HB_SIDE_CALL_ID) != NULL);
    CHECK(r.n == 2);
    done(&r);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(trace_path, sizeof trace_path, "%s/bpyrace-test-hb-%d.trace", tmp ? tmp : "/tmp",
             (int)getpid());
    test_program_order();
    test_unordered_gil();
    test_read_read();
    test_create_start();
    test_exit_join();
    test_locks();
    test_rwlock();
    test_gil_edges();
    test_id_call();
    test_global_call();
    test_window_unordered();
    test_window_ordered();
    test_window_worker_driver();
    test_ops_window_fold();
    test_window_sites();
    test_tasks();
    test_class_from_accesses();
    test_dedup_counts();
    test_observed();
    test_item_folding();
    test_suppressions();
    test_churn();
    test_walk_log();
    test_walk_id_buckets();
    unlink(trace_path);
    printf("test_hb: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
