/* quant_avx512.c - AVX-512 kernels (compiled with -mavx512f -mavx512bw
 * -mavx512vl -mavx512vnni -mavx512bf16 on top of the AVX2 flags; entered
 * only when cpu_simd_level() == CPU_SIMD_AVX512).
 *
 * Q8_0/Q4_0/Q5_0 and Q4_K/Q5_K/Q6_K have 512-bit kernels below (two
 * 32-blocks or 64 k-quant elements per zmm, vpdpbusd / vpdpwssd); the
 * float kernels are quant_x86.h's 256-bit ones. BF16 weights use vdpbf16ps
 * when the CPU has AVX512_BF16, with the act's BF16 copy of the
 * activations. */
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
 * the two block scales dw * da (an 8-byte load of da and one multiply) are
 * spread over the lanes with one permute. */
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
            __m128 dw = pair_scale2(b0[0].d, b0[1].d);                                         \
            UNROLL_T for (int t = 0; t < nt; t++) {                                            \
                __m512i av = _mm512_loadu_si512((const void *)(a[t].qs + 64 * p));             \
                __m512i dp = _mm512_dpbusd_epi32(nbias, av, q);                                \
                __m512 sc = spread_pair(_mm_mul_ps(                                            \
                    dw, _mm_castpd_ps(_mm_load_sd((const double *)(const void *)(a[t].d + 2 * p))))); \
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

/* ---- decode: four rows at a time (Q4_K) -----------------------------------
 * With one token there is nothing to reuse a weight block for, so the Q4_K
 * decode kernel takes four rows per pass instead: the act block is loaded
 * once for all four, and the per-block header work (scales, mins, d) is
 * done four rows per instruction. Each row's float operations are those of
 * the one-row tile, so the results are bit-identical to it whatever the
 * row split.
 *
 * Reading four rows block by block is four interleaved streams, which the
 * hardware prefetchers follow poorly from DRAM (measured on this Zen 5 VM,
 * 131 MB matrix: 0.86-0.94x the old one-row kernel; for Q6_K, two or four
 * interleaved rows ran at 0.4-0.5x). So each pass prefetches, in address
 * order and spread evenly over its blocks, the bytes a little ahead of its
 * four rows: two groups of four rows ahead for short rows, one for long
 * ones (1536 Q4_K weights are 864 bytes a row: 2 groups measured best
 * there, 3 or more and 1 worse; 1 best for rows of 8960). Prefetches past
 * the end of the matrix are harmless (they never fault). Q6_K stays one
 * row at a time: its one-row kernel is already within ~20% of a plain read
 * of the same bytes, and four rows with this prefetch measured 0.8x. */
INLINE int pf_groups(size_t group_bytes)
{
    return group_bytes < (8 << 10) ? 2 : 1;
}

/* The share of block i of the prefetch for a pass over group bytes. */
INLINE void pf_share(const uint8_t *w, size_t group, int groups, int i, size_t step)
{
    const char *p = (const char *)w + group * (size_t)groups + (size_t)i * step;
    for (size_t o = 0; o < step; o += 64)
        _mm_prefetch(p + o, _MM_HINT_T0);
}

/* ---- Q6_K on 512-bit registers --------------------------------------------
 * A half super-block (128 elements) is 64 bytes of ql: its low nibbles are
 * elements 0..63 and its high nibbles 64..127, in order, so one zmm of
 * levels meets one 64-byte act load. The two high bits come from the 32
 * qh bytes, shifted by a different amount in each 256-bit half. Scales
 * (one per 16 elements = per 128-bit lane of int16 pairs) are spread with
 * vpermw; the -32 offset is -32 * sum(sc * bsum) as in the AVX2 kernel. */

/* Levels (0..63) of half h: elements 0..63 in lo, 64..127 in hi. */
INLINE void q6k_levels(const struct block_q6_K *b, int h, __m512i *lo, __m512i *hi)
{
    const __m512i m4 = _mm512_set1_epi8(15), m2 = _mm512_set1_epi8(0x30);
    /* qh shifts: low levels take bits 0-1 (elements 0..31) and 2-3 (32..63),
     * high levels bits 4-5 (64..95) and 6-7 (96..127), moved to bits 4-5 */
    const __m512i sh_lo = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
    const __m512i sh_hi = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
    __m512i L = _mm512_loadu_si512((const void *)(b->ql + 64 * h));
    __m512i H = _mm512_broadcast_i64x4(loadu256(b->qh + 32 * h));
    /* 0xEA: (a & b) | c */
    *lo = _mm512_ternarylogic_epi32(L, m4, _mm512_and_si512(_mm512_sllv_epi16(H, sh_lo), m2), 0xEA);
    *hi = _mm512_ternarylogic_epi32(_mm512_srli_epi16(L, 4), m4,
                                    _mm512_and_si512(_mm512_srlv_epi16(H, sh_hi), m2), 0xEA);
}

/* vpermw indexes: scales 8h..8h+3 (lo levels) or 8h+4..8h+7 (hi), 8 int16
 * each. */
INLINE __m512i q6k_scale_idx(int first)
{
    const __m512i base = _mm512_setr_epi32(0, 0, 0, 0, 0x00010001, 0x00010001, 0x00010001,
                                           0x00010001, 0x00020002, 0x00020002, 0x00020002,
                                           0x00020002, 0x00030003, 0x00030003, 0x00030003,
                                           0x00030003);
    return _mm512_add_epi16(base, _mm512_set1_epi16((short)first));
}

/* The block's scales as int16 (ymm, zero-extended to a zmm). */
INLINE __m256i q6k_scales16(const struct block_q6_K *b)
{
    return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)b->scales));
}

