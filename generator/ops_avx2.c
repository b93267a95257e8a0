/* ops_avx2.c - AVX2 + FMA + F16C versions of the ops in ops.c (compiled
 * with those flags; ops.c calls them only when the CPU has them). */
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "ops_impl.h"

static inline float hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* exp(x) for 8 floats: 2^n * p(r) with n = round(x / ln 2), r = x - n ln 2
 * (ln 2 split in two for accuracy), p a degree-6 Taylor/minimax-ish
 * polynomial; relative error ~2e-7 on the clamped range. Inputs below
 * -87.3 give 0, above 88.7 are clamped (softmax and SiLU never need more). */
static inline __m256 exp8(__m256 x)
{
    x = _mm256_min_ps(x, _mm256_set1_ps(88.7f));
    __m256 tiny = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_LT_OQ);
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.0f / 720);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 120));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 24));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f / 6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    __m256 res = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
    return _mm256_andnot_ps(tiny, res);
}

void ops_rmsnorm_avx2(float *out, const float *x, const float *w, int n, float eps)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
        a0 = _mm256_fmadd_ps(v0, v0, a0);
        a1 = _mm256_fmadd_ps(v1, v1, a1);
    }
    float ss = hsum8(_mm256_add_ps(a0, a1));
    for (; i < n; i++)
        ss += x[i] * x[i];
    float r = 1.0f / sqrtf(ss / (float)n + eps);
    __m256 vr = _mm256_set1_ps(r);
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vr),
                                                _mm256_loadu_ps(w + i)));
    for (; i < n; i++)
        out[i] = x[i] * r * w[i];
}

void ops_softmax_avx2(float *x, int n)
{
    __m256 vm = _mm256_set1_ps(-INFINITY);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        vm = _mm256_max_ps(vm, _mm256_loadu_ps(x + i));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vm), _mm256_extractf128_ps(vm, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    float m = _mm_cvtss_f32(m4);
    for (; i < n; i++)
        m = fmaxf(m, x[i]);
    __m256 s8 = _mm256_setzero_ps(), mv = _mm256_set1_ps(m);
    for (i = 0; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
        _mm256_storeu_ps(x + i, e);
        s8 = _mm256_add_ps(s8, e);
    }
    float s = hsum8(s8);
    for (; i < n; i++) {
        x[i] = expf(x[i] - m);
        s += x[i];
    }
    __m256 inv = _mm256_set1_ps(1.0f / s);
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), inv));
    for (; i < n; i++)
        x[i] *= 1.0f / s;
}

void ops_silu_mul_avx2(float *out, const float *gate, const float *up, int n)
{
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 e = exp8(_mm256_sub_ps(zero, g));
        __m256 s = _mm256_div_ps(g, _mm256_add_ps(one, e));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(s, _mm256_loadu_ps(up + i)));
    }
    for (; i < n; i++)
        out[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

/* Each key and value row is converted from F16 once and used for all n_q
 * heads of the group; the output rows stay in L1 (head_dim floats each). */
void ops_attention_avx2(float *out, const float *q, int n_q, const qt_f16 *k, const qt_f16 *v,
                        int n_kv, int head_dim, size_t kv_stride, float scale, float *scores)
{
    for (int p = 0; p < n_kv; p++) {
        const qt_f16 *kp = k + (size_t)p * kv_stride;
        for (int h = 0; h < n_q; h++) {
            const float *qh = q + (size_t)h * head_dim;
            __m256 acc = _mm256_setzero_ps();
            for (int i = 0; i < head_dim; i += 8) {
                __m256 kv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(kp + i)));
                acc = _mm256_fmadd_ps(_mm256_loadu_ps(qh + i), kv, acc);
            }
            scores[(size_t)h * n_kv + p] = hsum8(acc) * scale;
        }
    }
    for (int h = 0; h < n_q; h++)
        ops_softmax_avx2(scores + (size_t)h * n_kv, n_kv);
    memset(out, 0, (size_t)n_q * (size_t)head_dim * sizeof(float));
    for (int p = 0; p < n_kv; p++) {
        const qt_f16 *vp = v + (size_t)p * kv_stride;
        for (int i = 0; i < head_dim; i += 8) {
            __m256 vv = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)(vp + i)));
            for (int h = 0; h < n_q; h++) {
                float *o = out + (size_t)h * head_dim + i;
                __m256 s = _mm256_set1_ps(scores[(size_t)h * n_kv + p]);
                _mm256_storeu_ps(o, _mm256_fmadd_ps(s, vv, _mm256_loadu_ps(o)));
            }
        }
    }
}
#endif
