/* quant.c - type table, F16/BF16 conversion, dequantization and a simple
 * quantizer for every supported GGML block type. */
#include <math.h>
#include <string.h>

#include "quant.h"
#include "quant_impl.h"

struct type_info {
    const char *name;
    int block;
    size_t bytes;
};

static const struct type_info *type_info(int type)
{
    static const struct type_info f32 = {"f32", 1, 4}, f16 = {"f16", 1, 2}, bf16 = {"bf16", 1, 2},
                                  q4_0 = {"q4_0", QK4_0, sizeof(struct block_q4_0)},
                                  q5_0 = {"q5_0", QK5_0, sizeof(struct block_q5_0)},
                                  q8_0 = {"q8_0", QK8_0, sizeof(struct block_q8_0)},
                                  q4_K = {"q4_K", QK_K, sizeof(struct block_q4_K)},
                                  q5_K = {"q5_K", QK_K, sizeof(struct block_q5_K)},
                                  q6_K = {"q6_K", QK_K, sizeof(struct block_q6_K)},
                                  q8_K = {"q8_K", QK_K, sizeof(struct block_q8_K)};
    switch (type) {
    case QT_F32: return &f32;
    case QT_F16: return &f16;
    case QT_BF16: return &bf16;
    case QT_Q4_0: return &q4_0;
    case QT_Q5_0: return &q5_0;
    case QT_Q8_0: return &q8_0;
    case QT_Q4_K: return &q4_K;
    case QT_Q5_K: return &q5_K;
    case QT_Q6_K: return &q6_K;
    case QT_Q8_K: return &q8_K;
    default: return NULL;
    }
}

/* The layouts must match GGML byte for byte: catch padding at compile time. */
_Static_assert(sizeof(struct block_q4_0) == 18, "q4_0 layout");
_Static_assert(sizeof(struct block_q5_0) == 22, "q5_0 layout");
_Static_assert(sizeof(struct block_q8_0) == 34, "q8_0 layout");
_Static_assert(sizeof(struct block_q4_K) == 144, "q4_K layout");
_Static_assert(sizeof(struct block_q5_K) == 176, "q5_K layout");
_Static_assert(sizeof(struct block_q6_K) == 210, "q6_K layout");
_Static_assert(sizeof(struct block_q8_K) == 292, "q8_K layout");

int qt_type_supported(int type)
{
    return type_info(type) != NULL;
}

const char *qt_type_name(int type)
{
    const struct type_info *t = type_info(type);
    return t ? t->name : "?";
}

int qt_block_size(int type)
{
    const struct type_info *t = type_info(type);
    return t ? t->block : 0;
}

size_t qt_block_bytes(int type)
{
    const struct type_info *t = type_info(type);
    return t ? t->bytes : 0;
}

size_t qt_row_size(int type, int64_t n)
{
    const struct type_info *t = type_info(type);
    if (!t || n < 0 || n % t->block)
        return 0;
    return (size_t)(n / t->block) * t->bytes;
}

/* ---- F16 / BF16 ---------------------------------------------------------- */

