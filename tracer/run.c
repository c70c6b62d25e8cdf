/* bpyrace run: launch the program under the shim, wait, analyze.
 * bpyrace report: analyze a recorded trace again.
 * Exit statuses: interface.md (program status / --exitcode / 2). */
#define _GNU_SOURCE
#include "cli.h"
#include "cli_error.h"
#include "trace_format.h"
#include "../reports/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUN_SHIM_NAME "libbpyrace_shim.so"

static volatile sig_atomic_t run_child_pid;

static void run_forward(int sig)
{
    if (run_child_pid > 0)
        kill((pid_t)run_child_pid, sig);
}

/* Once the program is gone, a stop (Ctrl-C, SIGTERM from a CI timeout) ends
 * the analysis at once; the trace stays where it is and the line says so. */
static char run_stop_line[PATH_MAX + 96];
static size_t run_stop_len;

static void run_stop(int sig)
{
    if (run_stop_len) {
        ssize_t w = write(2, run_stop_line, run_stop_len);
        (void)w;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void run_stoppable(const char *trace)
{
    int n = snprintf(run_stop_line, sizeof run_stop_line,
                     "bpyrace: %s: analysis stopped; trace kept\n", trace);
    run_stop_len = n > 0 && (size_t)n < sizeof run_stop_line ? (size_t)n : 0;
    struct sigaction sa = { .sa_handler = run_stop };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static bool run_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool cli_exe_dir(char *out, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        cli_perror("/proc/self/exe");
        return false;
    }
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = 0;
    if (snprintf(out, len, "%s", exe) >= (int)len) {
        cli_error("%s: path too long", exe);
        return false;
    }
    return true;
}

/* The shim: beside the bpyrace executable (build tree) or in
 * <prefix>/lib/bpyrace/ (installed: <prefix>/bin/bpyrace).  BPYRACE_SHIM
 * overrides both (development; docs/options.md). */
static bool run_find_shim(char *out, size_t len)
{
    const char *env = getenv("BPYRACE_SHIM");
    if (env && *env) {
        if (!realpath(env, out) || !run_is_file(out)) {
            cli_error("%s: no such shim library (from BPYRACE_SHIM)", env);
            return false;
        }
        return true;
    }
    char exe[PATH_MAX];
    if (!cli_exe_dir(exe, sizeof exe))
        return false;
    if (snprintf(out, len, "%s/%s", exe, RUN_SHIM_NAME) < (int)len && run_is_file(out))
        return true;
    char real[PATH_MAX];
    if (snprintf(out, len, "%s/../lib/bpyrace/%s", exe, RUN_SHIM_NAME) < (int)len &&
        realpath(out, real) && run_is_file(real)) {
        snprintf(out, len, "%s", real);
        return true;
    }
    cli_error("cannot find %s beside %s or in %s/../lib/bpyrace", RUN_SHIM_NAME, exe, exe);
    return false;
}

/* PATH made absolute against the working directory (the program may chdir). */
static bool run_absolute(const char *path, char *out, size_t len)
{
    if (path[0] == '/') {
        snprintf(out, len, "%s", path);
        return true;
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
        cli_perror("getcwd");
        return false;
    }
    if ((size_t)snprintf(out, len, "%s/%s", cwd, path) >= len) {
        cli_error("%s: path too long", path);
        return false;
    }
    return true;
}

/* In the child: environment for the shim, then exec.  Never returns; an
 * exec failure is passed to the parent through the CLOEXEC pipe ERRFD. */
static void run_child(const struct cli_options *o, char **argv, const char *shim,
                      const char *trace_opt, const char *private_dir, int errfd)
{
    char trace[PATH_MAX + 32], buf[PATH_MAX * 2];
    pid_t self = getpid();
    if (trace_opt)
        snprintf(trace, sizeof trace, "%s", trace_opt);
    else
        snprintf(trace, sizeof trace, "%s/bpyrace-%d.trace", private_dir, (int)self);
    const char *old = getenv("LD_PRELOAD");
#ifdef BPYRACE_SANITIZER_RUNTIME
    /* A sanitizer build of the shim (CI) needs its runtime preloaded too.  It
     * goes after the shim: the runtime intercepts pthread_create as well, and
     * the shim must see the program's calls first (it then calls the
     * runtime's through RTLD_NEXT).  The traced program is not ours to
     * leak-check. */
    const char *after = ":" BPYRACE_SANITIZER_RUNTIME;
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 0);
#else
    const char *after = "";
#endif
    if (old && *old)
        snprintf(buf, sizeof buf, "%s%s:%s", shim, after, old);
    else
        snprintf(buf, sizeof buf, "%s%s", shim, after);
    setenv("LD_PRELOAD", buf, 1);
    setenv("BPYRACE_TRACE", trace, 1);
    setenv("BPYRACE_TRACE_NEW", "1", 1);   /* the name is free: the shim creates it O_EXCL */
    snprintf(buf, sizeof buf, "%d", (int)self);
    setenv("BPYRACE_ROOT_PID", buf, 1);
    snprintf(buf, sizeof buf, "%ld", o->stack_depth);
    setenv("BPYRACE_STACK_DEPTH", buf, 1);
    if (o->native_stacks)
        setenv("BPYRACE_NATIVE_STACKS", "1", 1);
    else
        unsetenv("BPYRACE_NATIVE_STACKS");
    if (o->patch_entry_points)
        setenv("BPYRACE_PATCH_ENTRY_POINTS", "1", 1);
    else
        unsetenv("BPYRACE_PATCH_ENTRY_POINTS");
    /* the hooks that make thread-pool jobs tasks (the shim warns without) */
    char share[PATH_MAX];
    if (cli_share_dir(share, sizeof share, true)) {
        snprintf(buf, sizeof buf, "%s/bpyrace_pools.py", share);
        setenv("BPYRACE_POOLS_PY", buf, 1);
    }

    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    execvp(argv[0], argv);
    int err = errno;
    ssize_t w = write(errfd, &err, sizeof err);
    (void)w;
    _exit(127);
}

/* Other processes' traces (TRACE.<pid>) written by this run: listed only.
 * Returns whether there was one. */
static bool run_list_children(const char *trace, time_t since)
{
    bool any = false;
    char dir[PATH_MAX];
    if (snprintf(dir, sizeof dir, "%s", trace) >= (int)sizeof dir)
        return false;
    char *slash = strrchr(dir, '/');
    const char *base = slash ? slash + 1 : trace;
    size_t blen = strlen(base);
    if (slash)
        *slash = 0;
    DIR *d = opendir(slash ? (dir[0] ? dir : "/") : ".");
    if (!d)
        return false;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *n = e->d_name;
        if (strncmp(n, base, blen) || n[blen] != '.' || !n[blen + 1] ||
            strspn(n + blen + 1, "0123456789") != strlen(n + blen + 1))
            continue;
        char full[PATH_MAX * 2];
        snprintf(full, sizeof full, "%s/%s", slash ? dir : ".", n);
        struct stat st;
        if (stat(full, &st) == 0 && st.st_mtime >= since) {
            cli_error("also traced: %s (not analyzed; see bpyrace report)", full);
            any = true;
        }
    }
    closedir(d);
    return any;
}

