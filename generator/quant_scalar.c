/* quant_scalar.c - portable reference kernels: activation quantization and
 * the row x token-tile dot products for every weight type. The SIMD files
 * must reproduce these integer sums exactly. */
#include <math.h>
#include <string.h>

#include "quant_impl.h"

/* Round to nearest even like the SIMD conversions (cvtps2dq) do, so every
 * path produces the same act bytes. */
static int round_even(float v)
{
    return (int)nearbyintf(v);
}

static void act_q8_32(const float *x, void *dst, int n)
{
    uint8_t *row = dst, *qs = row;
    int nb = n / 32;
    float *d = (float *)(void *)(qs + n), *s = d + nb;
    for (int i = 0; i < nb; i++, x += 32) {
        float amax = 0;
        for (int j = 0; j < 32; j++)
            amax = fmaxf(amax, fabsf(x[j]));
        float di = amax / 127.0f, id = di ? 1.0f / di : 0.0f;
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            int q = round_even(x[j] * id);
            qs[32 * i + j] = (uint8_t)(q + 128);
            sum += q;
        }
        d[i] = di;
        s[i] = di * (float)sum;
    }
    /* padding bytes: deterministic content */
    size_t used = (size_t)n + 8 * (size_t)nb;
    memset(row + used, 0, act32_row_size(n) - used);
}

static void act_q8_K(const float *x, void *dst, int n)
{
    struct block_q8_K *b = dst;
    for (int i = 0; i < n / QK_K; i++, x += QK_K) {
        float amax = 0;
        for (int j = 0; j < QK_K; j++)
            amax = fmaxf(amax, fabsf(x[j]));
        float d = amax / 127.0f, id = d ? 1.0f / d : 0.0f;
        for (int j = 0; j < QK_K; j++)
            b[i].qs[j] = (int8_t)round_even(x[j] * id);
        for (int g = 0; g < QK_K / 16; g++) {
            int s = 0;
            for (int j = 0; j < 16; j++)
                s += b[i].qs[16 * g + j];
            b[i].bsums[g] = (int16_t)s;
        }
        b[i].d = d;
    }
}

static void act_bf16(const float *x, qt_bf16 *dst, int n)
{
    for (int i = 0; i < n; i++)
        dst[i] = qt_f32_to_bf16(x[i]);
}

static void f16_to_f32(const qt_f16 *src, float *dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        dst[i] = qt_f16_to_f32(src[i]);
}

static void f32_to_f16(const float *src, qt_f16 *dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        dst[i] = qt_f32_to_f16(src[i]);
}

/* ---- per-row dot products ----------------------------------------------- */

static float dot_f32(const uint8_t *w, const uint8_t *a, int n)
{
    const float *x = (const float *)(const void *)a;
    float s = 0;
    for (int i = 0; i < n; i++) {
        float v;
        memcpy(&v, w + 4 * i, 4);
        s += v * x[i];
    }
    return s;
}

static float dot_f16(const uint8_t *w, const uint8_t *a, int n)
{
    const float *x = (const float *)(const void *)a;
    float s = 0;
    for (int i = 0; i < n; i++) {
        qt_f16 h;
        memcpy(&h, w + 2 * i, 2);
        s += qt_f16_to_f32(h) * x[i];
    }
    return s;
}

static float dot_bf16(const uint8_t *w, const uint8_t *a, int n)
{
    const float *x = (const float *)(const void *)a;
    float s = 0;
    for (int i = 0; i < n; i++) {
        qt_bf16 h;
        memcpy(&h, w + 2 * i, 2);
        s += qt_bf16_to_f32(h) * x[i];
    }
    return s;
}

static float dot_q4_0(const uint8_t *w, const uint8_t *a, int n)
{
    const struct block_q4_0 *b = (const void *)w;
    const uint8_t *yq = act32_qs(a, n);
    const float *yd = act32_d(a, n), *ys = act32_s(a, n);
    float s = 0;
    for (int i = 0; i < n / 32; i++, yq += 32) {
        int isum = 0;
        for (int j = 0; j < 16; j++)
            isum += (b[i].qs[j] & 15) * (yq[j] - 128) + (b[i].qs[j] >> 4) * (yq[j + 16] - 128);
        s += qt_f16_to_f32(b[i].d) * (yd[i] * (float)isum - 8.0f * ys[i]);
    }
    return s;
}

