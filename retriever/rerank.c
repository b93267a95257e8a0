/* Word-pair reranking of the BM25 arm: see rerank.h for why and how.
 *
 * The work is laid out for speed, for it runs on every search.  The
 * model's article bigrams (a few thousand distinct ones) are numbered: its
 * vocabulary.  A search adds up, for each vocabulary word, the weights its
 * pairs with the query's bigrams give: one small dense array.  Each
 * article is read once per handle and kept as the vocabulary numbers of
 * its bigrams, so scoring a candidate is a short gather from that array. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "rerank.h"

#define MAX_QUERY_BIGRAMS 256 /* distinct ones: a huge query costs no more */
#define MAX_ARTICLE_BIGRAMS 8192
#define MAX_VOCABULARY 65535                /* numbered in 16 bits, 0 = none */
#define MAX_CACHED_WORDS ((size_t)64 << 20) /* 128 MiB a handle at most */

/* One article's distinct bigrams while it is read: a set emptied in O(1)
 * by moving to the next generation. */
#define SEEN_BITS 14
#define SEEN_SLOTS ((size_t)1 << SEEN_BITS) /* twice MAX_ARTICLE_BIGRAMS */
typedef struct {
  uint32_t key[SEEN_SLOTS], gen[SEEN_SLOTS];
  uint32_t now;
} seen_set;

/* Where an article stands: its version and its number (100000 * kind +
 * number, so that articles and appendix items are not neighbours). */
typedef struct {
  int64_t version;
  int64_t number;
} place;

/* What a search needs of an article it has read, in one place: scoring
 * 500 candidates touches 500 of these, one cache line each. */
typedef struct {
  uint32_t at;     /* its words' offset in words + 1; 0 = not read yet */
  uint16_t count;  /* its words */
  float damp;      /* distinct bigrams ^ power */
  int32_t version; /* where it stands (place) */
  int32_t number;
} kept_article;

/* A candidate while the arm is re-sorted. */
typedef struct {
  double score;
  double base; /* BM25's score: the tie-break, then the id, as BM25 ranks */
  int64_t id;
  bool preferred;
} ranked;

/* The best score of the rows at one place, in a small open-addressing
 * table (version -1: an empty slot) for the neighbour bonus. */
typedef struct {
  place where;
  double best;
} slot;

struct rt_rerank {
  rt_pair_model file;   /* DB.rerank's model; its arrays NULL for the compiled-in one */
  const rt_pair *pairs; /* the pairs in use, sorted by (q, w); n 0 when not reranking */
  size_t n;
  const rt_term_weight *terms; /* the BM25 query terms' weights, sorted by q */
  size_t n_terms;
  double lambda, power, neighbour;

  uint32_t *vocab; /* the distinct w of the pairs, sorted; word i is numbered i + 1 */
  size_t n_vocab;
  uint16_t *pair_word; /* each pair's w, numbered */
  float *weight;       /* by word number, for the current query */

  sqlite3_stmt *text; /* an article's version, path and text by id */
  char **titles;      /* the law's title by version id: a join per article cost more */
  size_t n_versions;

  /* Each article's vocabulary words, kept once read: words holds them all,
   * one article after the other; kept, by article id, where its words are
   * and the rest a search needs of it.  Past MAX_CACHED_WORDS, articles
   * are read each time. */
  uint16_t *words;
  size_t n_words, cap_words;
  kept_article *kept;
  size_t n_ids;

  seen_set seen;
  uint16_t scratch[MAX_ARTICLE_BIGRAMS]; /* an article's words while read */

  /* A search's candidates, their places and the neighbour table: kept
   * between searches (a handle searches on one thread at a time), so a
   * search allocates nothing here once they are big enough. */
  ranked *rk;
  place *places;
  size_t cap_rows;
  slot *slots;
  size_t cap_slots;
};

/* ---- bigrams ---------------------------------------------------------- */

