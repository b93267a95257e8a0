/* dense_bench — numbers behind the dense arm's design (docs/dense.md).
 *
 *   dense_bench faiss [N [DIM [QUERIES [flat|flat,hnsw]]]]  flat IP vs HNSW32 on random
 *                                               unit vectors: build time,
 *                                               search p50/p95, recall@10
 *   dense_bench embed MODEL LAYERS THREADS [N]  gen_embed throughput (tok/s)
 *                                               on statute-like windows
 *   dense_bench corpus MODEL DB                 tokens of the units the
 *                                               indexer would embed, and
 *                                               the time at a given rate
 *
 * FAISS's OpenMP threads follow OMP_NUM_THREADS. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/utils/distances_c.h>
#include <sqlite3.h>

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

static uint64_t rng = 88172645463325252ULL;
static float frand(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return (float)((double)(rng >> 11) / (double)(1ULL << 53)) - 0.5f;
}

static void random_units(float *x, size_t n, int d) {
  for (size_t i = 0; i < n; i++) {
    double s = 0;
    float *v = x + i * (size_t)d;
    for (int j = 0; j < d; j++) v[j] = frand(), s += (double)v[j] * v[j];
    for (int j = 0; j < d; j++) v[j] = (float)(v[j] / __builtin_sqrt(s));
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Searches each query alone (the service's case) and reports latency
 * percentiles, by the wall clock and by CPU time (on a shared machine the
 * wall clock includes waiting for a core); labels go to lab[q*10..]. */
static void time_search(const char *name, FaissIndex *idx, const float *q, int nq, int d,
                        idx_t *lab) {
  double *t = malloc(sizeof(double) * (size_t)nq), *c = malloc(sizeof(double) * (size_t)nq);
  float dis[10];
  for (int i = 0; i < nq; i++) {
    double t0 = now_s(), c0 = cpu_s();
    faiss_Index_search(idx, 1, q + (size_t)i * d, 10, dis, lab + (size_t)i * 10);
    t[i] = (now_s() - t0) * 1e3;
    c[i] = (cpu_s() - c0) * 1e3;
  }
  qsort(t, (size_t)nq, sizeof *t, cmp_double);
  qsort(c, (size_t)nq, sizeof *c, cmp_double);
  printf("%-22s search wall p50 %.3f ms p95 %.3f ms | CPU p50 %.3f ms p95 %.3f ms\n", name,
         t[nq / 2], t[nq * 95 / 100], c[nq / 2], c[nq * 95 / 100]);
  free(t);
  free(c);
}

static double recall10(const idx_t *truth, const idx_t *got, int nq) {
  int hit = 0;
  for (int i = 0; i < nq; i++)
    for (int a = 0; a < 10; a++)
      for (int b = 0; b < 10; b++) hit += got[i * 10 + a] == truth[i * 10 + b];
  return hit / (10.0 * nq);
}

