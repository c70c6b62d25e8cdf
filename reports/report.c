/* report_trace(): open a trace, run the analyzer over it, build, filter and
 * print the reports the options ask for. */
#include "report.h"

#define _GNU_SOURCE   /* sigabbrev_np */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../tracer/trace_reader.h"
#include "hb.h"
#include "race_report.h"
#include "timeline.h"
#include "xalloc.h"

/* Whether the trace is cut short, why, and from where (docs/reports.md,
 * "Incomplete runs"): the writer dropped events (disk full), or the process
 * died before closing it (killed, crashed). */
static void report_incomplete(struct report_set *set, const struct trace_reader *r, int sig, int exited)
{
    uint64_t dropped = trace_dropped_seq(r), last = trace_last_seq(r);
    char why[200] = "";
    if (trace_truncated(r)) {
        const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;
        if (abbrev)
            snprintf(why, sizeof why, "the program died of signal %d (SIG%s)", sig, abbrev);
        else if (exited)   /* an exit that skipped atexit, where the trace is closed */
            snprintf(why, sizeof why, "the program exited with status %d without running its "
                     "exit handlers (_exit, os._exit)", exited - 1);
        else
            snprintf(why, sizeof why, "the program did not exit cleanly (killed or crashed)");
    }
    if (dropped) {
        size_t n = strlen(why);
        snprintf(why + n, sizeof why - n, "%sthe trace writer could not extend the trace file (disk full, file "
                 "size limit, or its descriptor closed by the program) and dropped later events", n ? "; " : "");
        if (dropped - 1 < last)
            last = dropped - 1;
    }
    if (!why[0])
        return;
    set->incomplete = true;
    set->incomplete_reason = report_xstrdup(why);
    set->missing_after_seq = last;
    set->missing_after_us = trace_time_us(r, last);
}

int report_trace(const char *trace_path, const struct report_options *o)
{
    /* Suppressions first: a bad file is a usage error before any work. */
    struct supp_list *supp = NULL;
    if (o->suppressions_path && !(supp = supp_load(o->suppressions_path)))
        return -1;

    char err[512];
    struct trace_reader *r = trace_open(trace_path, err, sizeof err);
    if (!r) {
        fprintf(stderr, "bpyrace: %s\n", err);
        supp_free(supp);
        return -1;
    }
    const char *w = trace_warning(r);
    if (w) {
        /* one or more lines without a prefix */
        const char *p = w;
        while (*p) {
            const char *nl = strchr(p, '\n');
            int len = nl ? (int)(nl - p) : (int)strlen(p);
            if (len)
                fprintf(stderr, "bpyrace: %s: warning: %.*s\n", trace_path, len, p);
            p += len + (nl != NULL);
        }
    }
    /* Same order as bpyrace dump: load problems, then truncation. */
    if (trace_truncated(r))
        fprintf(stderr, "bpyrace: %s: warning: %s\n", trace_path, TRACE_TRUNCATED_WARNING);

    struct hb *h = hb_new(r);
    static struct trace_event batch[256];   /* batches let the analyzer prefetch */
    size_t nb = 0;
    while (trace_next(r, &batch[nb]))
        if (++nb == 256) {
            hb_events(h, batch, nb);
            nb = 0;
        }
    hb_events(h, batch, nb);
    uint32_t n;
    const struct hb_race *races = hb_races(h, &n);

    struct report_set set = {0};
    report_build(&set, r, races, n);
    set.events = hb_event_count(h);
    set.threads = hb_thread_count(h);
    set.pid = trace_header(r) ? trace_header(r)->pid : 0;
    supp_apply(supp, &set);
    report_tests_build(&set, r, h);   /* bpyrace test: marks -> tests */
    report_incomplete(&set, r, o->program_signal, o->program_exit);

    if (!o->quiet)
        report_print_text(stderr, &set);
    report_print_tests_summary(o->quiet ? NULL : stderr, &set);
    int ret = (int)set.nraces;
    if (o->json_path && report_write_file(o->json_path, &set, report_print_json))
        ret = -1;
    /* timeline.c reads the events again, for the slices */
    if (o->timeline_path && timeline_write(o->timeline_path, r, &set))
        ret = -1;
    if (o->sarif_path && report_write_file(o->sarif_path, &set, report_print_sarif))
        ret = -1;
    if (o->junit_path && report_write_file(o->junit_path, &set, report_print_junit))
        ret = -1;
    report_tests_free(&set);

    report_set_free(&set);
    hb_free(h);
    trace_close(r);
    supp_free(supp);
    return ret;
}
