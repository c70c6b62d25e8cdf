/* Happens-before analyzer: vector clocks per thread and sync object,
 * per-variable per-thread last accesses (FastTrack epochs: one entry per
 * accessing thread, so a variable touched by one thread costs one entry and
 * grows to a "read/write vector" only when several threads touch it), coarse
 * ID/global writes and native windows.  The model is docs/race-model.md;
 * every rule below is pinned by a case in tests/unit/test_hb.c. */
#include "hb.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hb_tests.h"
#include "xalloc.h"

/* Closed windows kept per opener for checking later accesses: windows older
 * than this are dropped even if some thread never synchronized with them;
 * a later window at the same code location gives the same report anyway. */
#define HB_CLOSED_PER_THREAD 64
#define HB_LOG_MIN 1024
#define HB_LOG_MAX (1u << 22)
#define HB_PRUNE_EVERY 4096

struct hb_vc {
    uint32_t *c;
    uint32_t n;
};

/* One recorded access, enough to check and to report it. */
struct hb_acc {
    uint64_t seq;
    int64_t index;
    uint32_t clock;     /* the thread's own clock at the access: its epoch */
    uint32_t tid;       /* its slot (clock index), shared by threads over time */
    uint32_t ttid;      /* the trace tid of the OS thread that made it (a task's worker) */
    uint32_t stack;
    uint32_t native_stack;
    uint32_t what;
    int32_t win;        /* window index for HB_SIDE_WINDOW, else -1 */
    uint32_t task;      /* the task (pool job) that made it, 0 none: tid is then its logical thread */
    uint32_t counted;   /* the last report (index + 1) whose count includes it */
    uint8_t kind;       /* enum hb_side_kind */
    uint8_t flags;      /* TRF_* of the record */
    bool valid;
};

/* One thread's history on one variable.  A retired entry keeps one access
 * of an earlier holder of the slot (see hb_retire).  A slot's entries on a
 * var are its live one then its retired ones, chained in index order. */
struct hb_vt {
    uint32_t tid;
    uint32_t logged;    /* epoch in which the var last went into the thread's log */
    uint32_t log_at;    /* live entry: pos of its var's latest entry in the slot's log */
    uint32_t retired;
    uint32_t next_retired; /* the slot's next retired entry on the var: index + 1, 0 none */
    uint64_t first_seq;
    struct hb_acc rd, wr;
};

struct hb_varst {
    struct hb_vt *e;
    uint32_t n, cap;
};

/* Coarse writes of one level (one ID, or global): the last one per thread. */
struct hb_level {
    struct hb_acc *last;
    uint64_t *first;
    uint32_t n;
    uint32_t *who;      /* the threads with an entry, so checks skip the rest */
    uint32_t nwho, capwho;
    struct hb_acc *ret; /* earlier holders' calls, as hb_vt's retired entries */
    uint32_t nret, capret;
};

/* A var logged by a thread in an epoch.  It is the var's latest, live, while
 * its hb_vt's log_at is its pos; then stale: the walk skips and drops it. */
struct hb_logent {
    uint32_t var, clock;
    uint32_t vt;        /* index in vars[var].e of the slot's live entry on var */
    uint32_t pos;       /* its append number (wraps: compared by distance only) */
};

/* The appends of one epoch: how many (var, epoch) pairs it logged. */
struct hb_logrun {
    uint32_t clock, n;
};

/* A slot: one index of the vector clocks.  An OS thread's slot passes to a
 * later thread once its holder has exited and everything it accessed is
 * ordered before the new holder's start (docs/race-model.md, "Bounds");
 * a task's logical thread is a slot too (is_task). */
struct hb_thr {
    bool seen, exited;
    bool pool_worker;   /* an OS thread that ran pool jobs: its own code is the pool's */
    bool is_task;       /* a task's logical thread */
    bool in_free;       /* an OS slot on free_os */
    uint32_t ttid;      /* OS slot: the trace tid holding it (the last one, once free) */
    uint32_t base;      /* OS slot: the holder's first clock; smaller ones are earlier holders' */
    uint32_t end;       /* exited OS slot: its clock after the exit (the VC is freed) */
    uint32_t last_close;/* its clock at its last window's closing */
    uint32_t task, task_pool, task_family; /* task slot: the task it runs now, its pool, family */
    struct hb_vc vc;    /* (an OS thread's exit clock is in its hb_tt) */
    /* Vars this thread accessed, oldest first: a coarse write walks back from
     * the newest while not ordered before it, and drops the stale entries (the
     * var logged again since) it passes, so a walk costs about the vars of
     * that stretch however many epochs logged them (hb_walk_log). */
    struct hb_logent *log;
    size_t nlogent, caplog;
    /* The log as a list of (var, epoch) pairs, one per append, is what the
     * trim and the bound count: NLOG pairs in RUNS[RUN0..NRUNS) by epoch.
     * Counting as before keeps the trims at the same points, so the entries
     * they drop are the same as ever (hb_log_trim). */
    struct hb_logrun *runs;
    size_t run0, nruns, capruns;
    size_t nlog, trim_at;
    uint32_t nappend;           /* appends so far: the pos of the next */
    /* By a hash of the ID an entry's var belongs to (hb_id_bucket), the clock of
     * the newest entry appended: an ID's walk skips this slot when its
     * bucket is not newer than what the walker knows (HB_ID_BUCKETS). */
    uint32_t *id_newest;
    int32_t win;        /* its open native window, -1 if none */
    uint32_t nclosed;   /* its closed windows still kept */
    uint32_t last_acc;  /* its clock at its last access, call or window (a task's logical
                           thread is reused by a task that knows it) */
};

struct hb_win {
    uint32_t tid, ttid, stack, native_stack, close_clock, task;
    uint32_t counted;   /* as hb_acc's */
    uint32_t what;      /* string id of what released the GIL (its site), 0 unknown */
    uint8_t flags;
    bool closed, dead;
    uint64_t open_seq, close_seq;
    struct hb_vc open_vc;
};

/* A task submitted and not yet begun: its start is the submitter's clock. */
struct hb_spawn {
    uint32_t task;      /* 0 = empty slot, HB_GONE = removed */
    uint32_t pool, pool_name, stack, submitter, index;
    bool family;        /* many tasks begin from it (a map call's items) */
    struct hb_vc vc;
    struct hb_vc ended; /* family: the join of its ended tasks' clocks */
};

struct hb_pool {
    uint32_t ntasks;    /* tasks spawned so far: the next one's number */
    struct hb_vc ended; /* join of its ended tasks' clocks (shutdown(wait=True)) */
};

/* What a report says of a task: kept for the most recent tasks only. */
struct hb_task_info {
    uint32_t task, pool_name, index, stack, submitter;  /* submitter: trace tid */
};

/* A vector clock as (slot, clock) pairs: a finished thread's exit clock,
 * kept for a later join (no record says a thread was detached). */
struct hb_svc {
    struct hb_svc_ent { uint32_t slot, clock; } *e;
    uint32_t n;
};

/* One OS thread of the trace (by dense index): small, kept for every thread. */
struct hb_tt {
    uint32_t ttid;
    uint32_t slot;      /* 0: none yet */
    bool exited;
    bool gone;          /* exited and its slot passed on */
    uint64_t last_seq;  /* its last event (the reader's) */
    struct hb_svc exit;
};
#define HB_TASK_INFO 65536u
/* Logical threads for tasks: beyond this many, the oldest ended task's is
 * reused even when the new task is not ordered after it (docs/race-model.md,
 * "Bounds"). */
#define HB_TASK_LIDS 1024u
#define HB_GONE UINT32_MAX

struct hb_sync {
    uint64_t key;       /* 0 = empty slot */
    struct hb_vc vc;    /* releases (rwlock: write-unlocks) */
    struct hb_vc rvc;   /* rwlock read-unlocks: only write-locks acquire them */
};

struct hb_loc {
    uint32_t file, func;
    int32_t line;
    uint32_t tag;       /* HB_LOC_*: what a location without a frame stands for */
};

enum { HB_LOC_FRAME = 0, HB_LOC_WINDOW = 1, HB_LOC_CALL = 2, HB_LOC_UNKNOWN = 3 };

struct hb_rint {
    struct hb_race r;
    uint32_t loc_lo, loc_hi;
    int32_t win1, win2;
    uint32_t tset;      /* hb_tests set of this race, 0 none */
};

struct hb {
    const struct trace_reader *defs;
    uint64_t events;

    struct hb_thr *thr;
    uint32_t nthr;

    struct hb_varst *vars;
    uint32_t nvars;
    uint32_t *owner;    /* owner ID var per var (cached from defs) */
    uint32_t nowner;
    struct hb_level **idlev; /* per ID var, lazily */
    uint32_t nidlev;
    struct hb_level global;
    /* Per slot, the clock of its log's newest entry (0: empty log): the walk
     * skips a slot it is ordered after from this dense array alone. */
    uint32_t *log_newest;
    uint32_t nlog_newest;
    /* hb_first_touch of the walking thread per var, computed once a walk:
     * valid where its walk is the current one (walks). */
    struct hb_first_memo { uint32_t walk; uint64_t first; } *first_memo;
    uint32_t nfirst_memo;
    uint32_t walks;

    struct hb_sync *sync;
    size_t nsync, capsync;
    struct hb_vc hostgil;

    struct hb_win *win;
    size_t nwin, capwin;
    uint32_t *active;   /* windows open or closed but still relevant */
    size_t nactive, capactive;
    uint32_t nopen;

    struct hb_loc *locs;
    size_t nlocs, caplocs;
    uint32_t *loc_hash; /* loc id + 1, 0 = empty */
    size_t cap_loc_hash;
    uint32_t *stack_loc; /* per stack id: loc id + 1 */
    size_t nstack_loc;
    uint32_t *canon;     /* per string id: canonical id + 1 (same text) */
    size_t ncanon;
    uint32_t *canon_hash;/* canonical string ids, 0 = empty */
    size_t ncanon_used, cap_canon_hash;

    struct hb_rint *races;
    size_t nraces, capraces;
    uint32_t *race_hash; /* race index + 1 */
    size_t cap_race_hash;
    struct hb_race *out;
    struct hb_tests *tests;  /* bpyrace test marks: created at the first one */