static int bench_faiss(size_t n, int d, int nq, const char *kinds) {
  float *x = malloc(sizeof(float) * n * (size_t)d);
  float *q = malloc(sizeof(float) * (size_t)nq * (size_t)d);
  int64_t *ids = malloc(sizeof(int64_t) * n);
  idx_t *truth = malloc(sizeof(idx_t) * (size_t)nq * 10);
  idx_t *got = malloc(sizeof(idx_t) * (size_t)nq * 10);
  if (!x || !q || !ids || !truth || !got) return fprintf(stderr, "out of memory\n"), 1;
  random_units(x, n, d);
  /* queries near stored vectors, like a paraphrase of an article */
  for (int i = 0; i < nq; i++) {
    float *v = q + (size_t)i * d;
    const float *src = x + (size_t)(rng % n) * d;
    double s = 0;
    for (int j = 0; j < d; j++) v[j] = src[j] + 0.05f * frand(), s += (double)v[j] * v[j];
    for (int j = 0; j < d; j++) v[j] = (float)(v[j] / __builtin_sqrt(s));
  }
  for (size_t i = 0; i < n; i++) ids[i] = (int64_t)i;
  printf("%zu random unit vectors, dimension %d, %d single queries, k=10\n", n, d, nq);
  char err[256];
  FaissIndex *flat = NULL, *hnsw = NULL;
  double t0 = now_s();
  if (ix_vec_build_as("IDMap,Flat", x, ids, n, d, &flat, err, sizeof err))
    return fprintf(stderr, "%s\n", err), 1;
  printf("flat IP                build %.1f s\n", now_s() - t0);
  time_search("flat IP", flat, q, nq, d, truth);
  /* FAISS scans with its own loops below 20 queries; BLAS (OpenBLAS's
   * SIMD sgemm) may be faster for a single query on a generic build. */
  faiss_set_distance_compute_blas_threshold(1);
  time_search("flat IP (BLAS)", flat, q, nq, d, got);
  faiss_set_distance_compute_blas_threshold(20);
  faiss_Index_free(flat);
  if (!strstr(kinds, "hnsw")) goto done;
  t0 = now_s();
  double c0 = cpu_s();
  if (ix_vec_build_as("IDMap,HNSW32", x, ids, n, d, &hnsw, err, sizeof err))
    return fprintf(stderr, "%s\n", err), 1;
  printf("HNSW32                 build %.1f s (%.1f CPU s)\n", now_s() - t0, cpu_s() - c0);
  int efs[] = {32, 64, 128};
  for (size_t i = 0; i < sizeof efs / sizeof *efs; i++) {
    char name[32];
    snprintf(name, sizeof name, "HNSW32 efSearch %d", efs[i]);
    ix_vec_set_ef(hnsw, efs[i], err, sizeof err);
    time_search(name, hnsw, q, nq, d, got);
    printf("%-22s recall@10 %.3f\n", name, recall10(truth, got, nq));
  }
  faiss_Index_free(hnsw);
done:
  free(x), free(q), free(ids), free(truth), free(got);
  return 0;
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

static int bench_embed(const char *path, int layers, int threads, int n) {
  char err[512];
  gen_load_params lp = {.n_threads = threads, .n_ctx = IX_EMBED_CTX};
  gen_model *m = gen_load(path, &lp, err, sizeof err);
  if (!m) return fprintf(stderr, "%s\n", err), 1;
  const gen_info *gi = gen_model_info(m);
  char **texts = malloc(sizeof(char *) * (size_t)n);
  long tokens = 0;
  for (int i = 0; i < n; i++) {
    /* two to four sentences: 80 to 250 tokens, like most articles */
    char buf[4096] = "中华人民共和国刑法 第二编 分则/第五章 侵犯财产罪\n第二百六十四条 ";
    for (int k = 0; k < 2 + i % 3; k++)
      strncat(buf, SAMPLES[(i + k) % 4], sizeof buf - strlen(buf) - 1);
    texts[i] = strdup(buf);
    int32_t one;
    tokens += gen_tokenize(m, texts[i], 1, 0, &one, 0, err, sizeof err);
  }
  float *out = malloc(sizeof(float) * (size_t)gi->dim * 16);
  /* one warm-up batch (page faults of the mapped weights) */
  gen_embed(m, (const char *const *)texts, n < 16 ? n : 16, layers, GEN_POOL_MEAN, out, err,
            sizeof err);
  double t0 = now_s(), c0 = cpu_s();
  for (int i = 0; i < n; i += 16) {
    int b = n - i < 16 ? n - i : 16;
    if (gen_embed(m, (const char *const *)texts + i, b, layers, GEN_POOL_MEAN, out, err,
                  sizeof err))
      return fprintf(stderr, "%s\n", err), 1;
  }
  double dt = now_s() - t0, dc = cpu_s() - c0;
  /* On a shared machine the wall clock includes time other processes
   * took; CPU seconds per thread estimate the rate of an idle machine. */
  printf("%s (%s, %d layers, dim %d): %d texts, %ld tokens, %d threads, %d layers used:"
         " %.1f s wall, %.1f tok/s; %.1f CPU s, %.1f tok/s at full %d cores\n",
         path, gi->architecture, gi->n_layers, gi->dim, n, tokens, threads,
         layers ? layers : gi->n_layers, dt, tokens / dt, dc, tokens * threads / dc, threads);
  for (int i = 0; i < n; i++) free(texts[i]);
  free(texts), free(out);
  gen_free(m);
  return 0;
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
    return bench_faiss(argc > 2 ? (size_t)atol(argv[2]) : 60000, argc > 3 ? atoi(argv[3]) : 896,
                       argc > 4 ? atoi(argv[4]) : 200, argc > 5 ? argv[5] : "flat,hnsw");
  if (argc >= 5 && strcmp(argv[1], "embed") == 0)
    return bench_embed(argv[2], atoi(argv[3]), atoi(argv[4]), argc > 5 ? atoi(argv[5]) : 64);
  if (argc == 4 && strcmp(argv[1], "corpus") == 0) return bench_corpus(argv[2], argv[3]);
  fprintf(stderr,
          "usage: dense_bench faiss [N [DIM [QUERIES [flat|flat,hnsw]]]]\n"
          "       dense_bench embed MODEL LAYERS THREADS [TEXTS]\n"
          "       dense_bench corpus MODEL DB\n");
  return 2;
}
