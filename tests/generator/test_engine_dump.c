/* test_engine_dump — prints what the engine computes, for the Python test
 * that compares it with generator/tools/reference.py:
 *
 *   test_engine_dump logits MODEL OUT.f32 IDS      all rows of logits
 *   test_engine_dump greedy MODEL N IDS            N argmax ids via gen_logits,
 *                                                  then the text gen_generate_tokens
 *                                                  produces greedily (hex)
 *   test_engine_dump embed MODEL LAYERS mean|last TEXT...
 *                                                  per text: its ids, its vector
 * IDS is comma-separated.  LAWQA_TEST_THREADS sets the thread count
 * (default 2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generator.h"

static int parse_ids(const char *s, int32_t *out, int cap) {
  int n = 0;
  while (*s && n < cap) {
    out[n++] = (int32_t)strtol(s, (char **)&s, 10);
    if (*s == ',') s++;
  }
  return n;
}

static int append(const char *piece, size_t len, void *user) {
  FILE *f = user;
  for (size_t i = 0; i < len; i++) fprintf(f, "%02x", (unsigned char)piece[i]);
  return 0;
}

static int cmd_logits(gen_model *m, int argc, char **argv) {
  if (argc < 5) return 2;
  int32_t ids[4096];
  int n = parse_ids(argv[4], ids, 4096), V = gen_model_info(m)->vocab_size;
  float *out = malloc((size_t)n * (size_t)V * sizeof *out);
  char err[256];
  if (gen_logits(m, ids, n, out, n, NULL, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  FILE *f = fopen(argv[3], "wb");
  fwrite(out, sizeof *out, (size_t)n * (size_t)V, f);
  fclose(f);
  free(out);
  return 0;
}

static int cmd_greedy(gen_model *m, int argc, char **argv) {
  if (argc < 5) return 2;
  int32_t ids[4096];
  int steps = atoi(argv[3]), n = parse_ids(argv[4], ids, 4096), V = gen_model_info(m)->vocab_size;
  int n0 = n;
  float *lg = malloc((size_t)V * sizeof *lg);
  char err[256];
  for (int i = 0; i < steps; i++) {
    if (gen_logits(m, ids, n, lg, 1, NULL, err, sizeof err)) {
      fprintf(stderr, "%s\n", err);
      return 1;
    }
    int best = 0;
    for (int j = 1; j < V; j++)
      if (lg[j] > lg[best]) best = j;
    ids[n++] = best;
    printf("%s%d", i ? "," : "", best);
  }
  printf("\n");
  gen_params p;
  gen_params_default(&p);
  p.temperature = 0;
  p.repeat_penalty = 1;
  p.max_tokens = steps;
  gen_stats st;
  if (gen_generate_tokens(m, ids, n0, &p, append, stdout, &st, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  printf("\n");
  /* prompt + generated tokens decoded in one go, and the prompt alone:
   * their difference must be the streamed text */
  int k = st.generated_tokens - (st.stop == GEN_STOP_EOS);
  size_t need = gen_detokenize(m, ids, n0 + k, NULL, 0);
  char *text = malloc(need + 1);
  gen_detokenize(m, ids, n0 + k, text, need + 1);
  append(text, need, stdout);
  printf("\n");
  size_t need0 = gen_detokenize(m, ids, n0, text, need + 1);
  append(text, need0, stdout);
  printf("\n%d %d\n", st.generated_tokens, (int)st.stop);
  free(text);
  free(lg);
  return 0;
}

static int cmd_embed(gen_model *m, int argc, char **argv) {
  if (argc < 6) return 2;
  int layers = atoi(argv[3]), n = argc - 5, D = gen_model_info(m)->dim;
  gen_pooling pool = strcmp(argv[4], "last") ? GEN_POOL_MEAN : GEN_POOL_LAST;
  float *out = malloc((size_t)n * (size_t)D * sizeof *out);
  char err[256];
  if (gen_embed(m, (const char *const *)argv + 5, n, layers, pool, out, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  for (int t = 0; t < n; t++) {
    int32_t ids[4096];
    int k = gen_tokenize(m, argv[5 + t], 1, 0, ids, 4096, err, sizeof err);
    for (int i = 0; i < k; i++) printf("%s%d", i ? "," : "", ids[i]);
    printf("\n");
    for (int i = 0; i < D; i++) printf("%s%.9g", i ? " " : "", out[(size_t)t * D + i]);
    printf("\n");
  }
  free(out);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: test_engine_dump logits|greedy|embed MODEL ...\n");
    return 2;
  }
  char err[256];
  /* LAWQA_TEST_THREADS picks other splits (1, 3: the decode paths differ) */
  const char *th = getenv("LAWQA_TEST_THREADS");
  gen_load_params lp = {.n_threads = th ? atoi(th) : 2, .n_ctx = 0};
  gen_model *m = gen_load(argv[2], &lp, err, sizeof err);
  if (!m) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  int rc = 2;
  if (!strcmp(argv[1], "logits")) rc = cmd_logits(m, argc, argv);
  else if (!strcmp(argv[1], "greedy")) rc = cmd_greedy(m, argc, argv);
  else if (!strcmp(argv[1], "embed")) rc = cmd_embed(m, argc, argv);
  gen_free(m);
  return rc;
}
