/* --junit FILE: JUnit XML for CI (docs/testing.md).  One testcase per test
 * of the run with its own outcome kept; each race adds a failure to every
 * test its accesses belong to (message: the race's first line, body: its
 * text report).  Races outside any test, and runs without tests, get a
 * testcase "bpyrace" of their own. */
#define _GNU_SOURCE
#include "race_report.h"

#include <stdlib.h>
#include <string.h>

/* XML text: escaped, control characters other than tab/newline dropped,
 * bytes that are not UTF-8 replaced. */
static void junit_xml(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned char c = *p;
        if (c == '&') fputs("&amp;", f);
        else if (c == '<') fputs("&lt;", f);
        else if (c == '>') fputs("&gt;", f);
        else if (c == '"') fputs("&quot;", f);
        else if (c == '\n' || c == '\t') fputc(c, f);
        else if (c < 0x20) { /* not allowed in XML 1.0 */ }
        else if (c < 0x80) fputc(c, f);
        else {
            size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
            size_t k = 1;
            while (n && k < n && (p[k] & 0xc0) == 0x80)
                k++;
            if (!n || k != n) {
                fputs("\xef\xbf\xbd", f);
                p++;
                continue;
            }
            fwrite(p, 1, n, f);
            p += n;
            continue;
        }
        p++;
    }
}

/* pytest "dir/test_x.py::TestC::test_y[1]" -> classname dir.test_x.TestC, name test_y[1];
 * unittest "test_x.TestC.test_y" -> test_x.TestC, test_y. */
static void junit_split(const char *id, char **classname, char **name, char **file)
{
    const char *sep = strstr(id, "::");
    *file = NULL;
    if (sep) {
        const char *last = sep;
        for (const char *q = sep; (q = strstr(q + 2, "::"));)
            last = q;
        *name = strdup(last + 2);
        *file = strndup(id, (size_t)(sep - id));
        char *c = strndup(id, (size_t)(last - id));
        size_t n = strlen(c);
        if (sep - id >= 3 && strncmp(c + (sep - id) - 3, ".py", 3) == 0)
            memmove(c + (sep - id) - 3, c + (sep - id), n - (size_t)(sep - id) + 1);
        char *o = c;
        for (char *q = c; *q; q++) {
            if (q[0] == ':' && q[1] == ':') {
                *o++ = '.';
                q++;
            } else {
                *o++ = *q == '/' ? '.' : *q;
            }
        }
        *o = 0;
        *classname = c;
        return;
    }
    const char *bracket = strchr(id, '[');
    const char *dot = NULL;
    for (const char *q = id; *q && (!bracket || q < bracket); q++)
        if (*q == '.')
            dot = q;
    if (dot) {
        *classname = strndup(id, (size_t)(dot - id));
        *name = strdup(dot + 1);
    } else {
        *classname = strdup("");
        *name = strdup(id);
    }
}

static void junit_race_failure(FILE *f, const struct report_set *set, const struct race_report *r)
{
    struct report_set one = *set;
    one.races = (struct race_report *)r;
    one.nraces = 1;
    one.suppressed = 0;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (m) {
        report_print_text(m, &one);
        fclose(m);
    }
    fprintf(f, "      <failure type=\"bpyrace.%s\" message=\"", r->cls == HB_HARD ? "data-race" : "gil-race");
    char msg[4096];
    snprintf(msg, sizeof msg, "WARNING: bpyrace: %s on %s", r->cls == HB_HARD ? "data race" : "GIL race",
             r->variable);
    junit_xml(f, msg);
    fputs("\">", f);
    junit_xml(f, text);
    if (r->ntests) {
        fputs("  Tests:", f);
        for (size_t k = 0; k < r->ntests; k++) {
            fputs(k ? ", " : " ", f);
            junit_xml(f, r->tests[k]);
        }
        fputc('\n', f);
    }
    for (size_t k = 0; k < r->nleaks; k++) {
        snprintf(msg, sizeof msg, "  Leak: thread T%u was created in test %s and still runs in %s\n",
                 r->leaks[k].thread, r->leaks[k].from, r->leaks[k].to ? r->leaks[k].to : "no test");
        junit_xml(f, msg);
    }
    fputs("</failure>\n", f);
    free(text);
}

