/* quant_x86.h - x86 kernel bodies shared by quant_avx2.c and quant_avx512.c.
 *
 * Included once by each of those files, which are compiled with different
 * -m flags. The includer defines QT_VNNI to 1 to use AVX-512 VNNI
 * (vpdpbusd / vpdpwssd on 256-bit vectors) instead of the AVX2
 * maddubs + madd sequences; both give the same int32 sums (maddubs cannot
 * saturate here: |w| <= 127 and 127*127*2 < 32768, nibbles are smaller).
 *
 * Every kernel handles one weight row against nt (<= QT_X86_TILE) tokens at
 * a time, with nt a compile-time constant after inlining, so the weight
 * block is loaded and unpacked once and dotted with all tokens of the tile.
 * One float accumulator per token: with an int->float conversion and a
 * scale per block the FMA chain is not the bottleneck.
 */
#include <immintrin.h>
#include <string.h>

#include "quant_impl.h"

#define INLINE static inline __attribute__((always_inline))
/* Token loops have a constant trip count (nt) after inlining; make GCC
 * unroll them at -O2 so the per-token accumulators live in registers. */
#define UNROLL_T _Pragma("GCC unroll 8")

#if QT_VNNI
INLINE __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s)
{
    return _mm256_dpbusd_epi32(acc, u, s);
}
INLINE __m256i madd16(__m256i acc, __m256i p, __m256i sc)
{
    return _mm256_dpwssd_epi32(acc, p, sc);
}
#else
INLINE __m256i dot_u8s8(__m256i acc, __m256i u, __m256i s)
{
    __m256i p = _mm256_maddubs_epi16(u, s);
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p, _mm256_set1_epi16(1)));
}
INLINE __m256i madd16(__m256i acc, __m256i p, __m256i sc)
{
    return _mm256_add_epi32(acc, _mm256_madd_epi16(p, sc));
}
#endif

INLINE float hsum_ps(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

INLINE int hsum_epi32(__m256i v)
{
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
}

INLINE float f16s(qt_f16 h)
{
    return _cvtsh_ss(h);
}

INLINE __m256i loadu256(const void *p)
{
    return _mm256_loadu_si256((const __m256i *)p);
}

/* ---- activation quantization (bit-identical with quant_scalar.c) ---- */

INLINE float amax_ps(const float *x, int n)
{
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 m = _mm256_setzero_ps();
    for (int i = 0; i < n; i += 8)
        m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(x + i), absmask));
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* 32 floats -> 32 int8 (round to nearest even), plus 128 if bias; returns
 * the int32 sums (without bias) of elements 0..15 and 16..31. */
INLINE void quant32(const float *x, __m256 id, void *dst, int bias, int *s0, int *s1)
{
    __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x), id));
    __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8), id));
    __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 16), id));
    __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 24), id));
    *s0 = hsum_epi32(_mm256_add_epi32(i0, i1));
    *s1 = hsum_epi32(_mm256_add_epi32(i2, i3));
    __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    if (bias)
        p = _mm256_xor_si256(p, _mm256_set1_epi8((char)0x80));
    _mm256_storeu_si256((__m256i *)dst, p);
}

static void x86_act_q8_32(const float *x, void *dst, int n)
{
    uint8_t *row = dst;
    int nb = n / 32;
    uint8_t *qs = row;
    float *d = (float *)(void *)(qs + n), *sum = d + nb;
    for (int i = 0; i < nb; i++, x += 32) {
        float di = amax_ps(x, 32) / 127.0f, id = di ? 1.0f / di : 0.0f;
        int s0, s1;
        quant32(x, _mm256_set1_ps(id), qs + 32 * i, 1, &s0, &s1);
        d[i] = di;
        sum[i] = di * (float)(s0 + s1);
    }
    size_t used = (size_t)n + 8 * (size_t)nb;
    memset(row + used, 0, act32_row_size(n) - used);
}

static void x86_act_q8_K(const float *x, void *dst, int n)
{
    struct block_q8_K *b = dst;
    for (int i = 0; i < n / QK_K; i++, x += QK_K) {
        float d = amax_ps(x, QK_K) / 127.0f, id = d ? 1.0f / d : 0.0f;
        __m256 vid = _mm256_set1_ps(id);
        for (int g = 0; g < QK_K / 32; g++) {
            int s0, s1;
            quant32(x + 32 * g, vid, b[i].qs + 32 * g, 0, &s0, &s1);
            b[i].bsums[2 * g] = (int16_t)s0;
            b[i].bsums[2 * g + 1] = (int16_t)s1;
        }
        b[i].d = d;
    }
}

