/* lawqa generate / lawqa bench-gen: run a GGUF model from the command line
 * and measure its prefill and decode speed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "commands.h"
#include "generator.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Value of option argv[*i] (advancing *i), or NULL with a message. */
static const char *opt_value(int argc, char **argv, int *i) {
  if (*i + 1 >= argc) {
    fprintf(stderr, "lawqa %s: %s needs a value\n", argv[0], argv[*i]);
    return NULL;
  }
  return argv[++*i];
}

static int print_piece(const char *piece, size_t len, void *user) {
  (void)user;
  fwrite(piece, 1, len, stdout);
  fflush(stdout);
  return 0;
}

static const char *stop_name(gen_stop_reason r) {
  static const char *names[] = {"eos",      "max-tokens", "stop-string",
                                "callback", "cancelled",  "context-full"};
  return r <= GEN_STOP_CONTEXT ? names[r] : "?";
}

static void generate_usage(FILE *f) {
  fprintf(f, "usage: lawqa generate --model M.gguf (--prompt TEXT | --chat TEXT) [--n N]\n"
             "                      [--temp T] [--top-k K] [--top-p P] [--min-p P]\n"
             "                      [--repeat-penalty R] [--seed S] [--threads N] [--ctx N]\n"
             "                      [--stop STR]... [--huge-pages]\n"
             "  --chat wraps TEXT as a user message in the model's chat template.\n"
             "  --huge-pages reads the weights into 2 MiB pages (faster decode, slower load).\n");
}

int cmd_generate(int argc, char **argv) {
  const char *model = NULL, *prompt = NULL, *chat = NULL, *stops[16];
  gen_params p;
  gen_params_default(&p);
  gen_load_params lp = {.n_threads = 2, .n_ctx = 0};
  int n_stop = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      generate_usage(stdout);
      return 0;
    }
    if (!strcmp(a, "--huge-pages")) { /* no value */
      lp.huge_pages = 1;
      continue;
    }
    if (!(v = opt_value(argc, argv, &i))) return 2;
    if (!strcmp(a, "--model"))
      model = v;
    else if (!strcmp(a, "--prompt"))
      prompt = v;
    else if (!strcmp(a, "--chat"))
      chat = v;
    else if (!strcmp(a, "--n"))
      p.max_tokens = atoi(v);
    else if (!strcmp(a, "--temp"))
      p.temperature = strtof(v, NULL);
    else if (!strcmp(a, "--top-k"))
      p.top_k = atoi(v);
    else if (!strcmp(a, "--top-p"))
      p.top_p = strtof(v, NULL);
    else if (!strcmp(a, "--min-p"))
      p.min_p = strtof(v, NULL);
    else if (!strcmp(a, "--repeat-penalty"))
      p.repeat_penalty = strtof(v, NULL);
    else if (!strcmp(a, "--seed"))
      p.seed = strtoull(v, NULL, 10);
    else if (!strcmp(a, "--threads"))
      lp.n_threads = atoi(v);
    else if (!strcmp(a, "--ctx"))
      lp.n_ctx = atoi(v);
    else if (!strcmp(a, "--stop") && n_stop < 16)
      stops[n_stop++] = v;
    else {
      fprintf(stderr, "lawqa generate: unknown option %s\n", a);
      generate_usage(stderr);
      return 2;
    }
  }
  if (!model || !prompt == !chat) {
    generate_usage(stderr);
    return 2;
  }
  p.stop = stops;
  p.n_stop = n_stop;
  char err[512];
  gen_model *m = gen_load(model, &lp, err, sizeof err);
  if (!m) {
    fprintf(stderr, "lawqa generate: %s\n", err);
    return 1;
  }
  int32_t *ids = NULL;
  int n_ids = 0;
  if (chat) { /* the message is encoded as plain text: no control tokens from its content */
    gen_message msg = {"user", chat};
    n_ids = gen_chat_tokenize(m, &msg, 1, 1, NULL, 0, err, sizeof err);
    ids = n_ids >= 0 ? malloc((size_t)(n_ids > 0 ? n_ids : 1) * sizeof *ids) : NULL;
    if (n_ids >= 0 && !ids) snprintf(err, sizeof err, "out of memory");
    if (!ids || gen_chat_tokenize(m, &msg, 1, 1, ids, n_ids, err, sizeof err) != n_ids) {
      fprintf(stderr, "lawqa generate: %s\n", err);
      free(ids);
      gen_free(m);
      return 1;
    }
  }
  gen_stats st;
  int rc = chat ? gen_generate_tokens(m, ids, n_ids, &p, print_piece, NULL, &st, err, sizeof err)
                : gen_generate(m, prompt, &p, print_piece, NULL, &st, err, sizeof err);
  printf("\n");
  if (rc)
    fprintf(stderr, "lawqa generate: %s\n", err);
  else
    fprintf(stderr,
            "[%d prompt tokens, %d generated, stop: %s; prefill %.1f tok/s, decode %.1f tok/s]\n",
            st.prompt_tokens, st.generated_tokens, stop_name(st.stop),
            st.prefill_s > 0 ? (st.prompt_tokens - st.reused_tokens) / st.prefill_s : 0,
            st.decode_s > 0 ? st.generated_tokens / st.decode_s : 0);
  free(ids);
  gen_free(m);
  return rc ? 1 : 0;
}

