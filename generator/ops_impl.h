/* ops_impl.h - private to ops*.c: the AVX2 versions ops.c switches to. */
#ifndef LAWQA_OPS_IMPL_H
#define LAWQA_OPS_IMPL_H

#include "ops.h"

#if defined(__x86_64__) || defined(__i386__)
void ops_rmsnorm_avx2(float *out, const float *x, const float *w, int n, float eps);
void ops_softmax_avx2(float *x, int n);
void ops_silu_mul_avx2(float *out, const float *gate, const float *up, int n);
/* head_dim must be a multiple of 8 */
void ops_attention_avx2(float *out, const float *q, int n_q, const qt_f16 *k, const qt_f16 *v,
                        int n_kv, int head_dim, size_t kv_stride, float scale, float *scores);
#endif

#endif
