/* Laypeople and statutes name the same things differently: a question says
 * 老公 and 被辞退, the article says 配偶 and 解除劳动合同, and a bigram index
 * cannot see that they meet.  The thesaurus (data/thesaurus.tsv, compiled
 * into expand_data.c) bridges the gap by adding the statute words to the
 * query before it is matched. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "expand.h"
#include "internal.h"

#define MAX_ADDED 24 /* terms added at most: beyond that they drown the question */

typedef struct {
  rt_buf s;
  int terms;
} sbuf;

static bool holds(const sbuf *b, const char *query, const char *term, size_t n) {
  char *t = strndup(term, n);
  bool found = !t || strstr(query, t) || (b->s.p && strstr(b->s.p, t));
  free(t);
  return found;
}

/* Adds the terms of one entry not yet in the query or the expansion. */
static bool add_terms(sbuf *b, const char *query, const char *terms) {
  for (const char *t = terms; *t && b->terms < MAX_ADDED;) {
    size_t n = strcspn(t, " ");
    if (n && !holds(b, query, t, n)) {
      if (!rt_buf_put(&b->s, t, n) || !rt_buf_put(&b->s, " ", 1)) return false;
      b->terms++;
    }
    t += n;
    while (*t == ' ')
      t++;
  }
  return true;
}

/* Is some occurrence of phrase in query free of longer matched phrases?
 * If so, marks it taken. */
static bool take(const char *query, const char *phrase, bool *taken) {
  size_t n = strlen(phrase);
  for (const char *p = strstr(query, phrase); p; p = strstr(p + 1, phrase)) {
    size_t at = (size_t)(p - query), i = 0;
    while (i < n && !taken[at + i])
      i++;
    if (i == n) {
      memset(taken + at, 1, n);
      return true;
    }
  }
  return false;
}

/* Overwrites each filler word in s with spaces (same length: the string
 * is edited in place). */
static void blank_fillers(char *s) {
  for (size_t i = 0; i < rt_fillers_len; i++) {
    size_t n = strlen(rt_fillers[i]);
    for (char *p = strstr(s, rt_fillers[i]); p; p = strstr(p + n, rt_fillers[i]))
      memset(p, ' ', n);
  }
}

char *rt_expand_query(const char *query, size_t *query_at) {
  size_t qlen = strlen(query);
  bool *taken = calloc(qlen + 1, sizeof *taken);
  sbuf b = {0};
  bool ok = taken != NULL;
  for (size_t i = 0; ok && i < rt_thesaurus_len && b.terms < MAX_ADDED; i++)
    if (take(query, rt_thesaurus[i].phrase, taken))
      ok = add_terms(&b, query, rt_thesaurus[i].terms);
  free(taken);
  size_t at = b.s.len;
  if (ok) ok = rt_buf_put(&b.s, query, qlen);
  if (ok) blank_fillers(b.s.p + at);
  if (query_at) *query_at = at;
  if (!ok) {
    free(b.s.p);
    return NULL;
  }
  return b.s.p;
}
