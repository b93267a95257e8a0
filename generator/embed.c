/* embed.c — sentence embeddings from the hidden states of the model.
 *
 * Texts are packed back to back into batches of rows; each text occupies
 * contiguous KV-cache slots and attends only to its own slots, so several
 * short texts share one forward call (one pass over the weights).  The
 * generation cache is overwritten, so it is marked empty. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handle.h"

typedef struct {
  gen_model *gm;
  int n_layers, all_layers;
  gen_pooling pooling;
  float *out;
  int32_t *tok;              /* [max_batch] tokens of the pending batch */
  int *row_text, *row_last;  /* [max_batch] which text, is it its last token */
  int nb;                    /* rows pending */
} packer;

static int flush(packer *p, char *err, size_t errlen) {
  gen_model *gm = p->gm;
  state *s = &gm->s;
  int D = gm->m.dim;
  if (!p->nb) return 0;
  if (forward(&gm->m, s, p->tok, p->nb, p->n_layers, err, errlen)) return -1;
  for (int r = 0; r < p->nb; r++) {
    float *h = s->x + (size_t)r * D;
    if (p->all_layers) { /* the final norm belongs to the full model only */
      ops_rmsnorm(s->xb, h, gm->m.out_norm, D, gm->m.eps);
      h = s->xb;
    }
    float *o = p->out + (size_t)p->row_text[r] * D;
    if (p->pooling == GEN_POOL_MEAN) ops_add(o, o, h, D);
    else if (p->row_last[r]) memcpy(o, h, (size_t)D * sizeof *o);
  }
  p->nb = 0;
  return 0;
}

static void normalize(float *v, int n, float scale) {
  double ss = 0;
  for (int i = 0; i < n; i++) ss += (double)v[i] * scale * v[i] * scale;
  float inv = ss > 0 ? (float)(scale / sqrt(ss)) : 0.0f;
  for (int i = 0; i < n; i++) v[i] *= inv;
}

static int embed_locked(packer *p, struct tok_ids *ids, int n, char *err, size_t errlen) {
  gen_model *gm = p->gm;
  state *s = &gm->s;
  int base = 0;
  gm->n_cached = 0;
  for (int t = 0; t < n; t++) {
    int len = ids[t].n > (size_t)s->n_ctx ? s->n_ctx : (int)ids[t].n;
    if (base + len > s->n_ctx) {
      if (flush(p, err, errlen)) return -1;
      base = 0;
    }
    for (int i = 0; i < len; i++) {
      p->tok[p->nb] = ids[t].ids[i];
      s->pos[p->nb] = i;
      s->slot[p->nb] = base + i;
      s->start[p->nb] = base;
      p->row_text[p->nb] = t;
      p->row_last[p->nb] = i == len - 1;
      if (++p->nb == s->max_batch && flush(p, err, errlen)) return -1;
    }
    base += len;
  }
  if (flush(p, err, errlen)) return -1;
  for (int t = 0; t < n; t++) {
    int len = ids[t].n > (size_t)s->n_ctx ? s->n_ctx : (int)ids[t].n;
    float scale = p->pooling == GEN_POOL_MEAN ? 1.0f / (float)len : 1.0f;
    normalize(p->out + (size_t)t * gm->m.dim, gm->m.dim, scale);
  }
  return 0;
}

int gen_embed(gen_model *gm, const char *const *texts, int n, int n_layers, gen_pooling pooling,
              float *out, char *err, size_t errlen) {
  if (n <= 0) return n == 0 ? 0 : -1;
  int B = gm->s.max_batch, rc = -1;
  struct tok_ids *ids = calloc((size_t)n, sizeof *ids);
  packer p = {gm, n_layers, n_layers <= 0 || n_layers >= gm->m.n_layers, pooling, out,
              malloc((size_t)B * sizeof(int32_t)), malloc((size_t)B * sizeof(int)),
              malloc((size_t)B * sizeof(int)), 0};
  if (!ids || !p.tok || !p.row_text || !p.row_last) {
    if (err && errlen) snprintf(err, errlen, "out of memory");
    goto done;
  }
  for (int t = 0; t < n; t++) {
    if (tokenizer_encode(gm->tok, texts[t], strlen(texts[t]), TOK_ADD_SPECIAL, &ids[t], err,
                         errlen) != TOK_OK)
      goto done;
    if (ids[t].n == 0) {
      if (err && errlen) snprintf(err, errlen, "text %d has no tokens", t);
      goto done;
    }
  }
  memset(out, 0, (size_t)n * (size_t)gm->m.dim * sizeof *out);
  pthread_mutex_lock(&gm->mu);
  rc = embed_locked(&p, ids, n, err, errlen);
  pthread_mutex_unlock(&gm->mu);
done:
  for (int t = 0; ids && t < n; t++) tok_ids_free(&ids[t]);
  free(ids), free(p.tok), free(p.row_text), free(p.row_last);
  return rc;
}
