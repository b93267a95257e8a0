/* Which of a query's terms the BM25 arm scores.  The text is split by the
 * index's own tokenizer in query mode, so any user text works: quotes,
 * FTS5 operators, stars, parentheses, emoji and invalid UTF-8 are just
 * characters that end tokens, and nothing of the text reaches a parser.
 *
 * The commonest bigrams of a question (应当, 可以, 规定 …) match tens of
 * thousands of articles while adding almost nothing to the ranking (their
 * idf is near zero), so the query keeps its rarest terms only. */
#include <stdlib.h>
#include <string.h>

#include "indexer.h"
#include "internal.h"
#include "rerank.h"

static int add_token(void *ctx, int flags, const char *tok, int len, int start, int end) {
  (void)flags;
  (void)start;
  (void)end;
  rt_terms *ts = ctx;
  if (ts->n == RT_MAX_TOKENS) return 1;
  for (int i = 0; i < ts->n; i++)
    if (ts->t[i].len == len && !memcmp(ts->t[i].tok, tok, (size_t)len)) return 0;
  char *copy = malloc((size_t)len);
  if (!copy) return -1;
  memcpy(copy, tok, (size_t)len);
  ts->t[ts->n++] = (rt_term){copy, len, 0, 1.0};
  return 0;
}

/* rarest first; equal counts by their bytes, so the order is fixed */
static int by_df(const void *a, const void *b) {
  const rt_term *x = a, *y = b;
  if (x->df != y->df) return x->df < y->df ? -1 : 1;
  int n = x->len < y->len ? x->len : y->len, c = memcmp(x->tok, y->tok, (size_t)n);
  return c ? c : x->len - y->len;
}

int rt_query_terms(rt_handle *h, const char *query, const rt_weights *w, rt_terms *out) {
  out->n = 0;
  size_t qlen = strlen(query);
  if (qlen > 1 << 20) qlen = 1 << 20; /* the tokenizer takes int lengths */
  int oom = ix_tokenize(query, (int)qlen, 1, add_token, out) < 0;
  int known = 0;
  for (int i = 0; i < out->n; i++)
    if (!oom && (out->t[i].df = rt_bm25_df(h->bm25, out->t[i].tok, out->t[i].len)) > 0)
      out->t[known++] = out->t[i];
    else
      free(out->t[i].tok);
  out->n = known;
  qsort(out->t, (size_t)known, sizeof out->t[0], by_df);
  int max_terms = w->max_terms > 0 ? w->max_terms : 12;
  double limit = (w->max_df > 0 ? w->max_df : 1.0) * rt_bm25_docs(h->bm25);
  int keep = 0;
  while (keep < known && keep < max_terms && (keep < 2 || (double)out->t[keep].df <= limit))
    keep++;
  for (int i = keep; i < known; i++)
    free(out->t[i].tok);
  out->n = keep;
  for (int i = 0; i < keep; i++) /* the learned model's weights (rerank.h) */
    out->t[i].weight = rt_rerank_term_weight(h->rerank, out->t[i].tok, (size_t)out->t[i].len);
  return oom ? -1 : 0;
}

void rt_terms_free(rt_terms *t) {
  for (int i = 0; i < t->n; i++)
    free(t->t[i].tok);
  t->n = 0;
}
