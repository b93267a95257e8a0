/* quant_avx512.c - AVX-512 kernels (compiled with -mavx512f -mavx512bw
 * -mavx512vl -mavx512vnni -mavx512bf16 on top of the AVX2 flags; entered
 * only when cpu_simd_level() == CPU_SIMD_AVX512).
 *
 * The integer kernels are those of quant_x86.h with VNNI (vpdpbusd,
 * vpdpwssd on 256-bit registers: a Q8_0 block is exactly one ymm). BF16
 * weights use vdpbf16ps when the CPU has AVX512_BF16, with the act's BF16
 * copy of the activations. */
#if defined(__x86_64__) || defined(__i386__)
#define QT_VNNI 1
#define QT_X86_TILE 8 /* 32 registers */
#include "cpu.h"
#include "quant_x86.h"

static void act_bf16_512(const float *x, qt_bf16 *dst, int n)
{
    int i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256bh v = _mm512_cvtneps_pbh(_mm512_loadu_ps(x + i));
        _mm256_storeu_si256((__m256i *)(void *)(dst + i), (__m256i)v);
    }
    for (; i < n; i++)
        dst[i] = qt_f32_to_bf16(x[i]);
}

/* 32 columns per step: vdpbf16ps multiplies bf16 pairs into f32 lanes. */
INLINE void bf16dp_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt,
                        float *y, size_t ys)
{
    __m512 acc[QT_TILE_T];
    UNROLL_T for (int t = 0; t < nt; t++)
        acc[t] = _mm512_setzero_ps();
    int c = 0;
    for (; c + 32 <= cols; c += 32) {
        __m512i wv = _mm512_loadu_si512((const void *)(w + 2 * (size_t)c));
        UNROLL_T for (int t = 0; t < nt; t++) {
            const uint8_t *xb = act + (size_t)t * as + 4 * (size_t)cols;
            __m512i xv = _mm512_loadu_si512((const void *)(xb + 2 * (size_t)c));
            acc[t] = _mm512_dpbf16_ps(acc[t], (__m512bh)wv, (__m512bh)xv);
        }
    }
    UNROLL_T for (int t = 0; t < nt; t++) {
        const float *x = (const float *)(const void *)(act + (size_t)t * as);
        float s = _mm512_reduce_add_ps(acc[t]);
        for (int k = c; k < cols; k++)
            s += w_bf16(w, k) * x[k];
        y[(size_t)t * ys] = s;
    }
}

ROWS_FN(bf16dp)

/* ---- 512-bit kernels for the 32-element types: one zmm = two blocks ---- */

/* The two f16 scales as floats in lanes 0 and 1 of an xmm. */
INLINE __m128 pair_scale2(qt_f16 d0, qt_f16 d1)
{
    return _mm_cvtph_ps(_mm_cvtsi32_si128((int)((uint32_t)d0 | (uint32_t)d1 << 16)));
}

/* Lanes 0 and 1 of s spread to lanes 0..7 and 8..15. */
INLINE __m512 spread_pair(__m128 s)
{
    const __m512i idx = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    return _mm512_permutexvar_ps(idx, _mm512_castps128_ps512(s));
}

/* Scales of blocks i and i+1 in the low and high 8 lanes. */
INLINE __m512 pair_scale(qt_f16 d0, qt_f16 d1)
{
    return spread_pair(pair_scale2(d0, d1));
}

INLINE __m512i join256(__m256i lo, __m256i hi)
{
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

/* The act bytes are q + 128 (unsigned) and the weights signed, so one
 * vpdpbusd gives sum((q + 128) * w); starting the accumulation from
 * -128 * sum(w), computed once per weight block pair, leaves sum(q * w). */
INLINE __m512i neg_bias(__m512i w)
{
    const __m512i zero = _mm512_setzero_si512();
    return _mm512_sub_epi32(zero, _mm512_dpbusd_epi32(zero, _mm512_set1_epi8((char)0x80), w));
}

/* Dot of one 32-block with signed weights q against a biased act block. */
INLINE int dot_block_biased(__m256i q, const uint8_t *a)
{
    __m256i s = _mm256_sign_epi8(_mm256_xor_si256(loadu256(a), _mm256_set1_epi8((char)0x80)), q);
    return hsum_epi32(_mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(q), s));
}

/* One weight row (signed 32-blocks made by load_pair) against nt tokens;
 * the per-lane scale is dw (per row pair) times the act's two block scales
 * spread over the lanes (an 8-byte load and a permute). */
