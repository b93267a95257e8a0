/* model.h — a transformer's weights (views into the mmap'd GGUF) and the
 * running state (KV cache, scratch) that the forward pass works in.
 * Private to generator/. */
#ifndef LAWQA_MODEL_H
#define LAWQA_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "ops.h"
#include "quant.h"

struct threadpool;

/* A 2-D weight: rows of cols elements (GGUF ne0 = cols, ne1 = rows). */
typedef struct {
  const void *data;
  int type;
  int rows, cols;
} weight;

typedef struct {
  const float *attn_norm, *ffn_norm;
  const float *bq, *bk, *bv; /* QKV biases (qwen2); NULL when absent */
  weight wq, wk, wv, wo;
  weight gate, up, down;
} layer;

typedef struct {
  char arch[16];
  int neox; /* RoPE pairs (i, i + rot/2) instead of (2i, 2i+1) */
  int n_layers, dim, n_heads, n_kv_heads, head_dim, rot_dim, ffn_dim, vocab, n_ctx_train;
  int q_dim, kv_dim; /* n_heads * head_dim, n_kv_heads * head_dim */
  float eps, rope_base;
  weight tok_embd, output; /* output == tok_embd when tied */
  const float *out_norm;
  layer *layers; /* n_layers, owned */
} model;

/* Reads the hyper-parameters and checks every tensor's presence, type and
 * shape.  The model points into g, which must outlive it. */
int model_load(model *m, const struct gguf *g, char *err, size_t errlen);
void model_free(model *m);

/* Everything a forward pass writes: owned buffers sized at load, so that
 * decoding allocates nothing. */
typedef struct {
  int n_ctx;     /* cache slots */
  int max_batch; /* rows per forward call */
  struct threadpool *tp;
  struct ops_rope rope;
  qt_f16 *kc, *vc; /* [n_layers][n_ctx][kv_dim] */
  float *x;        /* [max_batch][dim] residual stream */
  float *xb;       /* [max_batch][max(dim, q_dim)] normed input / attention output */
  float *q, *k, *v;  /* [max_batch][q_dim], [max_batch][kv_dim] x2 */
  float *hb, *hb2;   /* [max_batch][ffn_dim] */
  float *scores;     /* [threads][group * n_ctx] attention scratch */
  float *logits;     /* [vocab] logits of the last row */
  void *act;         /* quantized activations */
  size_t act_size;
  int *pos, *slot, *start; /* [max_batch] per-row positions (see forward) */
} state;

int state_init(state *s, const model *m, int n_ctx, int max_batch, struct threadpool *tp,
               char *err, size_t errlen);
void state_free(state *s);

/* Runs the first n_layers blocks (all when n_layers <= 0 or >= the model's)
 * over n <= max_batch tokens.  Row i is token tokens[i] at RoPE position
 * s->pos[i], writes its key/value to cache slot s->slot[i] and attends to
 * slots s->start[i] .. s->slot[i] (a sequence occupies contiguous slots, so
 * this is causal attention within the sequence).  Leaves the hidden states
 * in s->x.  Returns 0, or -1 on a bad token id with a message. */
int forward(const model *m, state *s, const int32_t *tokens, int n, int n_layers, char *err,
            size_t errlen);

/* Final norm + output projection of rows [first, first + n) of s->x into
 * out (n * vocab floats).  Overwrites s->xb. */
void forward_logits(const model *m, state *s, int first, int n, float *out);

#endif