/* ---- bench-gen ----------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* median, min and max of n rates */
static void summarize(const char *what, double *r, int n) {
  qsort(r, (size_t)n, sizeof *r, cmp_double);
  double med = n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2;
  printf("%-8s %8.2f tok/s  (median of %d; min %.2f, max %.2f, spread %.1f%%)\n", what, med, n,
         r[0], r[n - 1], med > 0 ? 100.0 * (r[n - 1] - r[0]) / med : 0);
}

/* llama-bench's two tests: pp = one prompt of pp tokens from an empty
 * cache; tg = tg single-token steps from an empty cache. */
static int bench_once(gen_model *m, int pp, int tg, int32_t *toks, float *logits, double *pp_rate,
                      double *tg_rate, char *err, size_t errlen) {
  int V = gen_model_info(m)->vocab_size;
  gen_reset(m);
  double t0 = now_s();
  if (gen_logits(m, toks, pp, logits, 1, NULL, err, errlen)) return -1;
  *pp_rate = pp / (now_s() - t0);
  gen_reset(m);
  t0 = now_s();
  for (int i = 0; i < tg; i++) {
    if (gen_logits(m, toks, i + 1, logits, 1, NULL, err, errlen)) return -1;
    int best = 0;
    for (int j = 1; j < V; j++)
      if (logits[j] > logits[best]) best = j;
    toks[i + 1] = best; /* decode what the model chose */
  }
  *tg_rate = tg / (now_s() - t0);
  return 0;
}

int cmd_bench_gen(int argc, char **argv) {
  const char *model = NULL;
  int pp = 512, tg = 128, reps = 5;
  gen_load_params lp = {.n_threads = 2, .n_ctx = 0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      printf("usage: lawqa bench-gen --model M.gguf [--threads N] [--pp 512] [--tg 128] [--reps 5] "
             "[--huge-pages]\n");
      return 0;
    }
    if (!strcmp(a, "--huge-pages")) { /* no value */
      lp.huge_pages = 1;
      continue;
    }
    if (!(v = opt_value(argc, argv, &i))) return 2;
    if (!strcmp(a, "--model"))
      model = v;
    else if (!strcmp(a, "--threads"))
      lp.n_threads = atoi(v);
    else if (!strcmp(a, "--pp"))
      pp = atoi(v);
    else if (!strcmp(a, "--tg"))
      tg = atoi(v);
    else if (!strcmp(a, "--reps"))
      reps = atoi(v);
    else {
      fprintf(stderr, "lawqa bench-gen: unknown option %s\n", a);
      return 2;
    }
  }
  if (!model || pp < 1 || tg < 1 || reps < 1 || reps > 1000) {
    fprintf(stderr, "usage: lawqa bench-gen --model M.gguf [--threads N] [--pp 512] [--tg 128] "
                    "[--reps 5] [--huge-pages]\n");
    return 2;
  }
  lp.n_ctx = (pp > tg + 1 ? pp : tg + 1);
  char err[512];
  double t0 = now_s();
  gen_model *m = gen_load(model, &lp, err, sizeof err);
  double load_s = now_s() - t0;
  if (!m) {
    fprintf(stderr, "lawqa bench-gen: %s\n", err);
    return 1;
  }
  const gen_info *in = gen_model_info(m);
  int32_t *toks = malloc((size_t)(pp > tg + 1 ? pp : tg + 1) * sizeof *toks);
  float *logits = malloc((size_t)in->vocab_size * sizeof *logits);
  double *ppr = malloc((size_t)reps * sizeof *ppr), *tgr = malloc((size_t)reps * sizeof *tgr);
  uint64_t x = 88172645463325252ULL; /* fixed pseudo-random prompt */
  for (int i = 0; i < pp; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    toks[i] = (int32_t)(x % (uint64_t)in->vocab_size);
  }
  printf("model    %s (%s, %d layers, dim %d, vocab %d, %.1f MiB)\n", model, in->architecture,
         in->n_layers, in->dim, in->vocab_size, in->file_size / 1048576.0);
  printf("threads  %d, SIMD %s, context %d (KV cache %.1f MiB)\n", lp.n_threads, in->simd,
         in->n_ctx, in->kv_bytes / 1048576.0);
  printf("load     %.3f s\n", load_s);
  int rc = 0;
  /* one untimed warm-up pass pages the weights in */
  if (bench_once(m, pp < 32 ? pp : 32, 4, toks, logits, &ppr[0], &tgr[0], err, sizeof err)) rc = 1;
  for (int r = 0; r < reps && !rc; r++) {
    for (int i = 0; i < pp; i++) { /* restore the prompt the decode test overwrote */
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      toks[i] = (int32_t)(x % (uint64_t)in->vocab_size);
    }
    if (bench_once(m, pp, tg, toks, logits, &ppr[r], &tgr[r], err, sizeof err)) rc = 1;
  }
  if (rc) {
    fprintf(stderr, "lawqa bench-gen: %s\n", err);
  } else {
    char what[32];
    snprintf(what, sizeof what, "pp%d", pp);
    summarize(what, ppr, reps);
    snprintf(what, sizeof what, "tg%d", tg);
    summarize(what, tgr, reps);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rss = ru.ru_maxrss / 1024.0;
    double budget = in->file_size / 1048576.0 + in->kv_bytes / 1048576.0 + 64;
    printf("peak RSS %.1f MiB (file + KV cache + 64 MiB = %.1f MiB)\n", rss, budget);
  }
  free(toks), free(logits), free(ppr), free(tgr);
  gen_free(m);
  return rc;
}