    /* Slots (thr[] indexes, 1 up) are handed out as threads and tasks appear:
     * an OS thread gets an exited thread's slot when it may (hb_os_slot),
     * else a new one. */
    uint32_t nslots;         /* slots handed out: the next new one */
    uint32_t *free_os;       /* exited OS threads' slots, most recent last */
    uint32_t nfree_os, capfree_os;

    /* Tasks (pool jobs, race model "Tasks"): each running task is a logical
     * thread with a slot of its own.  A worker's events between a task's
     * begin and end are the task's. */
    uint32_t *cur_task;      /* per OS slot: the task's logical thread it runs, 0 none */
    uint32_t ncur_task;
    uint32_t nlids;          /* task logical threads made */
    uint32_t *free_lids;     /* ended tasks' logical threads, oldest first (a ring) */
    uint32_t free_head, nfree, capfree;
    struct hb_spawn *spawns; /* submitted, not yet begun: by task id */
    size_t nspawns, capspawns;
    struct hb_pool *pools;   /* by pool id */
    uint32_t npools;
    struct hb_task_info *info; /* the last HB_TASK_INFO tasks, by task id % HB_TASK_INFO */
    uint32_t nos;            /* OS threads seen */
    uint32_t cur_ttid;       /* the trace tid of the event being handled */

    /* The trace's threads that wrote events, numbered densely in tid order
     * (a corrupt trace may name thread ids up to its size); each gets a slot
     * when it first appears.  Reports show trace tids. */
    uint32_t *dense;         /* per trace tid: its index in tts, 0 = no events */
    uint32_t ndense;
    struct hb_tt *tts;       /* by dense index, 1 up */
    uint32_t ntts;
};

/* ---- vector clocks ---- */

static void vc_reserve(struct hb_vc *v, uint32_t n)
{
    if (n <= v->n)
        return;
    uint32_t nn = v->n ? v->n : 8;
    while (nn < n)
        nn *= 2;
    v->c = report_xrealloc(v->c, nn, sizeof *v->c);
    memset(v->c + v->n, 0, (size_t)(nn - v->n) * sizeof *v->c);
    v->n = nn;
}

static uint32_t vc_get(const struct hb_vc *v, uint32_t t)
{
    return t < v->n ? v->c[t] : 0;
}

static void vc_join(struct hb_vc *d, const struct hb_vc *s)
{
    vc_reserve(d, s->n);
    for (uint32_t i = 0; i < s->n; i++)
        if (s->c[i] > d->c[i])
            d->c[i] = s->c[i];
}

static void vc_copy(struct hb_vc *d, const struct hb_vc *s)
{
    vc_reserve(d, s->n);
    if (s->n)   /* (an empty clock has no array: memcpy's may not be NULL) */
        memcpy(d->c, s->c, (size_t)s->n * sizeof *s->c);
    if (d->n > s->n)
        memset(d->c + s->n, 0, (size_t)(d->n - s->n) * sizeof *d->c);
}

static void svc_set(struct hb_svc *d, const struct hb_vc *v)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < v->n; i++)
        n += v->c[i] != 0;
    free(d->e);
    d->e = n ? report_xcalloc(n, sizeof *d->e) : NULL;
    d->n = 0;
    for (uint32_t i = 0; i < v->n; i++)
        if (v->c[i])
            d->e[d->n++] = (struct hb_svc_ent){i, v->c[i]};
}

static void vc_join_svc(struct hb_vc *d, const struct hb_svc *s)
{
    if (!s->n)
        return;
    vc_reserve(d, s->e[s->n - 1].slot + 1);
    for (uint32_t i = 0; i < s->n; i++)
        if (s->e[i].clock > d->c[s->e[i].slot])
            d->c[s->e[i].slot] = s->e[i].clock;
}

/* ---- threads ---- */

static struct hb_thr *hb_thread(struct hb *h, uint32_t tid)
{
    h->thr = report_xgrow(h->thr, &h->nthr, tid, sizeof *h->thr, 16);
    struct hb_thr *t = &h->thr[tid];
    if (!t->seen) {
        t->seen = true;
        t->win = -1;
        t->trim_at = HB_LOG_MIN;
        t->base = 1;
        vc_reserve(&t->vc, tid + 1);
        if (t->vc.c[tid] == 0)
            t->vc.c[tid] = 1;
    }
    return t;
}

/* The task logical thread LID runs now, 0 for an OS thread. */
static uint32_t hb_lid_task(const struct hb *h, uint32_t lid)
{
    return lid < h->nthr && h->thr[lid].is_task ? h->thr[lid].task : 0;
}

/* How many recently freed OS slots a new thread tries. */
#define HB_FREE_SCAN 16

/* A slot for OS thread DI (dense index), whose start is clock START (its
 * creator's at the create, or empty).  An exited thread's slot S is taken
 * when START is ordered after every access, call and window of its holder
 * (START[S] >= those clocks); the new holder goes on from the old one's
 * clock + 1.  Exact: each old epoch S@c is ordered before the new holder,
 * as it truly is (exit... -> START), and whoever knew the old holder up to
 * some clock knows nothing of the new one.  Per-variable state notices the
 * change by the clock (hb_vt_old).  Else a new slot. */
static uint32_t hb_os_slot(struct hb *h, const struct hb_vc *start, uint32_t di)
{
    uint32_t s = 0;
    for (uint32_t k = 0; k < h->nfree_os && k < HB_FREE_SCAN; k++) {
        uint32_t at = h->nfree_os - 1 - k, c = h->free_os[at];
        const struct hb_thr *o = &h->thr[c];
        uint32_t need = o->last_acc > o->last_close ? o->last_acc : o->last_close;
        if (vc_get(start, c) >= need) {
            memmove(h->free_os + at, h->free_os + at + 1,
                    (size_t)(h->nfree_os - at - 1) * sizeof *h->free_os);
            h->nfree_os--;
            s = c;
            break;
        }
    }
    struct hb_thr *t;
    if (s) {
        t = &h->thr[s];
        h->tts[h->dense[t->ttid]].gone = true;
        uint32_t old = t->end > vc_get(&t->vc, s) ? t->end : vc_get(&t->vc, s);
        uint32_t own = vc_get(start, s);
        t->base = (old > own ? old : own) + 1;
        vc_copy(&t->vc, start);
        vc_reserve(&t->vc, s + 1);
        t->vc.c[s] = t->base;
        t->exited = t->in_free = t->pool_worker = false;
        t->win = -1;
        t->nclosed = 0;   /* (the old holder's closed windows count for it) */
    } else {
        s = ++h->nslots;
        t = hb_thread(h, s);
        vc_join(&t->vc, start);
    }
    t->ttid = h->tts[di].ttid;
    h->tts[di].slot = s;
    return s;
}

/* The slot of OS thread DI for its next event: one is given at its first
 * event when no create gave one.  After its exit its clock is rebuilt from
 * the exit clock (the shim records nothing after a thread's exit; a trace
 * may); once its slot has passed on, it gets a new one, never reused. */
static uint32_t hb_tt_slot(struct hb *h, uint32_t di)
{
    struct hb_tt *tt = &h->tts[di];
    if (!tt->slot) {
        struct hb_vc none = {0};
        h->nos++;
        return hb_os_slot(h, &none, di);
    }
    if (tt->gone) {
        uint32_t s = ++h->nslots;
        struct hb_thr *t = hb_thread(h, s);
        vc_join_svc(&t->vc, &tt->exit);
        t->exited = true;
        t->ttid = tt->ttid;
        tt->slot = s;
        tt->gone = false;
        return s;
    }
    struct hb_thr *t = &h->thr[tt->slot];
    if (tt->exited && !t->vc.n) {
        vc_join_svc(&t->vc, &tt->exit);
        vc_reserve(&t->vc, tt->slot + 1);
        t->vc.c[tt->slot] = t->end;
    }
    return tt->slot;
}

/* The OS thread on slot S has exited and made its last event: the slot may
 * pass to a later thread, its vector clock is freed (the exit clock is in
 * the thread's hb_tt, for a join). */
static void hb_os_release(struct hb *h, uint32_t s)
{
    struct hb_thr *t = &h->thr[s];
    if (!t->in_free) {
        t->end = t->vc.c[s];
        free(t->vc.c);
        t->vc = (struct hb_vc){0};
        if (h->nfree_os == h->capfree_os) {
            h->capfree_os = h->capfree_os ? h->capfree_os * 2 : 16;
            h->free_os = report_xrealloc(h->free_os, h->capfree_os, sizeof *h->free_os);
        }
        h->free_os[h->nfree_os++] = s;
        t->in_free = true;
    }
}

/* OS thread DI on slot S exits: its exit clock is kept (sparse) for a join. */
static void hb_os_exit(struct hb *h, uint32_t s, uint32_t di)
{
    struct hb_thr *t = &h->thr[s];
    struct hb_tt *tt = &h->tts[di];
    svc_set(&tt->exit, &t->vc);
    tt->exited = true;
    t->exited = true;
    t->vc.c[s]++;   /* (hb_tick) */
}

/* An access of an earlier holder of its slot (OS threads only: tasks keep
 * reusing their logical threads as before). */
static bool hb_acc_old(const struct hb *h, const struct hb_acc *a)
{
    const struct hb_thr *t = &h->thr[a->tid];
    return !t->is_task && a->clock < t->base;
}

static bool hb_vt_old(const struct hb *h, const struct hb_vt *e)
{
    uint32_t c = e->rd.valid ? e->rd.clock : 0;
    if (e->wr.valid && e->wr.clock > c)
        c = e->wr.clock;
    return !h->thr[e->tid].is_task && c < h->thr[e->tid].base;
}

/* After a release: later events of the thread are not covered by it. */
static void hb_tick(struct hb *h, uint32_t tid)
{
    h->thr[tid].vc.c[tid]++;
}

static bool hb_live(const struct hb *h, uint32_t v)
{
    return v < h->nthr && h->thr[v].seen && !h->thr[v].exited;
}

/* Lowest knowledge of thread U's clock among live threads other than U:
 * whatever U did at or before it is ordered before anything they do later.
 * A pool worker's own logical thread is left out: between jobs it runs only
 * the pool's bookkeeping, and it never learns its jobs' clocks, so it would
 * keep every job's log forever (docs/race-model.md, "Bounds"). */
