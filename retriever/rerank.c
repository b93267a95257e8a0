/* Word-pair reranking of the BM25 arm: see rerank.h for why and how. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "expand.h"
#include "rerank.h"

#define MAX_QUERY_BIGRAMS 256 /* distinct ones: a huge query costs no more */
#define MAX_ARTICLE_BIGRAMS 8192

struct rt_rerank {
  rt_pair_model file;   /* DB.rerank's pairs; file.pairs NULL for the compiled-in ones */
  const rt_pair *pairs; /* the pairs in use */
  size_t n;
  double lambda, power;
  sqlite3_stmt *text; /* an article's version, path and text by id */
  char **titles;      /* the law's title by version id: a join per article cost more */
  size_t n_versions;
  /* Each article's count of distinct bigrams + 1 (0: not yet counted), by
   * id: counting them is most of the work, and the same articles come
   * back query after query. */
  uint16_t *n_bigrams;
  size_t n_ids;
  /* Work space kept from one search to the next: allocating it per search
   * (over 128 KiB, so mmap and munmap) cost the service half its
   * throughput in page faults and cross-thread TLB flushes. */
  struct weights *t;
  struct seen_set *seen;
};

/* ---- bigrams ---------------------------------------------------------- */

static int by_code(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

/* The code point of the ideograph at s (3-byte UTF-8), or 0; *n gets the
 * bytes to skip either way. */
static uint32_t next_ideograph(const unsigned char *s, const unsigned char *end, size_t *n) {
  *n = 1;
  if (s[0] < 0xe0 || s[0] > 0xef || end - s < 3) return 0;
  if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
  *n = 3;
  uint32_t cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
  return cp >= 0x4e00 && cp <= 0x9fff ? cp : 0;
}

size_t rt_bigram_codes(const char *text, size_t len, uint32_t *out, size_t cap) {
  const unsigned char *s = (const unsigned char *)text, *end = s + len;
  size_t n = 0, step;
  uint32_t prev = 0;
  while (s < end && n < cap) {
    uint32_t cp = next_ideograph(s, end, &step);
    if (cp && prev) out[n++] = prev << 16 | cp;
    prev = cp;
    s += step;
  }
  if (n) qsort(out, n, sizeof *out, by_code);
  size_t k = n ? 1 : 0;
  for (size_t i = 1; i < n; i++)
    if (out[i] != out[k - 1]) out[k++] = out[i];
  return k;
}

/* ---- the query's weights by article bigram ------------------------------
 * For the query's bigrams q, the sum of weight(q, w) for every w: an open
 * addressing table, so each article bigram costs one probe. */

#define FILTER_BITS 18
#define FILTER_WORDS ((size_t)1 << (FILTER_BITS - 6))

typedef struct weights {
  size_t cap;    /* slots allocated */
  uint32_t *key; /* 0 = empty (no bigram codes to 0) */
  float *sum;
  uint32_t *stamp; /* the last article whose sum took this entry */
  uint32_t now;    /* the article being summed */
  /* One bit per hash of the keys: most of an article's bigrams are in no
   * pair, and this small filter answers for them without touching the
   * table, which is too big for the nearest caches. */
  uint64_t filter[FILTER_WORDS];
  size_t mask;
  unsigned bits; /* mask + 1 == 2^bits */
} weights;

/* A slot for a bigram code in a table of 2^bits: the high bits of a
 * multiplicative hash, for the low bits of a code are its second
 * character alone and would pile every bigram ending in 的 into one slot. */
static size_t hash_slot(uint32_t code, unsigned bits) {
  return (size_t)(((uint64_t)code * 0x9e3779b97f4a7c15ull) >> (64 - bits));
}

static size_t first_pair(const rt_rerank *r, uint32_t q) {
  size_t lo = 0, hi = r->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r->pairs[mid].q < q)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static size_t slot(const weights *t, uint32_t w) {
  size_t i = hash_slot(w, t->bits);
  while (t->key[i] && t->key[i] != w)
    i = (i + 1) & t->mask;
  return i;
}

static void weights_free(weights *t) {
  free(t->key);
  free(t->sum);
  free(t->stamp);
  t->key = NULL, t->sum = NULL, t->stamp = NULL;
  t->cap = 0;
}

static int weights_build(const rt_rerank *r, const uint32_t *q, size_t nq, weights *t) {
  size_t total = 0, size = 16;
  t->bits = 4;
  for (size_t i = 0; i < nq; i++)
    for (size_t j = first_pair(r, q[i]); j < r->n && r->pairs[j].q == q[i]; j++)
      total++;
  while (size < 2 * total)
    size *= 2, t->bits++;
  t->mask = size - 1;
  if (size > t->cap) {
    weights_free(t);
    t->key = malloc(size * sizeof *t->key);
    t->sum = malloc(size * sizeof *t->sum);
    t->stamp = malloc(size * sizeof *t->stamp);
    if (!t->key || !t->sum || !t->stamp) return -1;
    t->cap = size;
  }
  memset(t->key, 0, size * sizeof *t->key);
  memset(t->sum, 0, size * sizeof *t->sum);
  memset(t->stamp, 0, size * sizeof *t->stamp);
  memset(t->filter, 0, sizeof t->filter);
  t->now = 0;
  for (size_t i = 0; i < nq; i++)
    for (size_t j = first_pair(r, q[i]); j < r->n && r->pairs[j].q == q[i]; j++) {
      size_t s = slot(t, r->pairs[j].w);
      size_t f = hash_slot(r->pairs[j].w, FILTER_BITS);
      t->key[s] = r->pairs[j].w;
      t->sum[s] += r->pairs[j].weight;
      t->filter[f >> 6] |= (uint64_t)1 << (f & 63);
    }
  return 0;
}

/* ---- reranking -------------------------------------------------------- */

typedef struct {
  double score;
  size_t at; /* position in the arm's ranking */
  bool preferred;
} ranked;

static int by_rerank(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->preferred != y->preferred) return x->preferred ? -1 : 1;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->at < y->at ? -1 : x->at > y->at;
}