static bool junit_race_in(const struct race_report *r, const char *id)
{
    for (size_t j = 0; j < r->ntests; j++)
        if (!strcmp(r->tests[j], id))
            return true;
    return false;
}

void report_print_junit(FILE *f, const struct report_set *set)
{
    size_t outside = 0;
    for (size_t k = 0; k < set->nraces; k++)
        outside += !set->has_tests || set->races[k].ntests == 0;
    bool extra = !set->has_tests || outside > 0;
    size_t tests = set->ntests + extra, failures = 0, errors = 0, skipped = 0;
    double total = 0;
    for (size_t i = 0; i < set->ntests; i++) {
        const struct report_test *t = &set->tests[i];
        bool racy = false;
        for (size_t k = 0; k < set->nraces && !racy; k++)
            racy = junit_race_in(&set->races[k], t->id);
        const char *o = t->outcome;
        if (!strcmp(o, "error") || !strcmp(o, "crashed") || !strcmp(o, "unfinished"))
            errors++;
        else if (racy || !strcmp(o, "failed"))
            failures++;
        else if (!strcmp(o, "skipped"))
            skipped++;
        total += t->time;
    }
    failures += extra && outside > 0;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
    fprintf(f, "<testsuites name=\"bpyrace\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
               "skipped=\"%zu\" time=\"%.3f\">\n", tests, failures, errors, skipped, total);
    fprintf(f, "  <testsuite name=\"bpyrace\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
               "skipped=\"%zu\" time=\"%.3f\">\n", tests, failures, errors, skipped, total);
    for (size_t i = 0; i < set->ntests; i++) {
        const struct report_test *t = &set->tests[i];
        char *classname, *name, *file;
        junit_split(t->id, &classname, &name, &file);
        fputs("    <testcase classname=\"", f);
        junit_xml(f, classname);
        fputs("\" name=\"", f);
        junit_xml(f, name);
        fputc('"', f);
        if (file) {
            fputs(" file=\"", f);
            junit_xml(f, file);
            fputc('"', f);
        }
        fprintf(f, " time=\"%.3f\">\n", t->time);
        const char *o = t->outcome;
        if (!strcmp(o, "failed") || !strcmp(o, "error")) {
            fprintf(f, "      <%s message=\"", !strcmp(o, "failed") ? "failure" : "error");
            junit_xml(f, t->message ? t->message : o);
            fprintf(f, "\"/>\n");
        } else if (!strcmp(o, "skipped")) {
            fputs("      <skipped message=\"", f);
            junit_xml(f, t->message ? t->message : "skipped");
            fputs("\"/>\n", f);
        } else if (!strcmp(o, "crashed")) {
            fputs("      <error type=\"bpyrace.crash\" message=\"the program died while this test was "
                  "running\"/>\n", f);
        } else if (!strcmp(o, "unfinished")) {
            fputs("      <error type=\"bpyrace.unfinished\" message=\"the test started but never "
                  "finished (the program exited during it)\"/>\n", f);
        }
        for (size_t k = 0; k < set->nraces; k++)
            if (junit_race_in(&set->races[k], t->id))
                junit_race_failure(f, set, &set->races[k]);
        fputs("    </testcase>\n", f);
        free(classname);
        free(name);
        free(file);
    }
    if (extra) {
        fprintf(f, "    <testcase classname=\"bpyrace\" name=\"%s\" time=\"0\">\n",
                set->has_tests ? "races outside tests" : "races");
        for (size_t k = 0; k < set->nraces; k++)
            if (!set->has_tests || set->races[k].ntests == 0)
                junit_race_failure(f, set, &set->races[k]);
        fputs("    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
}