static void x86_f16_to_f32(const qt_f16 *src, float *dst, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; i++)
        dst[i] = f16s(src[i]);
}

static void x86_f32_to_f16(const float *src, qt_f16 *dst, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++)
        dst[i] = _cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
}

/* ---- float weights: F32, F16, BF16 ------------------------------------ */

INLINE __m256 load8_f32(const uint8_t *p)
{
    return _mm256_loadu_ps((const float *)(const void *)p);
}
INLINE __m256 load8_f16(const uint8_t *p)
{
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)p));
}
INLINE __m256 load8_bf16(const uint8_t *p)
{
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

/* 16 columns per step, two accumulators per token; the tail is scalar. */
#define FLOAT_TILE(name, load8, esize, scalar_w)                                               \
    INLINE void name##_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt, \
                            float *y, size_t ys)                                              \
    {                                                                                         \
        __m256 acc[QT_TILE_T][2];                                                             \
        UNROLL_T for (int t = 0; t < nt; t++)                                                          \
            acc[t][0] = acc[t][1] = _mm256_setzero_ps();                                      \
        int c = 0;                                                                            \
        for (; c + 16 <= cols; c += 16) {                                                     \
            __m256 w0 = load8(w + (size_t)c * esize), w1 = load8(w + (size_t)(c + 8) * esize); \
            UNROLL_T for (int t = 0; t < nt; t++) {                                                    \
                const float *x = (const float *)(const void *)(act + (size_t)t * as) + c;     \
                acc[t][0] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x), acc[t][0]);               \
                acc[t][1] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + 8), acc[t][1]);           \
            }                                                                                 \
        }                                                                                     \
        UNROLL_T for (int t = 0; t < nt; t++) {                                                        \
            const float *x = (const float *)(const void *)(act + (size_t)t * as);             \
            float s = hsum_ps(_mm256_add_ps(acc[t][0], acc[t][1]));                           \
            for (int k = c; k < cols; k++)                                                    \
                s += scalar_w(w, k) * x[k];                                                   \
            y[(size_t)t * ys] = s;                                                            \
        }                                                                                     \
    }

INLINE float w_f32(const uint8_t *w, int k)
{
    float v;
    memcpy(&v, w + 4 * (size_t)k, 4);
    return v;
}
INLINE float w_f16(const uint8_t *w, int k)
{
    qt_f16 h;
    memcpy(&h, w + 2 * (size_t)k, 2);
    return f16s(h);
}
INLINE float w_bf16(const uint8_t *w, int k)
{
    qt_bf16 h;
    memcpy(&h, w + 2 * (size_t)k, 2);
    return qt_bf16_to_f32(h);
}

FLOAT_TILE(f32, load8_f32, 4, w_f32)
FLOAT_TILE(f16, load8_f16, 2, w_f16)
FLOAT_TILE(bf16, load8_bf16, 2, w_bf16)

/* ---- 32-element blocks: Q8_0, Q4_0, Q5_0 ------------------------------ */

/* Token t's act row (Q8_32 layout, quant_impl.h). */
struct act32_view {
    const uint8_t *qs; /* biased: q + 128 */
    const float *d, *s;
};

/* 32 biased act bytes back to signed int8. */
INLINE __m256i load_act32(const uint8_t *p)
{
    return _mm256_xor_si256(loadu256(p), _mm256_set1_epi8((char)0x80));
}

INLINE struct act32_view act32(const uint8_t *act, size_t as, int t, int cols)
{
    const uint8_t *row = act + (size_t)t * as;
    struct act32_view v = {act32_qs(row, cols), act32_d(row, cols), act32_s(row, cols)};
    return v;
}

INLINE void q8_0_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt,
                      float *y, size_t ys)
{
    const struct block_q8_0 *b = (const void *)w;
    struct act32_view a[QT_TILE_T];
    __m256 acc[QT_TILE_T];
    UNROLL_T for (int t = 0; t < nt; t++) {
        a[t] = act32(act, as, t, cols);
        acc[t] = _mm256_setzero_ps();
    }
    for (int i = 0; i < cols / 32; i++) {
        __m256i q = loadu256(b[i].qs);
        __m256i aq = _mm256_sign_epi8(q, q);
        float dw = f16s(b[i].d);
        UNROLL_T for (int t = 0; t < nt; t++) {
            __m256i s = _mm256_sign_epi8(load_act32(a[t].qs + 32 * i), q);
            __m256i p = dot_u8s8(_mm256_setzero_si256(), aq, s);
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(dw * a[t].d[i]), acc[t]);
        }
    }
    UNROLL_T for (int t = 0; t < nt; t++)
        y[(size_t)t * ys] = hsum_ps(acc[t]);
}