/* One article's distinct bigrams: a set emptied in O(1) by moving to the
 * next generation, for there is one per candidate. */
#define SEEN_BITS 14
#define SEEN_SLOTS ((size_t)1 << SEEN_BITS) /* twice MAX_ARTICLE_BIGRAMS */
typedef struct seen_set {
  uint32_t key[SEEN_SLOTS], gen[SEEN_SLOTS];
  uint32_t now;
} seen_set;

/* Empties the set for the next article. */
static void seen_next(seen_set *v) {
  if (++v->now == 0) { /* wrapped: generation 0 means empty */
    memset(v->gen, 0, sizeof v->gen);
    v->now = 1;
  }
}

/* Adds code; false when it was already in. */
static bool seen_add(seen_set *v, uint32_t code) {
  size_t i = hash_slot(code, SEEN_BITS);
  while (v->gen[i] == v->now) {
    if (v->key[i] == code) return false;
    i = (i + 1) & (SEEN_SLOTS - 1);
  }
  v->gen[i] = v->now;
  v->key[i] = code;
  return true;
}

/* The weight of a bigram for the article being summed, the first time it
 * shows up there; 0 after, and for bigrams in no pair. */
static double weight_once(weights *t, uint32_t code) {
  size_t f = hash_slot(code, FILTER_BITS);
  if (!(t->filter[f >> 6] >> (f & 63) & 1)) return 0;
  size_t k = slot(t, code);
  if (!t->key[k] || t->stamp[k] == t->now) return 0;
  t->stamp[k] = t->now;
  return t->sum[k];
}

/* Adds the weights of a text's distinct bigrams to *sum (each bigram once
 * per article), counting them into *n when count is set. */
