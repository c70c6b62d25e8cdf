/* Fork while other threads are inside the shim's spinlocks (a helper of
 * tests/process/hostile.py, case fork_stress).  Two threads create and join
 * trivial threads in a loop, so thread.c's join_lock is often held; the main
 * thread forks FORKS times, and each child creates and joins a thread (the
 * shim's pthread_join takes join_lock even in an inert child) and _exits 0.
 * A child not done within 10 s is killed: the program then exits 1.
 * Linked with libpython only so that the shim records it (_PyRuntime).
 * Run directly with the shim preloaded (no analysis): each thread takes a
 * 64 KiB chunk, and 300 forks make a trace of about 250 MB.  Before the
 * shim reset its spinlocks in the child, about 5 of 300 children hung. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char _PyRuntime[];
static atomic_int stop;

static void *nothing(void *arg) { return arg; }

static void *churn(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        pthread_t t;
        if (pthread_create(&t, NULL, nothing, NULL) == 0)
            pthread_join(t, NULL);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int forks = argc > 1 ? atoi(argv[1]) : 500, hung = 0, failed = 0;
    char *volatile keep = _PyRuntime;   /* a real reference: libpython stays linked */
    if (!keep)
        return 3;
    pthread_t churners[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&churners[i], NULL, churn, NULL);
    for (int k = 0; k < forks; k++) {
        pid_t pid = fork();
        if (pid == 0) {
            pthread_t t;
            int rc = pthread_create(&t, NULL, nothing, NULL);
            if (rc == 0)
                pthread_join(t, NULL);
            _exit(rc == 0 ? 0 : 2);
        }
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        int status = 0;
        struct timespec start, now;
        clock_gettime(CLOCK_MONOTONIC, &start);
        for (;;) {
            if (waitpid(pid, &status, WNOHANG) == pid)
                break;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - start.tv_sec >= 10) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                hung++;
                break;
            }
            usleep(200);
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(churners[i], NULL);
    printf("H forks %d hung %d failed %d\n", forks, hung, failed);
    return hung || failed;
}
