/* test_quant.c - tensor types and products of generator/quant.h.
 *
 * argv[1] = generator/tools/quants.py, argv[2] = python interpreter.
 * For every type, quants.py writes a random matrix quantized by numpy and
 * numpy's dequantization; the C dequantization must match bit for bit, and
 * the products must match float references (see the tolerances below) on
 * every SIMD path the CPU has, with 1 and 3 threads. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpu.h"
#include "quant.h"
#include "threadpool.h"

static const char *quants_py, *python;
static char tmpdir[64];

struct fixture {
    int type, rows, cols;
    uint8_t *q;   /* quantized matrix */
    float *deq;   /* numpy's dequantization */
    float *src;   /* the float source */
};

static void *read_file(const char *path, size_t want)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    void *buf = malloc(want ? want : 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, want, f), want);
    assert_int_equal(fgetc(f), EOF); /* exactly the expected size */
    fclose(f);
    return buf;
}

static void fixture_prefix(char *buf, size_t size, int type, int rows, int cols, int seed)
{
    snprintf(buf, size, "%s/%s_%d_%d_%d", tmpdir, qt_type_name(type), rows, cols, seed);
}

/* Reads a fixture that setup_fixtures() had quants.py write. */
static void load_fixture(struct fixture *fx, int type, int rows, int cols, int seed)
{
    char prefix[128], path[160];
    fixture_prefix(prefix, sizeof prefix, type, rows, cols, seed);
    fx->type = type;
    fx->rows = rows;
    fx->cols = cols;
    size_t n = (size_t)rows * (size_t)cols;
    snprintf(path, sizeof path, "%s.q", prefix);
    fx->q = read_file(path, qt_row_size(type, cols) * (size_t)rows);
    snprintf(path, sizeof path, "%s.f32", prefix);
    fx->deq = read_file(path, n * 4);
    snprintf(path, sizeof path, "%s.src", prefix);
    fx->src = read_file(path, n * 4);
}

static void free_fixture(struct fixture *fx)
{
    free(fx->q);
    free(fx->deq);
    free(fx->src);
}