#define SIGNED32_Z_TILE(name, btype, load_pair, load_one)                                      \
    INLINE void name##z_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt, \
                             float *y, size_t ys)                                              \
    {                                                                                          \
        const btype *b = (const void *)w;                                                      \
        int nb = cols / 32, np = nb / 2;                                                       \
        struct act32_view a[QT_TILE_T];                                                        \
        __m512 acc[QT_TILE_T];                                                                 \
        UNROLL_T for (int t = 0; t < nt; t++) {                                                \
            a[t] = act32(act, as, t, cols);                                                    \
            acc[t] = _mm512_setzero_ps();                                                      \
        }                                                                                      \
        for (int p = 0; p < np; p++) {                                                         \
            const btype *b0 = &b[2 * p];                                                       \
            __m512i q = load_pair(b0);                                                         \
            __m512i nbias = neg_bias(q);                                                       \
            __m512 dw = pair_scale(b0[0].d, b0[1].d);                                          \
            UNROLL_T for (int t = 0; t < nt; t++) {                                            \
                __m512i av = _mm512_loadu_si512((const void *)(a[t].qs + 64 * p));             \
                __m512i dp = _mm512_dpbusd_epi32(nbias, av, q);                                \
                __m512 sc = _mm512_mul_ps(dw, spread_pair(_mm_castpd_ps(_mm_load_sd(           \
                                                  (const double *)(const void *)(a[t].d + 2 * p))))); \
                acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dp), sc, acc[t]);                  \
            }                                                                                  \
        }                                                                                      \
        UNROLL_T for (int t = 0; t < nt; t++) {                                                \
            float s = _mm512_reduce_add_ps(acc[t]);                                            \
            if (nb & 1) { /* odd block count: the last block alone */                          \
                int i = nb - 1;                                                                \
                int d = dot_block_biased(load_one(&b[i]), a[t].qs + 32 * i);                   \
                s += f16s(b[i].d) * a[t].d[i] * (float)d;                                      \
            }                                                                                  \
            y[(size_t)t * ys] = s;                                                             \
        }                                                                                      \
    }

INLINE __m512i load_q8_0_pair(const struct block_q8_0 *b)
{
    return join256(loadu256(b[0].qs), loadu256(b[1].qs));
}
INLINE __m256i load_q8_0_one(const struct block_q8_0 *b)
{
    return loadu256(b->qs);
}

/* Nibbles of two blocks (16 bytes each) -> 64 bytes in element order:
 * [lo(b0) hi(b0) lo(b1) hi(b1)]. */
INLINE __m512i unpack_nibbles_pair(const uint8_t *qs0, const uint8_t *qs1)
{
    __m256i y = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)qs0)),
        _mm_loadu_si128((const __m128i *)(const void *)qs1), 1);
    __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(y), _mm256_srli_epi16(y, 4), 1);
    z = _mm512_shuffle_i64x2(z, z, _MM_SHUFFLE(3, 1, 2, 0));
    return _mm512_and_si512(z, _mm512_set1_epi8(15));
}

INLINE __m512i unpack_q4_0_pair(const struct block_q4_0 *b)
{
    return unpack_nibbles_pair(b[0].qs, b[1].qs);
}

/* Q5_0: nibbles plus 16 where the block's qh bit is set (one masked add). */
INLINE __m512i unpack_q5_0_pair(const struct block_q5_0 *b)
{
    uint32_t h0, h1;
    memcpy(&h0, b[0].qh, 4);
    memcpy(&h1, b[1].qh, 4);
    __m512i x = unpack_nibbles_pair(b[0].qs, b[1].qs);
    return _mm512_mask_add_epi8(x, (__mmask64)h0 | (__mmask64)h1 << 32, x, _mm512_set1_epi8(16));
}

/* Q4_0 / Q5_0: levels minus the offset (-8..7 / -16..15) as signed bytes,
 * then the same kernel as Q8_0. */
INLINE __m512i load_q4_0_pair(const struct block_q4_0 *b)
{
    return _mm512_sub_epi8(unpack_q4_0_pair(b), _mm512_set1_epi8(8));
}
INLINE __m256i load_q4_0_one(const struct block_q4_0 *b)
{
    return _mm256_sub_epi8(unpack_q4_0(b), _mm256_set1_epi8(8));
}
INLINE __m512i load_q5_0_pair(const struct block_q5_0 *b)
{
    return _mm512_sub_epi8(unpack_q5_0_pair(b), _mm512_set1_epi8(16));
}
INLINE __m256i load_q5_0_one(const struct block_q5_0 *b)
{
    return _mm256_sub_epi8(unpack_q5_0(b), _mm256_set1_epi8(16));
}

SIGNED32_Z_TILE(q8_0, struct block_q8_0, load_q8_0_pair, load_q8_0_one)
SIGNED32_Z_TILE(q4_0, struct block_q4_0, load_q4_0_pair, load_q4_0_one)
SIGNED32_Z_TILE(q5_0, struct block_q5_0, load_q5_0_pair, load_q5_0_one)

ROWS_FN(q8_0z)
ROWS_FN(q4_0z)
ROWS_FN(q5_0z)

static void f16_to_f32_512(const qt_f16 *src, float *dst, int64_t n)
{
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(src + i))));
    x86_f16_to_f32(src + i, dst + i, n - i);
}

#define TABLE(bf16_fn, act_bf16_fn)                                                     \
    {                                                                                   \
        .tile = QT_X86_TILE, .f32 = x86_rows_f32, .f16 = x86_rows_f16, .bf16 = bf16_fn, .q4_0 = x86_rows_q4_0z, \
        .q5_0 = x86_rows_q5_0z, .q8_0 = x86_rows_q8_0z, .q4_K = x86_rows_q4_K,             \
        .q5_K = x86_rows_q5_K, .q6_K = x86_rows_q6_K, .act_q8_32 = x86_act_q8_32,        \
        .act_q8_K = x86_act_q8_K, .act_bf16 = act_bf16_fn, .f16_to_f32 = f16_to_f32_512, \
        .f32_to_f16 = x86_f32_to_f16,                                                   \
    }

const struct qt_kernels *qt_kernels_avx512(void)
{
    static const struct qt_kernels with_bf16 = TABLE(x86_rows_bf16dp, act_bf16_512);
    static const struct qt_kernels without = TABLE(x86_rows_bf16, NULL);
    return cpu_features()->avx512bf16 ? &with_bf16 : &without;
}
#endif
