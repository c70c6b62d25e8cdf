/* Unit tests of per-test attribution (reports/hb_tests.c, report_tests.c)
 * and of the JUnit/SARIF printers on small written traces (docs/testing.md).
 * Exit status: 0 pass, 1 fail, 99 harness broken. */
#define _GNU_SOURCE
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

/* Test ids are interned like the shim does: one string id per name. */
static struct { const char *name; uint32_t id; } names[16];
static int nnames;

static uint32_t sid(const char *name)
{
    for (int i = 0; i < nnames; i++)
        if (!strcmp(names[i].name, name))
            return names[i].id;
    if (nnames == 16)
        exit(99);
    names[nnames].name = name;
    return names[nnames++].id = tb_string(name);
}

static void begin(const char *name)
{
    current_test = name;
    nnames = 0;
    tb_open(trace_path);
}

static void mark(uint32_t tid, uint16_t kind, const char *test, int64_t b)
{
    tb_ev(tid, TR_MARK, 0, kind, 0, sid(test), b);
}

static void start(uint32_t tid, const char *t) { mark(tid, TRACE_MARK_START, t, 1000); }
static void end(uint32_t tid, const char *t) { mark(tid, TRACE_MARK_END, t, 3000); }

struct result {
    struct trace_reader *r;
    struct hb *h;
    struct report_set set;
};

static struct result analyze(void)
{
    struct result res;
    memset(&res, 0, sizeof res);
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
    uint32_t n;
    const struct hb_race *races = hb_races(res.h, &n);
    report_build(&res.set, res.r, races, n);
    report_tests_build(&res.set, res.r, res.h);
    return res;
}

static void done(struct result *res)
{
    report_tests_free(&res->set);
    report_set_free(&res->set);
    hb_free(res->h);
    trace_close(res->r);
}

static char *print(void (*fn)(FILE *, const struct report_set *), const struct report_set *set)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        exit(99);
    fn(f, set);
    fclose(f);
    return buf;
}

/* A worker started in test A races with the runner in A: the race is A's. */
static void test_worker_in_test(void)
{
    begin("worker_in_test");
    uint32_t x = tb_var("bpy.data.objects[\"Cube\"].location", TRACE_VAR_PROPERTY, 0);
    uint32_t s1 = tb_stack("/src/t.py", "work", 10), s2 = tb_stack("/src/t.py", "test_a", 20);
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, "MainThread", 0);
    start(1, "t.py::test_a");
    tb_spawn(1, 2, TRACE_ORIGIN_PYTHON, "w", s2);
    tb_write(2, x, s1, 1);
    tb_write(1, x, s2, 1);
    mark(1, TRACE_MARK_OUTCOME, "t.py::test_a", TRACE_OUTCOME_PASSED);
    end(1, "t.py::test_a");
    start(1, "t.py::test_b");
    mark(1, TRACE_MARK_OUTCOME, "t.py::test_b", TRACE_OUTCOME_PASSED);
    end(1, "t.py::test_b");
    struct result res = analyze();
    CHECK(res.set.has_tests && res.set.ntests == 2);
    CHECK(res.set.nraces == 1);
    if (res.set.nraces == 1) {
        CHECK(res.set.races[0].ntests == 1 && !strcmp(res.set.races[0].tests[0], "t.py::test_a"));
        CHECK(res.set.races[0].nleaks == 0);
        CHECK(res.set.races[0].acc[0].test && !strcmp(res.set.races[0].acc[0].test, "t.py::test_a"));
    }
    char *junit = print(report_print_junit, &res.set);
    CHECK(strstr(junit, "<testcase classname=\"t\" name=\"test_a\" file=\"t.py\""));
    CHECK(strstr(junit, "failures=\"1\""));
    CHECK(strstr(junit, "message=\"WARNING: bpyrace: GIL race on bpy.data.objects[&quot;Cube&quot;].location\""));
    /* test_b has no failure: its testcase closes right after it opens */
    char *b = strstr(junit, "name=\"test_b\"");
    CHECK(b && strstr(b, ">\n    </testcase>") == strchr(b, '>'));
    free(junit);
    char *sarif = print(report_print_sarif, &res.set);
    CHECK(strstr(sarif, "\"ruleId\": \"bpyrace/gil-race\""));
    CHECK(strstr(sarif, "\"bpyraceRace/v1\": \""));
    CHECK(strstr(sarif, "\"tests\": [\"t.py::test_a\"]"));
    CHECK(!strstr(sarif, "4242"));   /* no pid */
    free(sarif);
    done(&res);
}

/* A thread started in test A, still running in B, races there: attributed
 * to B, leaking from A. */