/* xorshift so the test does not depend on libc's rand() */
static uint64_t rng_state = 88172645463325252ULL;
static float frand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((rng_state >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

/* ---- type table --------------------------------------------------------- */

static void test_type_table(void **state)
{
    (void)state;
    assert_int_equal(qt_block_bytes(QT_Q4_0), 18);
    assert_int_equal(qt_block_bytes(QT_Q5_0), 22);
    assert_int_equal(qt_block_bytes(QT_Q8_0), 34);
    assert_int_equal(qt_block_bytes(QT_Q4_K), 144);
    assert_int_equal(qt_block_bytes(QT_Q5_K), 176);
    assert_int_equal(qt_block_bytes(QT_Q6_K), 210);
    assert_int_equal(qt_block_bytes(QT_Q8_K), 292);
    assert_int_equal(qt_block_size(QT_Q4_K), 256);
    assert_int_equal(qt_row_size(QT_Q8_0, 896), 28 * 34);
    assert_int_equal(qt_row_size(QT_Q4_K, 896), 0); /* not a multiple of 256 */
    assert_int_equal(qt_row_size(QT_F16, 7), 14);
    assert_int_equal(qt_row_size(QT_BF16, 3), 6);
    assert_false(qt_type_supported(3)); /* Q4_1: not read */
    assert_false(qt_type_supported(-1));
    assert_string_equal(qt_type_name(QT_Q6_K), "q6_K");
    assert_int_equal(qt_act_kind(QT_Q5_0), QT_ACT_Q8_32);
    assert_int_equal(qt_act_kind(QT_Q6_K), QT_ACT_Q8_K);
    assert_int_equal(qt_act_kind(QT_Q8_K), QT_ACT_NONE);
    assert_int_equal(qt_act_size(QT_Q4_K, 896, 1), 0);
    float x[32] = {0}, y[32];
    assert_int_equal(qt_dequantize_row(QT_Q8_0, x, y, 31), -1);
    assert_int_equal(qt_dequantize_row(99, x, y, 32), -1);
    assert_int_equal(qt_dequantize_row(99, x, y, 0), -1);
    assert_int_equal(qt_quantize_row(99, x, y, 0), -1);
    assert_int_equal(qt_dequantize_row(QT_Q4_K, x, y, 0), 0); /* empty row */
}

/* ---- F16 / BF16 ---------------------------------------------------------- */

static void test_f16_roundtrip_exhaustive(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = qt_f16_to_f32((qt_f16)h);
        if (isnan(f))
            continue;
        assert_int_equal(qt_f32_to_f16(f), h);
    }
    assert_true(isnan(qt_f16_to_f32(qt_f32_to_f16(NAN))));
    assert_int_equal(qt_f32_to_f16(65520.0f), 0x7c00);   /* rounds to inf */
    assert_int_equal(qt_f32_to_f16(65519.0f), 0x7bff);   /* largest finite */
    assert_int_equal(qt_f32_to_f16(2.9802322e-8f), 0);    /* half of 2^-24: ties to even 0 */
    assert_int_equal(qt_f32_to_f16(4.4703484e-8f), 1);    /* 0.75 * 2^-23 -> 1 */
    assert_int_equal(qt_f32_to_f16(1.0009765625f), 0x3c01);
    assert_int_equal(qt_f32_to_f16(1.00048828125f), 0x3c00); /* tie to even */
    assert_int_equal(qt_f32_to_bf16(1.00390625f), 0x3f80);   /* tie to even */
    assert_int_equal(qt_f32_to_bf16(1.01171875f), 0x3f82);   /* tie up to even */
    assert_true(qt_bf16_to_f32(0x3f80) == 1.0f);
}

/* Row conversions (F16C on SIMD paths) must equal the scalar ones. */
static void test_f16_rows_all_paths(void **state)
{
    (void)state;
    enum { N = 4099 };
    static float src[N], back[N];
    static qt_f16 h_ref[N], h[N];
    for (int i = 0; i < N; i++) {
        float e = powf(2.0f, (float)(i % 50) - 30.0f); /* normals, subnormals, overflow */
        src[i] = frand() * e * 3.0f;
    }
    for (int i = 0; i < N; i++)
        h_ref[i] = qt_f32_to_f16(src[i]);
    for (int l = CPU_SIMD_SCALAR; l <= CPU_SIMD_AVX512; l++) {
        if (cpu_simd_force((enum cpu_simd)l) != (enum cpu_simd)l)
            continue;
        qt_f32_to_f16_row(src, h, N);
        assert_memory_equal(h, h_ref, sizeof h);
        qt_f16_to_f32_row(h, back, N);
        for (int i = 0; i < N; i++)
            assert_true(back[i] == qt_f16_to_f32(h_ref[i]));
    }
    cpu_simd_reset();
}

/* ---- dequantization vs numpy -------------------------------------------- */

static const int all_types[] = {QT_F32, QT_F16, QT_BF16, QT_Q4_0, QT_Q5_0,
                                QT_Q8_0, QT_Q4_K, QT_Q5_K, QT_Q6_K, QT_Q8_K};

static void test_dequant_matches_numpy(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof all_types / sizeof *all_types; k++) {
        struct fixture fx;
        load_fixture(&fx, all_types[k], 5, 512, (int)k + 1);
        size_t n = (size_t)fx.rows * (size_t)fx.cols;
        float *y = malloc(n * 4);
        assert_non_null(y);
        assert_int_equal(qt_dequantize_row(fx.type, fx.q, y, (int64_t)n), 0);
        if (memcmp(y, fx.deq, n * 4)) {
            for (size_t i = 0; i < n; i++)
                if (memcmp(&y[i], &fx.deq[i], 4))
                    fail_msg("%s: element %zu: C %.9g numpy %.9g", qt_type_name(fx.type), i,
                             y[i], fx.deq[i]);
        }
        /* and row by row gives the same */
        for (int r = 0; r < fx.rows; r++) {
            assert_int_equal(qt_dequantize_row(fx.type, fx.q + qt_row_size(fx.type, fx.cols) * r,
                                               y, fx.cols),
                             0);
            assert_memory_equal(y, fx.deq + (size_t)r * fx.cols, (size_t)fx.cols * 4);
        }
        free(y);
        free_fixture(&fx);
    }
}

/* The C quantizer writes valid blocks: its dequantization is close to the
 * source (relative RMS error bounds a few times the expected level
 * quantization noise of each type) and re-dequantizes consistently. */