static uint32_t hb_min_known(const struct hb *h, uint32_t u)
{
    uint32_t m = UINT32_MAX;
    for (uint32_t v = 0; v < h->nthr; v++)
        if (v != u && hb_live(h, v) && !h->thr[v].pool_worker) {
            uint32_t k = vc_get(&h->thr[v].vc, u);
            if (k < m)
                m = k;
        }
    return m;
}

static bool hb_logent_live(const struct hb *h, const struct hb_logent *e)
{
    return h->vars[e->var].e[e->vt].log_at == e->pos;
}

/* Count one (var, epoch) pair of epoch CLOCK in T's runs. */
static void hb_runs_add(struct hb_thr *t, uint32_t clock)
{
    if (t->nruns > t->run0 && t->runs[t->nruns - 1].clock == clock) {
        t->runs[t->nruns - 1].n++;
        return;
    }
    if (t->nruns == t->capruns) {
        if (t->run0 && t->run0 * 2 >= t->nruns) {   /* mostly dropped: move down */
            memmove(t->runs, t->runs + t->run0, (t->nruns - t->run0) * sizeof *t->runs);
            t->nruns -= t->run0;
            t->run0 = 0;
        } else {
            t->capruns = t->capruns ? t->capruns * 2 : 64;
            t->runs = report_xrealloc(t->runs, t->capruns, sizeof *t->runs);
        }
    }
    t->runs[t->nruns++] = (struct hb_logrun){clock, 1};
}

/* Forget the oldest N pairs of T's runs. */
static void hb_runs_drop(struct hb_thr *t, size_t n)
{
    while (n && t->run0 < t->nruns) {
        struct hb_logrun *r = &t->runs[t->run0];
        if (r->n > n) {
            r->n -= (uint32_t)n;
            break;
        }
        n -= r->n;
        t->run0++;
    }
}

/* Drop the pairs ordered before every live thread, then past the bound the
 * oldest half of the pairs.  The pairs dropped are a prefix (clocks grow
 * along the log); a live entry is the last pair of its var, so it goes with
 * its pair and the live entries left are those of the pairs left. */
static void hb_log_trim(struct hb *h, uint32_t u)
{
    struct hb_thr *t = &h->thr[u];
    uint32_t m = hb_min_known(h, u);
    while (t->run0 < t->nruns && t->runs[t->run0].clock <= m)
        t->nlog -= t->runs[t->run0++].n;
    size_t from = 0;
    while (from < t->nlogent && t->log[from].clock <= m)
        from++;
    if (t->nlog > HB_LOG_MAX / 2) { /* bound: forget the oldest half */
        size_t drop = t->nlog / 2;
        hb_runs_drop(t, drop);
        t->nlog -= drop;
        /* kept: the last NLOG appends, at distance 1..NLOG from the next one */
        while (from < t->nlogent && (uint32_t)(t->nappend - t->log[from].pos) > t->nlog)
            from++;
    }
    memmove(t->log, t->log + from, (t->nlogent - from) * sizeof *t->log);
    t->nlogent -= from;
    if (!t->nlogent)
        h->log_newest[u] = 0;
    t->trim_at = t->nlog * 2 > HB_LOG_MIN ? t->nlog * 2 : HB_LOG_MIN;
}

/* An ID's walk passes every entry of a slot newer than the walker knows to
 * find the few on that ID's variables: a thread calling functions on its
 * own objects walked past all the other threads' entries each time.  Per
 * slot, the newest clock per bucket of IDs tells it that a slot has none
 * (a bucket shared with other IDs only costs the walk it would have made). */
#define HB_ID_BUCKETS 256u

/* The bucket of an entry on VAR, owned by ID OWNER (0: none).  The ID
 * whose walks the entry matters to is its owner, or VAR itself when it has
 * none (an ID's own variable): an ID's walk checks the entries on the ID's
 * variable and on those it owns, so, for an ID without an owner of its own,
 * exactly the entries whose key is that ID. */
static uint32_t hb_id_bucket(uint32_t var, uint32_t owner)
{
    return (uint32_t)(((owner ? owner : var) * 0x9e3779b9u) >> 24) % HB_ID_BUCKETS;
}

/* U logs VAR (its live hb_vt is OWNER, vars[var].e[VT]) in epoch CLOCK: the
 * new entry is the var's live one, the one before (if still in the log)
 * turns stale.  The live entries are then in the order of their vars'
 * latest pairs, as the walk met the vars when every pair had an entry.
 * OWNER_ID is VAR's hb_owner, which the caller has at hand. */
static void hb_log_append(struct hb *h, uint32_t u, struct hb_vt *owner, uint32_t var,
                          uint32_t owner_id, uint32_t vt, uint32_t clock)
{
    struct hb_thr *t = &h->thr[u];
    if (!t->id_newest)
        t->id_newest = report_xcalloc(HB_ID_BUCKETS, sizeof *t->id_newest);
    uint32_t *b = &t->id_newest[hb_id_bucket(var, owner_id)];
    if (*b < clock)
        *b = clock;
    if (t->nlog >= t->trim_at)
        hb_log_trim(h, u);
    hb_runs_add(t, clock);
    t->nlog++;
    if (t->nlogent == t->caplog) {
        t->caplog = t->caplog ? t->caplog * 2 : 256;
        t->log = report_xrealloc(t->log, t->caplog, sizeof *t->log);
    }
    t->log[t->nlogent++] = (struct hb_logent){var, clock, vt, t->nappend};
    owner->log_at = t->nappend++;
    h->log_newest = report_xgrow(h->log_newest, &h->nlog_newest, u, sizeof *h->log_newest, 16);
    h->log_newest[u] = clock;
}

/* ---- variables and coarse levels ---- */

static uint32_t hb_owner(const struct hb *h, uint32_t var)
{
    return var < h->nowner ? h->owner[var] : 0;
}

static struct hb_varst *hb_var(struct hb *h, uint32_t var)
{
    h->vars = report_xgrow(h->vars, &h->nvars, var, sizeof *h->vars, 64);
    return &h->vars[var];
}

static struct hb_vt *hb_vt_find(struct hb *h, uint32_t var, uint32_t tid)
{
    if (var >= h->nvars)
        return NULL;
    struct hb_varst *vs = &h->vars[var];
    for (uint32_t i = 0; i < vs->n; i++)
        if (vs->e[i].tid == tid && !vs->e[i].retired)
            return &vs->e[i];
    return NULL;
}

static struct hb_vt *hb_vt_get(struct hb *h, uint32_t var, uint32_t tid, uint64_t seq)
{
    struct hb_vt *e = hb_vt_find(h, var, tid);
    if (e)
        return e;
    struct hb_varst *vs = hb_var(h, var);
    if (vs->n == vs->cap) {
        vs->cap = vs->cap ? vs->cap * 2 : 1;
        vs->e = report_xrealloc(vs->e, vs->cap, sizeof *vs->e);
    }
    e = &vs->e[vs->n++];
    memset(e, 0, sizeof *e);
    e->tid = tid;
    e->first_seq = seq;
    return e;
}

static struct hb_level *hb_idlevel(struct hb *h, uint32_t idvar, bool create)
{
    if (idvar >= h->nidlev && !create)
        return NULL;
    h->idlev = report_xgrow(h->idlev, &h->nidlev, idvar, sizeof *h->idlev, 64);
    if (!h->idlev[idvar] && create)
        h->idlev[idvar] = report_xcalloc(1, sizeof **h->idlev);
    return h->idlev[idvar];
}

static uint32_t hb_acc_loc(struct hb *h, const struct hb_acc *a);
static bool hb_acc_gil(const struct hb_acc *a);

/* Keep A, an access of an earlier holder of its slot that the slot's new
 * holder replaces, in RET (N, CAP) for the threads not ordered after it: one
 * per slot, code location and GIL state, the latest (whoever races with an
 * earlier one races with it too, at the same pair of locations). */
static void hb_retire(struct hb *h, struct hb_acc **ret, uint32_t *n, uint32_t *cap,
                      const struct hb_acc *a)
{
    uint32_t loc = hb_acc_loc(h, a);
    for (uint32_t i = 0; i < *n; i++) {
        struct hb_acc *o = &(*ret)[i];
        if (o->tid == a->tid && hb_acc_gil(o) == hb_acc_gil(a) && hb_acc_loc(h, o) == loc) {
            *o = *a;
            return;
        }
    }
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *ret = report_xrealloc(*ret, *cap, sizeof **ret);
    }
    (*ret)[(*n)++] = *a;
}

/* The same for a variable's entries: a retired entry holds one access.  LIVE
 * is the index of the slot's live entry on VAR, the head of its retired ones. */
static void hb_retire_vt(struct hb *h, uint32_t var, uint32_t live, const struct hb_acc *a, bool wr)
{
    struct hb_varst *vs = &h->vars[var];
    uint32_t loc = hb_acc_loc(h, a);
    uint32_t last = live;   /* the chain's end, where a new one goes */
    for (uint32_t k = vs->e[live].next_retired; k; k = vs->e[k - 1].next_retired) {
        struct hb_vt *e = &vs->e[k - 1];
        struct hb_acc *o = wr ? &e->wr : &e->rd;
        if (o->valid && hb_acc_gil(o) == hb_acc_gil(a) && hb_acc_loc(h, o) == loc) {
            *o = *a;
            return;
        }
        last = k - 1;
    }
    if (vs->n == vs->cap) {
        vs->cap = vs->cap ? vs->cap * 2 : 1;
        vs->e = report_xrealloc(vs->e, vs->cap, sizeof *vs->e);
    }
    struct hb_vt *e = &vs->e[vs->n++];
    memset(e, 0, sizeof *e);
    e->tid = a->tid;
    e->retired = 1;
    e->first_seq = a->seq;
    *(wr ? &e->wr : &e->rd) = *a;
    vs->e[last].next_retired = vs->n;   /* (index + 1 of the new one) */
}

