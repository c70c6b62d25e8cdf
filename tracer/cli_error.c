/* Error prints for the bpyrace command: see cli_error.h. */
#include "cli_error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void cli_vprint(const char *fmt, va_list ap, const char *tail)
{
    fflush(stdout);   /* keep stdout (dump) and stderr in order on a terminal */
    fputs("bpyrace: ", stderr);
    vfprintf(stderr, fmt, ap);
    if (tail)
        fputs(tail, stderr);
    fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vprint(fmt, ap, NULL);
    va_end(ap);
}

void cli_perror(const char *fmt, ...)
{
    int err = errno;
    char tail[160];
    snprintf(tail, sizeof tail, ": %s", strerror(err));
    va_list ap;
    va_start(ap, fmt);
    cli_vprint(fmt, ap, tail);
    va_end(ap);
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_vprint(fmt, ap, " (see bpyrace --help)");
    va_end(ap);
    return CLI_EXIT_USAGE;
}

void cli_file_warning(const char *file, const char *text)
{
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        int n = nl ? (int)(nl - text) : (int)strlen(text);
        cli_error("%s: warning: %.*s", file, n, text);
        text += n + (nl ? 1 : 0);
    }
}
