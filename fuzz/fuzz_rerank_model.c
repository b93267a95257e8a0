/* libFuzzer target: the reranker's model file reader (a DB.rerank file is
 * user input) and the bigram coder, on arbitrary bytes.  Checks that a
 * model read is sorted without duplicates and holds only ideograph
 * bigrams (term weights: ideograph bigrams, each once, above 0), and that
 * bigram codes come out sorted and distinct. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "rerank.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ideographs(uint32_t code) {
  uint32_t a = code >> 16, b = code & 0xffff;
  return a >= 0x4e00 && a <= 0x9fff && b >= 0x4e00 && b <= 0x9fff;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t codes[64];
  size_t n = rt_bigram_codes((const char *)data, size, codes, 64);
  for (size_t i = 0; i < n; i++)
    if (!ideographs(codes[i]) || (i && codes[i - 1] >= codes[i])) abort();
  if (!size) return 0;
  FILE *f = fmemopen((void *)data, size, "r");
  if (!f) return 0;
  rt_pair_model m;
  char err[256];
  if (rt_pair_model_read(f, "fuzz", &m, err, sizeof err) == 0) {
    for (size_t i = 0; i < m.n; i++) {
      const rt_pair *p = &m.pairs[i];
      if (!ideographs(p->q) || !ideographs(p->w)) abort();
      if (i && (p[-1].q > p->q || (p[-1].q == p->q && p[-1].w >= p->w))) abort();
    }
    for (size_t i = 0; i < m.n_terms; i++) {
      const rt_term_weight *t = &m.terms[i];
      if (!ideographs(t->q) || !(t->weight > 0) || (i && t[-1].q >= t->q)) abort();
    }
    free(m.pairs);
    free(m.terms);
  } else if (m.pairs || m.n || m.terms || m.n_terms) {
    abort();
  }
  fclose(f);
  return 0;
}
