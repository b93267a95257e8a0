/* forward.c — the transformer forward pass over a batch of tokens.
 *
 * One block, for every row of the batch:
 *   h = rmsnorm(x) ; q,k,v = h·Wq,Wk,Wv (+ biases) ; rope(q, k)
 *   cache[slot] = k, v ; a = attention(q, cache[start .. slot])
 *   x += a·Wo ; h = rmsnorm(x) ; x += (silu(h·Wgate) * h·Wup)·Wdown
 * Matrix products take all rows at once (the kernels tile tokens so each
 * weight block is loaded once per batch); attention is split over
 * (row, kv head) pairs on the thread pool.  Nothing here allocates.
 * The kernels' error returns (unsupported type, short scratch) are not
 * checked per call: model_load validated every weight's type and shape and
 * state_init sized the activation buffer for the largest product. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "threadpool.h"

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

static size_t act_need(const weight *w, int n) { return qt_act_size(w->type, w->cols, n); }

int state_init(state *s, const model *m, int n_ctx, int max_batch, struct threadpool *tp,
               char *err, size_t errlen) {
  memset(s, 0, sizeof *s);
  s->n_ctx = n_ctx;
  s->max_batch = max_batch;
  s->tp = tp;
  size_t B = (size_t)max_batch, nth = (size_t)tp_n_threads(tp);
  size_t kv = (size_t)m->n_layers * (size_t)n_ctx * (size_t)m->kv_dim;
  size_t wide = max_sz((size_t)m->ffn_dim, (size_t)m->dim);
  size_t group = (size_t)(m->n_heads / m->n_kv_heads);
  s->kc = malloc(kv * sizeof *s->kc);
  s->vc = malloc(kv * sizeof *s->vc);
  s->x = malloc(B * (size_t)m->dim * sizeof(float));
  s->xb = malloc(B * max_sz((size_t)m->dim, (size_t)m->q_dim) * sizeof(float));
  s->q = malloc(B * (size_t)m->q_dim * sizeof(float));
  s->k = malloc(B * (size_t)m->kv_dim * sizeof(float));
  s->v = malloc(B * (size_t)m->kv_dim * sizeof(float));
  s->hb = malloc(B * wide * sizeof(float));
  s->hb2 = malloc(B * wide * sizeof(float));
  s->scores = malloc(nth * group * (size_t)n_ctx * sizeof(float));
  s->logits = malloc((size_t)m->vocab * sizeof(float));
  s->pos = malloc(B * sizeof(int));
  s->slot = malloc(B * sizeof(int));
  s->start = malloc(B * sizeof(int));
  /* the largest activation buffer any product of a batch needs */
  size_t a = act_need(&m->output, max_batch);
  for (int i = 0; i < m->n_layers; i++) {
    const layer *L = &m->layers[i];
    const weight *ws[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->gate, &L->up, &L->down};
    for (size_t j = 0; j < sizeof ws / sizeof ws[0]; j++) a = max_sz(a, act_need(ws[j], max_batch));
  }
  s->act_size = (a + 63) / 64 * 64;
  s->act = aligned_alloc(64, s->act_size);
  if (!s->kc || !s->vc || !s->x || !s->xb || !s->q || !s->k || !s->v || !s->hb || !s->hb2 ||
      !s->scores || !s->logits || !s->pos || !s->slot || !s->start || !s->act) {
    snprintf(err, errlen, "out of memory for a %d-token context", n_ctx);
    state_free(s);
    return -1;
  }
  if (ops_rope_init(&s->rope, m->rot_dim, m->rope_base, n_ctx)) {
    snprintf(err, errlen, "cannot build RoPE tables (%d dims, %d positions)", m->rot_dim, n_ctx);
    state_free(s);
    return -1;
  }
  return 0;
}

void state_free(state *s) {
  free(s->kc), free(s->vc), free(s->x), free(s->xb), free(s->q), free(s->k), free(s->v);
  free(s->hb), free(s->hb2), free(s->scores), free(s->logits), free(s->act);
  free(s->pos), free(s->slot), free(s->start);
  ops_rope_free(&s->rope);
  memset(s, 0, sizeof *s);
}

/* Y = X·Wᵀ for n rows. */
static void matmul(state *s, const weight *w, const float *X, int n, float *Y) {
  qt_matmul(s->tp, w->type, w->data, w->rows, w->cols, X, n, Y, s->act, s->act_size);
}

/* Several products of one token's activations in a single dispatch: each
 * worker takes its share of the rows of every weight, so decoding wakes
 * the pool once for Q, K and V (and once for gate and up) instead of once
 * per matrix. */
typedef struct {
  const weight *const *ws;
  float *const *ys;
  int nw;
  const void *act;
} fused_job;