static void test_c_quantizer(void **state)
{
    (void)state;
    static const struct {
        int type;
        double max_rel_rms;
    } cases[] = {{QT_Q4_0, 0.15}, {QT_Q5_0, 0.08}, {QT_Q8_0, 0.01}, {QT_Q4_K, 0.13},
                 {QT_Q5_K, 0.06}, {QT_Q6_K, 0.035}, {QT_Q8_K, 0.04}, {QT_F16, 1e-3},
                 {QT_BF16, 4e-3}};
    enum { N = 1024 };
    static float x[N], y[N];
    static uint8_t q[N * 4];
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        double num = 0, den = 0;
        for (int i = 0; i < N; i++)
            x[i] = frand() * (i % 97 == 0 ? 8.0f : 1.0f);
        assert_int_equal(qt_quantize_row(cases[k].type, x, q, N), 0);
        assert_int_equal(qt_dequantize_row(cases[k].type, q, y, N), 0);
        for (int i = 0; i < N; i++) {
            num += (double)(x[i] - y[i]) * (x[i] - y[i]);
            den += (double)x[i] * x[i];
        }
        double rel = sqrt(num / den);
        if (rel > cases[k].max_rel_rms)
            fail_msg("%s: relative RMS error %g", qt_type_name(cases[k].type), rel);
    }
}

/* ---- products -------------------------------------------------------------- */

/* Dequantizes token t's act row into floats (what the integer kernels
 * actually multiply): for Q8 acts d * q. */
static void act_to_float(int type, const uint8_t *act, int cols, int t, float *out)
{
    size_t row = qt_act_size(type, cols, 1);
    const uint8_t *a = act + row * (size_t)t;
    switch (qt_act_kind(type)) {
    case QT_ACT_F32: memcpy(out, a, (size_t)cols * 4); break;
    case QT_ACT_BF16: memcpy(out, a, (size_t)cols * 4); break;
    case QT_ACT_Q8_K: assert_int_equal(qt_dequantize_row(QT_Q8_K, a, out, cols), 0); break;
    case QT_ACT_Q8_32: {
        /* layout (quant_impl.h): uint8 qs[cols] holding q + 128,
         * float d[nb], float s[nb] */
        int nb = cols / 32;
        const uint8_t *qs = a;
        for (int b = 0; b < nb; b++) {
            float d;
            memcpy(&d, a + cols + 4 * b, 4);
            for (int j = 0; j < 32; j++)
                out[32 * b + j] = d * (float)(qs[32 * b + j] - 128);
        }
        break;
    }
    default: fail();
    }
}

struct mm_case {
    int type, rows, cols;
};

static int mm_seed(const struct mm_case *c)
{
    return c->rows * 7 + c->cols + c->type;
}

static void check_products(const struct mm_case *c, const struct fixture *f,
                           struct threadpool *tp, int n_tokens, const char *level)
{
    const struct fixture fx = *f;
    int R = c->rows, C = c->cols, T = n_tokens;
    float *X = malloc((size_t)T * C * 4), *Xq = malloc((size_t)C * 4);
    float *Y = malloc((size_t)T * R * 4), *Y2 = malloc((size_t)T * R * 4);
    size_t act_size = qt_act_size(c->type, C, T);
    uint8_t *act = malloc(act_size);
    assert_true(X && Xq && Y && Y2 && act && act_size);
    for (int i = 0; i < T * C; i++)
        X[i] = frand() * (i % 61 == 0 ? 10.0f : 1.0f);
    assert_int_equal(qt_matmul(tp, c->type, fx.q, R, C, X, T, Y, act, act_size), 0);
    /* too small a scratch is refused */
    assert_int_equal(qt_matmul(tp, c->type, fx.q, R, C, X, T, Y2, act, act_size - 1), -1);
    /* the two-step API gives the same bits */
    assert_int_equal(qt_matmul_act(tp, c->type, fx.q, R, C, act, T, Y2), 0);
    assert_memory_equal(Y, Y2, (size_t)T * R * 4);
    /* single-row dots of token 0 are bit-identical: a kernel does the same
     * operations for each token of a tile whatever the tile size, and for
     * each row whatever the row split (decode kernels take rows in groups:
     * check every row, so each position in a group is covered) */
    for (int r = 0; r < R; r++) {
        float d = qt_dot_row(c->type, fx.q + qt_row_size(c->type, C) * (size_t)r, act, C);
        if (d != Y[r])
            fail_msg("%s %s r=%d: dot_row %.9g matmul %.9g", level, qt_type_name(c->type), r, d,
                     Y[r]);
    }
    for (int t = 0; t < T; t++) {
        act_to_float(c->type, act, C, t, Xq);
        const float *x = X + (size_t)t * C;
        for (int r = 0; r < R; r++) {
            const float *w = fx.deq + (size_t)r * C;
            double ref = 0, refq = 0, mag = 0, magq = 0, qerr = 0;
            for (int k = 0; k < C; k++) {
                ref += (double)w[k] * x[k];
                refq += (double)w[k] * Xq[k];
                mag += fabs((double)w[k] * x[k]);
                magq += fabs((double)w[k] * Xq[k]);
                qerr += fabs((double)w[k]);
            }
            double y = Y[(size_t)t * R + r];
            /* (1) against the activations the kernel really used: only float
             * rounding of per-block partial sums (relative 2^-24 each, a
             * few hundred additions): 1e-5 of sum |w x| is generous; a wrong
             * nibble, scale or offset is off by far more. BF16 dot
             * instructions use bf16 activations: relative 2^-8 per element. */
            double tol1 = 1e-5 * magq + 1e-6;
            if (qt_act_kind(c->type) == QT_ACT_BF16)
                tol1 = 4e-3 * magq + 1e-6;
            if (fabs(y - refq) > tol1)
                fail_msg("%s %s t=%d r=%d: y %.7g vs quantized-act ref %.7g (tol %.3g)", level,
                         qt_type_name(c->type), t, r, y, refq, tol1);
            /* (2) against the float activations: 8-bit rounding moves each
             * activation by at most max|x_block|/254 <= 10/254 here, so the
             * error is at most sum |w| * 10/254 (worst case, all errors the
             * same sign); add the float part of (1). */
            double tol2 = qerr * (10.0 / 254.0) + tol1 + 1e-5 * mag;
            if (qt_act_kind(c->type) == QT_ACT_F32)
                tol2 = 1e-5 * mag + 1e-6;
            if (fabs(y - ref) > tol2)
                fail_msg("%s %s t=%d r=%d: y %.7g vs float ref %.7g (tol %.3g)", level,
                         qt_type_name(c->type), t, r, y, ref, tol2);
        }
    }
    free(X), free(Xq), free(Y), free(Y2), free(act);
}