/* The -32 offset term, -32 * sc . bsums, in the low 8 int32 lanes. */
INLINE __m512i q6k_offset(__m256i sc16, const struct block_q8_K *a)
{
    __m256i off = _mm256_slli_epi32(_mm256_madd_epi16(sc16, loadu256(a->bsums)), 5);
    return _mm512_zextsi256_si512(_mm256_sub_epi32(_mm256_setzero_si256(), off));
}

INLINE void q6_Kz_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt,
                       float *y, size_t ys)
{
    const struct block_q6_K *b = (const void *)w;
    __m512 acc[QT_TILE_T];
    UNROLL_T for (int t = 0; t < nt; t++)
        acc[t] = _mm512_setzero_ps();
    for (int i = 0; i < cols / QK_K; i++) {
        __m256i sc16 = q6k_scales16(&b[i]);
        __m512i sc16z = _mm512_castsi256_si512(sc16);
        float d = f16s(b[i].d);
        __m512i sumi[QT_TILE_T];
        UNROLL_T for (int t = 0; t < nt; t++)
            sumi[t] = q6k_offset(sc16, actK(act, as, t, i));
        for (int h = 0; h < 2; h++) {
            __m512i qlo, qhi;
            q6k_levels(&b[i], h, &qlo, &qhi);
            __m512i sc_lo = _mm512_permutexvar_epi16(q6k_scale_idx(8 * h), sc16z);
            __m512i sc_hi = _mm512_permutexvar_epi16(q6k_scale_idx(8 * h + 4), sc16z);
            UNROLL_T for (int t = 0; t < nt; t++) {
                const int8_t *a = actK(act, as, t, i)->qs + 128 * h;
                __m512i p_lo = _mm512_maddubs_epi16(qlo, _mm512_loadu_si512((const void *)a));
                __m512i p_hi = _mm512_maddubs_epi16(qhi, _mm512_loadu_si512((const void *)(a + 64)));
                sumi[t] = _mm512_dpwssd_epi32(sumi[t], p_lo, sc_lo);
                sumi[t] = _mm512_dpwssd_epi32(sumi[t], p_hi, sc_hi);
            }
        }
        UNROLL_T for (int t = 0; t < nt; t++) {
            float da = actK(act, as, t, i)->d;
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi[t]), _mm512_set1_ps(d * da), acc[t]);
        }
    }
    UNROLL_T for (int t = 0; t < nt; t++)
        y[(size_t)t * ys] = _mm512_reduce_add_ps(acc[t]);
}

