/* sample.c — repetition penalty, temperature, top-k/top-p/min-p, PRNG. */
#include "sample.h"

#include <math.h>
#include <stdlib.h>

int sampler_init(sampler *s, int vocab) {
  s->vocab = vocab;
  s->cand = malloc((size_t)vocab * sizeof *s->cand);
  sampler_seed(s, 0);
  return s->cand ? 0 : -1;
}

void sampler_free(sampler *s) {
  free(s->cand);
  s->cand = NULL;
}

/* splitmix64 spreads any seed (0 included) into a nonzero xorshift state. */
void sampler_seed(sampler *s, uint64_t seed) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  s->rng = z ? z : 0x2545f4914f6cdd1dULL;
}

static float rng_uniform(sampler *s) {
  uint64_t x = s->rng;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  s->rng = x;
  return (float)((x * 0x2545f4914f6cdd1dULL) >> 40) / 16777216.0f; /* [0, 1) */
}

int32_t sample_argmax(const float *x, int n) {
  int32_t best = 0;
  for (int i = 1; i < n; i++)
    if (x[i] > x[best]) best = i;
  return best;
}

/* CTRL-style penalty: positive logits shrink, negative ones grow.  A token
 * repeated in the window is penalized once. */
static void apply_penalty(float *logits, int vocab, float penalty, const int32_t *recent, int n) {
  for (int i = 0; i < n; i++) {
    int32_t t = recent[i];
    if (t < 0 || t >= vocab) continue;
    int seen = 0;
    for (int j = 0; j < i && !seen; j++) seen = recent[j] == t;
    if (seen) continue;
    logits[t] = logits[t] > 0 ? logits[t] / penalty : logits[t] * penalty;
  }
}

static int cand_desc(const void *a, const void *b) {
  const sample_cand *x = a, *y = b;
  if (x->p != y->p) return x->p < y->p ? 1 : -1;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* Min-heap on p of size k, so top-k costs O(vocab log k) instead of a sort. */
static void heap_down(sample_cand *h, int n, int i) {
  for (;;) {
    int l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && h[l].p < h[m].p) m = l;
    if (r < n && h[r].p < h[m].p) m = r;
    if (m == i) return;
    sample_cand t = h[i];
    h[i] = h[m];
    h[m] = t;
    i = m;
  }
}

static int select_top_k(sample_cand *c, const float *logits, int vocab, int k) {
  for (int i = 0; i < k; i++) c[i] = (sample_cand){logits[i], i};
  for (int i = k / 2 - 1; i >= 0; i--) heap_down(c, k, i);
  for (int i = k; i < vocab; i++)
    if (logits[i] > c[0].p) {
      c[0] = (sample_cand){logits[i], i};
      heap_down(c, k, 0);
    }
  return k;
}

int32_t sampler_sample(sampler *s, float *logits, const gen_params *p, const int32_t *recent,
                       int n_recent) {
  int vocab = s->vocab;
  if (p->repeat_penalty > 0 && p->repeat_penalty != 1.0f && n_recent > 0) {
    int n = p->repeat_last_n < n_recent ? p->repeat_last_n : n_recent;
    if (n > 0) apply_penalty(logits, vocab, p->repeat_penalty, recent + n_recent - n, n);
  }
  if (p->temperature <= 0) return sample_argmax(logits, vocab);

  float inv_t = 1.0f / p->temperature;
  sample_cand *c = s->cand;
  int n;
  if (p->top_k > 0 && p->top_k < vocab) {
    n = select_top_k(c, logits, vocab, p->top_k);
  } else {
    n = vocab;
    for (int i = 0; i < vocab; i++) c[i] = (sample_cand){logits[i], i};
  }
  /* softmax over the candidates, in logit units scaled by temperature */
  float mx = c[0].p;
  for (int i = 1; i < n; i++)
    if (c[i].p > mx) mx = c[i].p;
  double sum = 0;
  for (int i = 0; i < n; i++) {
    c[i].p = expf((c[i].p - mx) * inv_t);
    sum += c[i].p;
  }
  for (int i = 0; i < n; i++) c[i].p = (float)(c[i].p / sum);

  /* Before sorting, drop what neither top-p nor min-p could keep: a token
   * below (1 - top_p) / (n - 1) cannot be inside the nucleus (llama2.c's
   * trick) and min-p drops anything below min_p * max (max >= 1/n). */
  float cut = 0;
  if (p->top_p < 1.0f && n > 1) cut = (1.0f - p->top_p) / (float)(n - 1);
  if (p->min_p > 0) {
    float pmax = 0;
    for (int i = 0; i < n; i++)
      if (c[i].p > pmax) pmax = c[i].p;
    if (p->min_p * pmax > cut) cut = p->min_p * pmax;
  }
  if (cut > 0) {
    int m = 0;
    for (int i = 0; i < n; i++)
      if (c[i].p >= cut) c[m++] = c[i];
    n = m; /* never empty: the maximum always passes */
  }
  qsort(c, (size_t)n, sizeof *c, cand_desc);
  if (p->top_p < 1.0f && p->top_p > 0) {
    float acc = 0;
    int m = n;
    for (int i = 0; i < n; i++) {
      acc += c[i].p;
      if (acc >= p->top_p) {
        m = i + 1;
        break;
      }
    }
    n = m;
  }
  float total = 0;
  for (int i = 0; i < n; i++) total += c[i].p;
  float r = rng_uniform(s) * total, acc = 0;
  for (int i = 0; i < n; i++) {
    acc += c[i].p;
    if (r < acc) return c[i].id;
  }
  return c[n - 1].id;
}
