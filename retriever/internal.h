/* Private to the retriever: the handle and helpers shared by its files. */
#ifndef LAWQA_RETRIEVER_INTERNAL_H
#define LAWQA_RETRIEVER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "retriever.h"

struct rt_dense;

/* BM25 statement variants: as_of given, law given, kind filter (3). */
#define RT_BM25_VARIANTS 12

struct rt_handle {
  sqlite3 *db;
  char *db_path;
  struct rt_dense *dense; /* NULL when the database has no vectors */
  char *dense_note;       /* why dense is off, or NULL */
  rt_weights weights;
  sqlite3_stmt *bm25[RT_BM25_VARIANTS];
  sqlite3_stmt *fill;    /* one hit's columns by article id */
  sqlite3_stmt *version_on, *version_now; /* rt_version_at's two forms */
  sqlite3_stmt *df;      /* a term's document frequency */
  int64_t n_docs;        /* rows in the FTS table */
  /* expand_prior.c's law-category prior, loaded on the first search and
   * kept for the handle's life: reading DB.priors and preparing its
   * statement per search was repeated I/O on the hot path. */
  struct rt_prior *prior;
  bool prior_loaded;
};

/* law.c: a law id by any name form, -1 when unknown. */
int64_t rt_law_id(rt_handle *h, const char *name, size_t len);
/* The longest suffix of text[0..len) that names a law (citations written
 * without 《》: "我想问刑法" names 刑法). */
int64_t rt_law_id_suffix(rt_handle *h, const char *text, size_t len);

/* date.c */
bool rt_valid_date(const char *s);
void rt_today(char out[11]);

/* hit.c: a text column as a malloc'd string ("" for NULL). */
char *rt_col_dup(sqlite3_stmt *st, int i);

/* hit.c: fills a hit from an article id, in_force judged at date
 * (YYYY-MM-DD).  Returns 0, 1 when the id does not exist, -1 on error. */
int rt_fill_hit(rt_handle *h, int64_t id, const char *date, rt_hit *out, char *err,
                size_t errlen);
/* The id of the version of law_id that applies on date (NULL = current),
 * or -1 when the law had no version yet. */
int64_t rt_version_at(rt_handle *h, int64_t law_id, const char *date);
/* An article of a version by number and suffix: its id or -1. */
int64_t rt_article_id(rt_handle *h, int64_t version_id, int number, int suffix);

/* match.c: a safe FTS5 MATCH expression for any user text (the rarest of
 * the query's tokens, each quoted, OR-ed), or NULL when the text has no
 * token that is in the index.  *oom is set when allocation failed. */
char *rt_match_expr(rt_handle *h, const char *query, const rt_weights *w, int *oom);

#endif