/* 16 bytes of nibbles -> 32 bytes: low nibbles first (elements 0..15),
 * then high nibbles (16..31), the Q4_0/Q5_0 element order. */
INLINE __m256i unpack_nibbles16(const uint8_t *qs)
{
    __m128i q = _mm_loadu_si128((const __m128i *)(const void *)qs);
    __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(q), _mm_srli_epi16(q, 4), 1);
    return _mm256_and_si256(v, _mm256_set1_epi8(15));
}

/* Bit j of a 32-bit word -> 0x10 in byte j. */
INLINE __m256i bits_to_0x10(uint32_t bits)
{
    const __m256i shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2,
                                          2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ULL);
    __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), shuf);
    v = _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit);
    return _mm256_and_si256(v, _mm256_set1_epi8(0x10));
}

/* Q4_0 and Q5_0 keep weights unsigned (0..15 / 0..31) so they can be the
 * u8 side of the product; the offset is removed as off * d_w * s_act. */
#define NIBBLE_TILE(name, btype, unpack, off)                                                  \
    INLINE void name##_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt, \
                            float *y, size_t ys)                                              \
    {                                                                                         \
        const btype *b = (const void *)w;                                                     \
        struct act32_view a[QT_TILE_T];                                                       \
        __m256 acc[QT_TILE_T];                                                             \
        float corr[QT_TILE_T];                                                                \
        UNROLL_T for (int t = 0; t < nt; t++) {                                                        \
            a[t] = act32(act, as, t, cols);                                                   \
            acc[t] = _mm256_setzero_ps();                                      \
            corr[t] = 0;                                                                      \
        }                                                                                     \
        for (int i = 0; i < cols / 32; i++) {                                                 \
            __m256i q = unpack(&b[i]);                                                        \
            float dw = f16s(b[i].d);                                                          \
            UNROLL_T for (int t = 0; t < nt; t++) {                                                    \
                __m256i p = dot_u8s8(_mm256_setzero_si256(), q, load_act32(a[t].qs + 32 * i)); \
                acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(dw * a[t].d[i]),    \
                                         acc[t]);                                     \
                corr[t] += dw * a[t].s[i];                                                    \
            }                                                                                 \
        }                                                                                     \
        UNROLL_T for (int t = 0; t < nt; t++)                                                          \
            y[(size_t)t * ys] = hsum_ps(acc[t]) - off * corr[t]; \
    }

INLINE __m256i unpack_q4_0(const struct block_q4_0 *b)
{
    return unpack_nibbles16(b->qs);
}
INLINE __m256i unpack_q5_0(const struct block_q5_0 *b)
{
    uint32_t qh;
    memcpy(&qh, b->qh, 4);
    return _mm256_or_si256(unpack_nibbles16(b->qs), bits_to_0x10(qh));
}

NIBBLE_TILE(q4_0, struct block_q4_0, unpack_q4_0, 8.0f)
NIBBLE_TILE(q5_0, struct block_q5_0, unpack_q5_0, 16.0f)

/* ---- k-quants: Q4_K, Q5_K, Q6_K against Q8_K acts ---------------------- */

INLINE const struct block_q8_K *actK(const uint8_t *act, size_t as, int t, int i)
{
    return (const struct block_q8_K *)(const void *)(act + (size_t)t * as) + i;
}

/* The 12-byte scales field -> 8 scales and 8 mins (6-bit each). */
INLINE void unpack_scales_k4(const uint8_t *q, uint8_t sc[8], uint8_t m[8])
{
    uint32_t s[3], a[4];
    memcpy(s, q, 12);
    a[0] = s[0] & 0x3f3f3f3f;                                  /* sc 0..3 */
    a[1] = (s[2] & 0x0f0f0f0f) | ((s[0] >> 2) & 0x30303030);   /* sc 4..7 */
    a[2] = s[1] & 0x3f3f3f3f;                                  /* m 0..3 */
    a[3] = ((s[2] >> 4) & 0x0f0f0f0f) | ((s[1] >> 2) & 0x30303030); /* m 4..7 */
    memcpy(sc, a, 8);
    memcpy(m, a + 2, 8);
}

/* Q4_K (five = 0) and Q5_K (five = 1). Per super-block and token the
 * integer sum of sc * dot over the 8 sub-blocks is exact; mins meet the
 * act's 16-element sums through one madd. */
/* Shared by the AVX2 (qk_tile) and AVX-512 (qkz_tile) Q4_K/Q5_K tiles,
 * which unpacked and corrected chunks with the same code.
 * qk_levels: chunk c (0..3) of 32 qs bytes as unsigned levels, low and
 * high nibbles, plus the fifth bit from hbits when five. */