/* ---- Q5_K (and formerly Q4_K, see below) on 512-bit registers -------------
 * A 32-byte chunk of qs holds sub-blocks 2c (low nibbles) and 2c+1 (high
 * nibbles), i.e. elements 64c..64c+63 in order once the two nibble halves
 * sit in the two 256-bit halves of a zmm: one 64-byte act load per chunk
 * and token. Scales go to the int16 pairs with vpermw; mins as in AVX2. */
INLINE void qkz_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt,
                     float *y, size_t ys, int five)
{
    const size_t bytes = five ? sizeof(struct block_q5_K) : sizeof(struct block_q4_K);
    __m512 acc[QT_TILE_T];
    __m128 accm[QT_TILE_T];
    UNROLL_T for (int t = 0; t < nt; t++) {
        acc[t] = _mm512_setzero_ps();
        accm[t] = _mm_setzero_ps();
    }
    const __m256i m4 = _mm256_set1_epi8(15), b4 = _mm256_set1_epi8(0x10);
    for (int i = 0; i < cols / QK_K; i++, w += bytes) {
        const struct block_q4_K *k4 = (const void *)w;
        const struct block_q5_K *k5 = (const void *)w;
        const uint8_t *qs = five ? k5->qs : k4->qs;
        uint8_t sc[8], m[8];
        unpack_scales_k4(five ? k5->scales : k4->scales, sc, m);
        __m512i sc16z = _mm512_castsi128_si512(
            _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)sc)));
        __m128i mins16 = _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)m));
        float d = f16s(k4->d), dmin = f16s(k4->dmin);
        __m256i hbits = five ? loadu256(k5->qh) : _mm256_setzero_si256();
        __m512i sumi[QT_TILE_T];
        UNROLL_T for (int t = 0; t < nt; t++)
            sumi[t] = _mm512_setzero_si512();
        _Pragma("GCC unroll 4") for (int c = 0; c < 4; c++) {
            __m256i q = loadu256(qs + 32 * c);
            __m256i lo, hi;
            qk_levels(q, hbits, c, five, m4, b4, &lo, &hi);
            __m512i qz = join256(lo, hi);
            __m512i idx = _mm512_inserti64x4(_mm512_set1_epi16((short)(2 * c)),
                                             _mm256_set1_epi16((short)(2 * c + 1)), 1);
            __m512i scv = _mm512_permutexvar_epi16(idx, sc16z);
            UNROLL_T for (int t = 0; t < nt; t++) {
                const int8_t *a = actK(act, as, t, i)->qs + 64 * c;
                __m512i p = _mm512_maddubs_epi16(qz, _mm512_loadu_si512((const void *)a));
                sumi[t] = _mm512_dpwssd_epi32(sumi[t], p, scv);
            }
        }
        UNROLL_T for (int t = 0; t < nt; t++) {
            const struct block_q8_K *a = actK(act, as, t, i);
            __m128i pm = qk_mins_dot(a, mins16);
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi[t]), _mm512_set1_ps(d * a->d), acc[t]);
            accm[t] = _mm_fmadd_ps(_mm_cvtepi32_ps(pm), _mm_set1_ps(dmin * a->d), accm[t]);
        }
    }
    UNROLL_T for (int t = 0; t < nt; t++) {
        y[(size_t)t * ys] = _mm512_reduce_add_ps(acc[t]) - hsum4_ps(accm[t]);
    }
}

