/* bench/kernels.c - speed of the generator's matrix products.
 *
 *   bench_kernels [PREFILL_TOKENS [THREADS...]]
 *
 * For Q8_0, Q4_K, Q6_K, F16 (and Q5_0, Q4_0) at Qwen2-0.5B shapes, reports
 * matvec (decode: 1 token) as GB/s of weights read and GFLOP/s, and matmul
 * (prefill: PREFILL_TOKENS tokens, default 64) as GFLOP/s, for each thread
 * count (default 1 and 2). Each figure is the median of 7 timed runs.
 * LAWQA_SIMD=scalar|avx2|avx512 picks the kernels; BENCH_TYPE=q8_0 (etc.)
 * limits the run to one type. The "cpu" column divides by the process CPU
 * time per thread instead of wall time: on this shared 2-core machine other
 * people's jobs steal time, and that figure shows what the kernel does while
 * it runs (spinning threads count as busy, so it is a lower bound). Not a
 * test. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "quant.h"
#include "threadpool.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A rows x cols matrix: 64 rows quantized from random floats, repeated
 * (speed does not depend on the values, but they must be sane floats). */
static uint8_t *make_matrix(int type, int rows, int cols)
{
    size_t row = qt_row_size(type, cols);
    uint8_t *w = malloc(row * (size_t)rows);
    float *x = malloc((size_t)cols * sizeof(float));
    if (!w || !x)
        exit(1);
    for (int r = 0; r < rows && r < 64; r++) {
        for (int c = 0; c < cols; c++)
            x[c] = (float)((r * 131 + c * 71) % 1000) / 1000.0f - 0.5f;
        qt_quantize_row(type, x, w + row * (size_t)r, cols);
    }
    for (int r = 64; r < rows; r++)
        memcpy(w + row * (size_t)r, w + row * (size_t)(r % 64), row);
    free(x);
    return w;
}

/* Median seconds per call of qt_matmul over 7 runs of enough calls to take
 * ~50 ms each. */
static double time_matmul(struct threadpool *tp, int type, const uint8_t *W, int rows, int cols,
                          const float *X, int T, float *Y, void *act, size_t act_size, double *cpu)
{
    qt_matmul(tp, type, W, rows, cols, X, T, Y, act, act_size); /* warm up */
    double t0 = now_s();
    qt_matmul(tp, type, W, rows, cols, X, T, Y, act, act_size);
    double one = now_s() - t0;
    int reps = one > 0.05 ? 1 : (int)(0.05 / (one + 1e-9)) + 1;
    double runs[7], cpus[7];
    for (int k = 0; k < 7; k++) {
        double c0 = cpu_s();
        t0 = now_s();
        for (int i = 0; i < reps; i++)
            qt_matmul(tp, type, W, rows, cols, X, T, Y, act, act_size);
        runs[k] = (now_s() - t0) / reps;
        cpus[k] = (cpu_s() - c0) / reps / tp_n_threads(tp);
    }
    qsort(runs, 7, sizeof *runs, cmp_double);
    qsort(cpus, 7, sizeof *cpus, cmp_double);
    *cpu = cpus[3];
    return runs[3];
}

int main(int argc, char **argv)
{
    int T = argc > 1 ? atoi(argv[1]) : 64;
    int threads[8] = {1, 2}, n_threads = 2;
    if (argc > 2) {
        n_threads = 0;
        for (int i = 2; i < argc && n_threads < 8; i++)
            threads[n_threads++] = atoi(argv[i]);
    }
    static const int types[] = {QT_Q8_0, QT_Q4_K, QT_Q6_K, QT_F16, QT_Q5_0, QT_Q4_0};
    static const int shapes05[][2] = {{896, 896}, {4864, 896}, {896, 4864}, {151936, 896}};
    /* BENCH_SHAPES=1.5b: Qwen2-1.5B's (whose 1536-wide rows fit the
     * k-quants' 256-blocks; the 0.5B's 896 do not) */
    static const int shapes15[][2] = {{1536, 1536}, {8960, 1536}, {1536, 8960}, {151936, 1536}};
    const char *shape_env = getenv("BENCH_SHAPES");
    const int(*shapes)[2] = shape_env && !strcmp(shape_env, "1.5b") ? shapes15 : shapes05;
    printf("simd=%s prefill_tokens=%d\n", cpu_simd_name(cpu_simd_level()), T);
    printf("%-5s %-13s %3s | %9s %7s %7s %7s | %9s %7s %7s\n", "type", "rows x cols", "thr",
           "matvec us", "GB/s", "cpuGB/s", "GFLOP/s", "matmul ms", "GFLOP/s", "cpuGF/s");
    const char *only = getenv("BENCH_TYPE");
    float *X = malloc((size_t)T * 8960 * sizeof(float));
    float *Y = malloc((size_t)T * 151936 * sizeof(float));
    size_t act_size = qt_act_size(QT_BF16, 8960, T); /* the largest act kind */
    void *act = malloc(act_size);
    if (!X || !Y || !act)
        return 1;
    for (int i = 0; i < T * 8960; i++)
        X[i] = (float)((i * 37) % 200) / 100.0f - 1.0f;
    for (size_t ti = 0; ti < sizeof types / sizeof *types; ti++) {
        for (size_t si = 0; si < 4; si++) {
            int type = types[ti], rows = shapes[si][0], cols = shapes[si][1];
            if (only && strcmp(only, qt_type_name(type)))
                continue;
            if (!qt_row_size(type, cols)) {
                printf("%-5s %6dx%-6d  -  | cols not a multiple of %d\n", qt_type_name(type), rows,
                       cols, qt_block_size(type));
                continue;
            }
            uint8_t *W = make_matrix(type, rows, cols);
            double bytes = (double)qt_row_size(type, cols) * rows, flops = 2.0 * rows * cols;
            for (int k = 0; k < n_threads; k++) {
                struct threadpool *tp = tp_create(threads[k]);
                if (!tp)
                    return 1;
                double cv = 0, cm = 0;
                double tv = time_matmul(tp, type, W, rows, cols, X, 1, Y, act, act_size, &cv);
                /* prefill on the vocabulary matrix only matters for 1 row of
                 * logits; skip it (it would take seconds per run) */
                double tm = rows > 100000 ? 0
                                          : time_matmul(tp, type, W, rows, cols, X, T, Y, act,
                                                        act_size, &cm);
                printf("%-5s %6dx%-6d %3d | %9.1f %7.2f %7.2f %7.2f | ", qt_type_name(type), rows,
                       cols, threads[k], tv * 1e6, bytes / tv * 1e-9, bytes / cv * 1e-9,
                       flops / tv * 1e-9);
                if (tm > 0)
                    printf("%9.2f %7.2f %7.2f\n", tm * 1e3, flops * T / tm * 1e-9,
                           flops * T / cm * 1e-9);
                else
                    printf("%9s %7s %7s\n", "-", "-", "-");
                fflush(stdout);
                tp_destroy(tp);
            }
            free(W);
        }
    }
    free(X), free(Y), free(act);
    return 0;
}