static uint32_t f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float bits_f32(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

float qt_f16_to_f32(qt_f16 h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
    if (e == 0) {
        /* zero or subnormal: exactly m * 2^-24 */
        float v = (float)m * 5.9604644775390625e-8f;
        return bits_f32(sign | f32_bits(v));
    }
    if (e == 31)
        return bits_f32(sign | 0x7f800000u | (m << 13));
    return bits_f32(sign | ((e + 112) << 23) | (m << 13));
}

qt_f16 qt_f32_to_f16(float f)
{
    uint32_t x = f32_bits(f);
    uint32_t sign = (x >> 16) & 0x8000;
    x &= 0x7fffffff;
    if (x >= 0x7f800000) /* inf or NaN (keep NaN quiet and non-zero) */
        return (qt_f16)(sign | 0x7c00 | (x > 0x7f800000 ? 0x200 | ((x >> 13) & 0x3ff) : 0));
    if (x >= 0x477ff000) /* rounds past 65504 */
        return (qt_f16)(sign | 0x7c00);
    if (x < 0x38800000) {
        /* below the smallest normal half: adding 0.5 makes the FPU round
         * |f| to a multiple of 2^-24 (nearest even), read off the mantissa */
        float a = bits_f32(x) + 0.5f;
        return (qt_f16)(sign | (f32_bits(a) - 0x3f000000u));
    }
    /* normal: rebias the exponent, round to nearest even on bit 13 */
    x = x - 0x38000000u + 0xfff + ((x >> 13) & 1);
    return (qt_f16)(sign | (x >> 13));
}

float qt_bf16_to_f32(qt_bf16 h)
{
    return bits_f32((uint32_t)h << 16);
}

qt_bf16 qt_f32_to_bf16(float f)
{
    uint32_t x = f32_bits(f);
    if ((x & 0x7fffffff) > 0x7f800000)
        return (qt_bf16)((x >> 16) | 0x40);
    return (qt_bf16)((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

void qt_f16_to_f32_row(const qt_f16 *src, float *dst, int64_t n)
{
    qt_kernels_current()->f16_to_f32(src, dst, n);
}

void qt_f32_to_f16_row(const float *src, qt_f16 *dst, int64_t n)
{
    qt_kernels_current()->f32_to_f16(src, dst, n);
}

/* ---- dequantization ------------------------------------------------------ */

static void dequant_q4_0(const struct block_q4_0 *b, float *y, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, y += 32) {
        float d = qt_f16_to_f32(b[i].d);
        for (int j = 0; j < 16; j++) {
            y[j] = d * (float)((b[i].qs[j] & 15) - 8);
            y[j + 16] = d * (float)((b[i].qs[j] >> 4) - 8);
        }
    }
}

static void dequant_q5_0(const struct block_q5_0 *b, float *y, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, y += 32) {
        float d = qt_f16_to_f32(b[i].d);
        uint32_t qh;
        memcpy(&qh, b[i].qh, 4);
        for (int j = 0; j < 16; j++) {
            int lo = (b[i].qs[j] & 15) | (int)((qh >> j) & 1) << 4;
            int hi = (b[i].qs[j] >> 4) | (int)((qh >> (j + 16)) & 1) << 4;
            y[j] = d * (float)(lo - 16);
            y[j + 16] = d * (float)(hi - 16);
        }
    }
}

static void dequant_q8_0(const struct block_q8_0 *b, float *y, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, y += 32) {
        float d = qt_f16_to_f32(b[i].d);
        for (int j = 0; j < 32; j++)
            y[j] = d * (float)b[i].qs[j];
    }
}

static void dequant_q4_K(const struct block_q4_K *b, float *y, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++) {
        float d = qt_f16_to_f32(b[i].d), dmin = qt_f16_to_f32(b[i].dmin);
        for (int s = 0; s < 8; s++, y += 32) {
            uint8_t sc, m;
            qt_scale_min_k4(s, b[i].scales, &sc, &m);
            const uint8_t *q = b[i].qs + 32 * (s / 2);
            int shift = (s & 1) * 4;
            float ds = d * sc, dm = dmin * m;
            for (int l = 0; l < 32; l++)
                y[l] = ds * (float)((q[l] >> shift) & 15) - dm;
        }
    }
}

static void dequant_q5_K(const struct block_q5_K *b, float *y, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++) {
        float d = qt_f16_to_f32(b[i].d), dmin = qt_f16_to_f32(b[i].dmin);
        for (int s = 0; s < 8; s++, y += 32) {
            uint8_t sc, m;
            qt_scale_min_k4(s, b[i].scales, &sc, &m);
            const uint8_t *q = b[i].qs + 32 * (s / 2);
            int shift = (s & 1) * 4;
            float ds = d * sc, dm = dmin * m;
            for (int l = 0; l < 32; l++) {
                int v = ((q[l] >> shift) & 15) | ((b[i].qh[l] >> s) & 1) << 4;
                y[l] = ds * (float)v - dm;
            }
        }
    }
}

