/* test_quant_ops.c - generator/ops.c kernels against straightforward
 * double-precision references, on every SIMD path the CPU has. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpu.h"
#include "ops.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static float frand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((rng_state >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

#define FOR_EACH_LEVEL(l)                                                  \
    for (int l = CPU_SIMD_SCALAR; l <= CPU_SIMD_AVX512; l++)               \
        if (cpu_simd_force((enum cpu_simd)l) == (enum cpu_simd)l)

static void assert_close(double got, double want, double tol, const char *what, int i)
{
    if (fabs(got - want) > tol)
        fail_msg("%s[%d]: got %.9g want %.9g (tol %.3g)", what, i, got, want, tol);
}

static void test_rmsnorm(void **state)
{
    (void)state;
    enum { N = 903 };
    static float x[N], w[N], out[N];
    for (int i = 0; i < N; i++) {
        x[i] = frand() * 30.0f;
        w[i] = frand();
    }
    double ss = 0;
    for (int i = 0; i < N; i++)
        ss += (double)x[i] * x[i];
    double r = 1.0 / sqrt(ss / N + 1e-6);
    FOR_EACH_LEVEL(l)
    {
        ops_rmsnorm(out, x, w, N, 1e-6f);
        for (int i = 0; i < N; i++)
            assert_close(out[i], x[i] * r * w[i], 1e-5 * (fabs(x[i] * r * w[i]) + 1e-3), "rmsnorm", i);
        memcpy(out, x, sizeof x); /* in place */
        ops_rmsnorm(out, out, w, N, 1e-6f);
        for (int i = 0; i < N; i++)
            assert_close(out[i], x[i] * r * w[i], 1e-5 * (fabs(x[i] * r * w[i]) + 1e-3), "rmsnorm", i);
    }
    cpu_simd_reset();
}

static void test_softmax_silu(void **state)
{
    (void)state;
    enum { N = 515 };
    static float x[N], s[N], g[N], u[N], o[N];
    for (int i = 0; i < N; i++) {
        x[i] = frand() * 40.0f; /* exp over a wide range, some underflow */
        g[i] = frand() * 20.0f;
        u[i] = frand();
    }
    x[7] = -1e30f; /* a masked-out score */
    double m = -INFINITY, sum = 0;
    for (int i = 0; i < N; i++)
        m = fmax(m, x[i]);
    for (int i = 0; i < N; i++)
        sum += exp(x[i] - m);
    FOR_EACH_LEVEL(l)
    {
        memcpy(s, x, sizeof x);
        ops_softmax(s, N);
        for (int i = 0; i < N; i++)
            assert_close(s[i], exp(x[i] - m) / sum, 1e-6 * exp(x[i] - m) / sum + 1e-12, "softmax", i);
        ops_silu_mul(o, g, u, N);
        for (int i = 0; i < N; i++) {
            double want = g[i] / (1.0 + exp(-(double)g[i])) * u[i];
            assert_close(o[i], want, 1e-6 * fabs(want) + 1e-7, "silu_mul", i);
        }
    }
    float one = 3.0f;
    ops_softmax(&one, 1);
    assert_true(one == 1.0f);
    cpu_simd_reset();
}

static void test_add_scale_argmax(void **state)
{
    (void)state;
    float a[37], b[37], o[37];
    for (int i = 0; i < 37; i++) {
        a[i] = frand();
        b[i] = frand();
    }
    ops_add(o, a, b, 37);
    for (int i = 0; i < 37; i++)
        assert_true(o[i] == a[i] + b[i]);
    ops_scale(o, 2.0f, 37);
    for (int i = 0; i < 37; i++)
        assert_true(o[i] == (a[i] + b[i]) * 2.0f);
    a[20] = 5.0f;
    a[30] = 5.0f;
    assert_int_equal(ops_argmax(a, 37), 20);
    assert_int_equal(ops_argmax(a, 0), -1);
}

static void test_rope(void **state)
{
    (void)state;
    enum { HD = 64, NH = 3, ROT = 48 };
    struct ops_rope r;
    assert_int_equal(ops_rope_init(&r, ROT, 10000.0f, 100), 0);
    float x[NH * HD], y[NH * HD];
    for (int i = 0; i < NH * HD; i++)
        x[i] = frand();
    for (int neox = 0; neox <= 1; neox++) {
        int pos = 77;
        memcpy(y, x, sizeof x);
        assert_int_equal(ops_rope_apply(&r, y, NH, HD, pos, neox), 0);
        for (int h = 0; h < NH; h++) {
            const float *a = x + h * HD;
            const float *b = y + h * HD;
            for (int i = 0; i < ROT / 2; i++) {
                double th = pos * pow(10000.0, -2.0 * i / ROT);
                int i0 = neox ? i : 2 * i, i1 = neox ? i + ROT / 2 : 2 * i + 1;
                double w0 = a[i0] * cos(th) - a[i1] * sin(th);
                double w1 = a[i0] * sin(th) + a[i1] * cos(th);
                assert_close(b[i0], w0, 1e-5, "rope0", i);
                assert_close(b[i1], w1, 1e-5, "rope1", i);
            }
            for (int i = ROT; i < HD; i++) /* unrotated tail */
                assert_true(b[i] == a[i]);
        }
    }
    assert_int_equal(ops_rope_apply(&r, y, NH, HD, 100, 0), -1);
    ops_rope_free(&r);
    assert_int_equal(ops_rope_init(&r, 7, 10000.0f, 10), -1);
}

static void test_attention(void **state)
{
    (void)state;
    enum { HD = 64, NQ = 3, NKV = 37, STRIDE = 2 * HD };
    static float q[NQ * HD], out[NQ * HD], scores[NQ * NKV];
    static qt_f16 k[NKV * STRIDE], v[NKV * STRIDE];
    for (int i = 0; i < NQ * HD; i++)
        q[i] = frand() * 2.0f;
    for (int i = 0; i < NKV * STRIDE; i++) {
        k[i] = qt_f32_to_f16(frand() * 2.0f);
        v[i] = qt_f32_to_f16(frand());
    }
    float scale = 1.0f / 8.0f;
    FOR_EACH_LEVEL(l)
    {
        for (int n_kv = 1; n_kv <= NKV; n_kv += 12) {
            ops_attention(out, q, NQ, k, v, n_kv, HD, STRIDE, scale, scores);
            for (int h = 0; h < NQ; h++) {
                double s[NKV], m = -INFINITY, sum = 0;
                for (int p = 0; p < n_kv; p++) {
                    double d = 0;
                    for (int i = 0; i < HD; i++)
                        d += q[h * HD + i] * (double)qt_f16_to_f32(k[p * STRIDE + i]);
                    s[p] = d * scale;
                    m = fmax(m, s[p]);
                }
                for (int p = 0; p < n_kv; p++)
                    sum += (s[p] = exp(s[p] - m));
                for (int i = 0; i < HD; i++) {
                    double want = 0;
                    for (int p = 0; p < n_kv; p++)
                        want += s[p] / sum * qt_f16_to_f32(v[p * STRIDE + i]);
                    assert_close(out[h * HD + i], want, 1e-5, "attention", h * HD + i);
                }
            }
        }
    }
    cpu_simd_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rmsnorm),     cmocka_unit_test(test_softmax_silu),
        cmocka_unit_test(test_add_scale_argmax), cmocka_unit_test(test_rope),
        cmocka_unit_test(test_attention),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