static void hb_level_record(struct hb *h, struct hb_level *l, const struct hb_acc *a)
{
    if (a->tid < l->n && l->last[a->tid].valid && hb_acc_old(h, &l->last[a->tid])) {
        hb_retire(h, &l->ret, &l->nret, &l->capret, &l->last[a->tid]);
        l->first[a->tid] = a->seq;   /* the new holder's first call */
    }
    if (a->tid >= l->n) {
        uint32_t n = l->n ? l->n : 8;
        while (n <= a->tid)
            n *= 2;
        l->last = report_xrealloc(l->last, n, sizeof *l->last);
        l->first = report_xrealloc(l->first, n, sizeof *l->first);
        memset(l->last + l->n, 0, (size_t)(n - l->n) * sizeof *l->last);
        for (uint32_t i = l->n; i < n; i++)
            l->first[i] = UINT64_MAX;
        l->n = n;
    }
    l->last[a->tid] = *a;
    if (l->first[a->tid] == UINT64_MAX) {
        l->first[a->tid] = a->seq;
        if (l->nwho == l->capwho) {
            l->capwho = l->capwho ? l->capwho * 2 : 4;
            l->who = report_xrealloc(l->who, l->capwho, sizeof *l->who);
        }
        l->who[l->nwho++] = a->tid;
    }
}

