/* Query expansion: the words statutes use for what a layperson writes
 * (偷 -> 盗窃, 老公 -> 配偶, 被辞退 -> 解除劳动合同).  Private to the
 * retriever; used by rt_search for its BM25 arm. */
#ifndef LAWQA_RT_EXPAND_H
#define LAWQA_RT_EXPAND_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *phrase; /* as people write it */
  const char *terms;  /* statute words, separated by spaces */
} rt_synonym;

/* expand_data.c, generated from data/thesaurus.tsv; longest phrase first. */
extern const rt_synonym rt_thesaurus[];
extern const size_t rt_thesaurus_len;

/* expand_data.c, from data/fillers.txt: words blanked out of the BM25
 * query ("请问", "怎么办"); longest first. */
extern const char *const rt_fillers[];
extern const size_t rt_fillers_len;

/* rt_expand_query (expand.c) is public: retriever.h. */

#endif

/* ---- Priors (expand_prior.c) --------------------------------------------
 * A layperson's question is far more often answered by the Civil Code or a
 * national law than by one of the thousands of administrative regulations
 * that share its words.  BM25 cannot know that; a prior per law category
 * can.  Every row the BM25 arm scores gets beta * ln(weight) added, where
 * weight is its law's own (for the laws listed) or its category's, relative
 * to the Civil Code's (1).  Explicit citations are not touched.
 *
 * The weights are compiled in (data/priors.tsv, via expand_data.c); a file
 * named DB.priors next to the database (same lines: "category<TAB>weight",
 * "beta<TAB>x", "default<TAB>w") replaces them, for experiments and for
 * cross-validation. */

typedef struct {
  const char *category; /* 民法典, 司法解释, 行政法规 … as the indexer stores it */
  double weight;        /* > 0; a category not listed gets default_weight */
} rt_category_prior;

extern const rt_category_prior rt_category_priors[];
extern const size_t rt_category_priors_len;
/* Laws with a weight of their own ("category" holds the law's title). */
extern const rt_category_prior rt_law_priors[];
extern const size_t rt_law_priors_len;
extern const double rt_prior_beta, rt_prior_default_weight;

struct rt_handle;
typedef struct rt_prior rt_prior;

/* Prepares the prior for one search on h's database.  NULL when priors are
 * off (beta 0) or cannot be read. */
rt_prior *rt_prior_begin(struct rt_handle *h);
/* The prior's addition to a BM25 score, by laws.id: *n entries. */
const double *rt_prior_law_bonus(const rt_prior *p, size_t *n);
void rt_prior_end(rt_prior *p);
