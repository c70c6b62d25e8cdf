/* See fuzz_io.h. */
#define _GNU_SOURCE
#include "fuzz_io.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir[64];
static FILE *fuzz_null, *fuzz_out, *fuzz_err;

static void fuzz_cleanup(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/input.trace", fuzz_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/input.json", fuzz_dir);
    unlink(path);
    rmdir(fuzz_dir);
}

const char *fuzz_input_file(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[128];
    if (!fuzz_dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/bpyrace-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir)) {
            perror(fuzz_dir);
            abort();
        }
        atexit(fuzz_cleanup);
    }
    snprintf(path, sizeof path, "%s/input%s", fuzz_dir, suffix);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            perror(path);
            abort();
        }
        done += (size_t)n;
    }
    close(fd);
    return path;
}

void fuzz_quiet_begin(void)
{
    if (!fuzz_null && !(fuzz_null = fopen("/dev/null", "w")))
        abort();
    fflush(stdout);
    fflush(stderr);
    fuzz_out = stdout;
    fuzz_err = stderr;
    stdout = fuzz_null;   /* (glibc's streams are assignable variables) */
    stderr = fuzz_null;
}

void fuzz_quiet_end(void)
{
    fflush(fuzz_null);
    stdout = fuzz_out;
    stderr = fuzz_err;
}