static uint64_t hb_level_first(const struct hb *h, const struct hb_level *l, uint32_t tid)
{
    if (!l || tid >= l->n || (l->last[tid].valid && hb_acc_old(h, &l->last[tid])))
        return UINT64_MAX;   /* (an earlier holder's call: not this thread's) */
    return l->first[tid];
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* When thread TID first touched VAR, directly or by a coarse write covering
 * it: an earlier access of another thread after that point interleaved. */
static uint64_t hb_first_touch(struct hb *h, uint32_t var, uint32_t tid)
{
    uint64_t f = UINT64_MAX;
    struct hb_vt *e = hb_vt_find(h, var, tid);
    if (e && !hb_vt_old(h, e))
        f = e->first_seq;
    f = min64(f, hb_level_first(h, &h->global, tid));
    f = min64(f, hb_level_first(h, hb_idlevel(h, var, false), tid));
    uint32_t o = hb_owner(h, var);
    if (o)
        f = min64(f, hb_level_first(h, hb_idlevel(h, o, false), tid));
    return f;
}

/* hb_first_touch is only needed when a race is reported: computed on demand
 * (it costs four lookups, and almost every access is race-free). */
struct hb_first {
    uint32_t var, tid;
    bool done;
    uint64_t v;
};

static uint64_t hb_first_get(struct hb *h, struct hb_first *f)
{
    if (!f->done) {
        f->v = hb_first_touch(h, f->var, f->tid);
        f->done = true;
    }
    return f->v;
}

/* ---- code locations ---- */

static uint64_t hb_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t hb_loc_hash(const struct hb_loc *l)
{
    return hb_mix(((uint64_t)l->file << 32 | l->func) ^ hb_mix((uint64_t)(uint32_t)l->line << 8 | l->tag));
}

static bool hb_loc_eq(const struct hb_loc *a, const struct hb_loc *b)
{
    return a->file == b->file && a->func == b->func && a->line == b->line && a->tag == b->tag;
}

static void hb_loc_rehash(struct hb *h)
{
    size_t cap = h->cap_loc_hash ? h->cap_loc_hash * 2 : 256;
    free(h->loc_hash);
    h->loc_hash = report_xcalloc(cap, sizeof *h->loc_hash);
    h->cap_loc_hash = cap;
    for (size_t i = 0; i < h->nlocs; i++) {
        size_t j = hb_loc_hash(&h->locs[i]) & (cap - 1);
        while (h->loc_hash[j])
            j = (j + 1) & (cap - 1);
        h->loc_hash[j] = (uint32_t)i + 1;
    }
}

static uint32_t hb_loc_intern(struct hb *h, const struct hb_loc *l)
{
    if ((h->nlocs + 1) * 2 > h->cap_loc_hash)
        hb_loc_rehash(h);
    size_t j = hb_loc_hash(l) & (h->cap_loc_hash - 1);
    while (h->loc_hash[j]) {
        if (hb_loc_eq(&h->locs[h->loc_hash[j] - 1], l))
            return h->loc_hash[j] - 1;
        j = (j + 1) & (h->cap_loc_hash - 1);
    }
    if (h->nlocs == h->caplocs) {
        h->caplocs = h->caplocs ? h->caplocs * 2 : 64;
        h->locs = report_xrealloc(h->locs, h->caplocs, sizeof *h->locs);
    }
    h->locs[h->nlocs] = *l;
    h->loc_hash[j] = (uint32_t)++h->nlocs;
    return (uint32_t)h->nlocs - 1;
}

static uint64_t hb_str_hash(const char *s)
{
    uint64_t x = 1469598103934665603ULL;
    while (*s)
        x = (x ^ (unsigned char)*s++) * 1099511628211ULL;
    return x;
}

/* The first string id with the same text: writers may define one text under
 * several ids (one per thread), and code locations compare by text. */
static uint32_t hb_canon(struct hb *h, uint32_t id)
{
    if (!id)
        return 0;
    if (id < h->ncanon && h->canon[id])
        return h->canon[id] - 1;
    if ((h->ncanon_used + 1) * 2 > h->cap_canon_hash) {
        size_t cap = h->cap_canon_hash ? h->cap_canon_hash * 2 : 256;
        uint32_t *n = report_xcalloc(cap, sizeof *n);
        for (size_t i = 0; i < h->cap_canon_hash; i++)
            if (h->canon_hash[i]) {
                size_t j = hb_str_hash(trace_string(h->defs, h->canon_hash[i])) & (cap - 1);
                while (n[j])
                    j = (j + 1) & (cap - 1);
                n[j] = h->canon_hash[i];
            }
        free(h->canon_hash);
        h->canon_hash = n;
        h->cap_canon_hash = cap;
    }
    const char *text = trace_string(h->defs, id);
    size_t j = hb_str_hash(text) & (h->cap_canon_hash - 1);
    while (h->canon_hash[j] && strcmp(trace_string(h->defs, h->canon_hash[j]), text))
        j = (j + 1) & (h->cap_canon_hash - 1);
    if (!h->canon_hash[j]) {
        h->canon_hash[j] = id;
        h->ncanon_used++;
    }
    uint32_t c = h->canon_hash[j];
    if (id < (1u << 24)) {
        if (id >= h->ncanon) {
            size_t n = h->ncanon ? h->ncanon : 256;
            while (n <= id)
                n *= 2;
            h->canon = report_xrealloc(h->canon, n, sizeof *h->canon);
            memset(h->canon + h->ncanon, 0, (n - h->ncanon) * sizeof *h->canon);
            h->ncanon = n;
        }
        h->canon[id] = c + 1;
    }
    return c;
}

/* A code location is the top Python frame (file, function, line), so calls
 * from different deeper callers fold; a stack of native frames only falls
 * back to its top native frame. */
static uint32_t hb_stack_loc(struct hb *h, uint32_t stack)
{
    if (stack < h->nstack_loc && h->stack_loc[stack])
        return h->stack_loc[stack] - 1;
    const struct trace_stack *s = stack ? trace_get_stack(h->defs, stack) : NULL;
    struct hb_loc l = {0, 0, 0, HB_LOC_UNKNOWN};
    if (s && s->nframes) {
        const struct trace_frame *f = &s->frames[0];
        for (uint32_t i = 0; i < s->nframes; i++)
            if (!s->frames[i].native) {
                f = &s->frames[i];
                break;
            }
        l = (struct hb_loc){hb_canon(h, f->file), hb_canon(h, f->function), f->line,
                            HB_LOC_FRAME};
    }
    uint32_t id = hb_loc_intern(h, &l);
    if (stack < (1u << 24)) {
        if (stack >= h->nstack_loc) {
            size_t n = h->nstack_loc ? h->nstack_loc : 256;
            while (n <= stack)
                n *= 2;
            h->stack_loc = report_xrealloc(h->stack_loc, n, sizeof *h->stack_loc);
            memset(h->stack_loc + h->nstack_loc, 0, (n - h->nstack_loc) * sizeof *h->stack_loc);
            h->nstack_loc = n;
        }
        h->stack_loc[stack] = id + 1;
    }
    return id;
}

static uint32_t hb_acc_loc(struct hb *h, const struct hb_acc *a)
{
    if (a->stack)
        return hb_stack_loc(h, a->stack);
    struct hb_loc l = {0, 0, 0, HB_LOC_UNKNOWN};
    if (a->kind == HB_SIDE_WINDOW)   /* sited by what opened it: event loop, start-up... */
        l = (struct hb_loc){0, hb_canon(h, a->what), 0, HB_LOC_WINDOW};
    else if (a->kind == HB_SIDE_CALL_ID || a->kind == HB_SIDE_CALL_GLOBAL)
        l = (struct hb_loc){0, hb_canon(h, a->what), 0, HB_LOC_CALL};
    return hb_loc_intern(h, &l);
}

/* ---- races ---- */

static bool hb_acc_gil(const struct hb_acc *a)
{
    return a->kind != HB_SIDE_WINDOW && (a->flags & TRF_GIL);
}

static const struct hb_task_info *hb_task_info(const struct hb *h, uint32_t task)
{
    const struct hb_task_info *i = task && h->info ? &h->info[task % HB_TASK_INFO] : NULL;
    return i && i->task == task ? i : NULL;
}

/* The OS thread that made A (a task's worker), as the trace's tid; 0 for a
 * task whose facts are forgotten. */
static uint32_t hb_os_tid(const struct hb *h, const struct hb_acc *a)
{
    return a->task && !hb_task_info(h, a->task) ? 0 : a->ttid;
}

static struct hb_side hb_side_of(const struct hb *h, const struct hb_acc *a)
{
    struct hb_side s = {0};
    s.seq = a->seq;
    const struct hb_task_info *i = hb_task_info(h, a->task);
    s.tid = hb_os_tid(h, a);
    if (a->task) {
        s.task = a->task;
        s.task_known = i != NULL;
    }
    if (i) {
        s.pool = i->pool_name;
        s.task_index = i->index;
        s.submitted_at = i->stack;
        s.submitter = i->submitter;
    }
    s.kind = a->kind;
    s.gil = hb_acc_gil(a);
    s.stack = a->stack;
    s.native_stack = a->native_stack;
    s.index = a->index;
    s.what = a->what;
    return s;
}

static uint64_t hb_race_hash(uint32_t var, uint32_t lo, uint32_t hi)
{
    return hb_mix((uint64_t)var << 32 ^ hb_mix((uint64_t)lo << 32 | hi));
}

static void hb_race_rehash(struct hb *h)
{
    size_t cap = h->cap_race_hash ? h->cap_race_hash * 2 : 256;
    free(h->race_hash);
    h->race_hash = report_xcalloc(cap, sizeof *h->race_hash);
    h->cap_race_hash = cap;
    for (size_t i = 0; i < h->nraces; i++) {
        const struct hb_rint *r = &h->races[i];
        size_t j = hb_race_hash(r->r.var, r->loc_lo, r->loc_hi) & (cap - 1);
        while (h->race_hash[j])
            j = (j + 1) & (cap - 1);
        h->race_hash[j] = (uint32_t)i + 1;
    }
}

/* Count A in report R (index RI) unless it already is: a report counts the
 * accesses involved, each once, not the pairs (a read racing five windows is
 * one read and five windows, not five pairs per read). */
static void hb_count(struct hb_rint *r, uint32_t ri, struct hb_acc *a)
{
    if (a->counted != ri + 1) {
        a->counted = ri + 1;
        r->r.count++;
    }
}

/* A: the earlier access, B: the later one (seq order), on fine var VAR. */
static void hb_report(struct hb *h, uint32_t var, struct hb_acc *a, struct hb_acc *b, bool observed)
{
    uint8_t cls = hb_acc_gil(a) && hb_acc_gil(b) ? HB_GIL : HB_HARD;
    uint32_t la = hb_acc_loc(h, a), lb = hb_acc_loc(h, b);
    uint32_t lo = la < lb ? la : lb, hi = la < lb ? lb : la;
    if ((h->nraces + 1) * 2 > h->cap_race_hash)
        hb_race_rehash(h);
    size_t j = hb_race_hash(var, lo, hi) & (h->cap_race_hash - 1);
    while (h->race_hash[j]) {
        struct hb_rint *r = &h->races[h->race_hash[j] - 1];
        if (r->r.var == var && r->loc_lo == lo && r->loc_hi == hi) {
            hb_count(r, h->race_hash[j] - 1, a);
            hb_count(r, h->race_hash[j] - 1, b);
            r->r.observed = r->r.observed || observed;
            hb_tests_note(h->tests, &r->tset, hb_os_tid(h, a), a->seq, hb_os_tid(h, b), b->seq);
            if (cls > r->r.cls) { /* hard over gil: show the pair that is hard */
                r->r.cls = cls;
                r->r.first = hb_side_of(h, a);
                r->r.second = hb_side_of(h, b);
                r->win1 = a->win;
                r->win2 = b->win;
            }
            return;
        }
        j = (j + 1) & (h->cap_race_hash - 1);
    }
    if (h->nraces == h->capraces) {
        h->capraces = h->capraces ? h->capraces * 2 : 64;
        h->races = report_xrealloc(h->races, h->capraces, sizeof *h->races);
    }
    struct hb_rint *r = &h->races[h->nraces];
    memset(r, 0, sizeof *r);
    r->r.cls = cls;
    r->r.var = var;
    r->r.observed = observed;
    hb_count(r, (uint32_t)h->nraces, a);
    hb_count(r, (uint32_t)h->nraces, b);
    r->r.first = hb_side_of(h, a);
    r->r.second = hb_side_of(h, b);
    r->loc_lo = lo;
    r->loc_hi = hi;
    r->win1 = a->win;
    r->win2 = b->win;
    hb_tests_note(h->tests, &r->tset, hb_os_tid(h, a), a->seq, hb_os_tid(h, b), b->seq);
    h->race_hash[j] = (uint32_t)++h->nraces;
}

/* ---- windows ---- */

static struct hb_acc hb_win_acc(const struct hb *h, uint32_t wi)
{
    const struct hb_win *w = &h->win[wi];
    return (struct hb_acc){
        .seq = w->open_seq, .clock = vc_get(&w->open_vc, w->tid), .tid = w->tid, .ttid = w->ttid,
        .task = w->task,
        .stack = w->stack, .native_stack = w->native_stack, .what = w->what, .index = -1,
        .win = (int32_t)wi, .counted = w->counted,
        .kind = HB_SIDE_WINDOW, .valid = true,
    };
}

/* W counts in its slot's nclosed: opened by the slot's holder (a task's
 * logical thread: any task on it). */
static bool hb_win_counts(const struct hb *h, const struct hb_win *w)
{
    return h->thr[w->tid].is_task || w->ttid == h->thr[w->tid].ttid;
}

/* Drop closed windows that every live thread has ordered before itself: no
 * later access can conflict with them. */
static void hb_win_prune(struct hb *h)
{
    size_t j = 0;
    for (size_t i = 0; i < h->nactive; i++) {
        struct hb_win *w = &h->win[h->active[i]];
        if (w->closed && !w->dead && hb_min_known(h, w->tid) >= w->close_clock) {
            w->dead = true;
            if (hb_win_counts(h, w))
                h->thr[w->tid].nclosed--;
        }
        if (!w->dead)
            h->active[j++] = h->active[i];
    }
    h->nactive = j;
}

/* ---- the walk: a coarse write against earlier fine accesses ---- */

/* hb_first_touch (VAR, TID) for the walk under way: the same all along it
 * (reports change no access), so once per var. */
static uint64_t hb_walk_first(struct hb *h, uint32_t var, uint32_t tid)
{
    h->first_memo = report_xgrow(h->first_memo, &h->nfirst_memo, var, sizeof *h->first_memo, 64);
    struct hb_first_memo *m = &h->first_memo[var];
    if (m->walk != h->walks) {
        m->walk = h->walks;
        m->first = hb_first_touch(h, var, tid);
    }
    return m->first;
}

/* The walk's check of E, an entry on VAR of a thread TID knows up to KNOWN. */
static void hb_walk_entry(struct hb *h, uint32_t var, struct hb_vt *e, uint32_t known,
                          uint32_t tid, struct hb_acc *cur)
{
    bool wr = e->wr.valid && e->wr.clock > known, rd = e->rd.valid && e->rd.clock > known;
    if (!wr && !rd)
        return;
    /* A window only interleaves with accesses inside it; these are before. */
    uint64_t first = cur->kind == HB_SIDE_WINDOW ? UINT64_MAX : hb_walk_first(h, var, tid);
    if (wr)
        hb_report(h, var, &e->wr, cur, first < e->wr.seq);
    if (rd)
        hb_report(h, var, &e->rd, cur, first < e->rd.seq);
}

/* The walk over U's log, known up to KNOWN: its entries newer than that,
 * newest first, each var once, at its live entry; the stale entries passed
 * are dropped (so passed once; an ID walk keeps other IDs' unchecked), the
 * others close up. */
static void hb_walk_log(struct hb *h, uint32_t u, uint32_t known, uint32_t tid,
                        struct hb_acc *cur, uint32_t idfilter)
{
    struct hb_thr *t = &h->thr[u];
    size_t n = t->nlogent, i = n, kept = n;   /* live ones passed: [kept, n) */
    while (i > 0 && t->log[i - 1].clock > known) {
        struct hb_logent le = t->log[--i];
        bool other_id = idfilter && le.var != idfilter && hb_owner(h, le.var) != idfilter;
        if (!other_id && !hb_logent_live(h, &le))
            continue;   /* (another ID's: kept unchecked, its hb_vt is not read) */
        t->log[--kept] = le;
        if (other_id)
            continue;
        /* U's entry on the var, then those retired from its slot's earlier holders */
        struct hb_varst *vs = &h->vars[le.var];
        for (uint32_t k = le.vt + 1; k; k = vs->e[k - 1].next_retired)
            hb_walk_entry(h, le.var, &vs->e[k - 1], known, tid, cur);
    }
    if (kept > i) {
        memmove(t->log + i, t->log + kept, (n - kept) * sizeof *t->log);
        t->nlogent = i + (n - kept);
    }
}

/* CUR is a coarse write by thread TID whose clock is VC; check it against
 * every fine access of other threads not ordered before it, restricted to the
 * variables of ID IDFILTER unless 0.  Only the suffix of each thread's log
 * newer than what TID knows of that thread can hold such accesses. */
static void hb_walk(struct hb *h, uint32_t tid, const struct hb_vc *vc,
                    struct hb_acc *cur, uint32_t idfilter)
{
    if (++h->walks == 0) {   /* wrapped: no memo may look current */
        if (h->first_memo)
            memset(h->first_memo, 0, (size_t)h->nfirst_memo * sizeof *h->first_memo);
        h->walks = 1;
    }
    /* (an ID that has an owner itself: no shortcut, see hb_id_bucket) */
    int id_bucket = idfilter && hb_owner(h, idfilter) == 0 ? (int)hb_id_bucket(idfilter, 0) : -1;
    for (uint32_t u = 0; u < h->nlog_newest; u++) {
        uint32_t known = vc_get(vc, u);
        if (u == tid || h->log_newest[u] <= known)
            continue;   /* empty log, or ordered before CUR */
        if (id_bucket >= 0 && h->thr[u].id_newest[id_bucket] <= known)
            continue;   /* none of the ID's variables since: only others' to pass */
        hb_walk_log(h, u, known, tid, cur, idfilter);
    }
}

/* ---- events ---- */

static void hb_check_level(struct hb *h, struct hb_level *l, uint32_t var,
                           const struct hb_thr *t, struct hb_acc *cur,
                           struct hb_first *first)
{
    if (!l)
        return;
    for (uint32_t k = 0; k < l->nwho; k++) {
        uint32_t u = l->who[k];
        struct hb_acc *c = &l->last[u];
        if (u != cur->tid && c->valid && c->clock > vc_get(&t->vc, u))
            hb_report(h, var, c, cur, hb_first_get(h, first) < c->seq);
    }
    for (uint32_t k = 0; k < l->nret; k++) {
        struct hb_acc *c = &l->ret[k];
        if (c->tid != cur->tid && c->clock > vc_get(&t->vc, c->tid))
            hb_report(h, var, c, cur, hb_first_get(h, first) < c->seq);
    }
}

static void hb_access(struct hb *h, const struct trace_event *ev)
{
    uint32_t tid = ev->tid, var = (uint32_t)ev->a;
    struct hb_thr *t = &h->thr[tid];
    bool write = ev->type == TR_WRITE;
    struct hb_acc cur = {
        .seq = ev->seq, .clock = t->vc.c[tid], .tid = tid, .ttid = h->cur_ttid,
        .task = hb_lid_task(h, tid),
        .stack = ev->stack, .native_stack = ev->native_stack,
        .index = ev->b, .win = -1, .kind = write ? HB_SIDE_WRITE : HB_SIDE_READ,
        .flags = ev->flags, .valid = true,
    };
    struct hb_first first = {.var = var, .tid = tid};

    struct hb_varst *vs = hb_var(h, var);
    struct hb_vt *me = NULL;   /* this thread's own entry, found on the way */
    for (uint32_t i = 0; i < vs->n; i++) {
        struct hb_vt *e = &vs->e[i];
        if (e->tid == tid) {   /* (retired ones: earlier holders, ordered before it) */
            if (!e->retired)
                me = e;
            continue;
        }
        uint32_t known = vc_get(&t->vc, e->tid);
        if (e->wr.valid && e->wr.clock > known)
            hb_report(h, var, &e->wr, &cur, hb_first_get(h, &first) < e->wr.seq);
        if (write && e->rd.valid && e->rd.clock > known) /* read-read never conflicts */
            hb_report(h, var, &e->rd, &cur, hb_first_get(h, &first) < e->rd.seq);
    }

    /* Coarse writes covering VAR: global, its owner ID, and VAR itself if it
     * is an ID. */
    hb_check_level(h, &h->global, var, t, &cur, &first);
    uint32_t o = hb_owner(h, var);
    if (o && o != var)
        hb_check_level(h, hb_idlevel(h, o, false), var, t, &cur, &first);
    hb_check_level(h, hb_idlevel(h, var, false), var, t, &cur, &first);

    /* Native windows opened before this access (those opened later check it
     * at their opening): conflicting unless this access is after the close. */
    for (size_t i = 0; i < h->nactive; i++) {
        const struct hb_win *w = &h->win[h->active[i]];
        if (w->tid == tid)
            continue;
        if (!w->closed || w->close_clock > vc_get(&t->vc, w->tid)) {
            struct hb_acc wa = hb_win_acc(h, h->active[i]);
            hb_report(h, var, &wa, &cur, !w->closed || ev->seq <= w->close_seq);
            h->win[h->active[i]].counted = wa.counted;
        }
    }

    t->last_acc = cur.clock;
    if (me && hb_vt_old(h, me)) {
        /* An earlier holder's entry: it is retired, this thread starts its own. */
        uint32_t mi = (uint32_t)(me - vs->e);
        struct hb_vt old = *me;
        if (old.rd.valid)
            hb_retire_vt(h, var, mi, &old.rd, false);
        if (old.wr.valid)
            hb_retire_vt(h, var, mi, &old.wr, true);
        me = &h->vars[var].e[mi];
        me->rd.valid = me->wr.valid = false;
        me->logged = 0;
        me->first_seq = ev->seq;
    }
    if (!me)
        me = hb_vt_get(h, var, tid, ev->seq);
    if (write)
        me->wr = cur;
    else
        me->rd = cur;
    if (me->logged != cur.clock) {
        me->logged = cur.clock;
        hb_log_append(h, tid, me, var, o, (uint32_t)(me - h->vars[var].e), cur.clock);
    }
}

static void hb_call(struct hb *h, const struct trace_event *ev)
{
    uint32_t tid = ev->tid;
    struct hb_thr *t = &h->thr[tid];
    struct hb_level *l;
    uint32_t idfilter = 0;
    if (ev->aux == TRACE_LEVEL_GLOBAL) {
        l = &h->global;
    } else if (ev->aux == TRACE_LEVEL_ID && ev->a) {
        idfilter = (uint32_t)ev->a;
        l = hb_idlevel(h, idfilter, true);
    } else {
        return; /* unknown level: nothing it could be checked against */
    }
    struct hb_acc cur = {
        .seq = ev->seq, .clock = t->vc.c[tid], .tid = tid, .ttid = h->cur_ttid,
        .task = hb_lid_task(h, tid),
        .stack = ev->stack, .native_stack = ev->native_stack,
        .what = (uint32_t)ev->b, .index = -1, .win = -1,
        .kind = idfilter ? HB_SIDE_CALL_ID : HB_SIDE_CALL_GLOBAL,
        .flags = ev->flags, .valid = true,
    };
    /* Later fine accesses check this call; earlier ones are found here.  Calls
     * against calls or windows have no fine variable to report on: skipped. */
    hb_walk(h, tid, &t->vc, &cur, idfilter);
    hb_level_record(h, l, &cur);
    t->last_acc = cur.clock;
}

static struct hb_sync *hb_sync_get(struct hb *h, uint16_t kind, uint64_t addr)
{
    /* Addresses are user-space (< 2^56): the kind goes in the top byte. */
    uint64_t key = (addr & 0x00ffffffffffffffULL) | (uint64_t)(kind & 0xff) << 56;
    if (!key)
        key = 1ULL << 63;
    if ((h->nsync + 1) * 2 > h->capsync) {
        size_t cap = h->capsync ? h->capsync * 2 : 256;
        struct hb_sync *n = report_xcalloc(cap, sizeof *n);
        for (size_t i = 0; i < h->capsync; i++)
            if (h->sync[i].key) {
                size_t j = hb_mix(h->sync[i].key) & (cap - 1);
                while (n[j].key)
                    j = (j + 1) & (cap - 1);
                n[j] = h->sync[i];
            }
        free(h->sync);
        h->sync = n;
        h->capsync = cap;
    }
    size_t j = hb_mix(key) & (h->capsync - 1);
    while (h->sync[j].key && h->sync[j].key != key)
        j = (j + 1) & (h->capsync - 1);
    if (!h->sync[j].key) {
        h->sync[j].key = key;
        h->nsync++;
    }
    return &h->sync[j];
}

static void hb_acquire(struct hb *h, const struct trace_event *ev)
{
    struct hb_thr *t = &h->thr[ev->tid];
    struct hb_sync *s = hb_sync_get(h, ev->aux, ev->a);
    vc_join(&t->vc, &s->vc);
    /* rwlock: a read-unlock orders only a later write-lock. */
    if (ev->aux == TRACE_SYNC_RWLOCK && !(ev->flags & TRF_SHARED))
        vc_join(&t->vc, &s->rvc);
}

static void hb_release(struct hb *h, const struct trace_event *ev)
{
    struct hb_thr *t = &h->thr[ev->tid];
    struct hb_sync *s = hb_sync_get(h, ev->aux, ev->a);
    if (ev->aux == TRACE_SYNC_RWLOCK && (ev->flags & TRF_SHARED))
        vc_join(&s->rvc, &t->vc);
    else
        vc_join(&s->vc, &t->vc);
    hb_tick(h, ev->tid);
}

static void hb_gil_release(struct hb *h, const struct trace_event *ev)
{
    if (!(ev->flags & TRF_HOST))
        return; /* interpreter GIL switch (edge kind 5): orders nothing */
    uint32_t tid = ev->tid;
    struct hb_thr *t = &h->thr[tid];
    /* A host release while another thread's window is open is nested in that
     * window (a depsgraph worker's PyGILState_Release inside frame_set): it is
     * part of the outer native work and opens nothing. */
    if (t->win < 0 && h->nopen == 0) {
        if (h->nwin == h->capwin) {
            h->capwin = h->capwin ? h->capwin * 2 : 64;
            h->win = report_xrealloc(h->win, h->capwin, sizeof *h->win);
        }
        uint32_t wi = (uint32_t)h->nwin++;
        struct hb_win *w = &h->win[wi];
        memset(w, 0, sizeof *w);
        w->tid = tid;
        w->ttid = h->cur_ttid;
        w->task = hb_lid_task(h, tid);
        w->stack = ev->stack;
        w->native_stack = ev->native_stack;
        w->what = (uint32_t)ev->b;
        w->flags = ev->flags;
        w->open_seq = ev->seq;
        vc_copy(&w->open_vc, &t->vc);
        struct hb_acc cur = hb_win_acc(h, wi);
        hb_walk(h, tid, &t->vc, &cur, 0);
        w = &h->win[wi];   /* (the walk does not grow the windows) */
        w->counted = cur.counted;
        t->last_acc = cur.clock;
        if (h->nactive == h->capactive) {
            h->capactive = h->capactive ? h->capactive * 2 : 64;
            h->active = report_xrealloc(h->active, h->capactive, sizeof *h->active);
        }
        h->active[h->nactive++] = wi;
        t->win = (int32_t)wi;
        h->nopen++;
    }
    vc_join(&h->hostgil, &t->vc);
    hb_tick(h, tid);
}

static void hb_win_close(struct hb *h, uint32_t tid, uint64_t seq)
{
    struct hb_thr *t = &h->thr[tid];
    struct hb_win *w = &h->win[t->win];
    w->closed = true;
    w->close_seq = seq;
    w->close_clock = t->vc.c[tid];
    t->last_close = w->close_clock;
    t->win = -1;
    h->nopen--;
    if (++t->nclosed > HB_CLOSED_PER_THREAD) { /* bound: drop its oldest closed window */
        for (size_t i = 0; i < h->nactive; i++) {
            struct hb_win *o = &h->win[h->active[i]];
            if (o->tid == tid && o->closed && !o->dead && hb_win_counts(h, o)) {
                o->dead = true;
                t->nclosed--;
                break;
            }
        }
    }
    hb_win_prune(h);
}

static void hb_gil_acquire(struct hb *h, const struct trace_event *ev)
{
    if (!(ev->flags & TRF_HOST))
        return;
    struct hb_thr *t = &h->thr[ev->tid];
    vc_join(&t->vc, &h->hostgil);
    if (t->win >= 0)
        hb_win_close(h, ev->tid, ev->seq);
}

/* ---- tasks (race model, "Tasks"; happens-before edge 6) ---- */

static uint32_t hb_cur_task(const struct hb *h, uint32_t os)
{
    return os < h->ncur_task ? h->cur_task[os] : 0;
}

static struct hb_pool *hb_pool(struct hb *h, uint32_t id)
{
    h->pools = report_xgrow(h->pools, &h->npools, id, sizeof *h->pools, 8);
    return &h->pools[id];
}

/* The spawn slot of TASK: found, or (CREATE) a new one. */
static struct hb_spawn *hb_spawn_slot(struct hb *h, uint32_t task, bool create)
{
    if (create && (h->nspawns + 1) * 2 > h->capspawns) {
        size_t cap = h->capspawns ? h->capspawns : 64, live = 0;
        for (size_t i = 0; i < h->capspawns; i++)
            live += h->spawns[i].task && h->spawns[i].task != HB_GONE;
        while ((live + 1) * 2 > cap)
            cap *= 2;
        struct hb_spawn *n = report_xcalloc(cap, sizeof *n);
        for (size_t i = 0; i < h->capspawns; i++) {
            struct hb_spawn *o = &h->spawns[i];
            if (!o->task || o->task == HB_GONE) {
                free(o->vc.c);
                free(o->ended.c);
                continue;
            }
            size_t j = hb_mix(o->task) & (cap - 1);
            while (n[j].task)
                j = (j + 1) & (cap - 1);
            n[j] = *o;
        }
        free(h->spawns);
        h->spawns = n;
        h->capspawns = cap;
        h->nspawns = live;   /* tombstones are gone */
    }
    if (!h->capspawns)
        return NULL;
    size_t j = hb_mix(task) & (h->capspawns - 1);
    struct hb_spawn *gone = NULL;
    while (h->spawns[j].task) {
        if (h->spawns[j].task == task)
            return &h->spawns[j];
        if (h->spawns[j].task == HB_GONE && !gone)
            gone = &h->spawns[j];
        j = (j + 1) & (h->capspawns - 1);
    }
    if (!create)
        return NULL;
    struct hb_spawn *sp = gone ? gone : &h->spawns[j];
    if (!gone)
        h->nspawns++;
    struct hb_vc vc = sp->vc, ended = sp->ended;   /* a tombstone's buffers are reused */
    memset(sp, 0, sizeof *sp);
    sp->vc = vc;
    sp->ended = ended;
    if (ended.n)
        memset(ended.c, 0, (size_t)ended.n * sizeof *ended.c);
    sp->task = task;
    return sp;
}

/* The OS thread behind logical thread LID (a task's worker). */
static uint32_t hb_lid_os(const struct hb *h, uint32_t lid)
{
    if (!h->thr[lid].is_task)
        return lid;
    for (uint32_t os = 0; os < h->ncur_task; os++)
        if (h->cur_task[os] == lid)
            return os;
    return 0;
}

/* Submit: the task starts from the submitter's clock (a task's, when a task
 * submits). */
static void hb_task_spawn(struct hb *h, uint32_t lid, const struct trace_event *ev)
{
    uint32_t task = (uint32_t)ev->a;
    if (!task || task == HB_GONE || ev->a > UINT32_MAX)
        return;
    uint32_t pool = (uint32_t)((uint64_t)ev->b >> 32);
    struct hb_spawn *sp = hb_spawn_slot(h, task, true);
    sp->pool = pool;
    sp->pool_name = (uint32_t)ev->b;
    sp->stack = ev->stack;
    uint32_t os = hb_lid_os(h, lid);
    sp->submitter = os ? h->thr[os].ttid : 0;
    sp->family = ev->aux == TRACE_SPAWN_FAMILY;
    sp->index = sp->family ? 0 : ++hb_pool(h, pool)->ntasks;   /* a family's jobs: numbered as they begin */
    vc_copy(&sp->vc, &h->thr[lid].vc);
    hb_tick(h, lid);
}

/* A logical thread for a task starting at START: an ended task's whose every
 * access the new one is ordered after (then nothing is lost), else, at the
 * bound, the oldest ended task's, else a new one. */
static uint32_t hb_task_lid(struct hb *h, const struct hb_vc *start)
{
    for (uint32_t k = 0; k < h->nfree && k < 8; k++) {
        uint32_t at = (h->free_head + k) % h->capfree, lid = h->free_lids[at];
        if (vc_get(start, lid) >= h->thr[lid].last_acc || (k == 0 && h->nlids >= HB_TASK_LIDS)) {
            h->free_lids[at] = h->free_lids[h->free_head];
            h->free_head = (h->free_head + 1) % h->capfree;
            h->nfree--;
            return lid;
        }
    }
    h->nlids++;
    return ++h->nslots;
}

static void hb_task_begin(struct hb *h, uint32_t os, const struct trace_event *ev)
{
    uint32_t task = (uint32_t)ev->a;
    if (!task || task == HB_GONE || ev->a > UINT32_MAX || hb_cur_task(h, os))
        return;
    uint32_t family = ev->b > 0 && ev->b < HB_GONE ? (uint32_t)ev->b : 0;
    struct hb_spawn *sp = hb_spawn_slot(h, family ? family : task, false);
    if (sp && family && !sp->family)
        sp = NULL;   /* a family id that names a single task: no start known */
    struct hb_vc none = {0};
    const struct hb_vc *start = sp ? &sp->vc : &none;
    uint32_t lid = hb_task_lid(h, start);
    bool reused = lid < h->nthr && h->thr[lid].seen;
    struct hb_thr *t = hb_thread(h, lid);
    uint32_t old = reused ? vc_get(&t->vc, lid) : 0, own = vc_get(start, lid);
    vc_copy(&t->vc, start);
    vc_reserve(&t->vc, lid + 1);
    t->vc.c[lid] = (old > own ? old : own) + 1;
    t->exited = false;
    t->win = -1;
    t->is_task = true;
    t->task = task;
    t->task_pool = sp ? sp->pool : 0;
    t->task_family = sp && sp->family ? family : 0;
    if (!h->info)
        h->info = report_xcalloc(HB_TASK_INFO, sizeof *h->info);
    uint32_t index = !sp ? 0 : sp->family ? ++hb_pool(h, sp->pool)->ntasks : sp->index;
    h->info[task % HB_TASK_INFO] = (struct hb_task_info){
        task, sp ? sp->pool_name : 0, index, sp ? sp->stack : 0, sp ? sp->submitter : 0};
    h->cur_task = report_xgrow(h->cur_task, &h->ncur_task, os, sizeof *h->cur_task, 16);
    h->cur_task[os] = lid;
    h->thr[os].pool_worker = true;
    if (sp && !sp->family)
        sp->task = HB_GONE;
}

/* The task on OS ends: its clock joins its pool's, for shutdown(wait=True). */
static void hb_task_end(struct hb *h, uint32_t os, uint64_t seq)
{
    uint32_t lid = hb_cur_task(h, os);
    if (!lid)
        return;
    struct hb_thr *t = &h->thr[lid];
    if (t->win >= 0)
        hb_win_close(h, lid, seq);
    vc_join(&hb_pool(h, t->task_pool)->ended, &t->vc);
    uint32_t family = t->task_family;
    struct hb_spawn *sp = family ? hb_spawn_slot(h, family, false) : NULL;
    if (sp && sp->family)
        vc_join(&sp->ended, &t->vc);
    t->exited = true;
    if (h->nfree == h->capfree) {   /* grow the ring, oldest first */
        uint32_t cap = h->capfree ? h->capfree * 2 : 16;
        uint32_t *n = report_xcalloc(cap, sizeof *n);
        for (uint32_t k = 0; k < h->nfree; k++)
            n[k] = h->free_lids[(h->free_head + k) % h->capfree];
        free(h->free_lids);
        h->free_lids = n;
        h->capfree = cap;
        h->free_head = 0;
    }
    h->free_lids[(h->free_head + h->nfree++) % h->capfree] = lid;
    h->cur_task[os] = 0;
}

/* shutdown(wait=True), ThreadPool.join: every task of the pool ended before;
 * its submitted jobs that never began never will.  A family join: a result of
 * a ThreadPool call handed over (docs/race-model.md, "Tasks"). */
static void hb_pool_join(struct hb *h, uint32_t lid, const struct trace_event *ev)
{
    if (ev->b <= 0 || ev->b >= HB_GONE)
        return;
    if (ev->aux == TRACE_JOIN_FAMILY || ev->aux == TRACE_JOIN_FAMILY_DONE) {
        /* a result handed over: the family's ended jobs (its last: forget it) */
        struct hb_spawn *sp = hb_spawn_slot(h, (uint32_t)ev->b, false);
        if (!sp || !sp->family)
            return;
        vc_join(&h->thr[lid].vc, &sp->ended);
        if (ev->aux == TRACE_JOIN_FAMILY_DONE)
            sp->task = HB_GONE;
        return;
    }
    uint32_t pool = (uint32_t)ev->b;
    if (pool >= h->npools)
        return;
    vc_join(&h->thr[lid].vc, &h->pools[pool].ended);
    for (size_t i = 0; i < h->capspawns; i++)
        if (h->spawns[i].task && h->spawns[i].task != HB_GONE && h->spawns[i].pool == pool)
            h->spawns[i].task = HB_GONE;
}

/* Feed N events.  The analyzer's time goes to cache misses on per-variable
 * state, so the state of events a few places ahead is prefetched: first the
 * variable's slot, then (once that slot is in cache) its per-thread entries. */
void hb_events(struct hb *h, const struct trace_event *ev, size_t n)
{
    enum { FAR = 8, NEAR = 4 };
    for (size_t i = 0; i < n; i++) {
        if (i + FAR < n && (ev[i + FAR].type == TR_READ || ev[i + FAR].type == TR_WRITE) &&
            ev[i + FAR].a < h->nvars)
            __builtin_prefetch(&h->vars[ev[i + FAR].a]);
        if (i + NEAR < n && (ev[i + NEAR].type == TR_READ || ev[i + NEAR].type == TR_WRITE) &&
            ev[i + NEAR].a < h->nvars && h->vars[ev[i + NEAR].a].e)
            __builtin_prefetch(h->vars[ev[i + NEAR].a].e);
        hb_event(h, &ev[i]);
    }
}

static uint32_t hb_dense_tid(const struct hb *h, uint64_t tid)
{
    return tid < h->ndense ? h->dense[tid] : 0;
}

static void hb_event_of(struct hb *h, const struct trace_event *trace_ev, uint32_t di);

void hb_event(struct hb *h, const struct trace_event *trace_ev)
{
    h->events++;
    if (trace_ev->type == TR_MARK && !h->tests)
        h->tests = hb_tests_new();
    if (h->tests && (trace_ev->type == TR_MARK || trace_ev->type == TR_THREAD_CREATE))
        hb_tests_event(h->tests, trace_ev);   /* (test attribution keeps the trace's tids) */
    uint32_t di = hb_dense_tid(h, trace_ev->tid);
    if (!di)
        return;   /* not a thread of the reader given to hb_new */
    hb_event_of(h, trace_ev, di);
    const struct hb_tt *tt = &h->tts[di];
    if (tt->exited && tt->slot && !tt->gone && trace_ev->seq >= tt->last_seq)
        hb_os_release(h, tt->slot);
}

/* The event of OS thread DI. */
static void hb_event_of(struct hb *h, const struct trace_event *trace_ev, uint32_t di)
{
    /* From here on, thread ids are slots. */
    uint32_t cdi = 0;
    if (trace_ev->type == TR_THREAD_CREATE || trace_ev->type == TR_THREAD_JOIN) {
        cdi = hb_dense_tid(h, trace_ev->a);
        if (!cdi)
            return;   /* a thread that wrote no events: nothing of it to order */
    }
    struct trace_event dense_ev = *trace_ev;
    const struct trace_event *ev = &dense_ev;
    dense_ev.tid = hb_tt_slot(h, di);
    h->cur_ttid = trace_ev->tid;
    struct hb_thr *t = &h->thr[ev->tid];
    uint32_t os = ev->tid, task = hb_cur_task(h, os);
    switch (ev->type) {
    case TR_TASK_SPAWN:
        hb_task_spawn(h, task ? task : os, ev);
        return;
    case TR_TASK_BEGIN:
        hb_task_begin(h, os, ev);
        return;
    case TR_TASK_END:
        if (task && h->thr[task].task == (uint32_t)ev->a)
            hb_task_end(h, os, ev->seq);
        return;
    case TR_TASK_JOIN:
        hb_pool_join(h, task ? task : os, ev);
        return;
    case TR_THREAD_EXIT:
        if (task) /* a worker that dies in a job ends the job first */
            hb_task_end(h, os, ev->seq);
        task = 0;
        break;
    default:
        break;
    }
    /* A worker's events inside a job are the job's: its logical thread. */
    struct trace_event in_task;
    if (task) {
        in_task = *ev;
        in_task.tid = task;
        ev = &in_task;
        t = &h->thr[task];
    }
    switch (ev->type) {
    case TR_READ:
    case TR_WRITE:
        hb_access(h, ev);
        break;
    case TR_CALL:
        hb_call(h, ev);
        break;
    case TR_ACQUIRE:
        hb_acquire(h, ev);
        break;
    case TR_RELEASE:
        hb_release(h, ev);
        break;
    case TR_THREAD_CREATE: {
        /* The child starts from the creator's clock: that is when it gets
         * its slot, maybe an exited thread's. */
        struct hb_vc pv = h->thr[ev->tid].vc;   /* (thr may move) */
        if (!h->tts[cdi].slot) {
            h->nos++;
            hb_os_slot(h, &pv, cdi);
        } else {
            uint32_t cs = hb_tt_slot(h, cdi);
            vc_join(&h->thr[cs].vc, &pv);
        }
        hb_tick(h, ev->tid);
        break;
    }
    case TR_THREAD_JOIN: {
        /* A join returns after the thread ended: its exit clock, kept for
         * every thread, or its last clock if no exit was recorded (killed
         * thread, lost record). */
        const struct hb_tt *c = &h->tts[cdi];
        if (c->exited)
            vc_join_svc(&h->thr[ev->tid].vc, &c->exit);
        else if (c->slot)
            vc_join(&h->thr[ev->tid].vc, &h->thr[c->slot].vc);
        break;
    }
    case TR_THREAD_EXIT:
        /* The thread's native work ends with it: a window still open would
         * otherwise make every later host release look nested forever. */
        if (t->win >= 0)
            hb_win_close(h, ev->tid, ev->seq);
        hb_os_exit(h, ev->tid, di);
        break;
    case TR_GIL_RELEASE:
        hb_gil_release(h, ev);
        break;
    case TR_GIL_ACQUIRE:
        hb_gil_acquire(h, ev);
        break;
    default: /* thread start/name: metadata only */
        break;
    }
    if (h->events % HB_PRUNE_EVERY == 0)
        hb_win_prune(h);
}

/* ---- results ---- */

static const struct hb *hb_sort_ctx;

static int hb_strcmp0(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int hb_loc_cmp(const struct hb *h, uint32_t a, uint32_t b)
{
    const struct hb_loc *x = &h->locs[a], *y = &h->locs[b];
    int c;
    if (x->tag != y->tag)
        return x->tag < y->tag ? -1 : 1;
    if ((c = hb_strcmp0(trace_string(h->defs, x->file), trace_string(h->defs, y->file))))
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return hb_strcmp0(trace_string(h->defs, x->func), trace_string(h->defs, y->func));
}

static int hb_race_cmp(const void *pa, const void *pb)
{
    const struct hb *h = hb_sort_ctx;
    const struct hb_rint *a = pa, *b = pb;
    const struct trace_var *va = trace_get_var(h->defs, a->r.var);
    const struct trace_var *vb = trace_get_var(h->defs, b->r.var);
    int c = hb_strcmp0(va ? va->path : NULL, vb ? vb->path : NULL);
    if (c)
        return c;
    if (a->r.var != b->r.var)
        return a->r.var < b->r.var ? -1 : 1;
    if ((c = hb_loc_cmp(h, a->loc_lo, b->loc_lo)))
        return c;
    if ((c = hb_loc_cmp(h, a->loc_hi, b->loc_hi)))
        return c;
    return a->r.first.seq < b->r.first.seq ? -1 : a->r.first.seq > b->r.first.seq;
}

const struct hb_race *hb_races(struct hb *h, uint32_t *count)
{
    hb_sort_ctx = h;
    if (h->nraces > 1)
        qsort(h->races, h->nraces, sizeof *h->races, hb_race_cmp);
    hb_sort_ctx = NULL;
    /* The race hash indexes the unsorted order. */
    free(h->race_hash);
    h->race_hash = NULL;
    h->cap_race_hash = 0;
    free(h->out);
    h->out = report_xcalloc(h->nraces, sizeof *h->out);
    for (size_t i = 0; i < h->nraces; i++) {
        struct hb_rint *r = &h->races[i];
        h->out[i] = r->r;
        if (r->win1 >= 0 && h->win[r->win1].closed)
            h->out[i].first.end_seq = h->win[r->win1].close_seq;
        if (r->win2 >= 0 && h->win[r->win2].closed)
            h->out[i].second.end_seq = h->win[r->win2].close_seq;
        hb_tests_fill(h->tests, r->tset, &h->out[i]);
    }
    *count = (uint32_t)h->nraces;
    return h->out;
}

const struct hb_test *hb_tests(const struct hb *h, uint32_t *count)
{
    return hb_tests_list(h->tests, count);
}

uint32_t hb_thread_count(const struct hb *h)
{
    return h->nos;
}

uint32_t hb_slot_count(const struct hb *h)
{
    return h->nslots;
}

uint64_t hb_event_count(const struct hb *h)
{
    return h->events;
}

struct hb *hb_new(const struct trace_reader *defs)
{
    struct hb *h = report_xcalloc(1, sizeof *h);
    h->defs = defs;
    h->ndense = defs ? trace_thread_count(defs) : 0;
    h->dense = report_xcalloc(h->ndense, sizeof *h->dense);
    uint32_t n = 0;
    for (uint32_t tid = 1; tid < h->ndense; tid++) {
        const struct trace_thread *th = trace_get_thread(defs, tid);
        if (th && th->traced)
            h->dense[tid] = ++n;
    }
    h->tts = report_xcalloc(n + 1, sizeof *h->tts);
    for (uint32_t tid = 1; tid < h->ndense; tid++)
        if (h->dense[tid]) {
            h->tts[h->dense[tid]].ttid = tid;
            h->tts[h->dense[tid]].last_seq = trace_get_thread(defs, tid)->last_seq;
        }
    h->ntts = n;
    h->nowner = defs ? trace_var_count(defs) : 0;
    h->owner = report_xcalloc(h->nowner, sizeof *h->owner);
    for (uint32_t i = 0; i < h->nowner; i++) {
        const struct trace_var *v = trace_get_var(defs, i);
        h->owner[i] = v ? v->owner : 0;
    }
    return h;
}

void hb_free(struct hb *h)
{
    if (!h)
        return;
    for (uint32_t i = 0; i < h->nthr; i++) {
        free(h->thr[i].vc.c);
        free(h->thr[i].log);
        free(h->thr[i].runs);
        free(h->thr[i].id_newest);
    }
    free(h->thr);
    for (uint32_t i = 0; i < h->nvars; i++)
        free(h->vars[i].e);
    free(h->vars);
    free(h->owner);
    free(h->log_newest);
    free(h->first_memo);
    for (uint32_t i = 0; i < h->nidlev; i++)
        if (h->idlev[i]) {
            free(h->idlev[i]->last);
            free(h->idlev[i]->first);
            free(h->idlev[i]->who);
            free(h->idlev[i]->ret);
            free(h->idlev[i]);
        }
    free(h->idlev);
    free(h->global.last);
    free(h->global.first);
    free(h->global.who);
    free(h->global.ret);
    for (size_t i = 0; i < h->capsync; i++) {
        free(h->sync[i].vc.c);
        free(h->sync[i].rvc.c);
    }
    free(h->sync);
    free(h->hostgil.c);
    for (size_t i = 0; i < h->nwin; i++)
        free(h->win[i].open_vc.c);
    free(h->win);
    free(h->active);
    free(h->locs);
    free(h->loc_hash);
    free(h->stack_loc);
    free(h->canon);
    free(h->canon_hash);
    free(h->races);
    free(h->race_hash);
    free(h->out);
    hb_tests_free(h->tests);
    for (size_t i = 0; i < h->capspawns; i++) {
        free(h->spawns[i].vc.c);
        free(h->spawns[i].ended.c);
    }
    free(h->spawns);
    for (uint32_t i = 0; i < h->npools; i++)
        free(h->pools[i].ended.c);
    free(h->pools);
    free(h->cur_task);
    free(h->free_lids);
    free(h->free_os);
    free(h->info);
    free(h->dense);
    for (uint32_t i = 0; i <= h->ntts; i++)
        free(h->tts[i].exit.e);
    free(h->tts);
    free(h);
}
