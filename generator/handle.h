/* handle.h — what a gen_model handle holds (shared by generator.c and
 * embed.c; private). */
#ifndef LAWQA_HANDLE_H
#define LAWQA_HANDLE_H

#include <pthread.h>

#include "generator.h"
#include "gguf.h"
#include "model.h"
#include "sample.h"
#include "tokenizer.h"

#define MAX_BATCH 128   /* rows per forward call: enough for the kernels' tiling */
#define DEFAULT_CTX 4096

struct gen_model {
  struct gguf *g;
  struct tokenizer *tok;
  struct threadpool *tp;
  model m;
  state s;
  sampler smp;
  gen_info info;
  pthread_mutex_t mu;  /* serializes everything that uses s, smp, cached */
  int32_t *cached;     /* tokens whose keys/values sit in cache slots 0.. */
  int n_cached;
  char *piece;         /* one decoded piece */
  size_t piece_cap;
};

#endif
