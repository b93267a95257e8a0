/* sample.h — choosing the next token from logits (private to generator/).
 *
 * Order of operations: repetition penalty on the logits of recently seen
 * tokens, then greedy argmax when temperature <= 0; otherwise temperature
 * scaling, top-k, softmax, top-p (nucleus), min-p, renormalize and draw with
 * the sampler's own PRNG, so that the same seed gives the same tokens on any
 * platform. */
#ifndef LAWQA_SAMPLE_H
#define LAWQA_SAMPLE_H

#include <stdint.h>

#include "generator.h"

typedef struct {
  float p;
  int32_t id;
} sample_cand;

typedef struct {
  int vocab;
  sample_cand *cand; /* vocab entries, allocated once at load */
  uint64_t rng;      /* xorshift64* state, never 0 */
} sampler;

int sampler_init(sampler *s, int vocab); /* 0, or -1 when out of memory */
void sampler_free(sampler *s);
void sampler_seed(sampler *s, uint64_t seed);

/* Picks a token.  logits (vocab floats) is modified in place (penalty,
 * temperature).  recent: the last n_recent tokens of the context. */
int32_t sampler_sample(sampler *s, float *logits, const gen_params *p, const int32_t *recent,
                       int n_recent);

/* Index of the largest value (lowest index on ties). */
int32_t sample_argmax(const float *x, int n);

#endif
