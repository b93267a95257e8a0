/* The BM25 arm's scorer: FTS5's bm25() formula, computed term at a time
 * from the postings the indexer writes (indexer.h) instead of row at a time
 * inside FTS5.  FTS5 calls bm25() for every row any query term matches, and
 * a question's terms match tens of thousands of rows: 20 ms a question.
 * Here each term's postings are decoded once into a score array, a few
 * nanoseconds a posting, and only the best rows are kept.
 *
 * The statistics are FTS5's own (rows and tokens of every version, a row's
 * token count over its three columns, a term's document frequency), and
 * each row's terms are added in the query's order, so the scores equal
 * bm25()'s; tests/retriever checks this against FTS5 itself. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexer.h"
#include "internal.h"

/* FTS5's constants */
#define BM25_K1 1.2
#define BM25_B 0.75

typedef struct {
  int64_t law;
  char date[11];
  bool current;
  bool expired; /* its law is no longer in force (laws.expired) */
} version;

struct rt_bm25 {
  uint32_t n_rows;   /* article ids 0 .. n_rows-1 */
  double *norm;      /* k1 * (1 - b + b * tokens / average), per row */
  uint32_t *version; /* version id per row */
  uint8_t *kind;     /* rt_kind per row */
  double n_docs;     /* rows in the FTS table */
  version *versions; /* by version id */
  uint32_t *by_law;  /* version ids ordered by law, date, id */
  size_t n_versions; /* entries of versions[] (max id + 1) and by_law[] */
  size_t n_by_law;
  bool *allowed;     /* per version, for the current search */
  double *acc;       /* per row score of the current search */
  bool *seen;        /* per row: in touched[] (a score can be 0) */
  uint32_t *touched; /* rows with a score, in the order first reached */
  size_t n_touched;
  sqlite3_stmt *get; /* a term's postings */
  sqlite3_stmt *df;  /* a term's document frequency */
};

