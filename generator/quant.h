/* quant.h - tensor types of GGUF files and the products over them.
 *
 * Weights stay in their on-disk (GGML) block layout; products never
 * dequantize whole matrices. Instead the activations are converted once per
 * call into an "act" buffer whose format depends on the weight type:
 *
 *   weight type            act format                 dot product
 *   Q4_0, Q5_0, Q8_0       Q8 blocks of 32 (float     int8 x int8, exact int32
 *                          scale + scaled block sum)  per block, float per block
 *   Q4_K, Q5_K, Q6_K       Q8 blocks of 256 (float    int8 x int8, exact int32
 *                          scale + int16 sums per 16) per super-block
 *   F32, F16               F32 copy                   float FMA
 *   BF16                   F32 copy + BF16 copy       float FMA, or vdpbf16ps
 *                                                     on AVX-512 BF16 CPUs
 * (exact byte layouts: quant_impl.h; callers only need the sizes). The
 * kernels run one weight row against a tile of tokens (4 on AVX2, 8 on
 * AVX-512) so each weight block is loaded and unpacked once per tile.
 *
 * The 8-bit activation quantization (round to nearest, scale = max|x|/127
 * per block) is the only approximation: per element the error is at most
 * scale/2 = max|x|/254, so the relative error of a dot product is about
 * 0.4% / sqrt(block) in the typical case and below 0.4% of sum|w|*max|x| in
 * the worst case.
 *
 * SIMD: scalar, AVX2 (+FMA, F16C) and AVX-512 (F, BW, VL, VNNI, BF16)
 * kernels, picked at run time by cpu_simd_level() (see cpu.h;
 * LAWQA_SIMD=scalar|avx2|avx512 forces one). Integer dot products give
 * identical results on all paths; float sums may differ in rounding (the
 * order of additions differs).
 *
 * Speed (AVX-512 path, this Zen 5 VM, one thread, cache-resident weights,
 * CPU time; rough: the machine is shared): matvec Q8_0 ~14 MAC/cycle
 * (~40 GB/s of weights), Q5_0 ~9, Q4_K ~16 (34 GB/s; four rows per pass,
 * quant_avx512.c), Q6_K ~18; prefill tiles of 8 tokens ~25-30 MAC/cycle
 * for Q8_0 and the k-quants, ~22 for Q4_0/Q5_0. Decoding a model whose
 * weights do not fit the caches is bound by memory instead: ~20 GB/s per
 * thread from 4 KiB pages here, against ~30 for a plain read.
 * F16/F32/BF16 weights use float FMA (or vdpbf16ps) and are not tuned for
 * prefill (one row at a time, ~55 GFLOP/s).
 *
 * Engine notes:
 *  - Size scratch at model load: act = max over weights of
 *    qt_act_size(type, cols, max_tokens); no allocation happens in
 *    qt_quantize_act / qt_matmul_act / qt_matmul.
 *  - Several weights with the same qt_act_kind() (e.g. Q, K, V, or gate and
 *    up) can share one qt_quantize_act() call.
 *  - Rows are split across threads in contiguous blocks; prefill
 *    (n_tokens > 1) tiles tokens so each loaded weight block is used for
 *    several tokens.
 *  - Functions return 0 on success, -1 on bad arguments (unsupported type,
 *    cols not a multiple of the block size, scratch too small).
 */
#ifndef LAWQA_QUANT_H
#define LAWQA_QUANT_H

#include <stddef.h>
#include <stdint.h>

struct threadpool;

/* Type ids equal GGML's (they are what GGUF files store). */
enum qt_type {
    QT_F32 = 0,
    QT_F16 = 1,
    QT_Q4_0 = 2,
    QT_Q5_0 = 6,
    QT_Q8_0 = 8,
    QT_Q4_K = 12,
    QT_Q5_K = 13,
    QT_Q6_K = 14,
    QT_Q8_K = 15, /* activation type of the k-quants; storable, not a matmul weight */
    QT_BF16 = 30,
};

/* Block layouts, byte-exact with GGML (little-endian; fp16 = IEEE half). */
#define QK4_0 32
#define QK5_0 32
#define QK8_0 32
#define QK_K 256
#define K_SCALE_SIZE 12

typedef uint16_t qt_f16;  /* IEEE 754 binary16 bits */
typedef uint16_t qt_bf16; /* top 16 bits of a binary32 */

/* x[j] = d * ((qs[j] & 15) - 8), x[j+16] = d * ((qs[j] >> 4) - 8) */
struct block_q4_0 {
    qt_f16 d;
    uint8_t qs[QK4_0 / 2];
};
/* 5th bit of element j is bit j of qh (as little-endian uint32);
 * x[j] = d * (q5 - 16), nibbles ordered as in Q4_0 */
struct block_q5_0 {
    qt_f16 d;
    uint8_t qh[4];
    uint8_t qs[QK5_0 / 2];
};
/* x[j] = d * qs[j] */
struct block_q8_0 {
    qt_f16 d;
    int8_t qs[QK8_0];
};
/* 8 sub-blocks of 32; 6-bit scale sc and min m per sub-block packed in
 * scales[12]; x = d*sc*q - dmin*m with q in 0..15. Sub-blocks 2i and 2i+1
 * are the low and high nibbles of qs[32i .. 32i+31]. */
