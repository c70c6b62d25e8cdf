/* The JSON report (interface.md "The JSON report").  It only formats a
 * report_set; strings go through the tracer's jout_string, which escapes them
 * and replaces bytes that are not UTF-8 with U+FFFD, so the output is always
 * valid JSON. */
#include "race_report.h"
#include "json_out.h"

#include <stdio.h>
#include <string.h>

static void json_frames(FILE *f, const struct report_frame *fr, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", {\"file\": " : "{\"file\": ", f);
        jout_string(f, fr[i].file);
        fputs(", \"function\": ", f);
        jout_string(f, fr[i].function);
        fprintf(f, ", \"line\": %d}", fr[i].line);
    }
    fputc(']', f);
}

static const char *json_side_what(uint8_t side)
{
    switch (side) {
    case HB_SIDE_CALL_ID: return "rna_call";
    case HB_SIDE_CALL_GLOBAL: return "operator_call";
    case HB_SIDE_WINDOW: return "native_window";
    default: return NULL;
    }
}

static void json_access(FILE *f, const struct report_access *a)
{
    fprintf(f, "{\"kind\": \"%s\", \"thread\": {\"id\": %u, \"origin\": ", a->kind, a->thread.id);
    jout_string(f, a->thread.origin);
    fputs(", \"name\": ", f);
    jout_string(f, a->thread.name);
    fputs(", \"created_at\": ", f);
    json_frames(f, a->thread.created_at, a->thread.ncreated_at);
    if (a->thread.task.pool) {   /* a pool job, run by this thread */
        fputs(", \"task\": {\"pool\": ", f);
        jout_string(f, a->thread.task.pool);
        fprintf(f, ", \"index\": %u, \"submitted_by\": %u, \"submitted_at\": ", a->thread.task.index,
                a->thread.task.submitter);
        json_frames(f, a->thread.task.submitted_at, a->thread.task.nsubmitted_at);
        fputc('}', f);
    }
    fprintf(f, "}, \"gil\": %s, \"stack\": ", a->gil ? "true" : "false");
    json_frames(f, a->stack, a->nstack);
    fputs(", \"native_stack\": ", f);
    json_frames(f, a->native_stack, a->nnative);
    const char *what = json_side_what(a->side);
    if (what)
        fprintf(f, ", \"what\": \"%s\"", what);
    if (a->what) {
        fputs(", \"call\": ", f);
        jout_string(f, a->what);
    }
    if (a->time_us >= 0)   /* when it happened: microseconds since the start */
        fprintf(f, ", \"time_us\": %.1f", a->time_us);
    if (a->end_time_us >= 0)
        fprintf(f, ", \"end_time_us\": %.1f", a->end_time_us);
    if (a->index >= 0 && (a->side == HB_SIDE_READ || a->side == HB_SIDE_WRITE))
        fprintf(f, ", \"index\": %lld", (long long)a->index);
    if (a->test) {   /* bpyrace test */
        fputs(", \"test\": ", f);
        jout_string(f, a->test);
    }
    fputc('}', f);
}

void report_print_json(FILE *f, const struct report_set *set)
{
    size_t hard = 0;
    fputs("{\"tool\": \"bpyrace\", \"version\": \"0.1.0\", \"races\": [", f);
    for (size_t i = 0; i < set->nraces; i++) {
        const struct race_report *r = &set->races[i];
        hard += r->cls == HB_HARD;
        fputs(i ? ",\n  {" : "\n  {", f);
        fprintf(f, "\"class\": \"%s\", \"variable\": ", r->cls == HB_HARD ? "hard" : "gil");
        jout_string(f, r->variable);
        fprintf(f, ", \"observed\": %s, \"count\": %llu", r->observed ? "true" : "false",
                (unsigned long long)r->count);
        if (r->nitems > 1)
            fprintf(f, ", \"items\": %u", r->nitems);
        fputs(",\n   \"accesses\": [\n    ", f);
        json_access(f, &r->acc[0]);
        fputs(",\n    ", f);
        json_access(f, &r->acc[1]);
        fputs("],\n   \"advice\": ", f);
        jout_string(f, r->advice);
        if (set->has_tests) {   /* bpyrace test: docs/testing.md */
            fputs(",\n   \"tests\": [", f);
            for (size_t k = 0; k < r->ntests; k++) {
                fputs(k ? ", " : "", f);
                jout_string(f, r->tests[k]);
            }
            char fp[33];
            report_fingerprint(r, fp);
            fprintf(f, "], \"fingerprint\": \"%s\", \"leaks\": [", fp);
            for (size_t k = 0; k < r->nleaks; k++) {
                fprintf(f, "%s{\"thread\": %u, \"from\": ", k ? ", " : "", r->leaks[k].thread);
                jout_string(f, r->leaks[k].from);
                fputs(", \"to\": ", f);
                jout_string(f, r->leaks[k].to);
                fputc('}', f);
            }
            fputc(']', f);
        }
        fputc('}', f);
    }
    if (set->has_tests) {   /* bpyrace test: the run's tests, in order */
        fprintf(f, "%s],\n \"truncated\": %s, \"tests\": [", set->nraces ? "\n" : "",
                set->truncated ? "true" : "false");
        for (size_t k = 0; k < set->ntests; k++) {
            const struct report_test *t = &set->tests[k];
            fputs(k ? ",\n  {\"id\": " : "\n  {\"id\": ", f);
            jout_string(f, t->id);
            fprintf(f, ", \"outcome\": \"%s\", \"time\": %.6f, \"message\": ", t->outcome, t->time);
            jout_string(f, t->message);
            fputc('}', f);
        }
    }
    fprintf(f, "%s],\n \"complete\": %s, ", (set->has_tests ? set->ntests : set->nraces) ? "\n" : "",
            set->incomplete ? "false" : "true");
    if (set->incomplete) {   /* docs/reports.md, "Incomplete runs" */
        fputs("\"incomplete_reason\": ", f);
        jout_string(f, set->incomplete_reason ? set->incomplete_reason : "");
        fprintf(f, ", \"missing_after\": {\"seq\": %llu", (unsigned long long)set->missing_after_seq);
        if (set->missing_after_us >= 0)
            fprintf(f, ", \"time_us\": %.1f", set->missing_after_us);
        fputs("},\n ", f);
    }
    fprintf(f, "\"summary\": {\"races\": %zu, \"gil\": %zu, \"hard\": %zu, "
               "\"events\": %llu, \"threads\": %u, \"suppressed\": %zu}}\n",
            set->nraces, set->nraces - hard, hard,
            (unsigned long long)set->events, set->threads, set->suppressed);
}
