/* Reading a reranker model file, and decoding ideographs (rerank.h).
 * Plain C and libc only: the build's generator (tools/rerank_gen.c)
 * compiles this file too, to turn data/rerank.tsv into rerank_data.c. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rerank.h"

uint32_t rt_ideograph_at(const unsigned char *s, const unsigned char *end, size_t *n) {
  *n = 1;
  if (s[0] < 0xe0 || s[0] > 0xef || end - s < 3) return 0;
  if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
  *n = 3;
  uint32_t cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
  return cp >= 0x4e00 && cp <= 0x9fff ? cp : 0;
}

/* A field that is exactly two ideographs, coded; 0 when it is not. */
static uint32_t bigram_field(const char *s) {
  const unsigned char *u = (const unsigned char *)s, *end = u + strlen(s);
  size_t n1, n2;
  if (end - u != 6) return 0;
  uint32_t a = rt_ideograph_at(u, end, &n1), b = a ? rt_ideograph_at(u + 3, end, &n2) : 0;
  return a && b ? a << 16 | b : 0;
}

static int by_pair(const void *x, const void *y) {
  const rt_pair *a = x, *b = y;
  if (a->q != b->q) return a->q < b->q ? -1 : 1;
  return a->w < b->w ? -1 : a->w > b->w;
}

static int by_term(const void *x, const void *y) {
  const rt_term_weight *a = x, *b = y;
  return a->q < b->q ? -1 : a->q > b->q;
}

/* v (n elements of size, room for *cap) with room for one more: v itself,
 * a larger copy, or NULL when out of memory (v is then untouched). */
static void *grow(void *v, size_t n, size_t *cap, size_t size) {
  if (n < *cap) return v;
  size_t c = *cap ? *cap * 2 : 4096;
  void *grown = realloc(v, c * size);
  if (grown) *cap = c;
  return grown;
}

/* A finite number: nan or inf in a score would leave the ranking's sort
 * without an order. */
static int parse_number(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end || errno || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

/* "term<TAB>q<TAB>weight": a weight below or at 0 would turn a word of the
 * question against the articles that hold it. */
static int read_term(const char *q, const char *weight, rt_pair_model *m, size_t *cap) {
  double w;
  rt_term_weight t = {bigram_field(q), 0};
  if (!t.q || strchr(weight, '\t') || parse_number(weight, &w) || w <= 0) return -1;
  t.weight = (float)w;
  rt_term_weight *terms = grow(m->terms, m->n_terms, cap, sizeof *terms);
  if (!terms) return -2;
  m->terms = terms;
  m->terms[m->n_terms++] = t;
  return 0;
}

/* One line, newline removed: a setting, a term, a pair (appended) or
 * nothing.  cap[0] is the room for pairs, cap[1] for terms. */
static int read_line(char *line, rt_pair_model *m, size_t cap[2]) {
  if (!line[0] || line[0] == '#') return 0;
  char *f[3] = {line, NULL, NULL};
  for (int i = 1; i < 3; i++)
    if (f[i - 1] && (f[i] = strchr(f[i - 1], '\t'))) *f[i]++ = 0;
  if (!f[2]) {
    if (!f[1]) return -1;
    if (!strcmp(f[0], "lambda")) return parse_number(f[1], &m->lambda);
    if (!strcmp(f[0], "power")) return parse_number(f[1], &m->power);
    if (!strcmp(f[0], "neighbour")) return parse_number(f[1], &m->neighbour);
    return -1;
  }
  if (!strcmp(f[0], "term")) return read_term(f[1], f[2], m, &cap[1]);
  double w;
  rt_pair p = {bigram_field(f[0]), bigram_field(f[1]), 0};
  if (!p.q || !p.w || strchr(f[2], '\t') || parse_number(f[2], &w)) return -1;
  p.weight = (float)w;
  rt_pair *pairs = grow(m->pairs, m->n, &cap[0], sizeof *pairs);
  if (!pairs) return -2;
  m->pairs = pairs;
  m->pairs[m->n++] = p;
  return 0;
}

int rt_pair_model_read(FILE *f, const char *name, rt_pair_model *m, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  m->power = 1;
  char line[256];
  size_t cap[2] = {0, 0}, no = 0;
  int rc = 0;
  while (!rc && fgets(line, sizeof line, f)) {
    no++;
    size_t len = strlen(line);
    if (len && line[len - 1] == '\n')
      line[--len] = 0;
    else if (!feof(f))
      rc = -1; /* longer than any valid line */
    if (!rc) rc = read_line(line, m, cap);
  }
  if (!rc && ferror(f))
    snprintf(err, errlen, "%s: read error", name), rc = -3;
  else if (rc == -1)
    snprintf(
        err, errlen,
        "%s:%zu: want \"lambda|power|neighbour<TAB>number\", \"term<TAB>bigram<TAB>weight > 0\" or "
        "\"bigram<TAB>bigram<TAB>weight\"",
        name, no);
  else if (rc == -2)
    snprintf(err, errlen, "out of memory");
  if (!rc && m->n) {
    qsort(m->pairs, m->n, sizeof *m->pairs, by_pair);
    size_t k = 1;
    for (size_t i = 1; i < m->n; i++)
      if (by_pair(&m->pairs[i], &m->pairs[k - 1]))
        m->pairs[k++] = m->pairs[i];
      else
        rc = -1;
    if (rc) snprintf(err, errlen, "%s: a bigram pair is listed twice", name);
    m->n = k;
  }
  if (!rc && m->n_terms) {
    qsort(m->terms, m->n_terms, sizeof *m->terms, by_term);
    for (size_t i = 1; !rc && i < m->n_terms; i++)
      if (m->terms[i].q == m->terms[i - 1].q) rc = -1;
    if (rc) snprintf(err, errlen, "%s: a term is listed twice", name);
  }
  if (rc) {
    free(m->pairs);
    free(m->terms);
    memset(m, 0, sizeof *m);
    return -1;
  }
  return 0;
}
