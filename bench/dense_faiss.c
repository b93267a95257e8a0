/* dense_faiss — FAISS index choice for the dense arm (docs/dense.md).
 *
 * Clustered unit vectors stand in for article embeddings (articles of one
 * law share its title and subject, so their vectors gather around a
 * centre); queries are stored vectors plus noise, like a paraphrase of an
 * article.  For each index kind: build time, then for each search setting
 * single-query latency (p50/p99, wall and thread CPU) at k = 10, recall@10
 * against an exact flat search, and p50 at k = 100 (the retriever asks the
 * dense arm for its fusion depth, 100 by default). */
#include "dense_faiss.h"

#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <faiss/c_api/AutoTune_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/index_factory_c.h>

#include "embed_store.h"

/* Two levels of structure: topics (a field of law) hold laws, laws hold
 * articles.  Cosines: law to its topic ~0.71, article to its law ~0.55,
 * two articles of one law ~0.3, of one topic ~0.15, unrelated ~0 (± 0.03,
 * the spread of random directions in 896 dimensions).  A query is a stored
 * vector moved to cosine ~0.8 from it. */
#define LAW_SIZE 64
#define TOPIC_SIZE 2048
#define LAW_SPREAD 1.0f
#define ARTICLE_SPREAD 1.5f
#define QUERY_NOISE 0.75f

static double wall_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double clock_of(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next_u64(void) {
  rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
  return rng;
}

/* Standard normal (Box-Muller). */
static float gauss(void) {
  double u = ((double)(next_u64() >> 11) + 0.5) / (double)(1ULL << 53);
  double v = (double)(next_u64() >> 11) / (double)(1ULL << 53);
  return (float)(sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v));
}

static void normalize(float *v, int d) {
  double s = 0;
  for (int j = 0; j < d; j++) s += (double)v[j] * v[j];
  float inv = s > 0 ? (float)(1.0 / sqrt(s)) : 0.0f;
  for (int j = 0; j < d; j++) v[j] *= inv;
}

/* dst = normalize(src + noise * g), g of expected norm 1. */
static void perturb(float *dst, const float *src, int d, float noise) {
  float sd = noise / sqrtf((float)d);
  for (int j = 0; j < d; j++) dst[j] = src[j] + sd * gauss();
  normalize(dst, d);
}

/* n centres around nc random centres (or random directions when base is
 * NULL), each at `spread`. */
static float *centres(const float *base, size_t nb, size_t nc, int d, float spread) {
  float *c = malloc(nc * (size_t)d * sizeof *c), *zero = calloc((size_t)d, sizeof *zero);
  for (size_t i = 0; c && zero && i < nc; i++)
    perturb(c + i * (size_t)d, base ? base + (next_u64() % nb) * (size_t)d : zero, d,
            base ? spread : 1.0f);
  free(zero);
  return c;
}

