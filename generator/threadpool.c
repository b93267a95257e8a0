/* threadpool.c - persistent workers; spin briefly, then sleep on a futex.
 *
 * A dispatch publishes (fn, arg) and bumps the generation counter `gen`;
 * workers wait for gen to change, run their share, and decrement `pending`.
 * The caller (worker 0) runs its share and then waits for pending == 0. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "threadpool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#else
#define cpu_relax() ((void)0)
#endif

struct worker {
    struct threadpool *tp;
    int ith;
    pthread_t thread;
};

struct threadpool {
    int n;
    int64_t spin_ns;
    int oversubscribed; /* more workers than online CPUs: spin politely */
    tp_task_fn fn;
    void *arg;
    atomic_int gen;      /* bumped once per dispatch (futex word) */
    atomic_int pending;  /* workers still running the current dispatch */
    atomic_int sleepers; /* workers in (or entering) futex wait */
    atomic_int stop;
    struct worker *workers; /* n - 1 of them */
};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void futex_wait(atomic_int *addr, int expected)
{
    syscall(SYS_futex, (int *)addr, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake_all(atomic_int *addr)
{
    syscall(SYS_futex, (int *)addr, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}

/* Waits until gen differs from seen: spin for spin_ns, then sleep. */
static int wait_new_gen(struct threadpool *tp, int seen)
{
    int64_t deadline = 0;
    for (unsigned i = 0;; i++) {
        int g = atomic_load_explicit(&tp->gen, memory_order_acquire);
        if (g != seen)
            return g;
        if ((i & 255) == 0) {
            int64_t t = now_ns();
            if (!deadline)
                deadline = t + tp->spin_ns;
            else if (t >= deadline)
                break;
            /* with more workers than cores, let the one that still has work
             * run instead of burning its time slice */
            if (tp->oversubscribed && (i & 1023) == 0)
                sched_yield();
        }
        cpu_relax();
    }
    for (;;) {
        atomic_fetch_add(&tp->sleepers, 1);
        /* re-check after announcing ourselves: a dispatcher that missed the
         * announcement has already bumped gen, so we will not sleep */
        if (atomic_load(&tp->gen) == seen)
            futex_wait(&tp->gen, seen);
        atomic_fetch_sub(&tp->sleepers, 1);
        int g = atomic_load_explicit(&tp->gen, memory_order_acquire);
        if (g != seen)
            return g;
    }
}

static void *worker_main(void *p)
{
    struct worker *w = p;
    struct threadpool *tp = w->tp;
    int seen = 0;
    for (;;) {
        seen = wait_new_gen(tp, seen);
        if (atomic_load_explicit(&tp->stop, memory_order_acquire))
            return NULL;
        tp->fn(tp->arg, w->ith, tp->n);
        atomic_fetch_sub_explicit(&tp->pending, 1, memory_order_release);
    }
}

static void dispatch(struct threadpool *tp)
{
    atomic_store_explicit(&tp->pending, tp->n - 1, memory_order_relaxed);
    atomic_fetch_add(&tp->gen, 1); /* seq_cst: orders with the sleepers read */
    if (atomic_load(&tp->sleepers) > 0)
        futex_wake_all(&tp->gen);
}

struct threadpool *tp_create(int n_threads)
{
    if (n_threads < 1 || n_threads > 1024)
        return NULL;
    struct threadpool *tp = calloc(1, sizeof *tp);
    if (!tp)
        return NULL;
    tp->n = n_threads;
    tp->spin_ns = 200 * 1000;
    const char *env = getenv("LAWQA_SPIN_US");
    if (env)
        tp->spin_ns = (int64_t)atol(env) * 1000;
    tp->oversubscribed = n_threads > sysconf(_SC_NPROCESSORS_ONLN);
    if (n_threads == 1)
        return tp;
    tp->workers = calloc((size_t)n_threads - 1, sizeof *tp->workers);
    if (!tp->workers) {
        free(tp);
        return NULL;
    }
    for (int i = 1; i < n_threads; i++) {
        struct worker *w = &tp->workers[i - 1];
        w->tp = tp;
        w->ith = i;
        if (pthread_create(&w->thread, NULL, worker_main, w)) {
            tp->n = i; /* join only the started ones */
            tp_destroy(tp);
            return NULL;
        }
    }
    return tp;
}

void tp_destroy(struct threadpool *tp)
{
    if (!tp)
        return;
    if (tp->n > 1) {
        atomic_store_explicit(&tp->stop, 1, memory_order_release);
        dispatch(tp);
        for (int i = 1; i < tp->n; i++)
            pthread_join(tp->workers[i - 1].thread, NULL);
    }
    free(tp->workers);
    free(tp);
}

int tp_n_threads(const struct threadpool *tp)
{
    return tp ? tp->n : 1;
}

void tp_run(struct threadpool *tp, tp_task_fn fn, void *arg)
{
    if (!tp || tp->n == 1) {
        fn(arg, 0, 1);
        return;
    }
    tp->fn = fn;
    tp->arg = arg;
    dispatch(tp);
    fn(arg, 0, tp->n);
    /* workers finish within the same dispatch: spin, but after ~50 us (a
     * worker was probably descheduled: other jobs, or more workers than
     * cores) yield between checks so it can get a CPU */
    int64_t t0 = 0;
    for (unsigned i = 0; atomic_load_explicit(&tp->pending, memory_order_acquire) > 0; i++) {
        if ((i & 255) == 255) {
            int64_t t = now_ns();
            if (!t0)
                t0 = t;
            else if (t - t0 > 50000 || tp->oversubscribed)
                sched_yield();
        }
        cpu_relax();
    }
}

void tp_split(int64_t n, int64_t grain, int ith, int nth, int64_t *begin, int64_t *end)
{
    if (grain < 1)
        grain = 1;
    int64_t units = (n + grain - 1) / grain;
    int64_t per = units / nth, extra = units % nth;
    int64_t u0 = ith * per + (ith < extra ? ith : extra);
    int64_t u1 = u0 + per + (ith < extra ? 1 : 0);
    *begin = u0 * grain < n ? u0 * grain : n;
    *end = u1 * grain < n ? u1 * grain : n;
}

struct range_job {
    int64_t n, grain;
    tp_range_fn fn;
    void *arg;
};

static void range_task(void *p, int ith, int nth)
{
    struct range_job *j = p;
    int64_t b, e;
    tp_split(j->n, j->grain, ith, nth, &b, &e);
    if (b < e)
        j->fn(j->arg, b, e, ith);
}

void tp_parallel_for(struct threadpool *tp, int64_t n, int64_t grain, tp_range_fn fn, void *arg)
{
    if (n <= 0)
        return;
    if (!tp || tp->n == 1) {
        fn(arg, 0, n, 0);
        return;
    }
    struct range_job j = {n, grain, fn, arg};
    tp_run(tp, range_task, &j);
}
