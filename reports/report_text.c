/* The text report on stderr, in ThreadSanitizer's shape: fixed, greppable
 * lines (docs/reports.md lists them).  Only formats a report_set. */
#include "race_report.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static void text_frames(FILE *f, const struct report_frame *fr, size_t n, bool native)
{
    for (size_t i = 0; i < n; i++) {
        if (native)
            fprintf(f, "    #%zu %s (%s+0x%x)\n", i, fr[i].function, fr[i].file,
                    (unsigned)fr[i].line);
        else
            fprintf(f, "    #%zu %s %s:%d\n", i, fr[i].function, fr[i].file, fr[i].line);
    }
}

/* T3 (python "ThreadPoolExecutor-0_1"; a pool job's side:
 * task 3 of ThreadPoolExecutor-0 on thread T3 (python "ThreadPoolExecutor-0_1" */
static void text_thread(FILE *f, const struct report_thread *t)
{
    fprintf(f, "T%u (%s", t->id, t->origin);
    if (t->name)
        fprintf(f, " \"%s\"", t->name);
}

/* "task 3 of ThreadPoolExecutor-0 on thread " or "thread " */
static void text_task(FILE *f, const struct report_thread *t)
{
    if (t->task.pool && t->task.index)
        fprintf(f, "task %u of %s on ", t->task.index, t->task.pool);
    else if (t->task.pool)
        fprintf(f, "a task of %s on ", t->task.pool);
    fputs("thread ", f);
}

static void text_access(FILE *f, const struct race_report *r, const struct report_access *a,
                        bool previous)
{
    switch (a->side) {
    case HB_SIDE_WINDOW: {
        char site[300];
        fprintf(f, "  %sative window (%s) on ", previous ? "Previous n" : "N",
                report_window_site(a->what, site, sizeof site));
        text_task(f, &a->thread);
        text_thread(f, &a->thread);
        fputs("):\n", f);
        break;
    }
    case HB_SIDE_CALL_ID:
        fprintf(f, "  %sRNA call %s%s (ID-level write) on ", previous ? "Previous " : "",
                a->what, a->what && a->what[0] && a->what[strlen(a->what) - 1] == ')' ? "" : "()");
        text_task(f, &a->thread);
        text_thread(f, &a->thread);
        fprintf(f, ", %s):\n", a->gil ? "GIL held" : "GIL not held");
        break;
    case HB_SIDE_CALL_GLOBAL:
        fprintf(f, "  %s call %s (global write) on ", previous ? "Previous operator" : "Operator",
                a->what);
        text_task(f, &a->thread);
        text_thread(f, &a->thread);
        fprintf(f, ", %s):\n", a->gil ? "GIL held" : "GIL not held");
        break;
    default: {
        const char *k = a->side == HB_SIDE_READ ? "read" : "write";
        fprintf(f, "  %s%c%s of %s by ", previous ? "Previous " : "",
                previous ? k[0] : toupper((unsigned char)k[0]), k + 1, r->variable);
        text_task(f, &a->thread);
        text_thread(f, &a->thread);
        fprintf(f, ", %s):\n", a->gil ? "GIL held" : "GIL not held");
        break;
    }
    }
    text_frames(f, a->stack, a->nstack, false);
    if (!a->nstack && !a->nnative)
        fputs("    <no Python stack>\n", f);
    if (a->nnative) {
        fputs("    native:\n", f);
        text_frames(f, a->native_stack, a->nnative, true);
    }
}

static void text_submitted(FILE *f, const struct report_thread *t)
{
    if (!t->task.pool)
        return;
    if (t->task.index)
        fprintf(f, "  Task %u of %s submitted", t->task.index, t->task.pool);
    else
        fprintf(f, "  Task of %s submitted", t->task.pool);
    if (t->task.submitter)
        fprintf(f, " by thread T%u", t->task.submitter);
    fputs(" at:\n", f);
    text_frames(f, t->task.submitted_at, t->task.nsubmitted_at, false);
    if (!t->task.nsubmitted_at)
        fputs("    <no Python stack>\n", f);
}

static void text_created(FILE *f, const struct report_thread *t)
{
    if (!t->parent) {
        if (!strcmp(t->origin, "main"))
            return; /* the main thread was created by nobody we saw */
        fputs("  Thread ", f);
        text_thread(f, t);
        fputs(") created by an unknown thread\n", f);
        return;
    }
    fputs("  Thread ", f);
    text_thread(f, t);
    fprintf(f, ") created by thread T%u at:\n", t->parent);
    text_frames(f, t->created_at, t->ncreated_at, false);
    if (!t->ncreated_at)
        fputs("    <no Python stack>\n", f);
}

static void text_race(FILE *f, const struct report_set *set, const struct race_report *r)
{
    fputs("==================\n", f);
    fprintf(f, "WARNING: bpyrace: %s on %s (pid=%d)\n",
            r->cls == HB_HARD ? "data race" : "GIL race", r->variable, set->pid);
    /* Like TSan: the access that found the race, then the previous one. */
    text_access(f, r, &r->acc[1], false);
    text_access(f, r, &r->acc[0], true);
    text_submitted(f, &r->acc[1].thread);
    if (r->acc[0].thread.task.pool &&
        (!r->acc[1].thread.task.pool || r->acc[0].thread.task.index != r->acc[1].thread.task.index))
        text_submitted(f, &r->acc[0].thread);
    text_created(f, &r->acc[1].thread);
    if (r->acc[0].thread.id != r->acc[1].thread.id)
        text_created(f, &r->acc[0].thread);
    if (r->nitems > 1)
        fprintf(f, "  Items: %u items of this collection (lowest index shown)\n", r->nitems);
    fprintf(f, "  Accesses involved: %llu (%s)\n", (unsigned long long)r->count,
            r->observed ? "observed interleaving in this run"
                        : "possible: not interleaved in this run");
    fprintf(f, "  Advice: %s\n", r->advice);
    fputs("==================\n", f);
}

static const char *text_plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* The summary's second line for a trace cut short: said even without races. */
static void text_incomplete(FILE *f, const struct report_set *set)
{
    if (!set->incomplete)
        return;
    fprintf(f, "SUMMARY: bpyrace: INCOMPLETE: %s; events after #%llu",
            set->incomplete_reason ? set->incomplete_reason : "the trace is cut short",
            (unsigned long long)set->missing_after_seq);
    if (set->missing_after_us >= 0)
        fprintf(f, " (%.3f s into the run)", set->missing_after_us / 1e6);
    fputs(" are missing: races there are not reported\n", f);
}

void report_print_text(FILE *f, const struct report_set *set)
{
    if (!set->nraces) {
        text_incomplete(f, set);
        return;
    }
    size_t hard = 0;
    for (size_t i = 0; i < set->nraces; i++) {
        text_race(f, set, &set->races[i]);
        hard += set->races[i].cls == HB_HARD;
    }
    size_t gil = set->nraces - hard;
    fprintf(f, "SUMMARY: bpyrace: %zu %s (%zu %s, %zu %s) in %llu events, %u %s",
            set->nraces, text_plural(set->nraces, "race", "races"),
            hard, text_plural(hard, "data race", "data races"),
            gil, text_plural(gil, "GIL race", "GIL races"),
            (unsigned long long)set->events, set->threads,
            text_plural(set->threads, "thread", "threads"));
    if (set->suppressed)
        fprintf(f, "; %zu suppressed", set->suppressed);
    fputc('\n', f);
    text_incomplete(f, set);
}