static void dequant_q6_K(const struct block_q6_K *b, float *y, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++) {
        float d = qt_f16_to_f32(b[i].d);
        const uint8_t *ql = b[i].ql, *qh = b[i].qh;
        const int8_t *sc = b[i].scales;
        /* two halves of 128: each byte of ql holds elements l and l+64 of
         * the half (low/high nibble), each qh byte 2 bits of 4 elements */
        for (int h = 0; h < 2; h++, y += 128, ql += 64, qh += 32, sc += 8) {
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int q[4];
                qt_q6_K_unpack(ql, qh, l, q);
                y[l] = d * sc[is] * (float)q[0];
                y[l + 32] = d * sc[is + 2] * (float)q[1];
                y[l + 64] = d * sc[is + 4] * (float)q[2];
                y[l + 96] = d * sc[is + 6] * (float)q[3];
            }
        }
    }
}

static void dequant_q8_K(const struct block_q8_K *b, float *y, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, y += QK_K)
        for (int j = 0; j < QK_K; j++)
            y[j] = b[i].d * (float)b[i].qs[j];
}

int qt_dequantize_row(int type, const void *src, float *dst, int64_t n)
{
    if (!qt_type_supported(type) || (!qt_row_size(type, n) && n != 0))
        return -1;
    int64_t nb = n / qt_block_size(type);
    switch (type) {
    case QT_F32: memcpy(dst, src, (size_t)n * 4); break;
    case QT_F16: qt_f16_to_f32_row(src, dst, n); break;
    case QT_BF16:
        for (int64_t i = 0; i < n; i++)
            dst[i] = qt_bf16_to_f32(((const qt_bf16 *)src)[i]);
        break;
    case QT_Q4_0: dequant_q4_0(src, dst, nb); break;
    case QT_Q5_0: dequant_q5_0(src, dst, nb); break;
    case QT_Q8_0: dequant_q8_0(src, dst, nb); break;
    case QT_Q4_K: dequant_q4_K(src, dst, nb); break;
    case QT_Q5_K: dequant_q5_K(src, dst, nb); break;
    case QT_Q6_K: dequant_q6_K(src, dst, nb); break;
    case QT_Q8_K: dequant_q8_K(src, dst, nb); break;
    default: return -1;
    }
    return 0;
}

/* ---- quantization from float (simple, not llama.cpp's search) ------------ */

static float amax_of(const float *x, int n)
{
    float m = 0;
    for (int i = 0; i < n; i++)
        m = fmaxf(m, fabsf(x[i]));
    return m;
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static void quant_q8_0(const float *x, struct block_q8_0 *b, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, x += 32) {
        /* round the scale to f16 first so quantizing uses the stored scale */
        float d = qt_f16_to_f32(qt_f32_to_f16(amax_of(x, 32) / 127.0f));
        float id = d ? 1.0f / d : 0.0f;
        b[i].d = qt_f32_to_f16(d);
        for (int j = 0; j < 32; j++)
            b[i].qs[j] = (int8_t)clampi((int)nearbyintf(x[j] * id), -127, 127);
    }
}

/* Symmetric 4/5-bit: the value with the largest magnitude maps to -2^(b-1)
 * (GGML's convention, which uses the full signed range). */
static float sym_scale(const float *x, int n, int half)
{
    float m = 0, am = 0;
    for (int i = 0; i < n; i++)
        if (fabsf(x[i]) > am) {
            am = fabsf(x[i]);
            m = x[i];
        }
    return qt_f16_to_f32(qt_f32_to_f16(m / (float)-half));
}

static void quant_q4_0(const float *x, struct block_q4_0 *b, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, x += 32) {
        float d = sym_scale(x, 32, 8), id = d ? 1.0f / d : 0.0f;
        b[i].d = qt_f32_to_f16(d);
        for (int j = 0; j < 16; j++) {
            int lo = clampi((int)nearbyintf(x[j] * id) + 8, 0, 15);
            int hi = clampi((int)nearbyintf(x[j + 16] * id) + 8, 0, 15);
            b[i].qs[j] = (uint8_t)(lo | hi << 4);
        }
    }
}