static int by_code(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

size_t rt_bigram_codes(const char *text, size_t len, uint32_t *out, size_t cap) {
  const unsigned char *s = (const unsigned char *)text, *end = s + len;
  size_t n = 0, step;
  uint32_t prev = 0;
  while (s < end && n < cap) {
    uint32_t cp = rt_ideograph_at(s, end, &step);
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

/* ---- the vocabulary ----------------------------------------------------- */

/* A bigram's word number, 0 when no pair has it. */
static uint16_t word_of(const rt_rerank *r, uint32_t code) {
  size_t lo = 0, hi = r->n_vocab;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (r->vocab[mid] < code)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < r->n_vocab && r->vocab[lo] == code ? (uint16_t)(lo + 1) : 0;
}

/* A set of bigram codes (0 = empty slot: no code is 0), for numbering the
 * pairs' words: sorting or searching all the pairs' w took most of a
 * handle's first search. */
typedef struct {
  uint32_t *code;
  uint16_t *number;
  size_t mask;
  unsigned bits;
} code_set;

static size_t code_slot(const code_set *c, uint32_t code) {
  size_t k = (size_t)(((uint64_t)code * 0x9e3779b97f4a7c15ull) >> (64 - c->bits));
  while (c->code[k] && c->code[k] != code)
    k = (k + 1) & c->mask;
  return k;
}

/* The distinct w of the pairs into r->vocab (unsorted) and into c. */
static int distinct_words(rt_rerank *r, code_set *c) {
  c->bits = 4;
  while (((size_t)1 << c->bits) < 2 * r->n)
    c->bits++;
  c->mask = ((size_t)1 << c->bits) - 1;
  c->code = calloc(c->mask + 1, sizeof *c->code);
  c->number = malloc((c->mask + 1) * sizeof *c->number);
  if (!c->code || !c->number || !(r->vocab = malloc(r->n * sizeof *r->vocab))) return -1;
  for (size_t i = 0; i < r->n; i++) {
    size_t k = code_slot(c, r->pairs[i].w);
    if (!c->code[k]) c->code[k] = r->vocab[r->n_vocab++] = r->pairs[i].w;
  }
  return 0;
}

/* Numbers the pairs' article bigrams in code order; -1 out of memory, -2
 * too many. */
static int build_vocabulary(rt_rerank *r) {
  code_set c = {0};
  int rc = distinct_words(r, &c) ? -1 : r->n_vocab > MAX_VOCABULARY ? -2 : 0;
  if (!rc) {
    qsort(r->vocab, r->n_vocab, sizeof *r->vocab, by_code);
    for (size_t i = 0; i < r->n_vocab; i++)
      c.number[code_slot(&c, r->vocab[i])] = (uint16_t)(i + 1);
    r->pair_word = malloc(r->n * sizeof *r->pair_word);
    r->weight = malloc((r->n_vocab + 1) * sizeof *r->weight);
    if (!r->pair_word || !r->weight) rc = -1;
  }
  for (size_t i = 0; !rc && i < r->n; i++)
    r->pair_word[i] = c.number[code_slot(&c, r->pairs[i].w)];
  free(c.code);
  free(c.number);
  return rc;
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

/* Each word's summed weight over the query's bigrams; returns how many
 * distinct bigrams the query has. */
static size_t query_weights(rt_rerank *r, const char *bare) {
  uint32_t q[MAX_QUERY_BIGRAMS];
  size_t nq = rt_bigram_codes(bare, strlen(bare), q, MAX_QUERY_BIGRAMS);
  memset(r->weight, 0, (r->n_vocab + 1) * sizeof *r->weight);
  for (size_t i = 0; i < nq; i++)
    for (size_t j = first_pair(r, q[i]); j < r->n && r->pairs[j].q == q[i]; j++)
      r->weight[r->pair_word[j]] += r->pairs[j].weight;
  return nq;
}

/* ---- articles ------------------------------------------------------------ */

static bool seen_add(seen_set *v, uint32_t code) {
  size_t i = (size_t)(((uint64_t)code * 0x9e3779b97f4a7c15ull) >> (64 - SEEN_BITS));
  while (v->gen[i] == v->now) {
    if (v->key[i] == code) return false;
    i = (i + 1) & (SEEN_SLOTS - 1);
  }
  v->gen[i] = v->now;
  v->key[i] = code;
  return true;
}

static void seen_next(seen_set *v) {
  if (++v->now == 0) { /* wrapped: generation 0 means empty */
    memset(v->gen, 0, sizeof v->gen);
    v->now = 1;
  }
}

/* Adds a text's bigrams not yet seen for this article: *n counts them,
 * the words among them go to r->scratch. */
static void scan_text(rt_rerank *r, const unsigned char *s, const unsigned char *end, size_t *n,
                      size_t *nw) {
  size_t step;
  uint32_t prev = 0;
  for (; s < end && *n < MAX_ARTICLE_BIGRAMS; s += step) {
    uint32_t cp = rt_ideograph_at(s, end, &step);
    if (cp && prev && seen_add(&r->seen, prev << 16 | cp)) {
      uint16_t w = word_of(r, prev << 16 | cp);
      if (w) r->scratch[(*nw)++] = w;
      (*n)++;
    }
    prev = cp;
  }
}

/* Reads an article (law title, path, text): its words into r->scratch,
 * *damp = distinct bigrams ^ power, *at where it stands.  -1 on a
 * database error. */
static int read_article(rt_rerank *r, int64_t id, size_t *nw, float *damp, place *at) {
  size_t n = 0;
  *nw = 0;
  *at = (place){-1, 0};
  seen_next(&r->seen);
  sqlite3_bind_int64(r->text, 1, id);
  int rc = sqlite3_step(r->text);
  if (rc == SQLITE_ROW) {
    sqlite3_int64 version = sqlite3_column_int64(r->text, 0);
    sqlite3_int64 kind = sqlite3_column_int64(r->text, 4),
                  number = sqlite3_column_int64(r->text, 3);
    /* a place that fits kept_article; a damaged row just has no neighbours */
    if (version >= 0 && version <= INT32_MAX && kind >= 0 && kind < 20 && number >= 0 &&
        number < 100000)
      *at = (place){version, 100000 * kind + number};
    const char *title = version >= 0 && (size_t)version < r->n_versions ? r->titles[version] : NULL;
    if (title)
      scan_text(r, (const unsigned char *)title, (const unsigned char *)title + strlen(title), &n,
                nw);
    for (int c = 1; c < 3; c++) {
      const unsigned char *s = sqlite3_column_text(r->text, c);
      if (s) scan_text(r, s, s + sqlite3_column_bytes(r->text, c), &n, nw);
    }
  }
  sqlite3_reset(r->text);
  *damp = n ? (float)pow((double)n, r->power) : 0;
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

/* Keeps scratch's nw words as article id's, when there is room. */
static void cache_article(rt_rerank *r, int64_t id, size_t nw, float damp, place at) {
  if (r->n_words + nw > MAX_CACHED_WORDS) return;
  if (r->n_words + nw > r->cap_words) {
    size_t cap = r->cap_words ? r->cap_words : 65536;
    while (cap < r->n_words + nw)
      cap *= 2;
    uint16_t *grown = realloc(r->words, cap * sizeof *grown);
    if (!grown) return; /* not kept: read again next time */
    r->words = grown;
    r->cap_words = cap;
  }
  if (nw) memcpy(r->words + r->n_words, r->scratch, nw * sizeof *r->words);
  r->kept[id] = (kept_article){(uint32_t)r->n_words + 1, (uint16_t)nw, damp, (int32_t)at.version,
                               (int32_t)at.number};
  r->n_words += nw;
}

/* The pairs' support for one article: its words' weights, summed and
 * damped by how many distinct bigrams it has; *at where it stands.  -1 on
 * a database error. */
static int article_support(rt_rerank *r, int64_t id, double *out, place *at) {
  bool indexed = id >= 0 && (size_t)id < r->n_ids;
  const uint16_t *words = r->scratch;
  size_t nw;
  float damp;
  if (indexed && r->kept[id].at) {
    const kept_article *k = &r->kept[id];
    words = r->words + (k->at - 1);
    nw = k->count;
    damp = k->damp;
    *at = (place){k->version, k->number};
  } else {
    if (read_article(r, id, &nw, &damp, at)) return -1;
    if (indexed) cache_article(r, id, nw, damp, *at);
  }
  double sum = 0;
  for (size_t i = 0; i < nw; i++)
    sum += r->weight[words[i]];
  *out = damp > 0 ? sum / damp : 0;
  return 0;
}

/* ---- reranking -------------------------------------------------------- */

static int by_rerank(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->preferred != y->preferred) return x->preferred ? -1 : 1;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  if (x->base != y->base) return x->base > y->base ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static size_t slot_of(const slot *t, size_t mask, place at) {
  uint64_t h = ((uint64_t)at.version * 0x9e3779b97f4a7c15ull) ^ (uint64_t)at.number;
  size_t k = (size_t)((h * 0xff51afd7ed558ccdull) >> 32) & mask;
  while (t[k].where.version >= 0 &&
         (t[k].where.version != at.version || t[k].where.number != at.number))
    k = (k + 1) & mask;
  return k;
}

/* Adds r->neighbour times the best score among each row's neighbours: the
 * rows of its law's version numbered within RT_NEIGHBOUR_WINDOW of it, not
 * its own number (之一 articles).  A neighbour scoring below 0 adds
 * nothing: it can only help.  at[i] is row i's place.  A table of places
 * rather than a sort: this runs on every search. */
static int add_neighbours(rt_rerank *r, ranked *rk, const place *at, size_t n) {
  size_t size = 16;
  while (size < 2 * n)
    size *= 2;
  if (size > r->cap_slots) {
    slot *grown = realloc(r->slots, size * sizeof *grown);
    if (!grown) return -2;
    r->slots = grown;
    r->cap_slots = size;
  }
  slot *t = r->slots;
  for (size_t k = 0; k < size; k++)
    t[k].where.version = -1;
  for (size_t i = 0; i < n; i++) {
    if (at[i].version < 0) continue;
    slot *s = &t[slot_of(t, size - 1, at[i])];
    if (s->where.version < 0 || rk[i].score > s->best) *s = (slot){at[i], rk[i].score};
  }
  for (size_t i = 0; i < n; i++) {
    double best = 0;
    for (int64_t d = -RT_NEIGHBOUR_WINDOW; at[i].version >= 0 && d <= RT_NEIGHBOUR_WINDOW; d++) {
      const slot *s = &t[slot_of(t, size - 1, (place){at[i].version, at[i].number + d})];
      if (d && s->where.version >= 0 && s->best > best) best = s->best;
    }
    rk[i].score += r->neighbour * best; /* the table keeps the scores before */
  }
  return 0;
}

/* Scores and sorts the rows; without words (no query bigram has a pair)
 * by BM25 alone.  -1 on a database error, -2 out of memory. */
static int rerank(rt_rerank *r, const int64_t *ids, const double *scores, size_t n,
                  const bool *prefer, bool words, ranked *rk, place *at) {
  double best = 0;
  for (size_t i = 0; i < n; i++)
    if (scores[i] > best) best = scores[i];
  if (best <= 0) best = 1;
  for (size_t i = 0; i < n; i++) {
    double support = 0;
    if (words && article_support(r, ids[i], &support, &at[i])) return -1;
    rk[i] = (ranked){scores[i] / best + r->lambda * support, scores[i], ids[i],
                     prefer && prefer[ids[i]]};
  }
  if (words && r->neighbour != 0 && add_neighbours(r, rk, at, n)) return -2;
  qsort(rk, n, sizeof *rk, by_rerank);
  return 0;
}

bool rt_rerank_reorders(const rt_rerank *r) {
  return r && r->n;
}

/* Room for n candidates in r->rk and r->places; -1 out of memory. */
static int reserve_rows(rt_rerank *r, size_t n) {
  if (n <= r->cap_rows) return 0;
  ranked *rk = realloc(r->rk, n * sizeof *rk);
  if (rk) r->rk = rk;
  place *places = rk ? realloc(r->places, n * sizeof *places) : NULL;
  if (!places) return -1;
  r->places = places;
  r->cap_rows = n;
  return 0;
}

int rt_rerank_apply(rt_rerank *r, const char *bare, int64_t *ids, double *scores, size_t n,
                    const bool *prefer, char *err, size_t errlen) {
  if (!rt_rerank_reorders(r) || n < 2) return 0;
  bool words = query_weights(r, bare) > 0;
  int rc = reserve_rows(r, n) ? -2 : rerank(r, ids, scores, n, prefer, words, r->rk, r->places);
  if (rc == -2)
    snprintf(err, errlen, "out of memory");
  else if (rc)
    snprintf(err, errlen, "reranker: reading an article: %s",
             sqlite3_errmsg(sqlite3_db_handle(r->text)));
  for (size_t i = 0; !rc && i < n; i++) { /* rk holds each row's id and score */
    ids[i] = r->rk[i].id;
    scores[i] = r->rk[i].base;
  }
  return rc ? -1 : 0;
}

/* ---- term weights ------------------------------------------------------ */

static int by_term_code(const void *key, const void *elem) {
  uint32_t a = *(const uint32_t *)key, b = ((const rt_term_weight *)elem)->q;
  return a < b ? -1 : a > b;
}

double rt_rerank_term_weight(const rt_rerank *r, const char *tok, size_t len) {
  uint32_t code;
  if (!r || !r->n_terms || len != 6 || rt_bigram_codes(tok, len, &code, 1) != 1) return 1.0;
  const rt_term_weight *t = bsearch(&code, r->terms, r->n_terms, sizeof *t, by_term_code);
  return t ? t->weight : 1.0;
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
  r->terms = r->file.terms;
  r->n_terms = r->file.n_terms;
  r->lambda = r->file.lambda;
  r->power = r->file.power;
  r->neighbour = r->file.neighbour;
  return rc;
}

/* Every version's law title, by version id; -1 on a database error, -2
 * out of memory. */
static int load_titles(rt_rerank *r, sqlite3 *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT max(id) FROM versions", -1, &st, NULL) != SQLITE_OK) return -1;
  int rc = sqlite3_step(st);
  sqlite3_int64 max = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return -1;
  r->n_versions = max > 0 ? (size_t)max + 1 : 1;
  if (!(r->titles = calloc(r->n_versions, sizeof *r->titles))) return -2;
  if (sqlite3_prepare_v2(db, "SELECT v.id, l.title FROM versions v JOIN laws l ON l.id = v.law_id",
                         -1, &st, NULL) != SQLITE_OK)
    return -1;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    sqlite3_int64 id = sqlite3_column_int64(st, 0);
    const char *title = (const char *)sqlite3_column_text(st, 1);
    if (id < 0 || (size_t)id >= r->n_versions || !title) continue;
    if (!(r->titles[id] = strdup(title))) {
      sqlite3_finalize(st);
      return -2;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* The database side: the article statement, the titles, the per-article
 * cache for n_ids article ids.  -1 with err set. */
static int open_articles(rt_rerank *r, sqlite3 *db, size_t n_ids, char *err, size_t errlen) {
  int rc = sqlite3_prepare_v2(
               db, "SELECT version_id, path, text, number, kind FROM articles WHERE id = ?", -1,
               &r->text, NULL) == SQLITE_OK
               ? load_titles(r, db)
               : -1;
  if (rc) {
    snprintf(err, errlen, "reranker: %s", rc == -2 ? "out of memory" : sqlite3_errmsg(db));
    return -1;
  }
  r->n_ids = n_ids;
  if (!(r->kept = calloc(r->n_ids, sizeof *r->kept))) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  return 0;
}

int rt_rerank_open(sqlite3 *db, const char *db_path, size_t n_ids, rt_rerank **out, char *err,
                   size_t errlen) {
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
    r->terms = rt_rerank_terms;
    r->n_terms = rt_rerank_terms_len;
    r->lambda = rt_rerank_lambda;
    r->power = rt_rerank_power;
    r->neighbour = rt_rerank_neighbour;
  }
  if (r->lambda == 0) r->n = 0; /* the pairs would move nothing */
  if (!r->n && !r->n_terms) {   /* off */
    rt_rerank_close(r);
    return 0;
  }
  if (!r->n) { /* term weights only: no article is read */
    *out = r;
    return 0;
  }
  int rc = build_vocabulary(r);
  if (rc == -2)
    snprintf(err, errlen, "reranker: the model's pairs hold over %d distinct article bigrams",
             MAX_VOCABULARY);
  else if (rc)
    snprintf(err, errlen, "out of memory");
  if (rc) goto fail;
  if (open_articles(r, db, n_ids, err, errlen)) goto fail;
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
  free(r->words);
  free(r->kept);
  free(r->vocab);
  free(r->pair_word);
  free(r->weight);
  free(r->file.pairs);
  free(r->file.terms);
  free(r->rk);
  free(r->places);
  free(r->slots);
  free(r);
}
