/* --sarif FILE: SARIF 2.1.0 for code scanning (docs/testing.md).  A rule per
 * class, one result per race with both accesses as locations and as thread
 * flows, and a partial fingerprint that holds no address, pid, thread id,
 * absolute path or line number: the same race on another machine, in
 * another run or shard, or after unrelated edits moved it, has the same
 * fingerprint (report --merge deduplicates by it). */
#define _GNU_SOURCE
#include "race_report.h"
#include "json_out.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A JSON string; SARIF wants "" rather than null for a missing text. */
static void sarif_str(FILE *f, const char *str)
{
    jout_string(f, str ? str : "");
}

/* ---- paths and fingerprints ---- */

static const char *sarif_root(void)
{
    static char root[PATH_MAX + 2];
    if (!root[0]) {
        const char *env = getenv("BPYRACE_SRCROOT");
        if (env && *env && realpath(env, root)) {
        } else if (!getcwd(root, sizeof root - 2)) {
            strcpy(root, "/");
        }
        size_t n = strlen(root);
        if (n == 0 || root[n - 1] != '/') {
            root[n] = '/';
            root[n + 1] = 0;
        }
    }
    return root;
}

/* FILE relative to the source root, or NULL when outside it. */
static const char *sarif_rel(const char *file)
{
    const char *root = sarif_root();
    size_t n = strlen(root);
    if (file && file[0] == '/' && !strncmp(file, root, n) && file[n])
        return file + n;
    if (file && file[0] && file[0] != '/' && file[0] != '<')
        return file;   /* already relative */
    return NULL;
}

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;   /* field separator */
}

/* Line LINE of FILE with surrounding blanks stripped, into BUF; false when unreadable. */
static bool sarif_line_text(const char *file, int line, char *buf, size_t len)
{
    if (!file || line <= 0)
        return false;
    FILE *f = fopen(file, "r");
    if (!f)
        return false;
    char *l = NULL;
    size_t cap = 0;
    ssize_t n = 0;
    for (int i = 0; i < line && (n = getline(&l, &cap, f)) >= 0; i++) {
    }
    fclose(f);
    if (n < 0) {
        free(l);
        return false;
    }
    char *p = l;
    while (*p && isspace((unsigned char)*p))
        p++;
    size_t m = strlen(p);
    while (m && isspace((unsigned char)p[m - 1]))
        m--;
    snprintf(buf, len, "%.*s", (int)m, p);
    free(l);
    return true;
}

/* A side's code location, machine-independent: relative file (or the
 * basename outside the source root), function, and the text of the line
 * (its number only when the source cannot be read). */
static void sarif_stable_loc(const struct report_access *a, char *buf, size_t len)
{
    const struct report_frame *fr = a->nstack ? &a->stack[0] : a->nnative ? &a->native_stack[0] : NULL;
    if (!fr) {
        if (a->side == HB_SIDE_WINDOW)
            snprintf(buf, len, "~native window %s", a->what ? a->what : "");
        else
            snprintf(buf, len, "~%s", a->what ? a->what : "?");
        return;
    }
    const char *rel = sarif_rel(fr->file);
    const char *base = strrchr(fr->file, '/');
    char text[512];
    if (a->nstack && sarif_line_text(fr->file, fr->line, text, sizeof text))
        snprintf(buf, len, "%s:%s:%s", rel ? rel : base ? base + 1 : fr->file, fr->function, text);
    else
        snprintf(buf, len, "%s:%s:%d", rel ? rel : base ? base + 1 : fr->file, fr->function,
                 a->nstack ? fr->line : 0);
}

