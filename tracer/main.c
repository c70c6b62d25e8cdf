/* The bpyrace command: subcommand dispatch and the option parser.
 * Options come from one table (options.def); BPYRACE_OPTIONS is parsed
 * first with the same table, then the command line overrides it. */
#include "cli.h"
#include "cli_error.h"
#include "test_cmd.h"
#include "viewer.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BPYRACE_VERSION
#define BPYRACE_VERSION "0.0.0"
#endif

enum cli_type { CLI_T_STR, CLI_T_INT, CLI_T_BOOL };

struct cli_optdesc {
    enum cli_type type;
    const char *name;      /* C name: '_' where the option has '-' */
    char shortc;
    const char *def;       /* the default as written in options.def */
    const char *help;
    size_t off;
};

static const struct cli_optdesc cli_opts[] = {
#define BPR_OPTION(type, name, short, def, help) \
    { CLI_T_##type, #name, short, #def, help, offsetof(struct cli_options, name) },
#include "options.def"
#undef BPR_OPTION
};
#define CLI_NOPTS (sizeof cli_opts / sizeof cli_opts[0])

static const struct cli_options cli_defaults = {
#define BPR_OPTION(type, name, short, def, help) .name = def,
#include "options.def"
#undef BPR_OPTION
};

/* "native_stacks" -> "native-stacks" */
static const char *cli_long_name(const struct cli_optdesc *d, char *buf, size_t len)
{
    snprintf(buf, len, "%s", d->name);
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = '-';
    return buf;
}

/* Find an option by long name (either spelling), NAME of length N. */
static const struct cli_optdesc *cli_find(const char *name, size_t n)
{
    for (size_t i = 0; i < CLI_NOPTS; i++) {
        const char *c = cli_opts[i].name;
        if (strlen(c) != n)
            continue;
        size_t k = 0;
        while (k < n && (name[k] == c[k] || (name[k] == '-' && c[k] == '_')))
            k++;
        if (k == n)
            return &cli_opts[i];
    }
    return NULL;
}

static const struct cli_optdesc *cli_find_short(char c)
{
    for (size_t i = 0; i < CLI_NOPTS; i++)
        if (cli_opts[i].shortc && cli_opts[i].shortc == c)
            return &cli_opts[i];
    return NULL;
}

static const char *cli_metavar(enum cli_type t)
{
    return t == CLI_T_STR ? " FILE" : t == CLI_T_INT ? " N" : "";
}

/* Store VALUE (NULL for a bare switch) into O.  SHOWN is the option as the
 * user wrote it, for messages.  Returns 0 or CLI_EXIT_USAGE. */
static int cli_set(struct cli_options *o, const struct cli_optdesc *d, const char *value,
                   const char *shown)
{
    char *field = (char *)o + d->off;
    switch (d->type) {
    case CLI_T_STR:
        if (!value)
            return cli_usage_error("option '%s' needs an argument", shown);
        *(const char **)field = value;
        return 0;
    case CLI_T_INT: {
        if (!value)
            return cli_usage_error("option '%s' needs an argument", shown);
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < 0 || v > 255)
            return cli_usage_error("option '%s' takes a number from 0 to 255, not '%s'", shown, value);
        *(long *)field = v;
        return 0;
    }
    case CLI_T_BOOL:
        if (!value || !strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes"))
            *(bool *)field = true;
        else if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "no"))
            *(bool *)field = false;
        else
            return cli_usage_error("option '%s' takes no argument, or 0/1, not '%s'", shown, value);
        return 0;
    }
    return 0;
}

/* BPYRACE_OPTIONS: space-separated, "name=value", "--name=value",
 * "--name value" or a bare switch "quiet", like TSAN_OPTIONS.  The string
 * is copied and kept for the process lifetime (options point into it). */