INLINE void qk_levels(__m256i q, __m256i hbits, int c, int five, __m256i m4, __m256i b4,
                      __m256i *lo, __m256i *hi)
{
    *lo = _mm256_and_si256(q, m4);
    *hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
    if (five) {
        __m256i h = _mm256_srli_epi16(hbits, 2 * c);
        *lo = _mm256_or_si256(*lo, _mm256_and_si256(_mm256_slli_epi16(h, 4), b4));
        *hi = _mm256_or_si256(*hi, _mm256_and_si256(_mm256_slli_epi16(h, 3), b4));
    }
}
/* qk_mins_dot: the 8 sub-block mins times a's 16-element sums (added in
 * pairs), as 4 int32 lanes. */
INLINE __m128i qk_mins_dot(const struct block_q8_K *a, __m128i mins16)
{
    __m256i bs = loadu256(a->bsums);
    __m128i bs8 = _mm_hadd_epi16(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1));
    return _mm_madd_epi16(mins16, bs8);
}
/* hsum4_ps: the sum of the 4 lanes of m, in the tiles' order. */
INLINE float hsum4_ps(__m128 m)
{
    m = _mm_add_ps(m, _mm_movehl_ps(m, m));
    m = _mm_add_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

INLINE void qk_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt, float *y,
                    size_t ys, int five)
{
    const size_t bytes = five ? sizeof(struct block_q5_K) : sizeof(struct block_q4_K);
    __m256 acc[QT_TILE_T];
    __m128 accm[QT_TILE_T];
    UNROLL_T for (int t = 0; t < nt; t++) {
        acc[t] = _mm256_setzero_ps();
        accm[t] = _mm_setzero_ps();
    }
    const __m256i m4 = _mm256_set1_epi8(15), b4 = _mm256_set1_epi8(0x10);
    for (int i = 0; i < cols / QK_K; i++, w += bytes) {
        const struct block_q4_K *k4 = (const void *)w;
        const struct block_q5_K *k5 = (const void *)w;
        const uint8_t *qs = five ? k5->qs : k4->qs;
        uint8_t sc[8], m[8];
        unpack_scales_k4(five ? k5->scales : k4->scales, sc, m);
        __m128i mins16 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)m));
        float d = f16s(k4->d), dmin = f16s(k4->dmin);
        __m256i hbits = five ? loadu256(k5->qh) : _mm256_setzero_si256();
        __m256i sumi[QT_TILE_T];
        UNROLL_T for (int t = 0; t < nt; t++)
            sumi[t] = _mm256_setzero_si256();
        for (int c = 0; c < 4; c++) {
            __m256i q = loadu256(qs + 32 * c);
            __m256i lo, hi;
            qk_levels(q, hbits, c, five, m4, b4, &lo, &hi);
            __m256i sc_lo = _mm256_set1_epi16(sc[2 * c]), sc_hi = _mm256_set1_epi16(sc[2 * c + 1]);
            UNROLL_T for (int t = 0; t < nt; t++) {
                const int8_t *a = actK(act, as, t, i)->qs + 64 * c;
                __m256i p_lo = _mm256_maddubs_epi16(lo, loadu256(a));
                __m256i p_hi = _mm256_maddubs_epi16(hi, loadu256(a + 32));
                sumi[t] = madd16(sumi[t], p_lo, sc_lo);
                sumi[t] = madd16(sumi[t], p_hi, sc_hi);
            }
        }
        UNROLL_T for (int t = 0; t < nt; t++) {
            const struct block_q8_K *a = actK(act, as, t, i);
            __m128i pm = qk_mins_dot(a, mins16);
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi[t]), _mm256_set1_ps(d * a->d), acc[t]);
            accm[t] = _mm_fmadd_ps(_mm_cvtepi32_ps(pm), _mm_set1_ps(dmin * a->d), accm[t]);
        }
    }
    UNROLL_T for (int t = 0; t < nt; t++) {
        y[(size_t)t * ys] = hsum_ps(acc[t]) - hsum4_ps(accm[t]);
    }
}

INLINE void q4_K_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt,
                      float *y, size_t ys)
{
    qk_tile(cols, w, act, as, nt, y, ys, 0);
}
INLINE void q5_K_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt,
                      float *y, size_t ys)
{
    qk_tile(cols, w, act, as, nt, y, ys, 1);
}

/* Q6_K: 6-bit unsigned levels (0..63) as the u8 side; the -32 offset is
 * 32 * sum(sc * bsum), subtracted in the integer domain. */