/* Without -o the trace lives in a private directory (mode 0700) that is
 * removed once the report is written; it stays, and its path is printed,
 * when the run or the analysis failed, so nothing is lost. */
static bool run_private_dir(char *out, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, len, "%s/bpyrace-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(out)) {
        cli_perror("%s", out);
        return false;
    }
    return true;
}

/* Why the trace must be kept, or NULL: the program died of a signal, the
 * trace was not closed (the process did not exit cleanly), the analysis
 * failed, or other processes left traces beside it. */
static const char *run_keep_reason(const char *trace, int status, int races, bool children)
{
    if (WIFSIGNALED(status))
        return "the program was killed";
    if (races < 0)
        return "the analysis failed";
    if (children)
        return "other processes' traces are beside it";
    struct trace_file_header h;
    int fd = open(trace, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? pread(fd, &h, sizeof h, 0) : -1;
    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)sizeof h || !h.closed)
        return "the program did not exit cleanly";
    return NULL;
}

/* Remove DIR and the traces in it. */
static void run_remove_private(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char full[PATH_MAX * 2];
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        if (unlink(full) != 0)
            cli_perror("%s", full);
    }
    if (d)
        closedir(d);
    if (rmdir(dir) != 0)
        cli_perror("%s", dir);
}

static int run_status(int races, int program_status, long exitcode)
{
    if (races < 0)
        return CLI_EXIT_USAGE;
    if (races > 0 && exitcode != 0)
        return (int)exitcode;
    return program_status;
}