static float dot_q5_0(const uint8_t *w, const uint8_t *a, int n)
{
    const struct block_q5_0 *b = (const void *)w;
    const uint8_t *yq = act32_qs(a, n);
    const float *yd = act32_d(a, n), *ys = act32_s(a, n);
    float s = 0;
    for (int i = 0; i < n / 32; i++, yq += 32) {
        uint32_t qh;
        memcpy(&qh, b[i].qh, 4);
        int isum = 0;
        for (int j = 0; j < 16; j++) {
            int lo = (b[i].qs[j] & 15) | (int)((qh >> j) & 1) << 4;
            int hi = (b[i].qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
            isum += lo * (yq[j] - 128) + hi * (yq[j + 16] - 128);
        }
        s += qt_f16_to_f32(b[i].d) * (yd[i] * (float)isum - 16.0f * ys[i]);
    }
    return s;
}

static float dot_q8_0(const uint8_t *w, const uint8_t *a, int n)
{
    const struct block_q8_0 *b = (const void *)w;
    const uint8_t *yq = act32_qs(a, n);
    const float *yd = act32_d(a, n);
    float s = 0;
    for (int i = 0; i < n / 32; i++, yq += 32) {
        int isum = 0;
        for (int j = 0; j < 32; j++)
            isum += b[i].qs[j] * (yq[j] - 128);
        s += qt_f16_to_f32(b[i].d) * yd[i] * (float)isum;
    }
    return s;
}

/* Q4_K / Q5_K: sum over sub-blocks of sc*dot(q, a) stays an integer; the
 * mins meet the act block sums (two 16-sums per 32 sub-block). */
static float dot_qk_affine(const uint8_t *w, const uint8_t *a, int n, int five)
{
    const struct block_q8_K *y = (const void *)a;
    size_t bytes = five ? sizeof(struct block_q5_K) : sizeof(struct block_q4_K);
    float s = 0;
    for (int i = 0; i < n / QK_K; i++, w += bytes) {
        const struct block_q4_K *b4 = (const void *)w;
        const struct block_q5_K *b5 = (const void *)w;
        const uint8_t *scales = five ? b5->scales : b4->scales;
        const uint8_t *qs = five ? b5->qs : b4->qs;
        int sumi = 0, summ = 0;
        for (int sb = 0; sb < 8; sb++) {
            uint8_t sc, m;
            qt_scale_min_k4(sb, scales, &sc, &m);
            const uint8_t *q = qs + 32 * (sb / 2);
            int shift = (sb & 1) * 4, dot = 0;
            for (int l = 0; l < 32; l++) {
                int v = (q[l] >> shift) & 15;
                if (five)
                    v |= ((b5->qh[l] >> sb) & 1) << 4;
                dot += v * y[i].qs[32 * sb + l];
            }
            sumi += sc * dot;
            summ += m * (y[i].bsums[2 * sb] + y[i].bsums[2 * sb + 1]);
        }
        float d = qt_f16_to_f32(b4->d) * y[i].d, dmin = qt_f16_to_f32(b4->dmin) * y[i].d;
        s += d * (float)sumi - dmin * (float)summ;
    }
    return s;
}

static float dot_q4_K(const uint8_t *w, const uint8_t *a, int n)
{
    return dot_qk_affine(w, a, n, 0);
}

static float dot_q5_K(const uint8_t *w, const uint8_t *a, int n)
{
    return dot_qk_affine(w, a, n, 1);
}

static float dot_q6_K(const uint8_t *w, const uint8_t *a, int n)
{
    const struct block_q6_K *b = (const void *)w;
    const struct block_q8_K *y = (const void *)a;
    float s = 0;
    for (int i = 0; i < n / QK_K; i++) {
        int sumi = 0;
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = b[i].ql + 64 * h, *qh = b[i].qh + 32 * h;
            const int8_t *sc = b[i].scales + 8 * h, *ya = y[i].qs + 128 * h;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int q[4];
                qt_q6_K_unpack(ql, qh, l, q);
                sumi += sc[is] * q[0] * ya[l] + sc[is + 2] * q[1] * ya[l + 32] +
                        sc[is + 4] * q[2] * ya[l + 64] + sc[is + 6] * q[3] * ya[l + 96];
            }
        }
        s += qt_f16_to_f32(b[i].d) * y[i].d * (float)sumi;
    }
    return s;
}

/* One weight row against nt token rows, row by row (no reuse: reference). */
#define ROWS_FN(name, dot)                                                                    \
    static void name(int cols, const uint8_t *W, size_t ws, int nr, const uint8_t *act,      \
                     size_t as, int nt, float *Y, size_t ys)                                  \
    {                                                                                         \
        for (int r = 0; r < nr; r++)                                                          \
            for (int t = 0; t < nt; t++)                                                      \
                Y[(size_t)t * ys + r] = dot(W + (size_t)r * ws, act + (size_t)t * as, cols); \
    }

ROWS_FN(rows_f32, dot_f32)
ROWS_FN(rows_f16, dot_f16)
ROWS_FN(rows_bf16, dot_bf16)
ROWS_FN(rows_q4_0, dot_q4_0)
ROWS_FN(rows_q5_0, dot_q5_0)
ROWS_FN(rows_q8_0, dot_q8_0)
ROWS_FN(rows_q4_K, dot_q4_K)
ROWS_FN(rows_q5_K, dot_q5_K)
ROWS_FN(rows_q6_K, dot_q6_K)

const struct qt_kernels *qt_kernels_scalar(void)
{
    static const struct qt_kernels k = {
        .tile = QT_TILE_T,
        .f32 = rows_f32,
        .f16 = rows_f16,
        .bf16 = rows_bf16,
        .q4_0 = rows_q4_0,
        .q5_0 = rows_q5_0,
        .q8_0 = rows_q8_0,
        .q4_K = rows_q4_K,
        .q5_K = rows_q5_K,
        .q6_K = rows_q6_K,
        .act_q8_32 = act_q8_32,
        .act_q8_K = act_q8_K,
        .act_bf16 = act_bf16,
        .f16_to_f32 = f16_to_f32,
        .f32_to_f16 = f32_to_f16,
    };
    return &k;
}
