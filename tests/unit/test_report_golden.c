/* Golden tests for report_trace(): the exact text report (stderr) and JSON
 * report of a small trace with a GIL race, a data race against a native
 * window, an RNA call and folded collection items; plus the error paths and
 * the race-free case (prints nothing).  Variable parts (pid) are normalized.
 * BPYRACE_REGEN=1 rewrites the golden files.
 * Exit status: 0 pass, 1 fail, 99 harness broken. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "trace_build.h"

static int failures;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *s = malloc(cap);
    size_t k;
    while (s && (k = fread(s + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap)
            s = realloc(s, cap *= 2);
    }
    fclose(f);
    if (s)
        s[n] = 0;
    return s;
}

/* "pid=1234" -> "pid=PID" */
static void normalize(char *s)
{
    char *p = s;
    while ((p = strstr(p, "pid="))) {
        p += 4;
        char *q = p;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q > p) {
            memmove(p + 3, q, strlen(q) + 1);
            memcpy(p, "PID", 3);
        }
    }
}

static void compare(const char *name, const char *actual_path)
{
    char golden[1024];
    snprintf(golden, sizeof golden, "%s/%s", BPYRACE_GOLDEN_DIR, name);
    char *act = slurp(actual_path);
    if (!act) {
        fprintf(stderr, "%s: cannot read output\n", actual_path);
        exit(99);
    }
    normalize(act);
    if (getenv("BPYRACE_REGEN")) {
        FILE *f = fopen(golden, "w");
        if (!f || fputs(act, f) < 0 || fclose(f)) {
            perror(golden);
            exit(99);
        }
        free(act);
        return;
    }
    char *exp = slurp(golden);
    if (!exp || strcmp(exp, act)) {
        failures++;
        fprintf(stderr, "FAIL %s differs from %s; actual output:\n%s\n", name, golden, act);
    }
    free(exp);
    free(act);
}

/* Run report_trace with stderr captured in ERR_PATH. */
static int run_captured(const char *trace, const struct report_options *o, const char *err_path)
{
    fflush(stderr);
    int saved = dup(2);
    int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (saved < 0 || fd < 0) {
        perror(err_path);
        exit(99);
    }
    dup2(fd, 2);
    close(fd);
    int ret = report_trace(trace, o);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    return ret;
}

static void build_racy(const char *path)
{
    tb_open(path);
    const char *f = "/work/corpus/demo.py";
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    uint32_t cube = tb_var("bpy.data.objects[\"Cube\"]", TRACE_VAR_ID, 0);
    uint32_t loc = tb_var("bpy.data.objects[\"Cube\"].location", TRACE_VAR_PROPERTY, cube);
    uint32_t mesh = tb_var("bpy.data.meshes[\"Mesh\"]", TRACE_VAR_ID, 0);
    uint32_t co[3];
    co[0] = tb_var("bpy.data.meshes[\"Mesh\"].vertices[80].co", TRACE_VAR_PROPERTY, mesh);
    co[1] = tb_var("bpy.data.meshes[\"Mesh\"].vertices[81].co", TRACE_VAR_PROPERTY, mesh);
    co[2] = tb_var("bpy.data.meshes[\"Mesh\"].vertices[82].co", TRACE_VAR_PROPERTY, mesh);

    const char *cf[] = {"/usr/lib/python3.11/threading.py", f};
    const char *cfn[] = {"start", "<module>"};
    int cl[] = {957, 30};
    uint32_t created = tb_stackv(0, 2, cf, cfn, cl);
    tb_write(1, loc, tb_stack(f, "<module>", 20), 1);
    tb_spawn(1, 2, TRACE_ORIGIN_PYTHON, "ThreadPoolExecutor-0_0", created);
    tb_spawn(1, 3, TRACE_ORIGIN_PYTHON, "ThreadPoolExecutor-0_1", created);

    const char *nf[] = {f, f};
    const char *nfn[] = {"nudge", "run"};
    int nl[] = {15, 40};
    uint32_t nudge = tb_stackv(0, 2, nf, nfn, nl);
    tb_read(2, loc, nudge, 1);
    tb_write(2, loc, nudge, 1);
    tb_read(3, loc, nudge, 1);
    tb_write(3, loc, nudge, 1);
    tb_read(2, loc, nudge, 1);
    tb_write(2, loc, nudge, 1);

    /* RNA call on the mesh vs a worker's item writes */
    for (int i = 0; i < 3; i++)
        tb_write(3, co[i], tb_stack(f, "paint", 50), 1);
    tb_call_id(1, mesh, "Mesh.update", tb_stack(f, "<module>", 60));

    /* frame_set window on the main thread vs a worker's read */
    tb_window_open(1, tb_stack(f, "<module>", 70), "Scene.frame_set");
    tb_read(2, loc, tb_stack(f, "watch", 80), 1);
    tb_gil_acquire(1, 1);
    tb_close();
}