static const struct mm_case mm_cases[] = {
    {QT_F32, 9, 100},   {QT_F16, 13, 70},    {QT_BF16, 11, 96},   {QT_Q8_0, 37, 896},
    {QT_Q4_0, 21, 480}, {QT_Q5_0, 19, 896},  {QT_Q4_K, 23, 512},  {QT_Q5_K, 17, 768},
    {QT_Q6_K, 29, 512}, {QT_Q8_0, 5, 96},
    /* more rows than one 128 KB cache chunk of the prefill loop */
    {QT_Q8_0, 300, 896}, {QT_Q4_K, 300, 1024},
};

static void test_products_all_paths(void **state)
{
    (void)state;
    static const int token_counts[] = {1, 3, 4, 21};
    struct threadpool *tp = tp_create(3);
    assert_non_null(tp);
    for (size_t k = 0; k < sizeof mm_cases / sizeof *mm_cases; k++) {
        const struct mm_case *c = &mm_cases[k];
        struct fixture fx;
        load_fixture(&fx, c->type, c->rows, c->cols, mm_seed(c));
        for (int l = CPU_SIMD_SCALAR; l <= CPU_SIMD_AVX512; l++) {
            if (cpu_simd_force((enum cpu_simd)l) != (enum cpu_simd)l)
                continue;
            for (size_t n = 0; n < sizeof token_counts / sizeof *token_counts; n++)
                check_products(c, &fx, n % 2 ? tp : NULL, token_counts[n],
                               cpu_simd_name((enum cpu_simd)l));
        }
        free_fixture(&fx);
    }
    cpu_simd_reset();
    tp_destroy(tp);
}

/* Every SIMD path against the scalar one on the same act buffer: integer
 * sums are identical, so only float summation order differs; and the act
 * buffers themselves are byte-identical. */
