/* retriever — answers a query with ranked statute articles and cases from a
 * lawqa database: explicit citations, BM25 (FTS5's formula over the
 * indexer's postings; FTS5 itself for quoted phrases), dense vectors
 * (when the database has them), fused; filtered by law and by date.
 * Without a date, searches cover the law in force: current versions of
 * laws that have not expired.
 *
 * A handle is used by one thread at a time; open one per worker thread. */
#ifndef LAWQA_RETRIEVER_H
#define LAWQA_RETRIEVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rt_handle rt_handle;

rt_handle *rt_open(const char *db_path, char *err, size_t errlen);
/* A date as the retriever takes it: YYYY-MM-DD with a month and day that
 * can exist.  Callers that must reject a bad date before searching (a whole
 * evaluation run) check it with this. */
bool rt_valid_date(const char *s);
/* Process-wide set-up, optional: call once while the process has a single
 * thread, before any handle is opened.  It turns off SQLite's global memory
 * statistics, whose one lock every allocation takes: two search threads
 * spent a third of their time waiting on it.  Returns 0, or -1 when SQLite
 * had already started (nothing changes then). */
int rt_init(void);
/* Same, embedding queries with model_path instead of the model recorded in
 * the database (it must be the same model; NULL = the recorded one). */
rt_handle *rt_open_model(const char *db_path, const char *model_path, char *err,
                         size_t errlen);
void rt_close(rt_handle *h);

/* Enables the dense arm with the GGUF model at model_path instead of the
 * one recorded in the database (which rt_open tries on its own).  The model
 * must be the one that embedded the vectors.  Returns 0, or -1 with a
 * reason (no vectors, stale file, different model); the handle then stays
 * as it was.  Implemented in dense.c. */
int rt_attach_model(rt_handle *h, const char *model_path, char *err, size_t errlen);

typedef enum { RT_ARTICLE = 0, RT_SECTION = 1, RT_CASE = 2, RT_PREAMBLE = 3 } rt_kind;

typedef struct {
  int64_t id;           /* article row id, stable within a database */
  rt_kind kind;
  char *law_title;      /* 中华人民共和国刑法 */
  char *law_short;      /* 刑法 */
  char *category;       /* 刑法, 司法解释 … */
  char *version_date;   /* date of the version this text belongs to */
  char *repealed_on;    /* "" when in force / unknown */
  bool expired;         /* the law is no longer in force, date unknown (the
                         * corpus's metadata says so; see indexer.h) */
  bool in_force;        /* in force at the query's as_of (today if none) */
  int number, suffix;
  char *label;          /* 第二百六十四条 */
  char *path;           /* hierarchy */
  char *text;
  double score;         /* fused score, higher is better */
  double score_citation, score_bm25, score_dense; /* 0 when the arm missed */
  int rank_citation, rank_bm25, rank_dense;       /* 1-based, 0 when missed; the BM25
                                                   * arm's rank is the word-pair
                                                   * reranker's order (rerank.h) */
} rt_hit;

/* How the arms are weighted.  Fusion is weighted reciprocal rank:
 * score = sum over arms of w_arm / (rrf_k + rank_arm).  The defaults
 * (rt_default_weights) put explicit citations first: w_citation 10,
 * w_bm25 1, w_dense 1, rrf_k 60; BM25 column weights title 1, hierarchy
 * path 1, text 1 (title 0 or 0.3 measured worse on LeCoQA). */
typedef struct {
  double w_citation, w_bm25, w_dense;
  double rrf_k;
  double bm25_title, bm25_path, bm25_text;
  int depth;            /* candidates each arm contributes (default max(k, 100)) */
  /* BM25 query terms: the max_terms rarest of the query's terms whose
   * document frequency is at most max_df of all rows (the rarest two are
   * kept even when all are more common).  Defaults 48 and 0.3. */
  int max_terms;
  double max_df;
} rt_weights;

void rt_default_weights(rt_weights *w);
/* Sets the weights a handle uses when a query does not give its own. */
void rt_set_weights(rt_handle *h, const rt_weights *w);

