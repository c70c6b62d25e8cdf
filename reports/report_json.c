/* The JSON report (interface.md "The JSON report").  A small writer of its
 * own: it only formats a report_set, escaping every string and replacing
 * bytes that are not UTF-8 with U+FFFD so the output is always valid JSON. */
#include "race_report.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at S, 0 if invalid. */
static size_t json_utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;
    if (s[0] >= 0xf8)
        n = 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* overlong 3/4-byte forms, surrogates and > U+10FFFF */
    if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
        return 0;
    if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
        return 0;
    return n;
}

static void json_str(FILE *f, const char *str)
{
    if (!str) {
        fputs("null", f);
        return;
    }
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', f);
    while (*s) {
        if (*s == '"' || *s == '\\') {
            fputc('\\', f);
            fputc(*s++, f);
        } else if (*s < 0x20) {
            switch (*s) {
            case '\n': fputs("\\n", f); break;
            case '\t': fputs("\\t", f); break;
            case '\r': fputs("\\r", f); break;
            case '\b': fputs("\\b", f); break;
            case '\f': fputs("\\f", f); break;
            default: fprintf(f, "\\u%04x", *s); break;
            }
            s++;
        } else {
            size_t n = json_utf8_len(s);
            if (!n) {
                fputs("\\ufffd", f);
                s++;
            } else {
                fwrite(s, 1, n, f);
                s += n;
            }
        }
    }
    fputc('"', f);
}

static void json_frames(FILE *f, const struct report_frame *fr, size_t n)
{
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", {\"file\": " : "{\"file\": ", f);
        json_str(f, fr[i].file);
        fputs(", \"function\": ", f);
        json_str(f, fr[i].function);
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
    json_str(f, a->thread.origin);
    fputs(", \"name\": ", f);
    json_str(f, a->thread.name);
    fputs(", \"created_at\": ", f);
    json_frames(f, a->thread.created_at, a->thread.ncreated_at);
    fprintf(f, "}, \"gil\": %s, \"stack\": ", a->gil ? "true" : "false");
    json_frames(f, a->stack, a->nstack);
    fputs(", \"native_stack\": ", f);
    json_frames(f, a->native_stack, a->nnative);
    const char *what = json_side_what(a->side);
    if (what)
        fprintf(f, ", \"what\": \"%s\"", what);
    if (a->what) {
        fputs(", \"call\": ", f);
        json_str(f, a->what);
    }
    if (a->index >= 0 && (a->side == HB_SIDE_READ || a->side == HB_SIDE_WRITE))
        fprintf(f, ", \"index\": %lld", (long long)a->index);
    if (a->test) {   /* bpyrace test */
        fputs(", \"test\": ", f);
        json_str(f, a->test);
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
        json_str(f, r->variable);
        fprintf(f, ", \"observed\": %s, \"count\": %llu", r->observed ? "true" : "false",
                (unsigned long long)r->count);
        if (r->nitems > 1)
            fprintf(f, ", \"items\": %u", r->nitems);
        fputs(",\n   \"accesses\": [\n    ", f);
        json_access(f, &r->acc[0]);
        fputs(",\n    ", f);
        json_access(f, &r->acc[1]);
        fputs("],\n   \"advice\": ", f);
        json_str(f, r->advice);
        if (set->has_tests) {   /* bpyrace test: docs/testing.md */
            fputs(",\n   \"tests\": [", f);
            for (size_t k = 0; k < r->ntests; k++) {
                fputs(k ? ", " : "", f);
                json_str(f, r->tests[k]);
            }
            char fp[33];
            report_fingerprint(r, fp);
            fprintf(f, "], \"fingerprint\": \"%s\", \"leaks\": [", fp);
            for (size_t k = 0; k < r->nleaks; k++) {
                fprintf(f, "%s{\"thread\": %u, \"from\": ", k ? ", " : "", r->leaks[k].thread);
                json_str(f, r->leaks[k].from);
                fputs(", \"to\": ", f);
                json_str(f, r->leaks[k].to);
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
            json_str(f, t->id);
            fprintf(f, ", \"outcome\": \"%s\", \"time\": %.6f, \"message\": ", t->outcome, t->time);
            json_str(f, t->message);
            fputc('}', f);
        }
    }
    fprintf(f, "%s],\n \"summary\": {\"races\": %zu, \"gil\": %zu, \"hard\": %zu, "
               "\"events\": %llu, \"threads\": %u, \"suppressed\": %zu}}\n",
            (set->has_tests ? set->ntests : set->nraces) ? "\n" : "", set->nraces, set->nraces - hard, hard,
            (unsigned long long)set->events, set->threads, set->suppressed);
}
