/* ops.h - the non-matmul math of a transformer layer, vectorized.
 *
 * The engine owns the wiring (which op on which buffer); these are the
 * kernels. All are single-threaded (the vectors are small: hidden size or
 * one attention head), never allocate (except ops_rope_init at load) and
 * pick AVX2 / AVX-512 code at run time like quant.h (cpu.h). Outputs may
 * alias inputs where noted.
 *
 * KV cache format: F16 (qt_f16, see quant.h). Half the bytes of F32 and
 * the attention kernels convert with F16C on the fly; keys/values lose
 * nothing that matters next to 8-bit activations. Layout is up to the
 * engine: kv_stride is the distance, in elements, between positions.
 */
#ifndef LAWQA_OPS_H
#define LAWQA_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "quant.h"

/* out = x / sqrt(mean(x^2) + eps) * w  (out may alias x). */
void ops_rmsnorm(float *out, const float *x, const float *w, int n, float eps);

/* In place: x = exp(x - max) / sum. n >= 1. */
void ops_softmax(float *x, int n);

/* out = silu(gate) * up = gate / (1 + exp(-gate)) * up (out may alias). */
void ops_silu_mul(float *out, const float *gate, const float *up, int n);

/* out = a + b (out may alias a or b). */
void ops_add(float *out, const float *a, const float *b, int n);

/* x *= s. */
void ops_scale(float *x, float s, int n);

/* Index of the largest value (first one on ties); -1 for n < 1. */
int ops_argmax(const float *x, int n);

/* Rotary position embedding tables: cos/sin of pos * theta^(-2i/rot_dim)
 * for pos < max_pos and i < rot_dim/2, computed in double at load. */
struct ops_rope {
    int rot_dim; /* rotated dimensions per head (even, <= head_dim) */
    int max_pos;
    float *cos_tab; /* [max_pos][rot_dim/2] */
    float *sin_tab;
};

/* Allocates the tables; returns 0, or -1 (bad arguments, out of memory). */
int ops_rope_init(struct ops_rope *r, int rot_dim, float theta, int max_pos);
void ops_rope_free(struct ops_rope *r);

/* Rotates n_heads heads of head_dim values (contiguous) at position pos
 * (pos < max_pos). neox = 0: GGML "normal" mode, pairs (x[2i], x[2i+1])
 * (llama, internlm2 GGUF files); neox = 1: pairs (x[i], x[i + rot_dim/2])
 * (qwen2). Dimensions >= rot_dim are left alone. Returns -1 on bad pos. */
int ops_rope_apply(const struct ops_rope *r, float *x, int n_heads, int head_dim, int pos,
                   int neox);

/* Attention of n_q query heads that share one KV head (grouped-query
 * attention: call once per KV head with its group of query heads):
 *   q:   n_q x head_dim floats (contiguous)
 *   k,v: F16, position p of this head at k + p*kv_stride (p < n_kv)
 *   out: n_q x head_dim floats (must not alias q)
 *   scores: scratch of n_q * n_kv floats
 * out_h = softmax(scale * q_h . k_p) . v_p  (scale is usually 1/sqrt(hd)).
 * Reads each key/value once for the whole group. */
void ops_attention(float *out, const float *q, int n_q, const qt_f16 *k, const qt_f16 *v,
                   int n_kv, int head_dim, size_t kv_stride, float scale, float *scores);

#endif