static void quant_q5_0(const float *x, struct block_q5_0 *b, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, x += 32) {
        float d = sym_scale(x, 32, 16), id = d ? 1.0f / d : 0.0f;
        uint32_t qh = 0;
        b[i].d = qt_f32_to_f16(d);
        for (int j = 0; j < 16; j++) {
            int lo = clampi((int)nearbyintf(x[j] * id) + 16, 0, 31);
            int hi = clampi((int)nearbyintf(x[j + 16] * id) + 16, 0, 31);
            b[i].qs[j] = (uint8_t)((lo & 15) | (hi & 15) << 4);
            qh |= (uint32_t)(lo >> 4) << j | (uint32_t)(hi >> 4) << (j + 16);
        }
        memcpy(b[i].qh, &qh, 4);
    }
}

/* Packs 8 six-bit scales and mins into the 12-byte k-quant layout. */
static void pack_scales_k4(const uint8_t *sc, const uint8_t *m, uint8_t *q)
{
    for (int j = 0; j < 4; j++) {
        q[j] = (uint8_t)((sc[j] & 63) | (sc[j + 4] >> 4) << 6);
        q[j + 4] = (uint8_t)((m[j] & 63) | (m[j + 4] >> 4) << 6);
        q[j + 8] = (uint8_t)((sc[j + 4] & 15) | (m[j + 4] & 15) << 4);
    }
}

/* Shared by Q4_K (nmax 15) and Q5_K (nmax 31): per 32-element sub-block an
 * affine map x = scale*q - min, scales and mins then stored as 6-bit
 * multiples of the f16 super-block d and dmin. Writes the levels to L. */
static void quant_k_affine(const float *x, int nmax, qt_f16 *dd, qt_f16 *ddmin, uint8_t *scales,
                           uint8_t *L)
{
    float scale[8], mins[8], max_scale = 0, max_min = 0;
    for (int s = 0; s < 8; s++) {
        float lo = x[32 * s], hi = x[32 * s];
        for (int l = 1; l < 32; l++) {
            lo = fminf(lo, x[32 * s + l]);
            hi = fmaxf(hi, x[32 * s + l]);
        }
        if (lo > 0)
            lo = 0;
        scale[s] = (hi - lo) / (float)nmax;
        mins[s] = -lo;
        max_scale = fmaxf(max_scale, scale[s]);
        max_min = fmaxf(max_min, mins[s]);
    }
    float d = qt_f16_to_f32(qt_f32_to_f16(max_scale / 63.0f));
    float dmin = qt_f16_to_f32(qt_f32_to_f16(max_min / 63.0f));
    uint8_t sc[8], m[8];
    for (int s = 0; s < 8; s++) {
        sc[s] = (uint8_t)clampi(d ? (int)nearbyintf(scale[s] / d) : 0, 0, 63);
        m[s] = (uint8_t)clampi(dmin ? (int)nearbyintf(mins[s] / dmin) : 0, 0, 63);
        float ds = d * sc[s], dm = dmin * m[s];
        for (int l = 0; l < 32; l++) {
            int q = ds ? (int)nearbyintf((x[32 * s + l] + dm) / ds) : 0;
            L[32 * s + l] = (uint8_t)clampi(q, 0, nmax);
        }
    }
    *dd = qt_f32_to_f16(d);
    *ddmin = qt_f32_to_f16(dmin);
    pack_scales_k4(sc, m, scales);
}

static void quant_q4_K(const float *x, struct block_q4_K *b, int64_t nb)
{
    uint8_t L[QK_K];
    for (int64_t i = 0; i < nb; i++, x += QK_K) {
        quant_k_affine(x, 15, &b[i].d, &b[i].dmin, b[i].scales, L);
        for (int c = 0; c < 4; c++)
            for (int l = 0; l < 32; l++)
                b[i].qs[32 * c + l] = (uint8_t)(L[64 * c + l] | L[64 * c + 32 + l] << 4);
    }
}