void report_fingerprint(const struct race_report *r, char out[33])
{
    /* A report read back keeps the fingerprint it was written with: its
     * sources may not be readable where the merge runs. */
    if (r->fingerprint && strlen(r->fingerprint) == 32) {
        memcpy(out, r->fingerprint, 33);
        return;
    }
    char fold[2048], l0[1200], l1[1200];
    size_t o = 0;
    for (const char *p = r->variable; *p && o + 4 < sizeof fold;) {
        if (*p == '[' && isdigit((unsigned char)p[1])) {
            const char *q = p + 1;
            while (isdigit((unsigned char)*q))
                q++;
            if (*q == ']') {
                memcpy(fold + o, "[#]", 3);
                o += 3;
                p = q + 1;
                continue;
            }
        }
        fold[o++] = *p++;
    }
    fold[o] = 0;
    sarif_stable_loc(&r->acc[0], l0, sizeof l0);
    sarif_stable_loc(&r->acc[1], l1, sizeof l1);
    const char *lo = strcmp(l0, l1) <= 0 ? l0 : l1, *hi = lo == l0 ? l1 : l0;
    uint64_t h1 = 1469598103934665603ull, h2 = 0x9e3779b97f4a7c15ull;
    const char *parts[4] = {r->cls == HB_HARD ? "hard" : "gil", fold, lo, hi};
    for (int i = 0; i < 4; i++) {
        h1 = fnv(h1, parts[i]);
        h2 = fnv(h2 ^ (uint64_t)(i + 1) * 0x100000001b3ull, parts[i]);
    }
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)h1, (unsigned long long)h2);
}

/* ---- the log ---- */

static const char *sarif_cls(const struct race_report *r)
{
    return r->cls == HB_HARD ? "data race" : "GIL race";
}

static void sarif_thread_desc(const struct report_access *a, char *buf, size_t len)
{
    char task[200] = "";
    if (a->thread.task.pool)   /* a pool job: "task 3 of ThreadPoolExecutor-0 on " */
        snprintf(task, sizeof task, "task %u of %s on ", a->thread.task.index, a->thread.task.pool);
    if (a->thread.name)
        snprintf(buf, len, "%sthread T%u (%s \"%s\")", task, a->thread.id, a->thread.origin, a->thread.name);
    else
        snprintf(buf, len, "%sthread T%u (%s)", task, a->thread.id, a->thread.origin);
}

static void sarif_access_desc(const struct race_report *r, const struct report_access *a,
                              char *buf, size_t len)
{
    char th[300];
    sarif_thread_desc(a, th, sizeof th);
    const char *gil = a->gil ? "GIL held" : "GIL not held";
    char site[300];
    if (a->side == HB_SIDE_WINDOW)
        snprintf(buf, len, "native window (%s) on %s", report_window_site(a->what, site, sizeof site), th);
    else if (a->side == HB_SIDE_CALL_ID)
        snprintf(buf, len, "RNA call %s() (ID-level write) on %s, %s", a->what ? a->what : "?", th, gil);
    else if (a->side == HB_SIDE_CALL_GLOBAL)
        snprintf(buf, len, "operator call %s (global write) on %s, %s", a->what ? a->what : "?", th, gil);
    else
        snprintf(buf, len, "%s of %s by %s, %s", a->kind, r->variable, th, gil);
}

/* A physical location for one frame (FILE:LINE); a message-only location
 * when there is no frame. */
static void sarif_location(FILE *f, const struct report_frame *fr, const char *message)
{
    fputc('{', f);
    if (fr && fr->file && fr->file[0] && fr->file[0] != '<') {
        const char *rel = sarif_rel(fr->file);
        fputs("\"physicalLocation\": {\"artifactLocation\": {\"uri\": ", f);
        if (rel) {
            sarif_str(f, rel);
            fputs(", \"uriBaseId\": \"SRCROOT\"}", f);
        } else {
            char uri[PATH_MAX + 16];
            snprintf(uri, sizeof uri, "file://%s", fr->file);
            sarif_str(f, uri);
            fputc('}', f);
        }
        if (fr->line > 0)
            fprintf(f, ", \"region\": {\"startLine\": %d}", fr->line);
        fputs("}, ", f);
    } else if (fr && fr->function) {
        fputs("\"logicalLocations\": [{\"name\": ", f);
        sarif_str(f, fr->function);
        fputs(", \"kind\": \"function\"}], ", f);
    }
    fputs("\"message\": {\"text\": ", f);
    sarif_str(f, message);
    fputs("}}", f);
}

static const struct report_frame *sarif_top(const struct report_access *a)
{
    return a->nstack ? &a->stack[0] : a->nnative ? &a->native_stack[0] : NULL;
}