static void run_report_options(const struct cli_options *o, struct report_options *ro)
{
    memset(ro, 0, sizeof *ro);
    ro->json_path = o->json;
    ro->sarif_path = o->sarif;
    ro->junit_path = o->junit;
    ro->timeline_path = o->timeline;
    ro->suppressions_path = o->suppressions;
    ro->quiet = o->quiet;
}

int cli_run(const struct cli_options *o, char **argv)
{
    char shim[PATH_MAX], trace_opt[PATH_MAX];
    if (!run_find_shim(shim, sizeof shim))
        return CLI_EXIT_USAGE;
    if (o->trace && !run_absolute(o->trace, trace_opt, sizeof trace_opt))
        return CLI_EXIT_USAGE;
    /* A file at the -o name is not overwritten unless asked (it may be an
     * earlier run's trace, or anything else); with --force it is removed, as
     * a stale trace would be analyzed as this run's.  lstat: a symlink there
     * is itself what gets removed, never its target. */
    struct stat st;
    if (o->trace && lstat(trace_opt, &st) == 0) {
        if (!o->force) {
            cli_error("%s: file exists; not overwritten (use --force to replace it)", trace_opt);
            return CLI_EXIT_USAGE;
        }
        if (unlink(trace_opt) != 0) {
            cli_perror("%s", trace_opt);
            return CLI_EXIT_USAGE;
        }
    }
    char private_dir[PATH_MAX] = "";
    if (!o->trace && !run_private_dir(private_dir, sizeof private_dir))
        return CLI_EXIT_USAGE;
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        cli_perror("pipe");
        return CLI_EXIT_USAGE;
    }
    fflush(NULL);
    time_t started = time(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        cli_perror("fork");
        return CLI_EXIT_USAGE;
    }
    if (pid == 0) {
        close(pfd[0]);
        run_child(o, argv, shim, o->trace ? trace_opt : NULL, private_dir, pfd[1]);
    }
    close(pfd[1]);
    /* The program owns the terminal's signals; we forward polite stops. */
    run_child_pid = pid;
    struct sigaction sa = { .sa_handler = SIG_IGN };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    sa.sa_handler = run_forward;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    int exec_err = 0;
    ssize_t n;
    do
        n = read(pfd[0], &exec_err, sizeof exec_err);
    while (n < 0 && errno == EINTR);
    close(pfd[0]);

    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            cli_perror("waitpid");
            return CLI_EXIT_USAGE;
        }
    }
    run_child_pid = 0;
    if (n == (ssize_t)sizeof exec_err) {
        errno = exec_err;
        cli_perror("%s", argv[0]);
        return CLI_EXIT_USAGE;
    }
    int program_status = WIFEXITED(status) ? WEXITSTATUS(status)
                       : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;

    char trace[PATH_MAX + 32];
    if (o->trace)
        snprintf(trace, sizeof trace, "%s", trace_opt);
    else
        snprintf(trace, sizeof trace, "%s/bpyrace-%d.trace", private_dir, (int)pid);
    if (access(trace, F_OK) != 0) {
        cli_error("%s: no trace written (is the program linked with libpython?)", trace);
        if (!o->trace)
            run_remove_private(private_dir);
        return program_status;
    }
    run_stoppable(trace);
    bool children = run_list_children(trace, started);
    struct report_options ro;
    run_report_options(o, &ro);
    ro.program_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    ro.program_exit = WIFEXITED(status) ? 1 + WEXITSTATUS(status) : 0;
    int races = report_trace(trace, &ro);
    if (!o->trace) {
        const char *why = run_keep_reason(trace, status, races, children);
        if (why)
            cli_error("%s: trace kept (%s)", trace, why);
        else
            run_remove_private(private_dir);
    }
    return run_status(races, program_status, o->exitcode);
}

int cli_report(const struct cli_options *o, const char *trace)
{
    struct report_options ro;
    run_report_options(o, &ro);
    return run_status(report_trace(trace, &ro), 0, o->exitcode);
}
