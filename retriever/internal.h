/* Private to the retriever: the handle and helpers shared by its files. */
#ifndef LAWQA_RETRIEVER_INTERNAL_H
#define LAWQA_RETRIEVER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "retriever.h"

struct rt_dense;
typedef struct rt_bm25 rt_bm25;

struct rt_handle {
  sqlite3 *db;
  char *db_path;
  struct rt_dense *dense; /* NULL when the database has no vectors */
  char *dense_note;       /* why dense is off, or NULL */
  rt_weights weights;
  rt_bm25 *bm25;                          /* bm25.c: the BM25 arm's scorer */
  sqlite3_stmt *fill;                     /* one hit's columns by article id */
  sqlite3_stmt *version_on, *version_now; /* rt_version_at's two forms */
  /* expand_prior.c's law-category prior, loaded on the first search and
   * kept for the handle's life: reading DB.priors and preparing its
   * statement per search was repeated I/O on the hot path. */
  struct rt_prior *prior;
  bool prior_loaded;
  /* rerank.c's word-pair model, loaded on the first search likewise;
   * NULL when reranking is off. */
  struct rt_rerank *rerank;
  bool rerank_loaded;
};

/* law.c: a law id by any name form, -1 when unknown. */
int64_t rt_law_id(rt_handle *h, const char *name, size_t len);
/* The longest suffix of text[0..len) that names a law (citations written
 * without 《》: "我想问刑法" names 刑法). */
int64_t rt_law_id_suffix(rt_handle *h, const char *text, size_t len);

/* buf.c: a growing NUL-terminated string (p is NULL until the first put).
 * After a failed allocation every put fails and oom stays set. */
typedef struct {
  char *p;
  size_t len, cap;
  bool oom;
} rt_buf;
bool rt_buf_put(rt_buf *b, const char *s, size_t n);

/* date.c (rt_valid_date is public: retriever.h) */
void rt_today(char out[11]);

/* hit.c: a text column as a malloc'd string ("" for NULL). */
char *rt_col_dup(sqlite3_stmt *st, int i);

/* hit.c: fills a hit from an article id, in_force judged at date
 * (YYYY-MM-DD).  Returns 0, 1 when the id does not exist, -1 on error. */
int rt_fill_hit(rt_handle *h, int64_t id, const char *date, rt_hit *out, char *err, size_t errlen);
/* The id of the version of law_id that applies on date (NULL = current),
 * or -1 when the law had no version yet. */
int64_t rt_version_at(rt_handle *h, int64_t law_id, const char *date);
/* An article of a version by number and suffix: its id or -1. */
int64_t rt_article_id(rt_handle *h, int64_t version_id, int number, int suffix);

/* match.c: the terms a query is scored by.  The text is split by the
 * index's own tokenizer (query mode); of its tokens that are in the index,
 * the max_terms rarest with a document frequency of at most max_df of all
 * rows are kept (the rarest two always), rarest first, each weighted by
 * the learned model (h->rerank, loaded first; rerank.h). */
#define RT_MAX_TOKENS 256 /* distinct tokens looked at; the rest of a huge query is ignored */
typedef struct {
  char *tok; /* not NUL-terminated */
  int len;
  int64_t df;
  double weight; /* the idf is multiplied by it: rt_rerank_term_weight */
} rt_term;
typedef struct {
  rt_term t[RT_MAX_TOKENS];
  int n;
} rt_terms;
/* Returns 0, or -1 when out of memory.  out->n is 0 when no token of the
 * query is in the index.  Free with rt_terms_free. */
int rt_query_terms(rt_handle *h, const char *query, const rt_weights *w, rt_terms *out);
void rt_terms_free(rt_terms *t);

/* bm25.c: FTS5's bm25() over the indexer's postings (indexer.h). */
rt_bm25 *rt_bm25_open(sqlite3 *db, char *err, size_t errlen);
void rt_bm25_close(rt_bm25 *b);
typedef struct {
  const char *as_of; /* versions in force then; NULL = current versions */
  int64_t law_id;    /* -1: every law */
  bool no_cases, only_cases;
  double w_title, w_path, w_text; /* column weights, as bm25()'s arguments */
  /* per row: holds the query's quoted phrases (ranked first by
   * rt_bm25_search); NULL = no phrase */
  const bool *prefer;
  /* added to the score of a row of law i (laws.id) when i < n_law_bonus:
   * the law prior (expand.h); NULL = none */
  const double *law_bonus;
  size_t n_law_bonus;
  /* the depth best come back in no particular order: the caller re-sorts
   * them all (the reranker), and a sort of 500 rows is a tenth of a search */
  bool unsorted;
} rt_bm25_filter;
/* Rows (article ids 0 .. n-1) the scorer knows; rows of the FTS table
 * (every version: BM25's N); a term's document frequency (0 = unknown). */
size_t rt_bm25_rows(const rt_bm25 *b);
double rt_bm25_docs(const rt_bm25 *b);
int64_t rt_bm25_df(rt_bm25 *b, const char *tok, int len);
/* Sets the filter's allowed versions; rt_bm25_keeps and rt_bm25_search
 * then use it.  Without as_of: current versions of laws not expired. */
void rt_bm25_filter_set(rt_bm25 *b, const rt_bm25_filter *f);
bool rt_bm25_keeps(const rt_bm25 *b, const rt_bm25_filter *f, int64_t id);
/* Scores the rows that have any of the terms (in this order, as FTS5 adds
 * phrases) and returns the depth best that pass the filter (set first with
 * rt_bm25_filter_set), best first (preferred rows before the others),
 * ties by id, unless the filter says unsorted: ids[] and scores[] hold
 * depth entries.  Returns 0, or -1 with
 * a message. */
int rt_bm25_search(rt_bm25 *b, const rt_term *terms, int n_terms, const rt_bm25_filter *f,
                   int64_t *ids, double *scores, size_t depth, size_t *n_out, char *err,
                   size_t errlen);

/* phrase.c: the FTS5 expression that the query's quoted phrases ("…",
 * “…”, 「…」, 『…』) make, or *expr = NULL when it quotes nothing.  Returns
 * -1 when out of memory. */
int rt_phrase_expr(const char *query, char **expr);
/* Marks in rows[] (n_rows entries) the articles that match expr. */
int rt_phrase_rows(rt_handle *h, const char *expr, bool *rows, size_t n_rows, size_t *n_found,
                   char *err, size_t errlen);

#endif