static void test_leak(void)
{
    begin("leak");
    uint32_t x = tb_var("bpy.data.scenes[\"Scene\"][\"n\"]", TRACE_VAR_IDPROP, 0);
    uint32_t s1 = tb_stack("/src/t.py", "work", 10), s2 = tb_stack("/src/t.py", "test_b", 30);
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, "MainThread", 0);
    start(1, "A");
    tb_spawn(1, 2, TRACE_ORIGIN_PYTHON, "leaky", s1);
    end(1, "A");
    start(1, "B");
    tb_write(2, x, s1, 1);
    tb_read(1, x, s2, 1);
    end(1, "B");
    struct result res = analyze();
    CHECK(res.set.nraces == 1);
    if (res.set.nraces == 1) {
        const struct race_report *r = &res.set.races[0];
        CHECK(r->ntests == 1 && !strcmp(r->tests[0], "B"));
        CHECK(r->nleaks == 1 && r->leaks[0].thread == 2 && !strcmp(r->leaks[0].from, "A") &&
              r->leaks[0].to && !strcmp(r->leaks[0].to, "B"));
    }
    done(&res);
}

/* One race location hit in two tests (parametrized): both are named; a race
 * before any test names none; a test that never ended is "unfinished". */
static void test_two_tests_and_outside(void)
{
    begin("two_tests_and_outside");
    uint32_t x = tb_var("bpy.data.objects[\"A\"].location", TRACE_VAR_PROPERTY, 0);
    uint32_t y = tb_var("bpy.data.objects[\"B\"].location", TRACE_VAR_PROPERTY, 0);
    uint32_t s1 = tb_stack("/src/t.py", "work", 10), s2 = tb_stack("/src/t.py", "main", 20);
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, "MainThread", 0);
    tb_spawn(1, 2, TRACE_ORIGIN_PYTHON, "pre", s2);
    tb_write(2, y, s1, 1);
    tb_write(1, y, s2, 1);          /* before any test */
    const char *ids[2] = {"t.py::test_p[1]", "t.py::test_p[2]"};
    for (int i = 0; i < 2; i++) {
        start(1, ids[i]);
        tb_spawn(1, (uint32_t)(3 + i), TRACE_ORIGIN_PYTHON, "w", s2);
        tb_write((uint32_t)(3 + i), x, s1, 1);
        tb_write(1, x, s2, 1);
        tb_join(1, (uint32_t)(3 + i));
        if (i == 0) {
            mark(1, TRACE_MARK_MESSAGE, ids[i], tb_string("AssertionError: boom"));
            mark(1, TRACE_MARK_OUTCOME, ids[i], TRACE_OUTCOME_FAILED);
            end(1, ids[i]);
        }
    }
    struct result res = analyze();
    CHECK(res.set.nraces == 2);
    CHECK(res.set.ntests == 2);
    if (res.set.ntests == 2) {
        CHECK(!strcmp(res.set.tests[0].outcome, "failed"));
        CHECK(res.set.tests[0].message && !strcmp(res.set.tests[0].message, "AssertionError: boom"));
        CHECK(!strcmp(res.set.tests[1].outcome, "unfinished"));
    }
    for (size_t k = 0; k < res.set.nraces; k++) {
        const struct race_report *r = &res.set.races[k];
        if (strstr(r->variable, "\"A\""))
            CHECK(r->ntests == 2 && !strcmp(r->tests[0], ids[0]) && !strcmp(r->tests[1], ids[1]));
        else
            CHECK(r->ntests == 0);
    }
    char *junit = print(report_print_junit, &res.set);
    CHECK(strstr(junit, "name=\"races outside tests\""));
    CHECK(strstr(junit, "<failure message=\"AssertionError: boom\"/>"));
    CHECK(strstr(junit, "type=\"bpyrace.unfinished\""));
    free(junit);
    done(&res);
}

/* A trace without marks: no tests, and the JSON report keeps its shape. */
static void test_no_marks(void)
{
    begin("no_marks");
    uint32_t x = tb_var("bpy.data.objects[\"A\"].location", TRACE_VAR_PROPERTY, 0);
    uint32_t s1 = tb_stack("/src/t.py", "work", 10);
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, "MainThread", 0);
    tb_spawn(1, 2, TRACE_ORIGIN_PYTHON, "w", s1);
    tb_write(2, x, s1, 1);
    tb_write(1, x, s1, 1);
    struct result res = analyze();
    CHECK(!res.set.has_tests && res.set.nraces == 1);
    char *json = print(report_print_json, &res.set);
    CHECK(!strstr(json, "\"tests\""));
    free(json);
    char *junit = print(report_print_junit, &res.set);
    CHECK(strstr(junit, "classname=\"bpyrace\" name=\"races\""));
    free(junit);
    done(&res);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(trace_path, sizeof trace_path, "%s/bpyrace-test-hb-tests-%d.trace", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    test_worker_in_test();
    test_leak();
    test_two_tests_and_outside();
    test_no_marks();
    unlink(trace_path);
    printf("test_hb_tests: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