static void fused_task(void *arg, int ith, int nth) {
  const fused_job *j = arg;
  for (int i = 0; i < j->nw; i++) {
    const weight *w = j->ws[i];
    int64_t b, e;
    tp_split(w->rows, 4, ith, nth, &b, &e); /* grain 4: kernels pair rows */
    if (e <= b) continue;
    const char *rows = (const char *)w->data + (size_t)b * qt_row_size(w->type, w->cols);
    qt_matmul_act(NULL, w->type, rows, (int)(e - b), w->cols, j->act, 1, j->ys[i] + b);
  }
}

/* Products of the same input with several weights: the activations are
 * quantized once when the weights share an activation format. */
static void matmul_same_input(state *s, const weight *const *ws, float *const *Ys, int nw,
                              const float *X, int n) {
  int shared = 1;
  for (int i = 1; i < nw; i++) shared &= qt_act_kind(ws[i]->type) == qt_act_kind(ws[0]->type);
  if (!shared) {
    for (int i = 0; i < nw; i++) matmul(s, ws[i], X, n, Ys[i]);
    return;
  }
  qt_quantize_act(s->tp, ws[0]->type, X, ws[0]->cols, n, s->act, s->act_size);
  if (n == 1) {
    fused_job j = {ws, Ys, nw, s->act};
    tp_run(s->tp, fused_task, &j);
    return;
  }
  for (int i = 0; i < nw; i++)
    qt_matmul_act(s->tp, ws[i]->type, ws[i]->data, ws[i]->rows, ws[i]->cols, s->act, n, Ys[i]);
}

typedef struct {
  const model *m;
  state *s;
  int layer, n;
} att_job;

/* Work items are (row, kv head) pairs dealt round-robin, so that rows late
 * in a prefill batch (long attention spans) are spread over all workers. */
static void attention_task(void *arg, int ith, int nth) {
  const att_job *j = arg;
  const model *m = j->m;
  state *s = j->s;
  int hd = m->head_dim, nkv = m->n_kv_heads, group = m->n_heads / nkv;
  float scale = 1.0f / sqrtf((float)hd);
  size_t layer_off = (size_t)j->layer * (size_t)s->n_ctx * (size_t)m->kv_dim;
  float *scores = s->scores + (size_t)ith * (size_t)group * (size_t)s->n_ctx;
  for (int it = ith; it < j->n * nkv; it += nth) {
    int r = it / nkv, h = it % nkv;
    size_t off = layer_off + (size_t)s->start[r] * (size_t)m->kv_dim + (size_t)h * (size_t)hd;
    size_t qo = (size_t)r * (size_t)m->q_dim + (size_t)h * (size_t)group * (size_t)hd;
    ops_attention(s->xb + qo, s->q + qo, group, s->kc + off, s->vc + off,
                  s->slot[r] - s->start[r] + 1, hd, (size_t)m->kv_dim, scale, scores);
  }
}

/* Decoding one token: worker ith owns the kv heads h with h % nth == ith
 * and does everything for them in one dispatch (its rows of Q, K and V,
 * biases, RoPE, cache store, attention of the query heads that share h),
 * since nothing there needs another head.  One barrier instead of two per
 * layer matters when the cores are shared and every wait can cost a time
 * slice. */
typedef struct {
  const model *m;
  state *s;
  int layer;
} head_job;

static void rows_of(const weight *w, int first, int n, const void *act, float *y) {
  const char *rows = (const char *)w->data + (size_t)first * qt_row_size(w->type, w->cols);
  qt_matmul_act(NULL, w->type, rows, n, w->cols, act, 1, y + first);
}

static void decode_heads_task(void *arg, int ith, int nth) {
  const head_job *j = arg;
  const model *m = j->m;
  const layer *L = &m->layers[j->layer];
  state *s = j->s;
  int hd = m->head_dim, group = m->n_heads / m->n_kv_heads;
  size_t layer_off = (size_t)j->layer * (size_t)s->n_ctx * (size_t)m->kv_dim;
  for (int h = ith; h < m->n_kv_heads; h += nth) {
    int q0 = h * group * hd, k0 = h * hd;
    float *q = s->q + q0, *k = s->k + k0, *v = s->v + k0;
    rows_of(&L->wq, q0, group * hd, s->act, s->q);
    rows_of(&L->wk, k0, hd, s->act, s->k);
    rows_of(&L->wv, k0, hd, s->act, s->v);
    if (L->bq) {
      ops_add(q, q, L->bq + q0, group * hd);
      ops_add(k, k, L->bk + k0, hd);
      ops_add(v, v, L->bv + k0, hd);
    }
    ops_rope_apply(&s->rope, q, group, hd, s->pos[0], m->neox);
    ops_rope_apply(&s->rope, k, 1, hd, s->pos[0], m->neox);
    size_t at = layer_off + (size_t)s->slot[0] * (size_t)m->kv_dim + (size_t)k0;
    qt_f32_to_f16_row(k, s->kc + at, hd);
    qt_f32_to_f16_row(v, s->vc + at, hd);
    size_t from = layer_off + (size_t)s->start[0] * (size_t)m->kv_dim + (size_t)k0;
    ops_attention(s->xb + q0, q, group, s->kc + from, s->vc + from,
                  s->slot[0] - s->start[0] + 1, hd, (size_t)m->kv_dim,
                  1.0f / sqrtf((float)hd), s->scores + (size_t)ith * (size_t)group * (size_t)s->n_ctx);
  }
}

