/* dense_bench — numbers behind the dense arm's design (docs/dense.md).
 *
 *   dense_bench faiss [N [DIM [QUERIES [KINDS [THREADS]]]]]
 *                                               exact flat search vs the
 *                                               FAISS kinds in KINDS
 *                                               ("default;HNSW32") on
 *                                               clustered unit vectors
 *                                               (dense_faiss.c)
 *   dense_bench embed MODEL LAYERS THREADS [N [REPS [B]]]
 *                                               gen_embed throughput (tok/s)
 *                                               on N statute-like texts, B
 *                                               a call (16), alternating
 *                                               with a 512-token prefill
 *                                               (bench-gen's pp512)
 *   dense_bench corpus MODEL DB                 tokens of the units the
 *                                               indexer would embed, and
 *                                               the time at a given rate
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "dense_faiss.h"
#include "embed_store.h"
#include "embed_text.h"
#include "generator.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Statute-like text: cycles through real article sentences. */
static const char *const SAMPLES[] = {
    "盗窃公私财物，数额较大的，或者多次盗窃、入户盗窃、携带凶器盗窃、扒窃的，处三年以下有期徒刑、"
    "拘役或者管制，并处或者单处罚金；数额巨大或者有其他严重情节的，处三年以上十年以下有期徒刑，并处罚金。",
    "当事人应当遵循诚信原则，根据合同的性质、目的和交易习惯履行通知、协助、保密等义务。",
    "用人单位自用工之日起即与劳动者建立劳动关系。用人单位应当建立职工名册备查。",
    "借款人应当按照约定的期限返还借款。对借款期限没有约定或者约定不明确，依据本法第五百一十条的规定"
    "仍不能确定的，借款人可以随时返还；贷款人可以催告借款人在合理期限内返还。",
};

/* Statute-like texts of 2 to 4 sentences (80 to 250 tokens of a real
 * Chinese vocabulary, like most articles). */
static char **make_texts(int n) {
  char **texts = malloc(sizeof(char *) * (size_t)n);
  for (int i = 0; texts && i < n; i++) {
    char buf[4096] = "中华人民共和国刑法 第二编 分则/第五章 侵犯财产罪\n第二百六十四条 ";
    for (int k = 0; k < 2 + i % 3; k++)
      strncat(buf, SAMPLES[(i + k) % 4], sizeof buf - strlen(buf) - 1);
    texts[i] = strdup(buf);
  }
  return texts;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median, min and max of v[n] (sorts v). */
static void stats(double *v, int n, double *med, double *lo, double *hi) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  *med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  *lo = v[0];
  *hi = v[n - 1];
}

typedef struct {
  gen_model *m;
  const char *const *texts;
  int n, batch, layers;
  long tokens;       /* of all texts, BOS included */
  int32_t *prompt;   /* PP tokens for the prefill baseline */
  float *out, *logits;
} embed_run;

#define PP 512

/* One prefill of PP tokens from an empty cache, as `lawqa bench-gen --pp`
 * does: tok/s wall and per CPU second. */
static int prefill_once(embed_run *r, double *rate, double *cpu_rate, char *err, size_t errlen) {
  gen_reset(r->m);
  double t0 = now_s(), c0 = cpu_s();
  if (gen_logits(r->m, r->prompt, PP, r->logits, 1, NULL, err, errlen)) return -1;
  *rate = PP / (now_s() - t0);
  *cpu_rate = PP / (cpu_s() - c0);
  return 0;
}

/* Embeds all texts in gen_embed calls of r->batch texts. */
static int embed_once(embed_run *r, double *rate, double *cpu_rate, char *err, size_t errlen) {
  double t0 = now_s(), c0 = cpu_s();
  for (int i = 0; i < r->n; i += r->batch) {
    int b = r->n - i < r->batch ? r->n - i : r->batch;
    if (gen_embed(r->m, r->texts + i, b, r->layers, GEN_POOL_MEAN, r->out, err, errlen))
      return -1;
  }
  *rate = (double)r->tokens / (now_s() - t0);
  *cpu_rate = (double)r->tokens / (cpu_s() - c0);
  return 0;
}

static void print_rates(const char *what, double *wall, double *cpu, int reps, int threads) {
  double med, lo, hi, cmed, clo, chi;
  stats(wall, reps, &med, &lo, &hi);
  stats(cpu, reps, &cmed, &clo, &chi);
  printf("%-26s %7.1f tok/s wall (min %.1f, max %.1f) | %6.1f tok/CPU-s -> %6.1f tok/s at %d"
         " full cores\n", what, med, lo, hi, cmed, cmed * threads, threads);
}

/* Prefill and embedding alternate, rep after rep, so both see the same
 * load on a shared machine; the per-rep ratio is the robust figure. */
static int run_side_by_side(embed_run *r, int reps, int threads) {
  char err[512];
  double pw[64], pc[64], ew[64], ec[64], ratio[64];
  for (int k = 0; k < reps; k++) {
    if (prefill_once(r, &pw[k], &pc[k], err, sizeof err) ||
        embed_once(r, &ew[k], &ec[k], err, sizeof err))
      return fprintf(stderr, "%s\n", err), 1;
    ratio[k] = ew[k] / pw[k];
    printf("rep %d: prefill %.1f tok/s, embed %.1f tok/s wall\n", k + 1, pw[k], ew[k]);
  }
  const gen_info *gi = gen_model_info(r->m);
  int used = r->layers > 0 && r->layers < gi->n_layers ? r->layers : gi->n_layers;
  char what[64];
  print_rates("prefill pp512, all layers", pw, pc, reps, threads);
  snprintf(what, sizeof what, "embed, %d of %d layers", used, gi->n_layers);
  print_rates(what, ew, ec, reps, threads);
  double med, lo, hi;
  stats(ratio, reps, &med, &lo, &hi);
  printf("embed / prefill rate: median %.2f (min %.2f, max %.2f); prefill scaled to %d layers"
         " would be %.2f\n", med, lo, hi, used, (double)gi->n_layers / used);
  return 0;
}