static void sarif_thread_flow(FILE *f, const struct race_report *r, const struct report_access *a,
                              int order)
{
    char th[300], desc[1500];
    sarif_thread_desc(a, th, sizeof th);
    sarif_access_desc(r, a, desc, sizeof desc);
    fprintf(f, "{\"id\": \"T%u\", \"message\": {\"text\": ", a->thread.id);
    sarif_str(f, th);
    fputs("}, \"locations\": [", f);
    size_t n = a->nstack;
    if (!n) {
        fprintf(f, "{\"location\": ");
        sarif_location(f, sarif_top(a), desc);
        fprintf(f, ", \"nestingLevel\": 0, \"executionOrder\": %d, \"importance\": \"essential\"}", order);
    }
    /* outermost caller first, the access last */
    for (size_t i = n; i-- > 0;) {
        const struct report_frame *fr = &a->stack[i];
        char msg[1600];
        if (i == 0)
            snprintf(msg, sizeof msg, "%s", desc);
        else
            snprintf(msg, sizeof msg, "%s calls", fr->function);
        fputs(i + 1 == n ? "{\"location\": " : ", {\"location\": ", f);
        sarif_location(f, fr, msg);
        fprintf(f, ", \"nestingLevel\": %zu, \"executionOrder\": %d, \"importance\": \"%s\"}",
                n - 1 - i, order, i == 0 ? "essential" : "unimportant");
    }
    fputs("]}", f);
}

static const char *const sarif_help_data =
    "A data race: two threads touched the same Blender data, at least one wrote it, nothing "
    "ordered the two accesses, and at least one of them ran without the GIL (a Python thread "
    "touching bpy data while Blender runs native work with the GIL released: scene.frame_set, "
    "depsgraph updates, operators, rendering). Memory is not protected: Blender can crash or "
    "leave torn data. Fix: do not touch bpy data from a thread; hand the work to the main "
    "thread (bpy.app.timers, a queue.Queue drained by a timer).";
static const char *const sarif_help_gil =
    "A GIL race: two threads touched the same Blender data, at least one wrote it, and only "
    "the interpreter's thread switch ordered them. A read-modify-write can lose updates and a "
    "multi-step edit can be seen half done; under free-threaded Python it is a data race. "
    "Fix: guard every access to the data with one threading.Lock, or hand the work to the "
    "main thread (bpy.app.timers, a queue.Queue drained by a timer).";

static void sarif_rule(FILE *f, const char *id, const char *name, const char *shortd,
                       const char *help, const char *level)
{
    fputs("{\"id\": ", f);
    sarif_str(f, id);
    fputs(", \"name\": ", f);
    sarif_str(f, name);
    fputs(", \"shortDescription\": {\"text\": ", f);
    sarif_str(f, shortd);
    fputs("}, \"fullDescription\": {\"text\": ", f);
    sarif_str(f, help);
    fputs("}, \"help\": {\"text\": ", f);
    sarif_str(f, help);
    fputs(", \"markdown\": ", f);
    char md[2048];
    snprintf(md, sizeof md, "**%s**\n\n%s\n\nSee `bpyrace` docs/race-model.md and docs/testing.md.",
             shortd, help);
    sarif_str(f, md);
    fprintf(f, "}, \"defaultConfiguration\": {\"level\": \"%s\"}, \"properties\": {\"tags\": "
               "[\"concurrency\", \"reliability\", \"blender\"], \"precision\": \"high\", "
               "\"problem.severity\": \"%s\"}}", level, level);
}

