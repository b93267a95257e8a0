/* rt_search: the citation arm and the BM25 arm (and the dense arm when the
 * database has vectors), fused by weighted reciprocal rank. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dense.h"
#include "expand.h"
#include "internal.h"
#include "rerank.h"
#include "statutes.h"

typedef struct {
  int64_t id;
  double fused;
  double s[3]; /* per arm score: citation, bm25, dense */
  int r[3];    /* per arm rank, 0 = missed */
} cand;

enum { ARM_CITATION, ARM_BM25, ARM_DENSE };

/* The candidates of all arms, with an open-addressing index by id: an arm
 * adds up to a few hundred ids, and a linear search per add was a tenth of
 * a search's time. */
typedef struct {
  cand *v;
  size_t n, cap;
  uint32_t *slot; /* index in v + 1, 0 = empty; 2 * cap entries */
} cands;

static size_t slot_of(int64_t id, size_t mask) {
  return (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ull >> 32) & mask;
}

static int cands_grow(cands *c) {
  size_t cap = c->cap ? 2 * c->cap : 128;
  cand *p = realloc(c->v, cap * sizeof *p);
  if (!p) return -1;
  c->v = p;
  uint32_t *slot = calloc(2 * cap, sizeof *slot);
  if (!slot) return -1;
  for (size_t i = 0; i < c->n; i++) {
    size_t j = slot_of(c->v[i].id, 2 * cap - 1);
    while (slot[j])
      j = (j + 1) & (2 * cap - 1);
    slot[j] = (uint32_t)i + 1;
  }
  free(c->slot);
  c->slot = slot;
  c->cap = cap;
  return 0;
}

/* Records that an arm ranked id at rank (1-based) with score. */
static int cands_add(cands *c, int64_t id, int arm, int rank, double score) {
  if (c->n == c->cap && cands_grow(c)) return -1;
  size_t mask = 2 * c->cap - 1, j = slot_of(id, mask);
  for (; c->slot[j]; j = (j + 1) & mask) {
    cand *x = &c->v[c->slot[j] - 1];
    if (x->id != id) continue;
    if (!x->r[arm]) {
      x->r[arm] = rank;
      x->s[arm] = score;
    }
    return 0;
  }
  cand *x = &c->v[c->n++];
  memset(x, 0, sizeof *x);
  x->id = id;
  x->r[arm] = rank;
  x->s[arm] = score;
  c->slot[j] = (uint32_t)c->n;
  return 0;
}

#define RERANK_DEPTH 500 /* rows of the BM25 arm the reranker re-sorts */

typedef struct {
  rt_handle *h;
  const rt_query *q;
  const rt_weights *w;
  int64_t law_id; /* -1: any law */
  int depth;
  rt_prior *prior;       /* expand_prior.c: law-category prior, NULL when off */
  rt_bm25_filter filter; /* what every arm may return (bm25.c) */
  bool *phrase_rows;     /* rows holding the quoted phrases, NULL without quotes */
  int64_t *ids;          /* an arm's ranked ids, depth entries */
  double *bm25_scores;   /* depth entries each */
  float *dense_scores;
  cands c;
  char *err;
  size_t errlen;
} search;

/* ---- citation arm ----------------------------------------------------- */

static int64_t citation_law(search *s, const char *query, const st_citation *ct) {
  if (ct->law_len == 0 || ct->this_law) return s->law_id; /* 第X条 / 本法: the filtered law */
  if (ct->law_quoted) return rt_law_id(s->h, query + ct->law_start, ct->law_len);
  return rt_law_id_suffix(s->h, query + ct->law_start, ct->law_len);
}

static int citation_arm(search *s, const char *query) {
  if (s->q->only_cases) return 0;
  st_citation cts[32];
  size_t n = st_find_citations(query, strlen(query), cts, sizeof cts / sizeof cts[0]);
  if (n > sizeof cts / sizeof cts[0]) n = sizeof cts / sizeof cts[0];
  int rank = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t law = citation_law(s, query, &cts[i]);
    if (law < 0 || (s->law_id >= 0 && law != s->law_id)) continue;
    int64_t version = rt_version_at(s->h, law, s->q->as_of);
    if (version < 0) continue;
    int64_t id = rt_article_id(s->h, version, cts[i].article, cts[i].suffix);
    if (id < 0) continue;
    if (cands_add(&s->c, id, ARM_CITATION, ++rank, 1.0)) return -1;
  }
  return 0;
}

/* Adds an arm's ranked ids (scores in d, or in f for the dense arm). */
static int add_arm(search *s, int arm, size_t n, const double *d, const float *f) {
  for (size_t i = 0; i < n; i++)
    if (cands_add(&s->c, s->ids[i], arm, (int)i + 1, d ? d[i] : f[i])) {
      snprintf(s->err, s->errlen, "out of memory");
      return -1;
    }
  return 0;
}

