/* test_quant_pool.c - generator/threadpool.c: every item of a parallel-for
 * is visited exactly once, chunks are contiguous and grain-aligned, with
 * 1..4 threads, many back-to-back dispatches and dispatches after the
 * workers went to sleep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "threadpool.h"

enum { MAX_N = 1000 };

struct count_job {
    atomic_int hits[MAX_N];
    atomic_int calls;
    int64_t grain;
    int bad_chunk;
};

static void count_range(void *arg, int64_t b, int64_t e, int ith)
{
    struct count_job *j = arg;
    (void)ith;
    if (b >= e || b % j->grain)
        j->bad_chunk = 1;
    for (int64_t i = b; i < e; i++)
        atomic_fetch_add(&j->hits[i], 1);
    atomic_fetch_add(&j->calls, 1);
}

static void check_parallel_for(struct threadpool *tp, int64_t n, int64_t grain)
{
    static struct count_job j;
    memset(&j, 0, sizeof j);
    j.grain = grain;
    tp_parallel_for(tp, n, grain, count_range, &j);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(atomic_load(&j.hits[i]), 1);
    for (int64_t i = n; i < MAX_N; i++)
        assert_int_equal(atomic_load(&j.hits[i]), 0);
    assert_false(j.bad_chunk);
    assert_true(atomic_load(&j.calls) <= tp_n_threads(tp));
}

static void test_split(void **state)
{
    (void)state;
    for (int nth = 1; nth <= 5; nth++)
        for (int64_t n = 0; n < 50; n++)
            for (int64_t g = 1; g <= 8; g++) {
                int64_t expect = 0;
                for (int i = 0; i < nth; i++) {
                    int64_t b, e;
                    tp_split(n, g, i, nth, &b, &e);
                    assert_true(b <= e);
                    if (b < e) {
                        assert_int_equal(b, expect); /* contiguous, in order */
                        assert_int_equal(b % g, 0);
                        expect = e;
                    }
                }
                assert_int_equal(expect, n);
            }
}

static void test_parallel_for_threads(void **state)
{
    (void)state;
    for (int nth = 1; nth <= 4; nth++) {
        struct threadpool *tp = tp_create(nth);
        assert_non_null(tp);
        assert_int_equal(tp_n_threads(tp), nth);
        for (int64_t n = 1; n <= 40; n++)
            check_parallel_for(tp, n, 1 + n % 4);
        check_parallel_for(tp, MAX_N, 7);
        tp_destroy(tp);
    }
    check_parallel_for(NULL, 17, 1); /* no pool: inline */
}

struct sum_job {
    atomic_long total;
    int seen[8];
};

static void sum_task(void *arg, int ith, int nth)
{
    struct sum_job *j = arg;
    j->seen[ith] = nth;
    atomic_fetch_add(&j->total, ith + 1);
}

/* Many dispatches in a row: each one must be complete when tp_run returns
 * (a lost wakeup or early return shows up as a wrong total). */
static void test_many_dispatches(void **state)
{
    (void)state;
    struct timespec t0, t1;
    for (int nth = 1; nth <= 4; nth++) {
        struct threadpool *tp = tp_create(nth);
        assert_non_null(tp);
        struct sum_job j;
        memset(&j, 0, sizeof j);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        long per = (long)nth * (nth + 1) / 2;
        /* more threads than this machine's 2 cores make each dispatch wait
         * for the scheduler, so fewer rounds there */
        int rounds = nth <= 2 ? 4000 : 500;
        for (int it = 0; it < rounds; it++) {
            tp_run(tp, sum_task, &j);
            assert_int_equal(atomic_load(&j.total), per * (it + 1));
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        print_message("%d threads: %d dispatches in %.1f ms\n", nth, rounds,
                      (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
        for (int i = 0; i < nth; i++)
            assert_int_equal(j.seen[i], nth);
        tp_destroy(tp);
    }
}

/* With spinning disabled-ish (tiny spin) the workers sleep on the futex
 * between dispatches; dispatches must still all complete. */
static void test_sleep_wake(void **state)
{
    (void)state;
    setenv("LAWQA_SPIN_US", "1", 1);
    struct threadpool *tp = tp_create(3);
    unsetenv("LAWQA_SPIN_US");
    assert_non_null(tp);
    struct sum_job j;
    memset(&j, 0, sizeof j);
    for (int it = 0; it < 200; it++) {
        if (it % 20 == 0) {
            struct timespec ts = {0, 2 * 1000 * 1000}; /* let them fall asleep */
            nanosleep(&ts, NULL);
        }
        tp_run(tp, sum_task, &j);
        assert_int_equal(atomic_load(&j.total), 6L * (it + 1));
    }
    tp_destroy(tp);
}

static void test_create_bad(void **state)
{
    (void)state;
    assert_null(tp_create(0));
    assert_null(tp_create(-3));
    tp_destroy(NULL);
    assert_int_equal(tp_n_threads(NULL), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_parallel_for_threads),
        cmocka_unit_test(test_many_dispatches),
        cmocka_unit_test(test_sleep_wake),
        cmocka_unit_test(test_create_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