static void test_simd_matches_scalar(void **state)
{
    (void)state;
    enum { T = 6 };
    for (size_t k = 0; k < sizeof mm_cases / sizeof *mm_cases; k++) {
        const struct mm_case *c = &mm_cases[k];
        struct fixture fx;
        load_fixture(&fx, c->type, c->rows, c->cols, mm_seed(c));
        size_t as = qt_act_size(c->type, c->cols, T);
        float *X = malloc((size_t)T * c->cols * 4), *Ys = malloc((size_t)T * c->rows * 4),
              *Yv = malloc((size_t)T * c->rows * 4);
        uint8_t *act_s = malloc(as), *act_v = malloc(as);
        assert_true(X && Ys && Yv && act_s && act_v);
        for (int i = 0; i < T * c->cols; i++)
            X[i] = frand();
        cpu_simd_force(CPU_SIMD_SCALAR);
        assert_int_equal(qt_matmul(NULL, c->type, fx.q, c->rows, c->cols, X, T, Ys, act_s, as), 0);
        for (int l = CPU_SIMD_AVX2; l <= CPU_SIMD_AVX512; l++) {
            if (cpu_simd_force((enum cpu_simd)l) != (enum cpu_simd)l)
                continue;
            assert_int_equal(qt_matmul(NULL, c->type, fx.q, c->rows, c->cols, X, T, Yv, act_v, as),
                             0);
            assert_memory_equal(act_s, act_v, as);
            for (int i = 0; i < T * c->rows; i++) {
                /* same integer sums: only float summation order differs */
                const float *w = fx.deq + (size_t)(i % c->rows) * c->cols;
                const float *x = X + (size_t)(i / c->rows) * c->cols;
                double mag = 0;
                for (int j = 0; j < c->cols; j++)
                    mag += fabs((double)w[j] * x[j]);
                double tol = 1e-5 * mag + 1e-6;
                if (qt_act_kind(c->type) == QT_ACT_BF16)
                    tol = 4e-3 * mag + 1e-6; /* vdpbf16ps: bf16 activations */
                if (fabs(Ys[i] - Yv[i]) > tol)
                    fail_msg("%s %s [%d]: scalar %.8g simd %.8g", cpu_simd_name((enum cpu_simd)l),
                             qt_type_name(c->type), i, Ys[i], Yv[i]);
            }
        }
        free(X), free(Ys), free(Yv), free(act_s), free(act_v);
        free_fixture(&fx);
    }
    cpu_simd_reset();
}

static void test_bad_arguments(void **state)
{
    (void)state;
    uint8_t w[64] = {0}, act[1024];
    float x[64] = {0}, y[4];
    assert_int_equal(qt_matmul(NULL, QT_Q8_K, w, 1, 256, x, 1, y, act, sizeof act), -1);
    assert_int_equal(qt_matmul(NULL, QT_Q8_0, w, 1, 48, x, 1, y, act, sizeof act), -1);
    assert_int_equal(qt_matmul(NULL, QT_Q8_0, w, 0, 32, x, 1, y, act, sizeof act), -1);
    assert_int_equal(qt_matmul(NULL, QT_Q8_0, w, 1, 32, x, 0, y, act, sizeof act), -1);
    assert_int_equal(qt_quantize_act(NULL, 77, x, 32, 1, act, sizeof act), -1);
}

/* Makes a temporary folder and has quants.py write every fixture the tests
 * read, in one interpreter run. */
static int setup_fixtures(void **state)
{
    (void)state;
    char list[96], prefix[128], cmd[512];
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_quant.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(list, sizeof list, "%s/list", tmpdir);
    FILE *f = fopen(list, "w");
    if (!f)
        return -1;
    for (size_t k = 0; k < sizeof all_types / sizeof *all_types; k++) {
        fixture_prefix(prefix, sizeof prefix, all_types[k], 5, 512, (int)k + 1);
        fprintf(f, "%d 5 512 %d %s\n", all_types[k], (int)k + 1, prefix);
    }
    for (size_t k = 0; k < sizeof mm_cases / sizeof *mm_cases; k++) {
        const struct mm_case *c = &mm_cases[k];
        fixture_prefix(prefix, sizeof prefix, c->type, c->rows, c->cols, mm_seed(c));
        fprintf(f, "%d %d %d %d %s\n", c->type, c->rows, c->cols, mm_seed(c), prefix);
    }
    if (fclose(f))
        return -1;
    snprintf(cmd, sizeof cmd, "%s %s make-list %s", python, quants_py, list);
    return system(cmd) == 0 ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_quant QUANTS_PY [PYTHON]\n");
        return 2;
    }
    quants_py = argv[1];
    python = argc > 2 ? argv[2] : "/usr/bin/python3";
    printf("# SIMD level of this CPU: %s\n", cpu_simd_name(cpu_simd_level()));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_table),
        cmocka_unit_test(test_f16_roundtrip_exhaustive),
        cmocka_unit_test(test_f16_rows_all_paths),
        cmocka_unit_test(test_dequant_matches_numpy),
        cmocka_unit_test(test_c_quantizer),
        cmocka_unit_test(test_products_all_paths),
        cmocka_unit_test(test_simd_matches_scalar),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup_fixtures, remove_tmpdir);
}