INLINE void q5_Kz_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt,
                       float *y, size_t ys)
{
    qkz_tile(cols, w, act, as, nt, y, ys, 1);
}

/* ---- Q4_K, AVX-512: header decode in vector registers ----------------------
 * The first 16 bytes of a block_q4_K (d, dmin, scales[12]) fit one 128-bit
 * lane, so up to four blocks' 6-bit scales and mins unpack together with two
 * vpshufb and a few masks instead of scalar shifts and a trip through the
 * stack. The products keep qkz_tile's lane layout (zmm = [sub-block 2c |
 * 2c+1], one 64-byte act load per chunk and token) and its float
 * operations, so every path (tile, 4-row decode) gives the same bits. */

/* Header lanes (bytes 0-3 d and dmin, 4..15 scales[12]) -> per lane bytes
 * 0..7 the 6-bit scales and 8..15 the 6-bit mins (qt_scale_min_k4). */
INLINE __m512i q4k_scales_mins(__m512i h)
{
    /* p: s0..3, s8..11, s4..7, s8..11; q: s0..3 and s4..7 under the high
     * bits they give to scales 4..7 and mins 4..7 (s_k is byte 4 + k) */
    const __m512i sel_p = _mm512_broadcast_i32x4(
        _mm_setr_epi8(4, 5, 6, 7, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15));
    const __m512i sel_q = _mm512_broadcast_i32x4(
        _mm_setr_epi8(-1, -1, -1, -1, 4, 5, 6, 7, -1, -1, -1, -1, 8, 9, 10, 11));
    const __m512i low6 = _mm512_broadcast_i32x4(
        _mm_setr_epi8(63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 0, 0, 0, 0));
    const __m512i high4 = _mm512_broadcast_i32x4(
        _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 15, 15, 15));
    const __m512i top2 = _mm512_broadcast_i32x4(
        _mm_setr_epi8(0, 0, 0, 0, 48, 48, 48, 48, 0, 0, 0, 0, 48, 48, 48, 48));
    __m512i p = _mm512_shuffle_epi8(h, sel_p), q = _mm512_shuffle_epi8(h, sel_q);
    /* 16-bit shifts: the bits pulled in from the next byte are masked off */
    __m512i r = _mm512_and_si512(p, low6);
    r = _mm512_or_si512(r, _mm512_and_si512(_mm512_srli_epi16(p, 4), high4));
    return _mm512_or_si512(r, _mm512_and_si512(_mm512_srli_epi16(q, 2), top2));
}

/* vpshufb control: scale 2c (words of the low 256 bits) and 2c + 1 (high)
 * of a lane-broadcast q4k_scales_mins result, as int16 pairs. */
INLINE __m512i q4k_scale_ctl(int c)
{
    __m512i lo = _mm512_set1_epi16((short)(2 * c | 0xff00));
    __m512i hi = _mm512_set1_epi16((short)((2 * c + 1) | 0xff00));
    return _mm512_inserti64x4(lo, _mm512_castsi512_si256(hi), 1);
}

/* The 8 mins of each lane as int16 (bytes 8..15 zero-extended). */
INLINE __m512i q4k_mins16(__m512i sm)
{
    const __m512i ctl = _mm512_broadcast_i32x4(
        _mm_setr_epi8(8, -1, 9, -1, 10, -1, 11, -1, 12, -1, 13, -1, 14, -1, 15, -1));
    return _mm512_shuffle_epi8(sm, ctl);
}

/* 128 bytes of qs -> the four chunk vectors [sub 2c | sub 2c+1]: two
 * 64-byte loads and lane shuffles instead of four 32-byte inserts. */