/* ---- BM25 arm --------------------------------------------------------- */

/* BM25 over the expanded query's terms; with the word-pair reranker
 * (rerank.h) on, BM25's first RERANK_DEPTH rows are re-sorted by the
 * words of the query itself (bare: its fillers blanked) and the arm keeps
 * its depth best of them.  Going 500 deep rather than 100 lifted LeCoQA
 * Recall@100 by two points in cross-validation, and costs under a
 * millisecond. */
static int bm25_arm(search *s, const char *bare, const rt_terms *terms) {
  size_t n = 0, want = (size_t)s->depth;
  bool reranked = rt_rerank_reorders(s->h->rerank);
  if (reranked && want < RERANK_DEPTH) want = RERANK_DEPTH;
  s->filter.unsorted = reranked && want == RERANK_DEPTH; /* the reranker sorts them all */
  if (rt_bm25_search(s->h->bm25, terms->t, terms->n, &s->filter, s->ids, s->bm25_scores, want, &n,
                     s->err, s->errlen) ||
      rt_rerank_apply(s->h->rerank, bare, s->ids, s->bm25_scores,
                      n < RERANK_DEPTH ? n : RERANK_DEPTH, s->phrase_rows, s->err, s->errlen))
    return -1;
  return add_arm(s, ARM_BM25, n < (size_t)s->depth ? n : (size_t)s->depth, s->bm25_scores, NULL);
}

/* ---- dense arm -------------------------------------------------------- */

/* The dense index holds current versions only; the BM25 arm's filter
 * applies the same law, date, kind and expiry restrictions to its hits. */
static int dense_keep(int64_t id, void *ctx) {
  const search *s = ctx;
  return rt_bm25_keeps(s->h->bm25, &s->filter, id);
}

static int dense_arm(search *s, const char *query) {
  size_t n = 0;
  if (rt_dense_search(s->h->dense, query, (size_t)s->depth, dense_keep, s, s->ids, s->dense_scores,
                      &n, s->err, s->errlen))
    return -1;
  return add_arm(s, ARM_DENSE, n, NULL, s->dense_scores);
}

/* ---- fusion ----------------------------------------------------------- */

static int by_fused(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->fused != y->fused) return x->fused < y->fused ? 1 : -1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static void fuse(search *s) {
  const double w[3] = {s->w->w_citation, s->w->w_bm25, s->w->w_dense};
  for (size_t i = 0; i < s->c.n; i++) {
    cand *x = &s->c.v[i];
    x->fused = 0;
    for (int a = 0; a < 3; a++)
      if (x->r[a]) x->fused += w[a] / (s->w->rrf_k + x->r[a]);
  }
  if (s->c.n) qsort(s->c.v, s->c.n, sizeof *s->c.v, by_fused);
}

