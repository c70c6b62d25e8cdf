/* bpyrace test: `run` with the test-runner hooks bpyrace ships
 * (share/bpyrace: a pytest plugin and a unittest hook) loaded into the
 * traced Python, so each test's start, outcome and end are marks in the
 * trace and every race names its tests.  Nothing changes in the user's
 * tests: the shim puts the hooks' directory on sys.path and imports the
 * unittest hook; pytest loads the plugin from PYTEST_PLUGINS.
 * bpyrace report --merge: reports of CI shards into one.  docs/testing.md. */
#define _GNU_SOURCE
#include "test_cmd.h"
#include "cli.h"
#include "cli_error.h"
#include "../reports/report.h"
#include "../reports/race_report.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool test_is_hooks_dir(const char *dir)
{
    char p[PATH_MAX + 32];
    struct stat st;
    snprintf(p, sizeof p, "%s/bpyrace_hook.py", dir);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* BPYRACE_SHARE, else <dir of bpyrace>/share/bpyrace (build tree), else
 * <dir of bpyrace>/../share/bpyrace (installed).  QUIET: no error line. */
bool cli_share_dir(char *out, size_t len, bool quiet)
{
    const char *env = getenv("BPYRACE_SHARE");
    if (env && *env) {
        if (realpath(env, out) && test_is_hooks_dir(out))
            return true;
        if (!quiet)
            cli_error("%s: no bpyrace test hooks there (from BPYRACE_SHARE)", env);
        return false;
    }
    char exe[PATH_MAX], tmp[PATH_MAX + 64];
    if (!cli_exe_dir(exe, sizeof exe))
        return false;
    const char *const rel[] = {"share/bpyrace", "../share/bpyrace"};
    for (int i = 0; i < 2; i++) {
        snprintf(tmp, sizeof tmp, "%s/%s", exe, rel[i]);
        if (realpath(tmp, out) && test_is_hooks_dir(out))
            return true;
    }
    (void)len;
    if (!quiet)
        cli_error("cannot find bpyrace's test hooks (bpyrace_hook.py) in %s/share/bpyrace or %s/../share/bpyrace",
              exe, exe);
    return false;
}

int cli_test(const struct cli_options *o, char **argv)
{
    char dir[PATH_MAX];
    if (!cli_share_dir(dir, sizeof dir, false))
        return CLI_EXIT_USAGE;
    setenv("BPYRACE_TEST_PY", dir, 1);
    /* A child Python without the shim's module (a subprocess running pytest)
     * must still find the plugin PYTEST_PLUGINS names; it then marks nothing. */
    const char *pp = getenv("PYTHONPATH");
    if (!pp || !strstr(pp, dir)) {
        size_t len = strlen(dir) + (pp ? strlen(pp) : 0) + 2;
        char *v = malloc(len);
        if (!v)
            return CLI_EXIT_USAGE;
        snprintf(v, len, "%s%s%s", dir, pp && *pp ? ":" : "", pp && *pp ? pp : "");
        setenv("PYTHONPATH", v, 1);
        free(v);
    }
    /* pytest loads the plugin by module name; keep the user's plugins. */
    const char *old = getenv("PYTEST_PLUGINS");
    if (old && *old && !strstr(old, "bpyrace_pytest")) {
        size_t len = strlen(old) + 32;
        char *v = malloc(len);
        if (!v)
            return CLI_EXIT_USAGE;
        snprintf(v, len, "%s,bpyrace_pytest", old);
        setenv("PYTEST_PLUGINS", v, 1);
        free(v);
    } else if (!old || !*old) {
        setenv("PYTEST_PLUGINS", "bpyrace_pytest", 1);
    }
    return cli_run(o, argv);
}

int cli_report_merge(const struct cli_options *o, char **files, int n)
{
    struct report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.json_path = o->json;
    ro.sarif_path = o->sarif;
    ro.junit_path = o->junit;
    ro.quiet = o->quiet;
    int races = report_merge(files, n, &ro);
    if (races < 0)
        return CLI_EXIT_USAGE;
    return races > 0 && o->exitcode ? (int)o->exitcode : 0;
}