INLINE void q4k_levels(const uint8_t *qs, __m512i v[4])
{
    const __m512i m4 = _mm512_set1_epi8(15);
    __m512i a = _mm512_loadu_si512((const void *)qs);
    __m512i b = _mm512_loadu_si512((const void *)(qs + 64));
    __m512i al = _mm512_and_si512(a, m4), ah = _mm512_and_si512(_mm512_srli_epi16(a, 4), m4);
    __m512i bl = _mm512_and_si512(b, m4), bh = _mm512_and_si512(_mm512_srli_epi16(b, 4), m4);
    v[0] = _mm512_shuffle_i64x2(al, ah, _MM_SHUFFLE(1, 0, 1, 0));
    v[1] = _mm512_shuffle_i64x2(al, ah, _MM_SHUFFLE(3, 2, 3, 2));
    v[2] = _mm512_shuffle_i64x2(bl, bh, _MM_SHUFFLE(1, 0, 1, 0));
    v[3] = _mm512_shuffle_i64x2(bl, bh, _MM_SHUFFLE(3, 2, 3, 2));
}

/* The act's 16-element sums added in pairs: 8 int16 sub-block sums. */
INLINE __m128i q8k_bsums32(const struct block_q8_K *a)
{
    __m256i bs = loadu256(a->bsums);
    return _mm_hadd_epi16(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1));
}

/* Lane r of x copied to all four 128-bit lanes. */
INLINE __m512i lane_bcast(__m512i x, int r)
{
    return _mm512_permutexvar_epi32(
        _mm512_add_epi32(_mm512_set4_epi32(3, 2, 1, 0), _mm512_set1_epi32(4 * r)), x);
}

/* sum over the block of sc * (levels . act), int32 lanes in qkz_tile's
 * layout; sm holds the row's scales in every lane. */
INLINE __m512i q4k_dot(const __m512i v[4], __m512i sm, const int8_t *a)
{
    __m512i s = _mm512_setzero_si512();
    _Pragma("GCC unroll 4") for (int c = 0; c < 4; c++) {
        __m512i p = _mm512_maddubs_epi16(v[c], _mm512_loadu_si512((const void *)(a + 64 * c)));
        s = _mm512_dpwssd_epi32(s, p, _mm512_shuffle_epi8(sm, q4k_scale_ctl(c)));
    }
    return s;
}

INLINE void q4_Kz_tile(int cols, const uint8_t *w, const uint8_t *act, size_t as, int nt,
                       float *y, size_t ys)
{
    __m512 acc[QT_TILE_T];
    __m128 accm[QT_TILE_T];
    UNROLL_T for (int t = 0; t < nt; t++) {
        acc[t] = _mm512_setzero_ps();
        accm[t] = _mm_setzero_ps();
    }
    for (int i = 0; i < cols / QK_K; i++, w += sizeof(struct block_q4_K)) {
        const struct block_q4_K *k4 = (const void *)w;
        __m512i sm = q4k_scales_mins(_mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)w)));
        __m128i mins16 = _mm512_castsi512_si128(q4k_mins16(sm));
        float d = f16s(k4->d), dmin = f16s(k4->dmin);
        __m512i v[4];
        q4k_levels(k4->qs, v);
        UNROLL_T for (int t = 0; t < nt; t++) {
            const struct block_q8_K *a = actK(act, as, t, i);
            __m512i sumi = q4k_dot(v, sm, a->qs);
            __m128i pm = _mm_madd_epi16(mins16, q8k_bsums32(a));
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), _mm512_set1_ps(d * a->d), acc[t]);
            accm[t] = _mm_fmadd_ps(_mm_cvtepi32_ps(pm), _mm_set1_ps(dmin * a->d), accm[t]);
        }
    }
    UNROLL_T for (int t = 0; t < nt; t++)
        y[(size_t)t * ys] = _mm512_reduce_add_ps(acc[t]) - hsum4_ps(accm[t]);
}

/* Four rows of Q4_K against one token (see "decode" above); their headers
 * are decoded in one zmm, row r in lane r. */
