/* A stand-in for a quiet library (its name contains "libjemalloc"): lock
 * calls made from here are not the program's synchronization, and once a
 * call site of it is classified, its PLT slots bound to the shim's mutex,
 * condvar and semaphore wrappers lead to the real functions
 * (test_quiet_bypass.c). */
#include <pthread.h>
#include <semaphore.h>

int quiet_lib_cycle(pthread_mutex_t *m, pthread_cond_t *c, sem_t *s, pthread_rwlock_t *rw)
{
    int rc = pthread_mutex_lock(m);
    rc |= pthread_mutex_unlock(m);
    if (pthread_mutex_trylock(m) == 0)
        rc |= pthread_mutex_unlock(m);
    rc |= pthread_cond_signal(c);
    rc |= sem_post(s);
    rc |= sem_wait(s);
    rc |= pthread_rwlock_rdlock(rw);
    rc |= pthread_rwlock_unlock(rw);
    return rc;
}