static void quant_q5_K(const float *x, struct block_q5_K *b, int64_t nb)
{
    uint8_t L[QK_K];
    for (int64_t i = 0; i < nb; i++, x += QK_K) {
        quant_k_affine(x, 31, &b[i].d, &b[i].dmin, b[i].scales, L);
        memset(b[i].qh, 0, sizeof b[i].qh);
        for (int c = 0; c < 4; c++)
            for (int l = 0; l < 32; l++) {
                int lo = L[64 * c + l], hi = L[64 * c + 32 + l];
                b[i].qs[32 * c + l] = (uint8_t)((lo & 15) | (hi & 15) << 4);
                b[i].qh[l] |= (uint8_t)((lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1));
            }
    }
}

static void quant_q6_K(const float *x, struct block_q6_K *b, int64_t nb)
{
    uint8_t L[QK_K];
    for (int64_t i = 0; i < nb; i++, x += QK_K) {
        float scale[16], max_abs_scale = 0, max_scale = 0;
        for (int s = 0; s < 16; s++) {
            scale[s] = sym_scale(x + 16 * s, 16, 32);
            if (fabsf(scale[s]) > max_abs_scale) {
                max_abs_scale = fabsf(scale[s]);
                max_scale = scale[s];
            }
        }
        float d = qt_f16_to_f32(qt_f32_to_f16(max_scale / -128.0f));
        float id = d ? 1.0f / d : 0.0f;
        b[i].d = qt_f32_to_f16(d);
        for (int s = 0; s < 16; s++) {
            int sc = clampi((int)nearbyintf(scale[s] * id), -128, 127);
            b[i].scales[s] = (int8_t)sc;
            float ds = d * (float)sc;
            for (int l = 0; l < 16; l++) {
                int q = ds ? (int)nearbyintf(x[16 * s + l] / ds) : 0;
                L[16 * s + l] = (uint8_t)(clampi(q, -32, 31) + 32);
            }
        }
        for (int h = 0; h < 2; h++) {
            uint8_t *ql = b[i].ql + 64 * h, *qh = b[i].qh + 32 * h;
            const uint8_t *Lh = L + 128 * h;
            for (int l = 0; l < 32; l++) {
                int q1 = Lh[l], q2 = Lh[l + 32], q3 = Lh[l + 64], q4 = Lh[l + 96];
                ql[l] = (uint8_t)((q1 & 15) | (q3 & 15) << 4);
                ql[l + 32] = (uint8_t)((q2 & 15) | (q4 & 15) << 4);
                qh[l] = (uint8_t)((q1 >> 4) | (q2 >> 4) << 2 | (q3 >> 4) << 4 | (q4 >> 4) << 6);
            }
        }
    }
}

static void quant_q8_K(const float *x, struct block_q8_K *b, int64_t nb)
{
    for (int64_t i = 0; i < nb; i++, x += QK_K)
        qt_kernels_scalar()->act_q8_K(x, &b[i], QK_K);
}

int qt_quantize_row(int type, const float *src, void *dst, int64_t n)
{
    if (!qt_type_supported(type) || (!qt_row_size(type, n) && n != 0))
        return -1;
    int64_t nb = n / qt_block_size(type);
    switch (type) {
    case QT_F32: memcpy(dst, src, (size_t)n * 4); break;
    case QT_F16:
        for (int64_t i = 0; i < n; i++)
            ((qt_f16 *)dst)[i] = qt_f32_to_f16(src[i]);
        break;
    case QT_BF16:
        for (int64_t i = 0; i < n; i++)
            ((qt_bf16 *)dst)[i] = qt_f32_to_bf16(src[i]);
        break;
    case QT_Q4_0: quant_q4_0(src, dst, nb); break;
    case QT_Q5_0: quant_q5_0(src, dst, nb); break;
    case QT_Q8_0: quant_q8_0(src, dst, nb); break;
    case QT_Q4_K: quant_q4_K(src, dst, nb); break;
    case QT_Q5_K: quant_q5_K(src, dst, nb); break;
    case QT_Q6_K: quant_q6_K(src, dst, nb); break;
    case QT_Q8_K: quant_q8_K(src, dst, nb); break;
    default: return -1;
    }
    return 0;
}