static int bench_embed(const char *path, int layers, int threads, int n, int reps, int batch) {
  char err[512];
  if (reps < 1 || reps > 64 || n < 1 || batch < 1)
    return fprintf(stderr, "1 to 64 reps, 1 or more texts and texts a call\n"), 2;
  gen_load_params lp = {.n_threads = threads, .n_ctx = IX_EMBED_CTX};
  gen_model *m = gen_load(path, &lp, err, sizeof err);
  if (!m) return fprintf(stderr, "%s\n", err), 1;
  const gen_info *gi = gen_model_info(m);
  embed_run r = {m, NULL, n, batch, layers, 0, calloc(PP + 4096, sizeof(int32_t)),
                 malloc(sizeof(float) * (size_t)gi->dim * (size_t)batch),
                 malloc(sizeof(float) * (size_t)gi->vocab_size)};
  char **texts = make_texts(n);
  r.texts = (const char *const *)texts;
  int have = 0;
  double t0 = now_s();
  for (int i = 0; i < n; i++) {
    int32_t one;
    r.tokens += gen_tokenize(m, texts[i], 1, 0, &one, 0, err, sizeof err);
    if (have < PP) have += gen_tokenize(m, texts[i], have == 0, 0, r.prompt + have, 4096, err,
                                        sizeof err);
  }
  double tok_s = now_s() - t0;
  printf("%s (%s, %d layers, dim %d), %d threads: %d texts, %ld tokens (tokenized twice in %.3f s)"
         "; gen_embed calls of %d texts; %d reps\n",
         path, gi->architecture, gi->n_layers, gi->dim, threads, n, r.tokens, tok_s, r.batch, reps);
  /* warm-up: page faults of the mapped weights */
  double w, c;
  int rc = prefill_once(&r, &w, &c, err, sizeof err) ? 1 : run_side_by_side(&r, reps, threads);
  for (int i = 0; i < n; i++) free(texts[i]);
  free(texts), free(r.prompt), free(r.out), free(r.logits);
  gen_free(m);
  return rc;
}

/* Tokens of what the indexer embeds (windows included), from a lexical
 * database of the corpus. */
static int bench_corpus(const char *path, const char *db_path) {
  char err[512];
  gen_load_params lp = {.n_threads = 1, .n_ctx = IX_EMBED_CTX};
  gen_model *m = gen_load(path, &lp, err, sizeof err);
  if (!m) return fprintf(stderr, "%s\n", err), 1;
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, IX_VEC_CURRENT_SQL, -1, &st, NULL) != SQLITE_OK)
    return fprintf(stderr, "%s: %s\n", db_path, sqlite3_errmsg(db)), 1;
  long units = 0, windows = 0, tokens = 0, chars = 0;
  double t0 = now_s();
  while (sqlite3_step(st) == SQLITE_ROW) {
    ix_windows w;
    if (ix_embed_windows(m, ix_embed_window(gen_model_info(m)), (const char *)sqlite3_column_text(st, 1),
                         (const char *)sqlite3_column_text(st, 2),
                         (const char *)sqlite3_column_text(st, 3),
                         (const char *)sqlite3_column_text(st, 4), &w, err, sizeof err))
      return fprintf(stderr, "%s\n", err), 1;
    units++;
    windows += w.n;
    for (int i = 0; i < w.n; i++) tokens += w.tokens[i] + 1; /* + BOS */
    chars += sqlite3_column_bytes(st, 4);
    ix_windows_free(&w);
  }
  printf("%ld units, %ld windows, %ld tokens (%.1f MB of text), counted in %.1f s\n", units,
         windows, tokens, chars / 1e6, now_s() - t0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  gen_free(m);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* lines appear as they are measured */
  if (argc >= 2 && strcmp(argv[1], "faiss") == 0)
    return dense_faiss_bench(argc > 2 ? (size_t)atol(argv[2]) : 60000,
                             argc > 3 ? atoi(argv[3]) : 896, argc > 4 ? atoi(argv[4]) : 200,
                             argc > 5 ? argv[5] : "default;HNSW32",
                             argc > 6 ? atoi(argv[6]) : 2);
  if (argc >= 5 && strcmp(argv[1], "embed") == 0)
    return bench_embed(argv[2], atoi(argv[3]), atoi(argv[4]), argc > 5 ? atoi(argv[5]) : 32,
                       argc > 6 ? atoi(argv[6]) : 5, argc > 7 ? atoi(argv[7]) : 16);
  if (argc == 4 && strcmp(argv[1], "corpus") == 0) return bench_corpus(argv[2], argv[3]);
  fprintf(stderr,
          "usage: dense_bench faiss [N [DIM [QUERIES [KINDS [THREADS]]]]]\n"
          "       dense_bench embed MODEL LAYERS THREADS [TEXTS [REPS [TEXTS_A_CALL]]]\n"
          "       dense_bench corpus MODEL DB\n");
  return 2;
}