static void scan_text(weights *t, seen_set *v, const unsigned char *s, const unsigned char *end,
                      bool count, double *sum_io, size_t *n_io) {
  double sum = *sum_io; /* locals: stores through the pointers would alias the tables */
  size_t n = *n_io, step;
  uint32_t prev = 0;
  for (; s < end; s += step) {
    uint32_t cp = next_ideograph(s, end, &step);
    if (cp && prev) {
      uint32_t code = prev << 16 | cp;
      if (count && n < MAX_ARTICLE_BIGRAMS && seen_add(v, code)) n++;
      sum += weight_once(t, code);
    }
    prev = cp;
  }
  *sum_io = sum;
  *n_io = n;
}

/* The pairs' support for one article: the weights of the distinct bigrams
 * of its law's title, its hierarchy path and its text, summed and damped by
 * how many there are (counted once per handle).  -1 on a database error. */
static int article_support(rt_rerank *r, weights *t, int64_t id, seen_set *v, double *out) {
  bool known = id >= 0 && (size_t)id < r->n_ids && r->n_bigrams[id];
  double sum = 0;
  size_t n = 0;
  seen_next(v);
  t->now++;
  sqlite3_bind_int64(r->text, 1, id);
  int rc = sqlite3_step(r->text);
  if (rc == SQLITE_ROW) {
    sqlite3_int64 version = sqlite3_column_int64(r->text, 0);
    const char *title = version >= 0 && (size_t)version < r->n_versions ? r->titles[version] : NULL;
    if (title)
      scan_text(t, v, (const unsigned char *)title, (const unsigned char *)title + strlen(title),
                !known, &sum, &n);
    for (int c = 1; c < 3; c++) {
      const unsigned char *s = sqlite3_column_text(r->text, c);
      if (s) scan_text(t, v, s, s + sqlite3_column_bytes(r->text, c), !known, &sum, &n);
    }
  }
  sqlite3_reset(r->text);
  if (known)
    n = r->n_bigrams[id] - 1u;
  else if (rc == SQLITE_ROW && (size_t)id < r->n_ids)
    r->n_bigrams[id] = (uint16_t)(n + 1);
  *out = n ? sum / pow((double)n, r->power) : 0;
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* The query's distinct bigrams, filler words blanked first; -1 when out
 * of memory. */
static int query_bigrams(const char *query, uint32_t *out, size_t *n) {
  char *copy = strdup(query);
  if (!copy) return -1;
  rt_blank_fillers(copy);
  *n = rt_bigram_codes(copy, strlen(copy), out, MAX_QUERY_BIGRAMS);
  free(copy);
  return 0;
}

static int rerank(rt_rerank *r, weights *t, int64_t *ids, double *scores, size_t n,
                  const bool *prefer, ranked *rk, seen_set *seen) {
  double best = 0;
  for (size_t i = 0; i < n; i++)
    if (scores[i] > best) best = scores[i];
  if (best <= 0) best = 1;
  for (size_t i = 0; i < n; i++) {
    double support;
    if (article_support(r, t, ids[i], seen, &support)) return -1;
    rk[i] = (ranked){scores[i] / best + r->lambda * support, i, prefer && prefer[ids[i]]};
  }
  qsort(rk, n, sizeof *rk, by_rerank);
  return 0;
}

int rt_rerank_apply(rt_rerank *r, const char *query, int64_t *ids, double *scores, size_t n,
                    const bool *prefer, char *err, size_t errlen) {
  if (!r || n < 2) return 0;
  uint32_t q[MAX_QUERY_BIGRAMS];
  size_t nq = 0;
  if (query_bigrams(query, q, &nq)) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (!nq) return 0;
  ranked *rk = malloc(n * sizeof *rk);
  int64_t *id2 = malloc(n * sizeof *id2);
  double *sc2 = malloc(n * sizeof *sc2);
  int rc = -1;
  if (!rk || !id2 || !sc2 || weights_build(r, q, nq, r->t))
    snprintf(err, errlen, "out of memory");
  else if (rerank(r, r->t, ids, scores, n, prefer, rk, r->seen))
    snprintf(err, errlen, "reranker: cannot read an article's text");
  else {
    for (size_t i = 0; i < n; i++) {
      id2[i] = ids[rk[i].at];
      sc2[i] = scores[rk[i].at];
    }
    memcpy(ids, id2, n * sizeof *ids);
    memcpy(scores, sc2, n * sizeof *scores);
    rc = 0;
  }
  free(rk);
  free(id2);
  free(sc2);
  return rc;
}

/* ---- the model -------------------------------------------------------- */

static int read_file(rt_rerank *r, const char *db_path, bool *found, char *err, size_t errlen) {
  char path[4096];
  snprintf(path, sizeof path, "%s.rerank", db_path);
  FILE *f = fopen(path, "r");
  *found = f != NULL;
  if (!f) return 0;
  int rc = rt_pair_model_read(f, path, &r->file, err, errlen);
  fclose(f);
  r->pairs = r->file.pairs;
  r->n = r->file.n;
  r->lambda = r->file.lambda;
  r->power = r->file.power;
  return rc;
}

/* How many ids of a table there can be: the largest + 1. */
static int count_ids(sqlite3 *db, const char *sql, size_t *n) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  int rc = sqlite3_step(st);
  sqlite3_int64 max = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  *n = max > 0 ? (size_t)max + 1 : 1;
  return rc == SQLITE_ROW ? 0 : -1;
}