INLINE void q4_Kz_rows4(int nb, const uint8_t *w, size_t ws, const uint8_t *act, float *y)
{
    const struct block_q8_K *a = (const void *)act;
    __m512 acc[4];
    __m512 accm = _mm512_setzero_ps();
    for (int r = 0; r < 4; r++)
        acc[r] = _mm512_setzero_ps();
    /* per row r: d at float lane 2r, dmin at 2r + 1 of dd */
    const __m512i d_words = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i dmin_idx = _mm512_setr_epi32(1, 1, 1, 1, 3, 3, 3, 3, 5, 5, 5, 5, 7, 7, 7, 7);
    const size_t group = 4 * ws, step = (group + (size_t)nb - 1) / (size_t)nb;
    const int ahead = pf_groups(group);
    for (int i = 0; i < nb; i++) {
        const uint8_t *b = w + (size_t)i * sizeof(struct block_q4_K);
        pf_share(w, group, ahead, i, step);
        __m512i h = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)b));
        h = _mm512_inserti32x4(h, _mm_loadu_si128((const __m128i *)(b + ws)), 1);
        h = _mm512_inserti32x4(h, _mm_loadu_si128((const __m128i *)(b + 2 * ws)), 2);
        h = _mm512_inserti32x4(h, _mm_loadu_si128((const __m128i *)(b + 3 * ws)), 3);
        __m512i sm = q4k_scales_mins(h);
        __m128i dh = _mm512_castsi512_si128(_mm512_permutexvar_epi32(d_words, h));
        __m256 d8 = _mm256_mul_ps(_mm256_cvtph_ps(dh), _mm256_set1_ps(a[i].d));
        __m512 dd = _mm512_castps256_ps512(d8);
        __m512i pm = _mm512_madd_epi16(q4k_mins16(sm), _mm512_broadcast_i32x4(q8k_bsums32(&a[i])));
        accm = _mm512_fmadd_ps(_mm512_cvtepi32_ps(pm), _mm512_permutexvar_ps(dmin_idx, dd), accm);
        _Pragma("GCC unroll 4") for (int r = 0; r < 4; r++) {
            __m512i v[4];
            q4k_levels(b + (size_t)r * ws + offsetof(struct block_q4_K, qs), v);
            __m512i smr = lane_bcast(sm, r);
            __m512i sumi = q4k_dot(v, smr, a[i].qs);
            __m512 dr = _mm512_permutexvar_ps(_mm512_set1_epi32(2 * r), dd);
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi), dr, acc[r]);
        }
    }
    __m128 m[4] = {_mm512_extractf32x4_ps(accm, 0), _mm512_extractf32x4_ps(accm, 1),
                   _mm512_extractf32x4_ps(accm, 2), _mm512_extractf32x4_ps(accm, 3)};
    for (int r = 0; r < 4; r++)
        y[r] = _mm512_reduce_add_ps(acc[r]) - hsum4_ps(m[r]);
}

ROWS_FN(q4_Kz)

/* Decode (one token) takes rows four at a time; the rest, and prefill
 * tiles, go through q4_Kz_tile. */
static void x86_rows_q4_Kz4(int cols, const uint8_t *W, size_t ws, int nr, const uint8_t *act,
                            size_t as, int nt, float *Y, size_t ys)
{
    int r = 0;
    if (nt == 1)
        for (; r + 4 <= nr; r += 4)
            q4_Kz_rows4(cols / QK_K, W + (size_t)r * ws, ws, act, Y + r);
    if (r < nr)
        x86_rows_q4_Kz(cols, W + (size_t)r * ws, ws, nr - r, act, as, nt, Y + r, ys);
}

ROWS_FN(q5_Kz)
ROWS_FN(q6_Kz)
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
        .q5_0 = x86_rows_q5_0z, .q8_0 = x86_rows_q8_0z, .q4_K = x86_rows_q4_Kz4,             \
        .q5_K = x86_rows_q5_Kz, .q6_K = x86_rows_q6_Kz, .act_q8_32 = x86_act_q8_32,        \
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