static uint32_t get_u32le(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int64_t meta_int(sqlite3 *db, const char *key) {
  sqlite3_stmt *st = NULL;
  int64_t v = -1;
  if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?1", -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return v;
}

/* Reads doc_stats into per-row arrays. */
static int load_rows(rt_bm25 *b, sqlite3 *db, char *err, size_t errlen) {
  int64_t n_docs = meta_int(db, "n_docs"), n_tokens = meta_int(db, "n_tokens");
  sqlite3_stmt *st = NULL;
  int rc = -1;
  if (sqlite3_prepare_v2(db, "SELECT n, data FROM doc_stats WHERE id=1", -1, &st, NULL) !=
          SQLITE_OK ||
      sqlite3_step(st) != SQLITE_ROW) {
    snprintf(err, errlen, "the database has no BM25 statistics: re-index it");
    goto done;
  }
  int64_t n = sqlite3_column_int64(st, 0);
  const unsigned char *p = sqlite3_column_blob(st, 1);
  if (n <= 0 || n > UINT32_MAX || n_docs <= 0 || n_tokens <= 0 || !p ||
      sqlite3_column_bytes(st, 1) != n * IX_DOC_STATS_BYTES) {
    snprintf(err, errlen, "the database's BM25 statistics are damaged: re-index it");
    goto done;
  }
  b->n_rows = (uint32_t)n;
  b->n_docs = (double)n_docs;
  b->norm = malloc((size_t)n * sizeof *b->norm);
  b->version = malloc((size_t)n * sizeof *b->version);
  b->kind = malloc((size_t)n);
  b->seen = calloc((size_t)n, sizeof *b->seen);
  b->acc = calloc((size_t)n, sizeof *b->acc);
  b->touched = malloc((size_t)n * sizeof *b->touched);
  if (!b->norm || !b->version || !b->kind || !b->seen || !b->acc || !b->touched) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  double avgdl = (double)n_tokens / (double)n_docs;
  for (uint32_t i = 0; i < b->n_rows; i++, p += IX_DOC_STATS_BYTES) {
    double tokens = get_u32le(p);
    b->norm[i] = BM25_K1 * (1 - BM25_B + BM25_B * tokens / avgdl);
    b->version[i] = get_u32le(p + 4);
    b->kind[i] = p[8];
  }
  rc = 0;
done:
  sqlite3_finalize(st);
  return rc;
}

/* Reads the versions: which law each belongs to, its date, whether current. */
static int load_versions(rt_bm25 *b, sqlite3 *db, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  int rc = -1;
  int64_t max_id = 0, count = 0;
  if (sqlite3_prepare_v2(db, "SELECT max(id), count(*) FROM versions", -1, &st, NULL) !=
          SQLITE_OK ||
      sqlite3_step(st) != SQLITE_ROW)
    goto sql_error;
  max_id = sqlite3_column_int64(st, 0);
  count = sqlite3_column_int64(st, 1);
  sqlite3_finalize(st);
  st = NULL;
  b->n_versions = (size_t)max_id + 1;
  b->versions = calloc(b->n_versions, sizeof *b->versions);
  b->allowed = calloc(b->n_versions, sizeof *b->allowed);
  b->by_law = malloc(((size_t)count + 1) * sizeof *b->by_law);
  if (!b->versions || !b->allowed || !b->by_law) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (sqlite3_prepare_v2(db,
                         "SELECT v.id, v.law_id, v.version_date, v.is_current, l.expired"
                         " FROM versions v JOIN laws l ON l.id=v.law_id"
                         " ORDER BY v.law_id, v.version_date, v.id",
                         -1, &st, NULL) != SQLITE_OK)
    goto sql_error;
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW && b->n_by_law < (size_t)count) {
    int64_t id = sqlite3_column_int64(st, 0);
    if (id <= 0 || id > max_id) continue;
    version *v = &b->versions[id];
    v->law = sqlite3_column_int64(st, 1);
    const char *date = (const char *)sqlite3_column_text(st, 2);
    snprintf(v->date, sizeof v->date, "%s", date ? date : "");
    v->current = sqlite3_column_int(st, 3) != 0;
    v->expired = sqlite3_column_int(st, 4) != 0;
    b->by_law[b->n_by_law++] = (uint32_t)id;
  }
  if (step != SQLITE_DONE && step != SQLITE_ROW) goto sql_error; /* a read that failed half-way */
  rc = 0;
  goto done;
sql_error:
  snprintf(err, errlen, "reading versions: %s", sqlite3_errmsg(db));
done:
  sqlite3_finalize(st);
  return rc;
}

rt_bm25 *rt_bm25_open(sqlite3 *db, char *err, size_t errlen) {
  rt_bm25 *b = calloc(1, sizeof *b);
  if (!b) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  if (load_rows(b, db, err, errlen) || load_versions(b, db, err, errlen)) goto fail;
  for (uint32_t i = 0; i < b->n_rows; i++)
    if (b->version[i] >= b->n_versions) b->version[i] = 0; /* a row of no version: never shown */
  if (sqlite3_prepare_v3(db, "SELECT data FROM postings WHERE term=?1", -1,
                         SQLITE_PREPARE_PERSISTENT, &b->get, NULL) != SQLITE_OK ||
      sqlite3_prepare_v3(db, "SELECT df FROM postings WHERE term=?1", -1, SQLITE_PREPARE_PERSISTENT,
                         &b->df, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "reading postings: %s", sqlite3_errmsg(db));
    goto fail;
  }
  return b;
fail:
  rt_bm25_close(b);
  return NULL;
}

void rt_bm25_close(rt_bm25 *b) {
  if (!b) return;
  sqlite3_finalize(b->get);
  sqlite3_finalize(b->df);
  free(b->norm);
  free(b->version);
  free(b->kind);
  free(b->seen);
  free(b->versions);
  free(b->by_law);
  free(b->allowed);
  free(b->acc);
  free(b->touched);
  free(b);
}