INLINE void q6_K_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt,
                      float *y, size_t ys)
{
    const struct block_q6_K *b = (const void *)w;
    __m256 acc[QT_TILE_T];
    UNROLL_T for (int t = 0; t < nt; t++)
        acc[t] = _mm256_setzero_ps();
    const __m256i m4 = _mm256_set1_epi8(15), m2 = _mm256_set1_epi8(0x30);
    for (int i = 0; i < cols / QK_K; i++) {
        __m256i sc16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)b[i].scales));
        int16_t s16[16];
        _mm256_storeu_si256((__m256i *)(void *)s16, sc16);
        float d = f16s(b[i].d);
        __m256i sumi[QT_TILE_T];
        UNROLL_T for (int t = 0; t < nt; t++) {
            /* the offset term: -32 * sum_g sc_g * bsum_g */
            __m256i bs = loadu256(actK(act, as, t, i)->bsums);
            sumi[t] = _mm256_sub_epi32(_mm256_setzero_si256(),
                                       _mm256_slli_epi32(_mm256_madd_epi16(sc16, bs), 5));
        }
        for (int h = 0; h < 2; h++) {
            const uint8_t *ql = b[i].ql + 64 * h, *qhp = b[i].qh + 32 * h;
            __m256i l0 = loadu256(ql), l1 = loadu256(ql + 32), qh = loadu256(qhp);
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(l0, m4),
                                   _mm256_and_si256(_mm256_slli_epi16(qh, 4), m2));
            q[1] = _mm256_or_si256(_mm256_and_si256(l1, m4),
                                   _mm256_and_si256(_mm256_slli_epi16(qh, 2), m2));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                                   _mm256_and_si256(qh, m2));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                                   _mm256_and_si256(_mm256_srli_epi16(qh, 2), m2));
            for (int k = 0; k < 4; k++) {
                int g = 8 * h + 2 * k; /* scales of elements 0..15 and 16..31 */
                __m256i scv = _mm256_inserti128_si256(
                    _mm256_castsi128_si256(_mm_set1_epi16(s16[g])), _mm_set1_epi16(s16[g + 1]), 1);
                UNROLL_T for (int t = 0; t < nt; t++) {
                    const int8_t *a = actK(act, as, t, i)->qs + 128 * h + 32 * k;
                    __m256i p = _mm256_maddubs_epi16(q[k], loadu256(a));
                    sumi[t] = madd16(sumi[t], p, scv);
                }
            }
        }
        UNROLL_T for (int t = 0; t < nt; t++) {
            float da = actK(act, as, t, i)->d;
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi[t]), _mm256_set1_ps(d * da), acc[t]);
        }
    }
    UNROLL_T for (int t = 0; t < nt; t++)
        y[(size_t)t * ys] = hsum_ps(acc[t]);
}

/* Row loop with the token count made a compile-time constant. */
#if QT_X86_TILE >= 8
#define ROWS_CASES_5_TO_8(name)                                                                \
    case 5: name##_tile(cols, w, act, as, 5, y, ys); break;                                    \
    case 6: name##_tile(cols, w, act, as, 6, y, ys); break;                                    \
    case 7: name##_tile(cols, w, act, as, 7, y, ys); break;                                    \
    default: name##_tile(cols, w, act, as, 8, y, ys); break;
#else
/* the driver never passes more than .tile tokens */
#define ROWS_CASES_5_TO_8(name) default: break;
#endif
#define ROWS_FN(name)                                                                          \
    static __attribute__((unused)) void x86_rows_##name(                                       \
        int cols, const uint8_t *W, size_t ws, int nr, const uint8_t *act, size_t as, int nt,  \
        float *Y, size_t ys)                                                                   \
    {                                                                                          \
        for (int r = 0; r < nr; r++) {                                                         \
            const uint8_t *w = W + (size_t)r * ws;                                             \
            float *y = Y + r;                                                                  \
            switch (nt) {                                                                      \
            case 1: name##_tile(cols, w, act, as, 1, y, ys); break;                            \
            case 2: name##_tile(cols, w, act, as, 2, y, ys); break;                            \
            case 3: name##_tile(cols, w, act, as, 3, y, ys); break;                            \
            case 4: name##_tile(cols, w, act, as, 4, y, ys); break;                            \
            ROWS_CASES_5_TO_8(name)                                                            \
            }                                                                                  \
        }                                                                                      \
    }

ROWS_FN(f32)
ROWS_FN(f16)
ROWS_FN(bf16)
ROWS_FN(q8_0)
ROWS_FN(q4_0)
ROWS_FN(q5_0)
ROWS_FN(q4_K)
ROWS_FN(q5_K)
ROWS_FN(q6_K)
