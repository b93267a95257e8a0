/* Word-pair reranking of the BM25 arm.  Private to the retriever.
 *
 * A layperson writes 老公 出轨, the article says 配偶 重婚: BM25 scores words
 * the two share, and the thesaurus (expand.h) only knows the pairs someone
 * wrote down.  The reranker knows pairs learned from questions and the
 * articles that answer them (bench/train_rerank.py): a weight for each pair
 * of a question bigram q and an article bigram w.  Each of the BM25 arm's
 * candidates gets
 *
 *   score / best score + lambda * sum of weight(q, w) / distinct(w) ^ power
 *
 * summed over the query's distinct bigrams q (filler words blanked) and
 * the distinct bigrams w of the article's law title, hierarchy path and
 * text.  Questions often need a few articles that stand together (离婚 and
 * the division of property after it), so each candidate then gets
 * neighbour times the best of those scores among the candidates of its
 * law's version numbered within RT_NEIGHBOUR_WINDOW of it.  The arm is
 * re-sorted by the sum.  Rows that hold the query's quoted phrases stay
 * ahead of the rest.
 *
 * The same model file also weighs the BM25 arm's query terms before the
 * candidates are found: a question bigram that the training questions'
 * gold articles hold more often than the articles BM25 wrongly ranked high
 * for them counts more (虚构, 告知, 撤销), one they seldom hold counts less
 * (区分 in 如何区分…和…, 案件).  The reranker can only
 * re-sort the 500 rows BM25 found; the term weights change which rows
 * those are.
 *
 * The model is compiled in (data/rerank.tsv, turned into rerank_data.c by
 * tools/rerank_gen.c at build time); a file named DB.rerank next to the
 * database replaces it (cross-validation writes one per fold), and an
 * empty one turns reranking and term weights off. */
#ifndef LAWQA_RT_RERANK_H
#define LAWQA_RT_RERANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RT_NEIGHBOUR_WINDOW 2 /* articles either side that count as neighbours */

/* A bigram is coded as first code point << 16 | second; both are CJK
 * ideographs of the Basic Multilingual Plane. */
typedef struct {
  uint32_t q, w; /* question bigram, article bigram */
  float weight;
} rt_pair;

/* A question bigram's weight in the BM25 arm: its idf is multiplied by it. */
typedef struct {
  uint32_t q;
  float weight; /* > 0 */
} rt_term_weight;

typedef struct {
  rt_pair *pairs; /* sorted by (q, w), no duplicates */
  size_t n;
  rt_term_weight *terms; /* sorted by q, no duplicates */
  size_t n_terms;
  double lambda, power;
  double neighbour; /* 0 when the file does not set it */
} rt_pair_model;

/* rerank_data.c, generated from data/rerank.tsv. */
extern const rt_pair rt_rerank_pairs[];
extern const size_t rt_rerank_pairs_len;
extern const rt_term_weight rt_rerank_terms[];
extern const size_t rt_rerank_terms_len;
extern const double rt_rerank_lambda, rt_rerank_power, rt_rerank_neighbour;

/* rerank_parse.c: reads the lines of a model file ("lambda<TAB>x",
 * "power<TAB>x", "neighbour<TAB>x", "term<TAB>q<TAB>weight", "q<TAB>w<TAB>weight", #
 * comments) into *m, sorted.  A file without pairs gives m->n 0, without
 * terms m->n_terms 0.  Returns 0, or -1 with a message naming the line in
 * err.  Free m->pairs and m->terms. */
int rt_pair_model_read(FILE *f, const char *name, rt_pair_model *m, char *err, size_t errlen);

/* rerank_parse.c: the code point of the CJK ideograph (U+4E00..U+9FFF,
 * 3-byte UTF-8) at s, or 0 when there is none; *n gets the bytes to skip
 * either way.  s < end. */
uint32_t rt_ideograph_at(const unsigned char *s, const unsigned char *end, size_t *n);

/* The distinct bigrams of CJK ideographs in text[0..len), sorted, into out
 * (at most cap); returns how many.  Other characters and invalid UTF-8
 * break a run of ideographs. */
size_t rt_bigram_codes(const char *text, size_t len, uint32_t *out, size_t cap);

struct sqlite3;
typedef struct rt_rerank rt_rerank;

/* The model for the database at db_path, whose article ids are below n_ids:
 * DB.rerank when that file exists, else the compiled-in one.  *out is NULL
 * when the model has neither pairs (with lambda != 0) nor term weights.
 * Returns 0, or -1 with a message in err (a malformed DB.rerank, out of
 * memory). */
int rt_rerank_open(struct sqlite3 *db, const char *db_path, size_t n_ids, rt_rerank **out,
                   char *err, size_t errlen);
/* Sorts the n ids and their BM25 scores in place by the words of bare, the
 * query with its filler words blanked (rt_expand_query gives it); prefer,
 * when not NULL, marks (by id) the rows to keep ahead.  They may come in
 * any order: ties go by BM25 score, then by id, as BM25 ranks them; with
 * a model that does not reorder, by those alone.  Returns 0 or -1 with
 * err. */
int rt_rerank_apply(rt_rerank *r, const char *bare, int64_t *ids, double *scores, size_t n,
                    const bool *prefer, char *err, size_t errlen);
/* Whether rt_rerank_apply re-sorts anything: the model has pairs. */
bool rt_rerank_reorders(const rt_rerank *r);
/* The weight of a BM25 query term (tok[0..len), not NUL-terminated): the
 * model's for a bigram it lists, else 1.  r may be NULL. */
double rt_rerank_term_weight(const rt_rerank *r, const char *tok, size_t len);
void rt_rerank_close(rt_rerank *r);

#endif