/* Marks the versions a search may return: current ones of laws that have
 * not expired, or per law the one in force on as_of (the latest dated on
 * or before it: an expired law's repeal date is unknown, so it stays in
 * dated searches); of one law only when law >= 0. */
static void allow_versions(rt_bm25 *b, const char *as_of, int64_t law) {
  memset(b->allowed, 0, b->n_versions * sizeof *b->allowed);
  for (size_t i = 0; i < b->n_by_law; i++) {
    uint32_t id = b->by_law[i];
    const version *v = &b->versions[id];
    if (law >= 0 && v->law != law) continue;
    if (!as_of) {
      b->allowed[id] = v->current && !v->expired;
      continue;
    }
    /* by_law is sorted by date within a law: the last one on or before
     * as_of is the one that applies */
    bool last_of_law = i + 1 == b->n_by_law || b->versions[b->by_law[i + 1]].law != v->law;
    bool next_too_late = last_of_law || strcmp(b->versions[b->by_law[i + 1]].date, as_of) > 0;
    b->allowed[id] = strcmp(v->date, as_of) <= 0 && next_too_late;
  }
}

static const unsigned char *get_varint(const unsigned char *p, const unsigned char *end,
                                       uint64_t *v) {
  uint64_t x = 0;
  for (int shift = 0; p < end && shift < 64; shift += 7) {
    unsigned char c = *p++;
    x |= (uint64_t)(c & 0x7F) << shift;
    if (!(c & 0x80)) {
      *v = x;
      return p;
    }
  }
  return NULL;
}

/* Adds one term's contribution to every row that has it. */
static int add_term(rt_bm25 *b, const rt_term *t, const double colw[3]) {
  sqlite3_bind_text(b->get, 1, t->tok, t->len, SQLITE_STATIC);
  int rc = 0;
  if (sqlite3_step(b->get) != SQLITE_ROW) goto done; /* not in the index */
  const unsigned char *p = sqlite3_column_blob(b->get, 0);
  if (!p) { /* an empty list: no row has the term, so the file is damaged */
    rc = -1;
    goto done;
  }
  const unsigned char *end = p + sqlite3_column_bytes(b->get, 0);
  double df = (double)t->df;
  double idf = log((b->n_docs - df + 0.5) / (df + 0.5));
  if (idf <= 0.0) idf = 1e-6;
  idf *= t->weight;
  uint64_t row = 0;
  while (p && p < end) {
    uint64_t delta, head, title = 0, path = 0;
    if (!(p = get_varint(p, end, &delta)) || !(p = get_varint(p, end, &head))) break;
    if ((head & 2) && !(p = get_varint(p, end, &title))) break;
    if ((head & 1) && !(p = get_varint(p, end, &path))) break;
    row += delta;
    if (row >= b->n_rows) {
      p = NULL;
      break;
    }
    double f = colw[0] * (double)title + colw[1] * (double)path + colw[2] * (double)(head >> 2);
    if (!b->seen[row]) {
      b->seen[row] = true;
      b->touched[b->n_touched++] = (uint32_t)row;
    }
    b->acc[row] += idf * ((f * (BM25_K1 + 1.0)) / (f + b->norm[row]));
  }
  if (!p) rc = -1;
done:
  sqlite3_reset(b->get);
  return rc;
}

typedef struct {
  double score;
  uint32_t row;
  bool preferred; /* holds the query's quoted phrases */
} scored;

/* a is worse than b: not preferred when b is, a lower score, or the same
 * score and a later id */
static bool worse(const scored *a, const scored *b) {
  if (a->preferred != b->preferred) return b->preferred;
  return a->score < b->score || (a->score == b->score && a->row > b->row);
}

/* Min-heap of the best rows seen: heap[0] is the worst of them. */
static void sift_down(scored *h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && worse(&h[l], &h[m])) m = l;
    if (r < n && worse(&h[r], &h[m])) m = r;
    if (m == i) return;
    scored tmp = h[i];
    h[i] = h[m];
    h[m] = tmp;
    i = m;
  }
}