static void clustered(float *x, size_t n, int d) {
  size_t nt = n / TOPIC_SIZE ? n / TOPIC_SIZE : 1, nl = n / LAW_SIZE ? n / LAW_SIZE : 1;
  float *topics = centres(NULL, 0, nt, d, 1.0f);
  float *laws = centres(topics, nt, nl, d, LAW_SPREAD);
  for (size_t i = 0; i < n; i++)
    perturb(x + i * (size_t)d, laws + (next_u64() % nl) * (size_t)d, d, ARTICLE_SPREAD);
  free(topics), free(laws);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double pct(double *v, int n, int p) {
  int i = (int)((long)n * p / 100);
  return v[i < n ? i : n - 1];
}

typedef struct {
  double p50, p99, cpu50, cpu99;
} latency;

/* Lists scanned by ix_vec_search (the dense arm's search) when non-zero;
 * 0: faiss_Index_search with the index's own settings. */
static size_t store_probes;

static void search_one(FaissIndex *idx, const float *q, int k, float *dis, idx_t *lab) {
  char err[256];
  if (!store_probes) faiss_Index_search(idx, 1, q, k, dis, lab);
  else if (ix_vec_search(idx, q, (size_t)k, store_probes, dis, lab, err, sizeof err))
    fprintf(stderr, "%s\n", err);
}

/* Searches each query alone (the service's case) on one thread; labels of
 * the k best go to lab[q*k..]. */
static latency time_search(FaissIndex *idx, const float *q, int nq, int d, int k, idx_t *lab) {
  double *t = malloc(sizeof(double) * (size_t)nq), *c = malloc(sizeof(double) * (size_t)nq);
  float *dis = malloc(sizeof(float) * (size_t)k);
  for (int i = 0; i < nq; i++) {
    double t0 = wall_s(), c0 = clock_of(CLOCK_THREAD_CPUTIME_ID);
    search_one(idx, q + (size_t)i * d, k, dis, lab + (size_t)i * k);
    t[i] = (wall_s() - t0) * 1e3;
    c[i] = (clock_of(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e3;
  }
  qsort(t, (size_t)nq, sizeof *t, cmp_double);
  qsort(c, (size_t)nq, sizeof *c, cmp_double);
  latency l = {pct(t, nq, 50), pct(t, nq, 99), pct(c, nq, 50), pct(c, nq, 99)};
  free(t), free(c), free(dis);
  return l;
}

/* Share of the exact k best found among the k returned. */
static double recall(const idx_t *truth, const idx_t *got, int nq, int k) {
  long hit = 0;
  for (int i = 0; i < nq; i++)
    for (int a = 0; a < k; a++)
      for (int b = 0; b < k; b++) hit += got[(size_t)i * k + a] == truth[(size_t)i * k + b];
  return (double)hit / ((double)k * nq);
}

typedef struct {
  const float *x, *q;
  const int64_t *ids;
  size_t n;
  int d, nq;
  idx_t *truth, *truth100; /* [nq * 10], [nq * 100] exact neighbours */
} bench_set;

static void report(const char *name, const char *param, int val, latency l, latency l100,
                   double rec, double rec100) {
  printf("%-18s %-8s %4d  p50 %7.3f ms  p99 %7.3f ms  (CPU p50 %7.3f)  recall@10 %.3f"
         " | k=100 p50 %7.3f ms recall@100 %.3f\n",
         name, param, val, l.p50, l.p99, l.cpu50, rec, l100.p50, rec100);
}

/* The index kind's search setting: efSearch for HNSW, nprobe for IVF. */
static const char *param_of(const char *desc) {
  return strstr(desc, "IVF") ? "nprobe" : strstr(desc, "HNSW") ? "efSearch" : NULL;
}

/* Builds desc (training IVF kinds on up to 64 vectors per list) and
 * prints the build time. */
static FaissIndex *build(const bench_set *s, const char *desc, int threads) {
  FaissIndex *idx = NULL;
  omp_set_num_threads(threads);
  double t0 = wall_s(), c0 = clock_of(CLOCK_PROCESS_CPUTIME_ID);
  if (faiss_index_factory(&idx, s->d, desc, METRIC_INNER_PRODUCT)) goto fail;
  const char *ivf = strstr(desc, "IVF");
  if (ivf) {
    size_t nt = (size_t)atol(ivf + 3) * 64;
    if (nt > s->n) nt = s->n;
    if (faiss_Index_train(idx, (idx_t)nt, s->x)) goto fail;
  }
  double t1 = wall_s();
  if (faiss_Index_add_with_ids(idx, (idx_t)s->n, s->x, s->ids)) goto fail;
  printf("%-18s build %.1f s wall (train %.1f s), %.1f CPU s, %d threads\n", desc,
         wall_s() - t0, t1 - t0, clock_of(CLOCK_PROCESS_CPUTIME_ID) - c0, threads);
  omp_set_num_threads(1);
  return idx;
fail:
  fprintf(stderr, "%s: %s\n", desc, faiss_get_last_error());
  faiss_Index_free(idx);
  omp_set_num_threads(1);
  return NULL;
}

static int sweep(const bench_set *s, const char *desc, const int *vals, int nv, int threads) {
  FaissIndex *idx = build(s, desc, threads);
  if (!idx) return 1;
  const char *param = param_of(desc);
  idx_t *got = malloc(sizeof(idx_t) * (size_t)s->nq * 100);
  FaissParameterSpace *ps = NULL;
  faiss_ParameterSpace_new(&ps);
  for (int i = 0; i < (param ? nv : 1); i++) {
    if (param && faiss_ParameterSpace_set_index_parameter(ps, idx, param, vals[i])) {
      fprintf(stderr, "%s %s: %s\n", desc, param, faiss_get_last_error());
      break;
    }
    latency l100 = time_search(idx, s->q, s->nq, s->d, 100, got);
    double r100 = recall(s->truth100, got, s->nq, 100);
    latency l = time_search(idx, s->q, s->nq, s->d, 10, got);
    report(desc, param ? param : "-", param ? vals[i] : 0, l, l100, recall(s->truth, got, s->nq, 10),
           r100);
  }
  faiss_ParameterSpace_free(ps);
  faiss_Index_free(idx);
  free(got);
  return 0;
}

/* Exact neighbours by one batched flat search (FAISS hands batches of 20
 * or more queries to BLAS), then the single-query flat latency on a few
 * queries (a flat scan over 500k vectors takes a third of a second). */
static int exact(bench_set *s, int threads) {
  FaissIndex *flat = build(s, "IDMap,Flat", threads);
  if (!flat) return 1;
  float *dis = malloc(sizeof(float) * (size_t)s->nq * 100);
  omp_set_num_threads(threads);
  faiss_Index_search(flat, s->nq, s->q, 10, dis, s->truth);
  faiss_Index_search(flat, s->nq, s->q, 100, dis, s->truth100);
  omp_set_num_threads(1);
  int nq = s->n > 100000 ? 20 : s->nq;
  idx_t *got = malloc(sizeof(idx_t) * (size_t)nq * 100);
  latency l100 = time_search(flat, s->q, nq, s->d, 100, got);
  double r100 = recall(s->truth100, got, nq, 100);
  latency l = time_search(flat, s->q, nq, s->d, 10, got);
  report("IDMap,Flat", "-", 0, l, l100, recall(s->truth, got, nq, 10), r100);
  faiss_Index_free(flat);
  free(dis), free(got);
  return 0;
}

/* What the indexer builds (ix_vec_build) searched as the dense arm does
 * (ix_vec_search), for several numbers of lists scanned. */
static int sweep_default(const bench_set *s, const int *vals, int nv, int threads) {
  char kind[64], err[256];
  FaissIndex *idx = NULL;
  omp_set_num_threads(threads);
  double t0 = wall_s(), c0 = clock_of(CLOCK_PROCESS_CPUTIME_ID);
  int rc = ix_vec_build(s->x, s->ids, s->n, s->d, &idx, kind, sizeof kind, err, sizeof err);
  omp_set_num_threads(1);
  if (rc) return fprintf(stderr, "%s\n", err), 1;
  printf("%-18s build %.1f s wall, %.1f CPU s, %d threads (ix_vec_build)\n", kind,
         wall_s() - t0, clock_of(CLOCK_PROCESS_CPUTIME_ID) - c0, threads);
  ix_vec_open_lists(idx);
  idx_t *got = malloc(sizeof(idx_t) * (size_t)s->nq * 100);
  for (int i = 0; i < nv; i++) {
    store_probes = (size_t)vals[i];
    latency l100 = time_search(idx, s->q, s->nq, s->d, 100, got);
    double r100 = recall(s->truth100, got, s->nq, 100);
    latency l = time_search(idx, s->q, s->nq, s->d, 10, got);
    report("ix_vec_search", "lists", vals[i], l, l100, recall(s->truth, got, s->nq, 10), r100);
  }
  store_probes = 0;
  faiss_Index_free(idx);
  free(got);
  return 0;
}

/* kinds: FAISS factory strings without "IDMap,", separated by ';' (IVF
 * strings hold ','), e.g. "HNSW32;IVF512,Flat", or "default": what
 * lawqa index builds, searched the dense arm's way. */
int dense_faiss_bench(size_t n, int d, int nq, const char *kinds, int threads) {
  static const int EF[] = {16, 24, 32, 48, 64, 128}, NPROBE[] = {4, 8, 16, 24, 32, 64};
  bench_set s = {.n = n, .d = d, .nq = nq};
  float *x = malloc(sizeof(float) * n * (size_t)d), *q = malloc(sizeof(float) * (size_t)nq * d);
  int64_t *ids = malloc(sizeof(int64_t) * n);
  s.truth = malloc(sizeof(idx_t) * (size_t)nq * 10);
  s.truth100 = malloc(sizeof(idx_t) * (size_t)nq * 100);
  if (!x || !q || !ids || !s.truth || !s.truth100) return fprintf(stderr, "out of memory\n"), 1;
  double t0 = wall_s();
  clustered(x, n, d);
  for (int i = 0; i < nq; i++) perturb(q + (size_t)i * d, x + (next_u64() % n) * d, d, QUERY_NOISE);
  for (size_t i = 0; i < n; i++) ids[i] = (int64_t)i;
  s.x = x, s.q = q, s.ids = ids;
  printf("%zu clustered unit vectors (~%d a law, ~%d a topic), dimension %d, %d single queries,"
         " made in %.1f s; search on 1 thread\n", n, LAW_SIZE, TOPIC_SIZE, d, nq, wall_s() - t0);
  int rc = exact(&s, threads);
  char *list = strdup(kinds), *save = NULL;
  for (char *k = strtok_r(list, ";", &save); !rc && k; k = strtok_r(NULL, ";", &save)) {
    char desc[128];
    snprintf(desc, sizeof desc, "IDMap,%s", k);
    const int *vals = strstr(k, "IVF") ? NPROBE : EF;
    rc = strcmp(k, "default") == 0 ? sweep_default(&s, NPROBE, 6, threads)
                                   : sweep(&s, desc, vals, 6, threads);
  }
  free(list), free(x), free(q), free(ids), free(s.truth), free(s.truth100);
  return rc;
}