struct block_q4_K {
    qt_f16 d;
    qt_f16 dmin;
    uint8_t scales[K_SCALE_SIZE];
    uint8_t qs[QK_K / 2];
};
/* as Q4_K with a 5th bit: sub-block s takes bit s of qh[l] for element l */
struct block_q5_K {
    qt_f16 d;
    qt_f16 dmin;
    uint8_t scales[K_SCALE_SIZE];
    uint8_t qh[QK_K / 8];
    uint8_t qs[QK_K / 2];
};
/* 16 sub-blocks of 16, int8 scales; x = d*sc*(q6 - 32) */
struct block_q6_K {
    uint8_t ql[QK_K / 2];
    uint8_t qh[QK_K / 4];
    int8_t scales[QK_K / 16];
    qt_f16 d;
};
/* GGML's Q8_K: float scale, bsums[i] = sum of qs[16i .. 16i+15] */
struct block_q8_K {
    float d;
    int8_t qs[QK_K];
    int16_t bsums[QK_K / 16];
};

/* 1 if the type is one this library reads (all of the enum above). */
int qt_type_supported(int type);
/* "f32", "q4_K", ...; "?" for unknown types. */
const char *qt_type_name(int type);
/* Elements per block (1 for F32/F16/BF16); 0 for unknown types. */
int qt_block_size(int type);
/* Bytes per block; 0 for unknown types. */
size_t qt_block_bytes(int type);
/* Bytes of a row of n elements; 0 if the type is unknown or n is not a
 * multiple of the block size. */
size_t qt_row_size(int type, int64_t n);

/* Dequantizes n elements (one row, or several rows back to back). */
int qt_dequantize_row(int type, const void *src, float *dst, int64_t n);

/* Scalar F16/BF16 <-> F32 (round to nearest even; NaN preserved). */
float qt_f16_to_f32(qt_f16 h);
qt_f16 qt_f32_to_f16(float f);
float qt_bf16_to_f32(qt_bf16 h);
qt_bf16 qt_f32_to_bf16(float f);
/* Vectorized conversions of n values (F16C / AVX-512 when available). */
void qt_f16_to_f32_row(const qt_f16 *src, float *dst, int64_t n);
void qt_f32_to_f16_row(const float *src, qt_f16 *dst, int64_t n);

/* ---- products ---------------------------------------------------------- */

/* Activation formats (two weight types can share an act buffer when their
 * kinds are equal). */
enum qt_act_kind {
    QT_ACT_NONE = -1, /* type cannot be a matmul weight */
    QT_ACT_F32 = 0,   /* F32, F16 */
    QT_ACT_Q8_32 = 1, /* Q4_0, Q5_0, Q8_0 */
    QT_ACT_Q8_K = 2,  /* Q4_K, Q5_K, Q6_K */
    QT_ACT_BF16 = 3,  /* BF16 */
};
enum qt_act_kind qt_act_kind(int type);

/* Bytes of the act buffer for n_tokens rows of cols activations for weights
 * of this type; 0 if unsupported or cols is not a multiple of the block. */
size_t qt_act_size(int type, int cols, int n_tokens);

/* Converts X (n_tokens x cols floats, row-major) into act (act_size bytes,
 * 4-byte aligned at least; malloc'd memory is fine, 64-byte aligned is
 * fastest). Uses the pool when n_tokens > 1. */
int qt_quantize_act(struct threadpool *tp, int type, const float *X, int cols, int n_tokens,
                    void *act, size_t act_size);

/* Y[t*rows + r] = sum_c W[r][c] * X[t][c] for r < rows, t < n_tokens, with
 * X given as an act buffer made by qt_quantize_act for the same type (or one
 * of the same qt_act_kind) and cols. W is rows x qt_row_size(type, cols)
 * bytes. Rows are split over the pool's threads. */
int qt_matmul_act(struct threadpool *tp, int type, const void *W, int rows, int cols,
                  const void *act, int n_tokens, float *Y);

/* qt_quantize_act + qt_matmul_act. scratch must hold
 * qt_act_size(type, cols, n_tokens) bytes. */
int qt_matmul(struct threadpool *tp, int type, const void *W, int rows, int cols, const float *X,
              int n_tokens, float *Y, void *scratch, size_t scratch_size);

/* Dot product of one weight row with token 0 of an act buffer made for
 * cols (for tests, or a handful of logits without a pool dispatch). Uses
 * the current SIMD level; 0 for unsupported arguments. */
float qt_dot_row(int type, const void *w_row, const void *act, int cols);

/* ---- quantization from float (for tests / tools; not speed-critical) ---- */

/* Quantizes n floats to the type's blocks (n a multiple of the block size).
 * Not llama.cpp's optimal search, but valid blocks in the exact layout.
 * Supports every type above. */
int qt_quantize_row(int type, const float *src, void *dst, int64_t n);

#endif