void report_print_sarif(FILE *f, const struct report_set *set)
{
    fputs("{\"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\", \"version\": \"2.1.0\",\n"
          " \"runs\": [{\"tool\": {\"driver\": {\"name\": \"bpyrace\", \"version\": \"0.1.0\", "
          "\"semanticVersion\": \"0.1.0\", \"rules\": [\n  ", f);
    sarif_rule(f, "bpyrace/data-race", "DataRace", "Data race on Blender data (an access without the GIL)",
               sarif_help_data, "error");
    fputs(",\n  ", f);
    sarif_rule(f, "bpyrace/gil-race", "GilRace", "GIL race on Blender data (ordered only by the interpreter's thread switch)",
               sarif_help_gil, "warning");
    fputs("]}},\n  \"originalUriBaseIds\": {\"SRCROOT\": {\"uri\": ", f);
    char root[PATH_MAX + 16];
    snprintf(root, sizeof root, "file://%s", sarif_root());
    sarif_str(f, root);
    fprintf(f, "}},\n  \"invocations\": [{\"executionSuccessful\": %s",
            set->truncated || set->incomplete ? "false" : "true");
    bool any = false;
    for (size_t i = 0; i < set->ntests; i++)
        if (!strcmp(set->tests[i].outcome, "crashed")) {   /* the test running at the crash */
            char msg[4200];
            snprintf(msg, sizeof msg, "the program died while test %s was running", set->tests[i].id);
            fputs(any ? ", " : ", \"toolExecutionNotifications\": [", f);
            fputs("{\"level\": \"error\", \"message\": {\"text\": ", f);
            sarif_str(f, msg);
            fputs("}}", f);
            any = true;
        }
    if (set->incomplete) {   /* docs/reports.md, "Incomplete runs"; after the crashed tests */
        char msg[600];
        int n = snprintf(msg, sizeof msg, "incomplete trace: %s; events after #%llu",
                         set->incomplete_reason ? set->incomplete_reason : "cut short",
                         (unsigned long long)set->missing_after_seq);
        if (set->missing_after_us >= 0 && n > 0 && (size_t)n < sizeof msg)
            n += snprintf(msg + n, sizeof msg - (size_t)n, " (%.3f s into the run)",
                          set->missing_after_us / 1e6);
        if (n > 0 && (size_t)n < sizeof msg)
            snprintf(msg + n, sizeof msg - (size_t)n, " are missing: races there are not reported");
        fputs(any ? ", " : ", \"toolExecutionNotifications\": [", f);
        fputs("{\"level\": \"error\", \"message\": {\"text\": ", f);
        sarif_str(f, msg);
        fputs("}}", f);
        any = true;
    }
    fprintf(f, "%s}],\n  \"results\": [", any ? "]" : "");
    for (size_t i = 0; i < set->nraces; i++) {
        const struct race_report *r = &set->races[i];
        bool hard = r->cls == HB_HARD;
        char d0[1500], d1[1500], msg[4200], fp[33];
        sarif_access_desc(r, &r->acc[0], d0, sizeof d0);
        sarif_access_desc(r, &r->acc[1], d1, sizeof d1);
        const struct report_frame *t0 = sarif_top(&r->acc[0]), *t1 = sarif_top(&r->acc[1]);
        snprintf(msg, sizeof msg, "%s on %s: %s at %s:%d, and %s at %s:%d (%llu access%s involved, %s)",
                 sarif_cls(r), r->variable, d1, t1 ? t1->file : "?", t1 ? t1->line : 0, d0,
                 t0 ? t0->file : "?", t0 ? t0->line : 0, (unsigned long long)r->count,
                 r->count == 1 ? "" : "es", r->observed ? "interleaved in this run" : "possible");
        report_fingerprint(r, fp);
        fprintf(f, "%s\n   {\"ruleId\": \"%s\", \"ruleIndex\": %d, \"level\": \"%s\", \"message\": {\"text\": ",
                i ? "," : "", hard ? "bpyrace/data-race" : "bpyrace/gil-race", hard ? 0 : 1,
                hard ? "error" : "warning");
        sarif_str(f, msg);
        fputs("},\n    \"locations\": [", f);
        sarif_location(f, t0, d0);
        fputs(", ", f);
        sarif_location(f, t1, d1);
        fprintf(f, "],\n    \"partialFingerprints\": {\"bpyraceRace/v1\": \"%s\"},\n    \"codeFlows\": "
                   "[{\"threadFlows\": [", fp);
        sarif_thread_flow(f, r, &r->acc[0], 1);
        fputs(", ", f);
        sarif_thread_flow(f, r, &r->acc[1], 2);
        fputs("]}],\n    \"properties\": {\"variable\": ", f);
        sarif_str(f, r->variable);
        fprintf(f, ", \"count\": %llu, \"observed\": %s, \"advice\": ", (unsigned long long)r->count,
                r->observed ? "true" : "false");
        sarif_str(f, r->advice);
        fputs(", \"tests\": [", f);
        for (size_t k = 0; k < r->ntests; k++) {
            fputs(k ? ", " : "", f);
            sarif_str(f, r->tests[k]);
        }
        fputs("]}}", f);
    }
    fputs("]}]}\n", f);
}
