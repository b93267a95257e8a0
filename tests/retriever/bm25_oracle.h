/* Checks the retriever's BM25 scorer (bm25.c, over the indexer's postings)
 * against FTS5's own bm25() on the same database: for a query and a
 * filter, both must return the same rows in the same order with the same
 * scores.  Used on a synthetic database and on the real corpus. */
#ifndef LAWQA_TESTS_BM25_ORACLE_H
#define LAWQA_TESTS_BM25_ORACLE_H

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "indexer.h"
#include "internal.h"

typedef struct {
  sqlite3 *db;
  rt_term t[64];
  int n;
} oracle_terms;

static int oracle_token(void *ctx, int flags, const char *tok, int len, int start, int end) {
  (void)flags;
  (void)start;
  (void)end;
  oracle_terms *ts = ctx;
  if (ts->n == 64) return 1;
  for (int i = 0; i < ts->n; i++)
    if (ts->t[i].len == len && !memcmp(ts->t[i].tok, tok, (size_t)len)) return 0;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(ts->db, "SELECT df FROM postings WHERE term=?1", -1, &st, NULL)) return -1;
  sqlite3_bind_text(st, 1, tok, len, SQLITE_STATIC);
  int64_t df = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (!df) return 0; /* FTS5 matches nothing for it either */
  char *copy = malloc((size_t)len);
  memcpy(copy, tok, (size_t)len);
  ts->t[ts->n++] = (rt_term){copy, len, df, 1.0};
  return 0;
}

/* "t1" OR "t2" … for FTS5, in the terms' order */
static void oracle_match(const oracle_terms *ts, char *out, size_t cap) {
  size_t n = 0;
  out[0] = '\0';
  for (int i = 0; i < ts->n && n + (size_t)ts->t[i].len + 8 < cap; i++)
    n += (size_t)snprintf(out + n, cap - n, "%s\"%.*s\"", i ? " OR " : "", ts->t[i].len,
                          ts->t[i].tok);
}

static double oracle_tol(double s) {
  return 1e-9 * fabs(s) + 1e-12;
}

/* id is in the postings' list with score s: rows with equal scores (up to
 * rounding in the last bits) may come in either order. */
static int oracle_tied(const int64_t *ids, const double *scores, size_t n, int64_t id, double s) {
  for (size_t j = 0; j < n; j++)
    if (ids[j] == id) return fabs(scores[j] - s) <= oracle_tol(s);
  return 0;
}

/* Compares both scorers on query under filter f (as_of, law_id, kinds,
 * column weights); returns the number of rows compared, or -1 after
 * printing the first difference. */
static int oracle_compare(sqlite3 *db, rt_bm25 *b, const char *query, const rt_bm25_filter *f) {
  oracle_terms ts = {.db = db};
  ix_tokenize(query, (int)strlen(query), 1, oracle_token, &ts);
  enum { DEPTH = 2000 };
  static int64_t ids[DEPTH];
  static double scores[DEPTH];
  size_t n = 0;
  char err[256];
  int rc = -1;
  rt_bm25_filter_set(b, f);
  if (rt_bm25_search(b, ts.t, ts.n, f, ids, scores, DEPTH, &n, err, sizeof err)) {
    fprintf(stderr, "rt_bm25_search: %s\n", err);
    goto done;
  }
  char match[4096], sql[1024];
  oracle_match(&ts, match, sizeof match);
  snprintf(sql, sizeof sql,
           "SELECT a.id, -bm25(articles_fts, %g, %g, %g) AS s FROM articles_fts"
           " JOIN articles a ON a.id=articles_fts.rowid JOIN versions v ON v.id=a.version_id"
           " JOIN laws l ON l.id=v.law_id"
           " WHERE articles_fts MATCH ?1 AND %s AND (?2 < 0 OR v.law_id=?2)%s"
           " ORDER BY s DESC, a.id LIMIT %d",
           f->w_title, f->w_path, f->w_text,
           f->as_of ? "v.id=(SELECT v2.id FROM versions v2 WHERE v2.law_id=v.law_id"
                      " AND v2.version_date<=?3 ORDER BY v2.version_date DESC, v2.id DESC"
                      " LIMIT 1)"
                    : "v.is_current AND NOT l.expired",
           f->only_cases ? " AND a.kind=2"
           : f->no_cases ? " AND a.kind<>2"
                         : "",
           DEPTH);
  sqlite3_stmt *st = NULL;
  if (!ts.n) {
    rc = n == 0 ? 0 : -1;
    goto done;
  }
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "oracle: %s\n", sqlite3_errmsg(db));
    goto done;
  }
  sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, f->law_id);
  if (f->as_of) sqlite3_bind_text(st, 3, f->as_of, -1, SQLITE_STATIC);
  size_t i = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    double s = sqlite3_column_double(st, 1);
    if (i >= n || fabs(scores[i] - s) > oracle_tol(s) || !oracle_tied(ids, scores, n, id, s)) {
      fprintf(stderr, "query '%s' row %zu: FTS5 id %lld score %.12g, postings %s %lld %.12g\n",
              query, i, (long long)id, s, i < n ? "id" : "(none)", (long long)(i < n ? ids[i] : 0),
              i < n ? scores[i] : 0.0);
      sqlite3_finalize(st);
      goto done;
    }
    i++;
  }
  sqlite3_finalize(st);
  if (i != n) {
    fprintf(stderr, "query '%s': FTS5 %zu rows, postings %zu\n", query, i, n);
    goto done;
  }
  rc = (int)n;
done:
  for (int k = 0; k < ts.n; k++)
    free(ts.t[k].tok);
  return rc;
}

#endif