static int cli_parse_env(struct cli_options *o)
{
    const char *env = getenv("BPYRACE_OPTIONS");
    if (!env || !*env)
        return 0;
    static char *copy;   /* static: reachable, not a leak */
    copy = strdup(env);
    if (!copy)
        return CLI_EXIT_USAGE;
    char *save = NULL;
    for (char *tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
        char *name = tok;
        while (*name == '-')
            name++;
        char *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        const struct cli_optdesc *d = cli_find(name, n);
        if (!d || n == 0)
            return cli_usage_error("unknown option '%s' in BPYRACE_OPTIONS", tok);
        const char *value = eq ? eq + 1 : NULL;
        if (!value && d->type != CLI_T_BOOL)
            value = strtok_r(NULL, " \t\n", &save);
        int rc = cli_set(o, d, value, tok);
        if (rc)
            return rc;
    }
    return 0;
}

/* Parse ARGV[*I...] until the first positional argument (or "--", which is
 * skipped).  Leaves *I at that argument.  Returns 0 or CLI_EXIT_USAGE. */
static int cli_parse_args(struct cli_options *o, int argc, char **argv, int *i)
{
    while (*i < argc) {
        char *arg = argv[*i];
        if (!strcmp(arg, "--")) {
            (*i)++;
            return 0;
        }
        if (arg[0] != '-' || arg[1] == 0)
            return 0;
        const struct cli_optdesc *d;
        const char *value = NULL;
        char shown[64];
        if (arg[1] == '-') {
            char *eq = strchr(arg + 2, '=');
            size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
            d = cli_find(arg + 2, n);
            if (!d) {
                snprintf(shown, sizeof shown, "%.*s", (int)(n + 2), arg);
                return cli_usage_error("unknown option '%s'", shown);
            }
            snprintf(shown, sizeof shown, "--%.*s", (int)n, arg + 2);
            value = eq ? eq + 1 : NULL;
        } else {
            d = cli_find_short(arg[1]);
            if (!d)
                return cli_usage_error("unknown option '-%c'", arg[1]);
            snprintf(shown, sizeof shown, "-%c", arg[1]);
            value = arg[2] ? arg + 2 : NULL;
        }
        (*i)++;
        if (!value && d->type != CLI_T_BOOL && *i < argc)
            value = argv[(*i)++];
        int rc = cli_set(o, d, value, shown);
        if (rc)
            return rc;
    }
    return 0;
}

static void cli_help(FILE *f)
{
    fputs("usage: bpyrace run [OPTIONS] [--] PROGRAM [ARGS...]   record, analyze, report\n"
          "       bpyrace report [OPTIONS] TRACE                analyze a recorded trace again\n"
          "       bpyrace dump TRACE                            the raw events, one JSON object a line\n"
          "       bpyrace test [OPTIONS] -- PROGRAM [ARGS...]   run a test suite, races attributed per test\n"
          "       bpyrace report [OPTIONS] --merge REPORT.json...  merge reports (e.g. of CI shards)\n"
          "       bpyrace view TRACE|REPORT.json                the terminal report viewer\n"
          "       bpyrace --help | --version\n"
          "\n"
          "options (also taken from BPYRACE_OPTIONS, e.g. BPYRACE_OPTIONS=\"quiet exitcode=1\";\n"
          "the command line overrides it):\n", f);
    for (size_t i = 0; i < CLI_NOPTS; i++) {
        const struct cli_optdesc *d = &cli_opts[i];
        char name[40], col[64];
        snprintf(col, sizeof col, "%s%s--%s%s", d->shortc ? (char[]){ '-', d->shortc, 0 } : "",
                 d->shortc ? ", " : "    ", cli_long_name(d, name, sizeof name), cli_metavar(d->type));
        fprintf(f, "  %-24s %s", col, d->help);
        if (d->type == CLI_T_INT)
            fprintf(f, " (default %s)", d->def);
        fputc('\n', f);
    }
    fputs("\n"
          "exit status: the program's own (run) or 0 (report) when no race was found,\n"
          "--exitcode when races were found, 2 for bpyrace's own usage or input errors.\n", f);
}

/* The option table as docs/options.md shows it (kept in sync by a test). */
static void cli_help_markdown(FILE *f)
{
    fputs("| option | default | meaning |\n| --- | --- | --- |\n", f);
    for (size_t i = 0; i < CLI_NOPTS; i++) {
        const struct cli_optdesc *d = &cli_opts[i];
        char name[40];
        fputs("| `", f);
        if (d->shortc)
            fprintf(f, "-%c, ", d->shortc);
        fprintf(f, "--%s%s` | %s | %s |\n", cli_long_name(d, name, sizeof name),
                cli_metavar(d->type),
                d->type == CLI_T_STR ? "none" : d->type == CLI_T_BOOL ? "off" : d->def,
                d->help);
    }
}