/* The one-dispatch path needs Q, K and V to share an activation format and
 * the kv heads to split evenly over the workers. */
static int decode_heads_ok(const model *m, const layer *L, const state *s) {
  int kind = qt_act_kind(L->wq.type);
  return kind == qt_act_kind(L->wk.type) && kind == qt_act_kind(L->wv.type) &&
         m->n_kv_heads % tp_n_threads(s->tp) == 0;
}

static void attention_block(const model *m, state *s, int l, int n) {
  const layer *L = &m->layers[l];
  int D = m->dim, qd = m->q_dim, kvd = m->kv_dim;
  for (int i = 0; i < n; i++) ops_rmsnorm(s->xb + (size_t)i * D, s->x + (size_t)i * D, L->attn_norm, D, m->eps);
  if (n == 1 && decode_heads_ok(m, L, s)) {
    qt_quantize_act(s->tp, L->wq.type, s->xb, D, 1, s->act, s->act_size);
    head_job hj = {m, s, l};
    tp_run(s->tp, decode_heads_task, &hj);
    matmul(s, &L->wo, s->xb, 1, s->hb2);
    ops_add(s->x, s->x, s->hb2, D);
    return;
  }
  const weight *ws[] = {&L->wq, &L->wk, &L->wv};
  float *ys[] = {s->q, s->k, s->v};
  matmul_same_input(s, ws, ys, 3, s->xb, n);
  size_t layer_off = (size_t)l * (size_t)s->n_ctx * (size_t)kvd;
  for (int i = 0; i < n; i++) {
    float *q = s->q + (size_t)i * qd, *k = s->k + (size_t)i * kvd, *v = s->v + (size_t)i * kvd;
    if (L->bq) {
      ops_add(q, q, L->bq, qd);
      ops_add(k, k, L->bk, kvd);
      ops_add(v, v, L->bv, kvd);
    }
    ops_rope_apply(&s->rope, q, m->n_heads, m->head_dim, s->pos[i], m->neox);
    ops_rope_apply(&s->rope, k, m->n_kv_heads, m->head_dim, s->pos[i], m->neox);
    size_t at = layer_off + (size_t)s->slot[i] * (size_t)kvd;
    qt_f32_to_f16_row(k, s->kc + at, kvd);
    qt_f32_to_f16_row(v, s->vc + at, kvd);
  }
  att_job job = {m, s, l, n};
  tp_run(s->tp, attention_task, &job);
  matmul(s, &L->wo, s->xb, n, s->hb2);
  ops_add(s->x, s->x, s->hb2, n * D);
}

static void ffn_block(const model *m, state *s, int l, int n) {
  const layer *L = &m->layers[l];
  int D = m->dim, F = m->ffn_dim;
  for (int i = 0; i < n; i++) ops_rmsnorm(s->xb + (size_t)i * D, s->x + (size_t)i * D, L->ffn_norm, D, m->eps);
  const weight *ws[] = {&L->gate, &L->up};
  float *ys[] = {s->hb, s->hb2};
  matmul_same_input(s, ws, ys, 2, s->xb, n);
  ops_silu_mul(s->hb, s->hb, s->hb2, n * F);
  matmul(s, &L->down, s->hb, n, s->hb2);
  ops_add(s->x, s->x, s->hb2, n * D);
}

int forward(const model *m, state *s, const int32_t *tokens, int n, int n_layers, char *err,
            size_t errlen) {
  int D = m->dim;
  size_t row = qt_row_size(m->tok_embd.type, D);
  for (int i = 0; i < n; i++) {
    if (tokens[i] < 0 || tokens[i] >= m->vocab) {
      snprintf(err, errlen, "token id %d out of range (vocabulary %d)", (int)tokens[i], m->vocab);
      return -1;
    }
    const char *src = (const char *)m->tok_embd.data + (size_t)tokens[i] * row;
    qt_dequantize_row(m->tok_embd.type, src, s->x + (size_t)i * D, D);
  }
  if (n_layers <= 0 || n_layers > m->n_layers) n_layers = m->n_layers;
  for (int l = 0; l < n_layers; l++) {
    attention_block(m, s, l, n);
    ffn_block(m, s, l, n);
  }
  return 0;
}

void forward_logits(const model *m, state *s, int first, int n, float *out) {
  int D = m->dim;
  for (int i = 0; i < n; i++)
    ops_rmsnorm(s->xb + (size_t)i * D, s->x + (size_t)(first + i) * D, m->out_norm, D, m->eps);
  matmul(s, &m->output, s->xb, n, out);
}