/* Every version's law title, by version id; -1 on error. */
static int load_titles(rt_rerank *r, sqlite3 *db) {
  sqlite3_stmt *st;
  if (count_ids(db, "SELECT max(id) FROM versions", &r->n_versions) ||
      !(r->titles = calloc(r->n_versions, sizeof *r->titles)) ||
      sqlite3_prepare_v2(db, "SELECT v.id, l.title FROM versions v JOIN laws l ON l.id = v.law_id",
                         -1, &st, NULL) != SQLITE_OK)
    return -1;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 id = sqlite3_column_int64(st, 0);
    const char *title = (const char *)sqlite3_column_text(st, 1);
    if (id < 0 || (size_t)id >= r->n_versions || !title) continue;
    if (!(r->titles[id] = strdup(title))) break;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

int rt_rerank_open(sqlite3 *db, const char *db_path, rt_rerank **out, char *err, size_t errlen) {
  *out = NULL;
  rt_rerank *r = calloc(1, sizeof *r);
  bool found;
  if (!r) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (read_file(r, db_path, &found, err, errlen)) goto fail;
  if (!found) {
    r->pairs = rt_rerank_pairs;
    r->n = rt_rerank_pairs_len;
    r->lambda = rt_rerank_lambda;
    r->power = rt_rerank_power;
  }
  if (!r->n || r->lambda == 0) { /* off */
    rt_rerank_close(r);
    return 0;
  }
  if (sqlite3_prepare_v2(db, "SELECT version_id, path, text FROM articles WHERE id = ?", -1,
                         &r->text, NULL) != SQLITE_OK ||
      count_ids(db, "SELECT max(id) FROM articles", &r->n_ids) || load_titles(r, db)) {
    snprintf(err, errlen, "reranker: %s", sqlite3_errmsg(db));
    goto fail;
  }
  r->n_bigrams = calloc(r->n_ids, sizeof *r->n_bigrams);
  r->t = calloc(1, sizeof *r->t);
  r->seen = calloc(1, sizeof *r->seen);
  if (!r->n_bigrams || !r->t || !r->seen) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  *out = r;
  return 0;
fail:
  rt_rerank_close(r);
  return -1;
}

void rt_rerank_close(rt_rerank *r) {
  if (!r) return;
  sqlite3_finalize(r->text);
  for (size_t i = 0; r->titles && i < r->n_versions; i++)
    free(r->titles[i]);
  free(r->titles);
  free(r->n_bigrams);
  if (r->t) weights_free(r->t);
  free(r->t);
  free(r->seen);
  free(r->file.pairs);
  free(r);
}