/* report and dump take one TRACE, with options before or after it. */
static int cli_one_trace(struct cli_options *o, const char *cmd, int argc, char **argv,
                         int i, const char **trace)
{
    *trace = NULL;
    while (i < argc) {
        int rc = cli_parse_args(o, argc, argv, &i);
        if (rc)
            return rc;
        if (i >= argc)
            break;
        if (*trace)
            return cli_usage_error("%s: unexpected argument '%s'", cmd, argv[i]);
        *trace = argv[i++];
    }
    if (!*trace)
        return cli_usage_error("%s: no trace file given", cmd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("no command given");
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        cli_help(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("bpyrace %s\n", BPYRACE_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "help-options") && argc == 3 && !strcmp(argv[2], "--markdown")) {
        cli_help_markdown(stdout);
        return 0;
    }
    if (!strcmp(cmd, "test")) {   /* test_cmd.c: a test suite, races attributed per test */
        struct cli_options to = cli_defaults;
        int trc = cli_parse_env(&to), ti = 2;
        if (trc || (trc = cli_parse_args(&to, argc, argv, &ti)))
            return trc;
        if (ti >= argc)
            return cli_usage_error("test: no program given");
        return cli_test(&to, argv + ti);
    }
    if (!strcmp(cmd, "view")) {
        /* viewer/: one TRACE or REPORT.json; --suppressions applies to a trace */
        struct cli_options vo = cli_defaults;
        const char *path;
        int vrc = cli_parse_env(&vo);
        if (vrc || (vrc = cli_one_trace(&vo, cmd, argc, argv, 2, &path)))
            return vrc;
        return viewer_main(path, vo.suppressions);
    }
    if (!strcmp(cmd, "view") || !strcmp(cmd, "test")) {
        cli_error("'%s' is not implemented yet", cmd);
        return CLI_EXIT_USAGE;
    }
    bool is_run = !strcmp(cmd, "run"), is_report = !strcmp(cmd, "report"),
         is_dump = !strcmp(cmd, "dump");
    if (!is_run && !is_report && !is_dump) {
        if (cmd[0] == '-')
            return cli_usage_error("unknown option '%s'", cmd);
        return cli_usage_error("unknown command '%s'", cmd);
    }

    struct cli_options o = cli_defaults;
    int rc = cli_parse_env(&o);
    if (rc)
        return rc;
    if (is_report) {
        for (int k = 2; k < argc && strcmp(argv[k], "--"); k++)
            if (!strcmp(argv[k], "--merge")) {
                /* test_cmd.c: options anywhere, every other argument a JSON report */
                char **files = calloc((size_t)argc, sizeof *files), **rest = calloc((size_t)argc, sizeof *rest);
                int nfiles = 0, nrest = 0, mi = 0;
                if (!files || !rest)
                    return CLI_EXIT_USAGE;
                for (int a = 2; a < argc; a++)
                    if (strcmp(argv[a], "--merge"))
                        rest[nrest++] = argv[a];
                while (mi < nrest) {
                    if ((rc = cli_parse_args(&o, nrest, rest, &mi)))
                        break;
                    if (mi < nrest)
                        files[nfiles++] = rest[mi++];
                }
                if (!rc)
                    rc = nfiles ? cli_report_merge(&o, files, nfiles)
                                : cli_usage_error("report --merge: no JSON report given");
                free(files);
                free(rest);
                return rc;
            }
    }
    int i = 2;
    if (is_run) {
        /* Options stop at the program: its own options are its business. */
        if ((rc = cli_parse_args(&o, argc, argv, &i)))
            return rc;
        if (i >= argc)
            return cli_usage_error("run: no program given");
        return cli_run(&o, argv + i);
    }
    const char *trace;
    if ((rc = cli_one_trace(&o, cmd, argc, argv, i, &trace)))
        return rc;
    return is_report ? cli_report(&o, trace) : cli_dump(trace);
}