static void build_clean(const char *path)
{
    tb_open(path);
    tb_spawn(0, 1, TRACE_ORIGIN_MAIN, NULL, 0);
    uint32_t x = tb_var("bpy.data.objects[\"Cube\"].scale", TRACE_VAR_PROPERTY, 0);
    tb_write(1, x, tb_stack("/t/a.py", "<module>", 1), 1);
    tb_spawn(1, 2, TRACE_ORIGIN_PYTHON, "w", 0);
    tb_read(2, x, tb_stack("/t/a.py", "work", 5), 1);
    tb_exit(2);
    tb_join(1, 2);
    tb_write(1, x, tb_stack("/t/a.py", "<module>", 9), 1);
    tb_close();
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    char base[512], trace[600], err[600], json[600], supp[600];
    snprintf(base, sizeof base, "%s/bpyrace-golden-%d", tmp ? tmp : "/tmp", (int)getpid());
    snprintf(trace, sizeof trace, "%s.trace", base);
    snprintf(err, sizeof err, "%s.err", base);
    snprintf(json, sizeof json, "%s.json", base);
    snprintf(supp, sizeof supp, "%s.supp", base);

    build_racy(trace);
    struct report_options o = {.json_path = json};
    int n = run_captured(trace, &o, err);
    if (n != 6) {
        failures++;
        fprintf(stderr, "FAIL racy: report_trace returned %d, want 6\n", n);
    }
    compare("report_racy.txt", err);
    compare("report_racy.json", json);

    /* Suppressed races leave the SUMMARY's count. */
    FILE *f = fopen(supp, "w");
    fputs("# the demo's known race\nfunction:paint\n", f);
    fclose(f);
    o.suppressions_path = supp;
    n = run_captured(trace, &o, err);
    if (n != 4) {
        failures++;
        fprintf(stderr, "FAIL suppressed: report_trace returned %d, want 4\n", n);
    }
    compare("report_suppressed.txt", err);

    /* Quiet: no text. */
    struct report_options q = {.quiet = true};
    n = run_captured(trace, &q, err);
    char *out = slurp(err);
    if (n != 6 || !out || *out) {
        failures++;
        fprintf(stderr, "FAIL quiet: returned %d, output '%s'\n", n, out ? out : "?");
    }
    free(out);

    /* Race-free: nothing at all on stderr, 0. */
    build_clean(trace);
    struct report_options none = {0};
    n = run_captured(trace, &none, err);
    out = slurp(err);
    if (n != 0 || !out || *out) {
        failures++;
        fprintf(stderr, "FAIL clean: returned %d, output '%s'\n", n, out ? out : "?");
    }
    free(out);

    /* Unusable input: -1 and one line naming the file. */
    n = run_captured("/nonexistent/x.trace", &none, err);
    out = slurp(err);
    if (n != -1 || !out || strcmp(out, "bpyrace: /nonexistent/x.trace: No such file or directory\n")) {
        failures++;
        fprintf(stderr, "FAIL missing trace: returned %d, output '%s'\n", n, out ? out : "?");
    }
    free(out);
    f = fopen(supp, "w");
    fputs("variable:x\nfrobnicate:y\n", f);
    fclose(f);
    o = (struct report_options){.suppressions_path = supp};
    n = run_captured(trace, &o, err);
    out = slurp(err);
    char want[800];
    snprintf(want, sizeof want, "bpyrace: %s:2: unknown suppression type 'frobnicate'\n", supp);
    if (n != -1 || !out || strcmp(out, want)) {
        failures++;
        fprintf(stderr, "FAIL bad suppressions: returned %d, output '%s'\n", n, out ? out : "?");
    }
    free(out);

    unlink(trace);
    unlink(err);
    unlink(json);
    unlink(supp);
    printf("test_report_golden: %s\n", failures ? "FAIL" : "ok");
    return failures ? 1 : 0;
}