typedef struct {
  int k;                /* hits wanted (default 10) */
  const char *law;      /* restrict to this law (any name form), or NULL */
  const char *as_of;    /* YYYY-MM-DD: versions in force then, or NULL = current */
  bool no_cases;        /* exclude case documents */
  bool only_cases;
  const rt_weights *weights; /* NULL: the handle's (rt_set_weights / defaults) */
} rt_query;

typedef struct {
  rt_hit *hits;
  size_t n;
  bool dense_used;      /* false when the database has no vectors */
  char *note;           /* why an arm was skipped, or NULL */
} rt_result;

/* The text the BM25 arm takes a query's terms from: the statute terms of
 * the colloquial phrases found in it (data/thesaurus.tsv; a phrase inside a
 * longer phrase that matched is not counted, a term the query already
 * holds is not repeated), then the query with its filler words
 * (data/fillers.txt) blanked.  The terms come first because the BM25 arm
 * keeps only a query's first few dozen tokens; fillers are blanked after
 * the phrases were looked up, so 怎么办 in a phrase still counts.  Returns a
 * malloc'd string (a copy of query when nothing matched), NULL when out of
 * memory.  *query_at, when not NULL, gets the offset where the query
 * itself, its fillers blanked, begins in it: the word-pair reranker reads
 * that part.  Public so that the learned model is trained on exactly the
 * words a search uses (lawqa eval --dump). */
char *rt_expand_query(const char *query, size_t *query_at);

/* Ranks articles for a query.  Articles that hold the parts of the query
 * in quotes ("…", “…”, 「…」, 『…』) as written rank first among the BM25
 * hits; when no article holds them, the note says so.  Returns 0, or -1
 * with a message (empty query, unknown law, bad date …). */
int rt_search(rt_handle *h, const char *query, const rt_query *q, rt_result *out, char *err,
              size_t errlen);
void rt_result_free(rt_result *r);

/* One article by law (any name form) and number ("264", "二百六十四",
 * "133之一", "第133条之一").  Returns 0, 1 when not found (err says whether
 * the law or the article is unknown), -1 on error. */
int rt_get_article(rt_handle *h, const char *law, const char *number, const char *as_of,
                   rt_hit *out, char *err, size_t errlen);
void rt_hit_clear(rt_hit *hit);

/* Resolves a law name as a user writes it to its full title (malloc'd), or
 * NULL when unknown. */
char *rt_resolve_law(rt_handle *h, const char *name);

typedef struct {
  char *title, *short_title, *category;
  char *version_date, *first_date, *repealed_on;
  size_t n_articles;
  bool expired; /* the law is no longer in force, date unknown (rt_hit.expired) */
} rt_law_version;

/* Laws (their current versions), or every version of one law. */
int rt_list_laws(rt_handle *h, rt_law_version **out, size_t *n, char *err, size_t errlen);
int rt_law_versions(rt_handle *h, const char *law, rt_law_version **out, size_t *n, char *err,
                    size_t errlen);
void rt_law_versions_free(rt_law_version *v, size_t n);

/* A case document's sections by case id (the rt_hit.id of any of them). */
int rt_get_case(rt_handle *h, int64_t id, rt_hit **sections, size_t *n, char *err,
                size_t errlen);
void rt_hits_free(rt_hit *hits, size_t n);

/* Every unit (article, section, preamble) of a law's version in force on
 * as_of (NULL = current), in document order.  Returns 0, 1 when the law or
 * a version of it is unknown (err says which), -1 on error. */
int rt_law_units(rt_handle *h, const char *law, const char *as_of, rt_hit **units, size_t *n,
                 char *err, size_t errlen);

/* Verifies a citation found in generated text: resolves the law (or uses
 * enclosing_law for 本法), checks the article exists and is in force at
 * as_of.  Fills out (when found) and returns 0 found, 1 not found, -1 error. */
int rt_check_citation(rt_handle *h, const char *law, const char *enclosing_law, int article,
                      int suffix, const char *as_of, rt_hit *out, char *err, size_t errlen);

#endif