static int emit(search *s, rt_result *out) {
  size_t n = s->c.n < (size_t)s->q->k ? s->c.n : (size_t)s->q->k;
  char today[11];
  rt_today(today);
  const char *date = s->q->as_of ? s->q->as_of : today;
  out->hits = n ? calloc(n, sizeof *out->hits) : NULL;
  if (n && !out->hits) {
    snprintf(s->err, s->errlen, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    const cand *x = &s->c.v[i];
    rt_hit *hit = &out->hits[out->n];
    int rc = rt_fill_hit(s->h, x->id, date, hit, s->err, s->errlen);
    if (rc < 0) return -1;
    if (rc > 0) continue;
    hit->score = x->fused;
    hit->score_citation = x->s[ARM_CITATION];
    hit->score_bm25 = x->s[ARM_BM25];
    hit->score_dense = x->s[ARM_DENSE];
    hit->rank_citation = x->r[ARM_CITATION];
    hit->rank_bm25 = x->r[ARM_BM25];
    hit->rank_dense = x->r[ARM_DENSE];
    out->n++;
  }
  return 0;
}

static bool blank(const char *s) {
  for (; *s; s++)
    if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' && *s != '\v')
      return false;
  return true;
}

/* Checks the query and its options; resolves the law filter. */
static int prepare(search *s, const char *query, rt_query *q) {
  if (!query || blank(query)) {
    snprintf(s->err, s->errlen, "empty query: give some words to search for");
    return -1;
  }
  if (q->k <= 0) q->k = 10;
  if (q->as_of && !rt_valid_date(q->as_of)) {
    snprintf(s->err, s->errlen, "bad date '%s': use YYYY-MM-DD", q->as_of);
    return -1;
  }
  if (q->no_cases && q->only_cases) {
    snprintf(s->err, s->errlen, "no_cases and only_cases exclude each other");
    return -1;
  }
  s->law_id = -1;
  if (q->law && *q->law && (s->law_id = rt_law_id(s->h, q->law, strlen(q->law))) < 0) {
    snprintf(s->err, s->errlen, "unknown law '%s'", q->law);
    return -1;
  }
  s->depth = s->w->depth > 0 ? s->w->depth : 100;
  if (s->depth < q->k) s->depth = q->k;
  size_t rows = s->depth > RERANK_DEPTH ? (size_t)s->depth : RERANK_DEPTH; /* the BM25 arm's */
  s->ids = malloc(rows * sizeof *s->ids);
  s->bm25_scores = malloc(rows * sizeof *s->bm25_scores);
  s->dense_scores = malloc((size_t)s->depth * sizeof *s->dense_scores);
  if (!s->ids || !s->bm25_scores || !s->dense_scores) {
    snprintf(s->err, s->errlen, "out of memory");
    return -1;
  }
  if (!s->h->prior_loaded) {
    s->h->prior = rt_prior_begin(s->h);
    s->h->prior_loaded = true;
  }
  s->prior = s->h->prior;
  if (!s->h->rerank_loaded) {
    if (rt_rerank_open(s->h->db, s->h->db_path, rt_bm25_rows(s->h->bm25), &s->h->rerank, s->err,
                       s->errlen))
      return -1;
    s->h->rerank_loaded = true;
  }
  s->filter = (rt_bm25_filter){.as_of = q->as_of,
                               .law_id = s->law_id,
                               .no_cases = q->no_cases,
                               .only_cases = q->only_cases,
                               .w_title = s->w->bm25_title,
                               .w_path = s->w->bm25_path,
                               .w_text = s->w->bm25_text};
  /* expand_prior.c: the law-category prior, added by the scorer to every
   * row it ranks */
  s->filter.law_bonus = rt_prior_law_bonus(s->prior, &s->filter.n_law_bonus);
  rt_bm25_filter_set(s->h->bm25, &s->filter);
  return 0;
}

/* Quoted phrases (phrase.c): the BM25 arm ranks the rows that hold them
 * first.  Not a hard filter: people quote terms for emphasis too (劳动法上的
 * “三期”), and a statute may not use the quoted words at all.  When no
 * article holds them, the result says so. */
static int phrase_filter(search *s, const char *query, rt_result *out) {
  char *expr = NULL;
  if (rt_phrase_expr(query, &expr)) {
    snprintf(s->err, s->errlen, "out of memory");
    return -1;
  }
  if (!expr) return 0;
  size_t n_rows = rt_bm25_rows(s->h->bm25), found = 0;
  int rc = -1;
  if (!(s->phrase_rows = malloc(n_rows * sizeof *s->phrase_rows)))
    snprintf(s->err, s->errlen, "out of memory");
  else if (!rt_phrase_rows(s->h, expr, s->phrase_rows, n_rows, &found, s->err, s->errlen))
    rc = 0;
  if (!rc && !found &&
      !(out->note =
            strdup("no article contains the quoted words as written: best matches shown"))) {
    snprintf(s->err, s->errlen, "out of memory");
    rc = -1;
  }
  s->filter.prefer = s->phrase_rows;
  free(expr);
  return rc;
}

int rt_search(rt_handle *h, const char *query, const rt_query *q, rt_result *out, char *err,
              size_t errlen) {
  memset(out, 0, sizeof *out);
  rt_query qq = {0};
  if (q) qq = *q;
  search s = {
      .h = h, .q = &qq, .w = qq.weights ? qq.weights : &h->weights, .err = err, .errlen = errlen};
  rt_terms terms = {.n = 0};
  char *expanded = NULL;
  int rc = -1;
  /* One read transaction for the whole search: otherwise SQLite takes and
   * drops its file lock (fcntl + fstat) around every statement, a quarter
   * of the CPU time of a search with 100 hits. */
  int in_txn = sqlite3_exec(h->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
  if (prepare(&s, query, &qq)) goto done;
  if (citation_arm(&s, query) || phrase_filter(&s, query, out)) goto done;
  size_t bare_at = 0; /* expand.c: statute words first, then the query, fillers blanked */
  expanded = rt_expand_query(query, &bare_at);
  if (!expanded || rt_query_terms(h, expanded, s.w, &terms)) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  if (terms.n && bm25_arm(&s, expanded + bare_at, &terms)) goto done;
  if (h->dense) {
    if (dense_arm(&s, query)) goto done;
    out->dense_used = true;
  } else if (h->dense_note && !out->note && !(out->note = strdup(h->dense_note))) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  fuse(&s);
  rc = emit(&s, out);
done:
  if (in_txn) sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
  rt_terms_free(&terms);
  free(expanded);
  free(s.c.v);
  free(s.c.slot);
  free(s.phrase_rows);
  free(s.ids);
  free(s.bm25_scores);
  free(s.dense_scores);
  if (rc) rt_result_free(out);
  return rc;
}

void rt_result_free(rt_result *r) {
  if (!r) return;
  rt_hits_free(r->hits, r->n);
  free(r->note);
  memset(r, 0, sizeof *r);
}
