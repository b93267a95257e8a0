/* ops.c - transformer math kernels: portable versions and the run-time
 * switch to ops_avx2.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "ops.h"
#include "ops_impl.h"

static int use_avx2(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return cpu_simd_level() >= CPU_SIMD_AVX2;
#else
    return 0;
#endif
}

void ops_rmsnorm(float *out, const float *x, const float *w, int n, float eps)
{
#if defined(__x86_64__) || defined(__i386__)
    if (use_avx2()) {
        ops_rmsnorm_avx2(out, x, w, n, eps);
        return;
    }
#endif
    double ss = 0; /* double: n is in the thousands and x can be large */
    for (int i = 0; i < n; i++)
        ss += (double)x[i] * x[i];
    float r = (float)(1.0 / sqrt(ss / n + eps));
    for (int i = 0; i < n; i++)
        out[i] = x[i] * r * w[i];
}

void ops_softmax(float *x, int n)
{
#if defined(__x86_64__) || defined(__i386__)
    if (use_avx2()) {
        ops_softmax_avx2(x, n);
        return;
    }
#endif
    float m = x[0], s = 0;
    for (int i = 1; i < n; i++)
        m = fmaxf(m, x[i]);
    for (int i = 0; i < n; i++) {
        x[i] = expf(x[i] - m);
        s += x[i];
    }
    float inv = 1.0f / s;
    for (int i = 0; i < n; i++)
        x[i] *= inv;
}

void ops_silu_mul(float *out, const float *gate, const float *up, int n)
{
#if defined(__x86_64__) || defined(__i386__)
    if (use_avx2()) {
        ops_silu_mul_avx2(out, gate, up, n);
        return;
    }
#endif
    for (int i = 0; i < n; i++)
        out[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

void ops_add(float *out, const float *a, const float *b, int n)
{
    for (int i = 0; i < n; i++) /* simple enough for the auto-vectorizer */
        out[i] = a[i] + b[i];
}

void ops_scale(float *x, float s, int n)
{
    for (int i = 0; i < n; i++)
        x[i] *= s;
}

int ops_argmax(const float *x, int n)
{
    if (n < 1)
        return -1;
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best])
            best = i;
    return best;
}

/* ---- RoPE ---------------------------------------------------------------- */

int ops_rope_init(struct ops_rope *r, int rot_dim, float theta, int max_pos)
{
    memset(r, 0, sizeof *r);
    if (rot_dim < 2 || rot_dim % 2 || max_pos < 1 || !(theta > 0))
        return -1;
    size_t n = (size_t)max_pos * (size_t)(rot_dim / 2);
    r->cos_tab = malloc(n * sizeof(float));
    r->sin_tab = malloc(n * sizeof(float));
    if (!r->cos_tab || !r->sin_tab) {
        ops_rope_free(r);
        return -1;
    }
    r->rot_dim = rot_dim;
    r->max_pos = max_pos;
    int half = rot_dim / 2;
    for (int i = 0; i < half; i++) {
        double freq = pow((double)theta, -2.0 * i / rot_dim);
        for (int p = 0; p < max_pos; p++) {
            double a = p * freq;
            r->cos_tab[(size_t)p * half + i] = (float)cos(a);
            r->sin_tab[(size_t)p * half + i] = (float)sin(a);
        }
    }
    return 0;
}

void ops_rope_free(struct ops_rope *r)
{
    free(r->cos_tab);
    free(r->sin_tab);
    memset(r, 0, sizeof *r);
}

int ops_rope_apply(const struct ops_rope *r, float *x, int n_heads, int head_dim, int pos,
                   int neox)
{
    if (pos < 0 || pos >= r->max_pos || head_dim < r->rot_dim)
        return -1;
    int half = r->rot_dim / 2;
    const float *c = r->cos_tab + (size_t)pos * half, *s = r->sin_tab + (size_t)pos * half;
    for (int h = 0; h < n_heads; h++) {
        float *v = x + (size_t)h * head_dim;
        if (neox) {
            for (int i = 0; i < half; i++) {
                float a = v[i], b = v[i + half];
                v[i] = a * c[i] - b * s[i];
                v[i + half] = a * s[i] + b * c[i];
            }
        } else {
            for (int i = 0; i < half; i++) {
                float a = v[2 * i], b = v[2 * i + 1];
                v[2 * i] = a * c[i] - b * s[i];
                v[2 * i + 1] = a * s[i] + b * c[i];
            }
        }
    }
    return 0;
}

/* ---- attention ------------------------------------------------------------ */

void ops_attention(float *out, const float *q, int n_q, const qt_f16 *k, const qt_f16 *v,
                   int n_kv, int head_dim, size_t kv_stride, float scale, float *scores)
{
#if defined(__x86_64__) || defined(__i386__)
    if (use_avx2() && head_dim % 8 == 0) {
        ops_attention_avx2(out, q, n_q, k, v, n_kv, head_dim, kv_stride, scale, scores);
        return;
    }
#endif
    for (int h = 0; h < n_q; h++) {
        const float *qh = q + (size_t)h * head_dim;
        float *sh = scores + (size_t)h * n_kv;
        for (int p = 0; p < n_kv; p++) {
            const qt_f16 *kp = k + (size_t)p * kv_stride;
            float d = 0;
            for (int i = 0; i < head_dim; i++)
                d += qh[i] * qt_f16_to_f32(kp[i]);
            sh[p] = d * scale;
        }
        ops_softmax(sh, n_kv);
        float *oh = out + (size_t)h * head_dim;
        memset(oh, 0, (size_t)head_dim * sizeof(float));
        for (int p = 0; p < n_kv; p++) {
            const qt_f16 *vp = v + (size_t)p * kv_stride;
            for (int i = 0; i < head_dim; i++)
                oh[i] += sh[p] * qt_f16_to_f32(vp[i]);
        }
    }
}
