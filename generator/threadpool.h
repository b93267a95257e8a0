/* threadpool.h - a persistent pool of worker threads for the generator.
 *
 * Created once per model with N threads; the calling thread is worker 0 and
 * N-1 pthreads are started. Each dispatch runs one function on every worker
 * and returns when all are done (a barrier), so no per-dispatch allocation
 * and no per-dispatch thread creation.
 *
 * Between dispatches workers spin for a bounded time (LAWQA_SPIN_US env var,
 * default 200 microseconds, with the pause instruction) before sleeping on a
 * futex: waking a sleeping vCPU costs up to milliseconds here, while a decode
 * step dispatches every ~50-100 us, so a short spin keeps workers hot during
 * generation without burning a core when the model is idle.
 *
 * A pool must be driven by one thread at a time (the one that created it or
 * any single other thread); dispatches do not nest.
 */
#ifndef LAWQA_THREADPOOL_H
#define LAWQA_THREADPOOL_H

#include <stdint.h>

struct threadpool;

/* Work function for tp_run: ith in [0, nth). */
typedef void (*tp_task_fn)(void *arg, int ith, int nth);

/* Work function for tp_parallel_for: handles items [begin, end). */
typedef void (*tp_range_fn)(void *arg, int64_t begin, int64_t end, int ith);

/* n_threads >= 1 (1 means: no extra threads, everything runs inline).
 * Returns NULL on failure (bad argument, out of memory, pthread_create). */
struct threadpool *tp_create(int n_threads);

/* Stops and joins the workers and frees the pool. NULL is allowed. */
void tp_destroy(struct threadpool *tp);

/* Number of workers including the caller; 1 for tp == NULL. */
int tp_n_threads(const struct threadpool *tp);

/* Runs fn(arg, ith, nth) once on each of the nth workers (the caller is
 * ith = 0) and waits for all. tp == NULL runs fn(arg, 0, 1) inline. */
void tp_run(struct threadpool *tp, tp_task_fn fn, void *arg);

/* Splits [0, n) into one contiguous chunk per worker, each chunk a multiple
 * of grain items (except the last, which takes the remainder; grain < 1 is
 * treated as 1), and calls fn on every non-empty chunk. With n smaller than
 * nth*grain some workers get nothing. tp == NULL runs fn(arg, 0, n, 0). */
void tp_parallel_for(struct threadpool *tp, int64_t n, int64_t grain, tp_range_fn fn, void *arg);

/* The chunk [*begin, *end) that worker ith of nth gets for n items with the
 * given grain (the split tp_parallel_for uses; exposed for tp_run users). */
void tp_split(int64_t n, int64_t grain, int ith, int nth, int64_t *begin, int64_t *end);

#endif