static void sift_up(scored *h, size_t i) {
  while (i && worse(&h[i], &h[(i - 1) / 2])) {
    scored tmp = h[i];
    h[i] = h[(i - 1) / 2];
    h[(i - 1) / 2] = tmp;
    i = (i - 1) / 2;
  }
}

static int by_score(const void *a, const void *b) {
  return worse(a, b) ? 1 : worse(b, a) ? -1 : 0;
}

static bool kind_ok(const rt_bm25_filter *f, uint8_t kind) {
  if (f->only_cases) return kind == RT_CASE;
  if (f->no_cases) return kind != RT_CASE;
  return true;
}

/* The prior's addition for the row's law (expand_prior.c), 0 without one. */
static double law_bonus(const rt_bm25 *b, const rt_bm25_filter *f, uint32_t row) {
  int64_t law = b->versions[b->version[row]].law;
  return f->law_bonus && law >= 0 && (size_t)law < f->n_law_bonus ? f->law_bonus[law] : 0.0;
}

/* Keeps the depth best rows that pass the filter, best first. */
static size_t select_best(rt_bm25 *b, const rt_bm25_filter *f, scored *best, size_t depth) {
  size_t n = 0;
  for (size_t i = 0; i < b->n_touched; i++) {
    uint32_t row = b->touched[i];
    scored x = {b->acc[row] + law_bonus(b, f, row), row, f->prefer && f->prefer[row]};
    /* an unused id has version 0, which no filter allows */
    if (!b->allowed[b->version[row]] || !kind_ok(f, b->kind[row])) continue;
    if (n < depth) {
      best[n] = x;
      sift_up(best, n++);
    } else if (worse(&best[0], &x)) {
      best[0] = x;
      sift_down(best, n, 0);
    }
  }
  if (!f->unsorted) qsort(best, n, sizeof *best, by_score);
  return n;
}

void rt_bm25_filter_set(rt_bm25 *b, const rt_bm25_filter *f) {
  allow_versions(b, f->as_of, f->law_id);
}

size_t rt_bm25_rows(const rt_bm25 *b) {
  return b->n_rows;
}

double rt_bm25_docs(const rt_bm25 *b) {
  return b->n_docs;
}

int64_t rt_bm25_df(rt_bm25 *b, const char *tok, int len) {
  sqlite3_bind_text(b->df, 1, tok, len, SQLITE_STATIC);
  int64_t df = sqlite3_step(b->df) == SQLITE_ROW ? sqlite3_column_int64(b->df, 0) : 0;
  sqlite3_reset(b->df);
  return df;
}

bool rt_bm25_keeps(const rt_bm25 *b, const rt_bm25_filter *f, int64_t id) {
  if (id <= 0 || id >= (int64_t)b->n_rows) return false;
  return b->allowed[b->version[id]] && kind_ok(f, b->kind[id]);
}

int rt_bm25_search(rt_bm25 *b, const rt_term *terms, int n_terms, const rt_bm25_filter *f,
                   int64_t *ids, double *scores, size_t depth, size_t *n_out, char *err,
                   size_t errlen) {
  *n_out = 0;
  const double colw[3] = {f->w_title, f->w_path, f->w_text};
  int rc = 0;
  for (int i = 0; i < n_terms && !rc; i++)
    rc = add_term(b, &terms[i], colw);
  scored *best = rc ? NULL : malloc((depth ? depth : 1) * sizeof *best);
  if (!rc && !best)
    snprintf(err, errlen, "out of memory");
  else if (rc)
    snprintf(err, errlen, "the database's postings are damaged: re-index it");
  if (best) {
    size_t n = select_best(b, f, best, depth);
    for (size_t i = 0; i < n; i++) {
      ids[i] = best[i].row;
      scores[i] = best[i].score;
    }
    *n_out = n;
  }
  for (size_t i = 0; i < b->n_touched; i++) {
    b->acc[b->touched[i]] = 0.0;
    b->seen[b->touched[i]] = false;
  }
  b->n_touched = 0;
  free(best);
  return best ? 0 : -1;
}
