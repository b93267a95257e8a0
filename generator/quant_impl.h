/* quant_impl.h - private to quant*.c: act block formats and the kernel
 * tables each SIMD level provides. */
#ifndef LAWQA_QUANT_IMPL_H
#define LAWQA_QUANT_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "quant.h"

/* Q8 act row for the 32-element weight types (Q4_0, Q5_0, Q8_0), for cols
 * activations in nb = cols/32 blocks:
 *   uint8 qs[cols]   quantized values q (-127..127) stored as q + 128,
 *                    contiguous so a pair of blocks is one 64-byte load;
 *                    biased so they can be the unsigned operand of vpdpbusd
 *                    against signed weights (the bias is removed once per
 *                    weight block: 128 * sum(w))
 *   float d[nb]      scale of each block (pairs load as one 8-byte word)
 *   float s[nb]      d * sum(q of the block): lets Q4_0/Q5_0 use their
 *                    unsigned levels and remove the -8/-16 offset with one
 *                    float term per block (AVX2 and scalar kernels)
 * padded to a multiple of 64 bytes so every token's row stays aligned.
 * (A per-lane scale vector per block pair was tried: the extra 64-byte
 * load per pair and token made the AVX-512 kernels ~20% slower.) */
static inline size_t act32_row_size(int cols)
{
    return ((size_t)cols + 8 * ((size_t)cols / 32) + 63) & ~(size_t)63;
}
static inline const uint8_t *act32_qs(const uint8_t *row, int cols)
{
    (void)cols;
    return row;
}
static inline const float *act32_d(const uint8_t *row, int cols)
{
    return (const float *)(const void *)(act32_qs(row, cols) + cols);
}
static inline const float *act32_s(const uint8_t *row, int cols)
{
    return act32_d(row, cols) + cols / 32;
}

/* Most tokens processed together per weight row (prefill tiling); each
 * kernel table says how many it takes (struct qt_kernels.tile). */
#define QT_TILE_T 8

/* Computes Y[t*y_stride + r] for r < nr, t < nt (1 <= nt <= tile):
 * row r of the weights at W + r*w_stride, token t's act row at
 * act + t*act_stride. */
typedef void (*qt_rows_fn)(int cols, const uint8_t *W, size_t w_stride, int nr,
                           const uint8_t *act, size_t act_stride, int nt, float *Y,
                           size_t y_stride);

/* Quantizes one row of n floats (n a multiple of the block) into act blocks. */
typedef void (*qt_act_fn)(const float *x, void *dst, int n);

struct qt_kernels {
    int tile; /* max nt of the rows functions (registers decide) */
    qt_rows_fn f32, f16, bf16, q4_0, q5_0, q8_0, q4_K, q5_K, q6_K;
    qt_act_fn act_q8_32, act_q8_K;
    /* float -> bf16 row for the BF16 act (NULL: use scalar) */
    void (*act_bf16)(const float *x, qt_bf16 *dst, int n);
    void (*f16_to_f32)(const qt_f16 *src, float *dst, int64_t n);
    void (*f32_to_f16)(const float *src, qt_f16 *dst, int64_t n);
};

/* 6-bit scale and min of sub-block j (0..7) from a k-quant scales[12]. */
static inline void qt_scale_min_k4(int j, const uint8_t *q, uint8_t *sc, uint8_t *m)
{
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/* The four signed 6-bit Q6_K values at l, l+32, l+64, l+96 of a 128-element
 * half (ql: 64 bytes of low nibbles, qh: 32 bytes of high bit pairs).
 * Shared by the dequantizer and the scalar dot so they cannot diverge. */
static inline void qt_q6_K_unpack(const uint8_t *ql, const uint8_t *qh, int l, int q[4])
{
    q[0] = ((ql[l] & 15) | ((qh[l] >> 0) & 3) << 4) - 32;
    q[1] = ((ql[l + 32] & 15) | ((qh[l] >> 2) & 3) << 4) - 32;
    q[2] = ((ql[l] >> 4) | ((qh[l] >> 4) & 3) << 4) - 32;
    q[3] = ((ql[l + 32] >> 4) | ((qh[l] >> 6) & 3) << 4) - 32;
}

const struct qt_kernels *qt_kernels_scalar(void);
#if defined(__x86_64__) || defined(__i386__)
const struct qt_kernels *qt_kernels_avx2(void);
const struct qt_kernels *qt_kernels_avx512(void);
#endif

/* The table for the current cpu_simd_level(). */
const struct qt_kernels *qt_kernels_current(void);

#endif
