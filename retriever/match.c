/* Turns arbitrary user text into an FTS5 MATCH expression that cannot be a
 * syntax error: the text is split by the index's own tokenizer (query
 * mode), and each chosen token becomes a quoted string, OR-ed with the
 * others.  Tokens hold only ASCII letters/digits and ideographs, so quoting
 * needs no escaping, and FTS5 operators, quotes, stars, columns and
 * parentheses in the user's text never reach the parser.
 *
 * Which tokens: bm25() costs time for every row any term matches, and the
 * commonest bigrams of a question (应当, 可以, 规定 …) match tens of
 * thousands of articles while adding almost nothing to the ranking (their
 * idf is near zero).  So the query keeps its rarest terms only. */
#include <stdlib.h>
#include <string.h>

#include "indexer.h"
#include "internal.h"

#define RT_MAX_TOKENS 256 /* distinct tokens looked at; the rest of a huge query is ignored */

typedef struct {
  const char *tok;
  int len;
  int64_t df;
} term;

typedef struct {
  rt_handle *h;
  term t[RT_MAX_TOKENS];
  int n;
} terms;

static int add_token(void *ctx, const char *tok, int len, int start, int end) {
  (void)start;
  (void)end;
  terms *ts = ctx;
  if (ts->n == RT_MAX_TOKENS) return 1;
  for (int i = 0; i < ts->n; i++)
    if (ts->t[i].len == len && !memcmp(ts->t[i].tok, tok, (size_t)len)) return 0;
  char *copy = malloc((size_t)len);
  if (!copy) return -1;
  memcpy(copy, tok, (size_t)len);
  ts->t[ts->n++] = (term){copy, len, 0};
  return 0;
}

static int64_t lookup_df(rt_handle *h, const term *t) {
  sqlite3_bind_text(h->df, 1, t->tok, t->len, SQLITE_STATIC);
  int64_t df = sqlite3_step(h->df) == SQLITE_ROW ? sqlite3_column_int64(h->df, 0) : 0;
  sqlite3_reset(h->df);
  return df;
}

static int by_df(const void *a, const void *b) {
  const term *x = a, *y = b;
  return x->df < y->df ? -1 : x->df > y->df;
}

/* Writes the chosen terms as "t1" OR "t2" … */
static char *render(const term *t, int n) {
  size_t cap = 1;
  for (int i = 0; i < n; i++) cap += (size_t)t[i].len + 6;
  char *buf = malloc(cap), *p = buf;
  if (!buf) return NULL;
  for (int i = 0; i < n; i++) {
    if (i) memcpy(p, " OR ", 4), p += 4;
    *p++ = '"';
    memcpy(p, t[i].tok, (size_t)t[i].len);
    p += t[i].len;
    *p++ = '"';
  }
  *p = '\0';
  return buf;
}

char *rt_match_expr(rt_handle *h, const char *query, const rt_weights *w, int *oom) {
  terms ts;
  ts.h = h;
  ts.n = 0;
  *oom = 0;
  size_t qlen = strlen(query);
  if (qlen > 1 << 20) qlen = 1 << 20; /* the tokenizer takes int lengths */
  if (ix_tokenize(query, (int)qlen, 1, add_token, &ts) < 0) *oom = 1;
  int known = 0;
  for (int i = 0; i < ts.n; i++)
    if ((ts.t[i].df = lookup_df(h, &ts.t[i])) > 0) ts.t[known++] = ts.t[i];
    else free((char *)ts.t[i].tok);
  qsort(ts.t, (size_t)known, sizeof ts.t[0], by_df);
  int max_terms = w->max_terms > 0 ? w->max_terms : 12;
  double limit = (w->max_df > 0 ? w->max_df : 1.0) * (double)h->n_docs;
  int keep = 0;
  while (keep < known && keep < max_terms && (keep < 2 || (double)ts.t[keep].df <= limit))
    keep++;
  char *expr = NULL;
  if (keep && !*oom && !(expr = render(ts.t, keep))) *oom = 1;
  for (int i = 0; i < known; i++) free((char *)ts.t[i].tok);
  return expr;
}
