/* The law-category prior: see expand.h for why.  One statement per search
 * looks up each candidate's law; each law's weight is worked out once, when
 * the prior is loaded, from the compiled-in values or from DB.priors when
 * that file exists (cross-validation writes one per fold). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "expand.h"
#include "internal.h"

#define MAX_CATEGORIES 32
#define MAX_LAWS 512

typedef struct {
  char *title;
  double weight;
} law_weight;

struct rt_prior {
  const rt_bm25 *bm25; /* the handle's: the law of each candidate */
  double beta, default_weight;
  int depth;
  size_t n;
  char category[MAX_CATEGORIES][64];
  double weight[MAX_CATEGORIES];
  size_t n_laws;
  law_weight laws[MAX_LAWS]; /* a law's own weight, over its category's */
  double *law_logw;          /* ln(weight) by laws.id, 0 .. max_law_id */
  int64_t max_law_id;
};

static void set_law(rt_prior *p, const char *title, double w) {
  size_t i = 0;
  while (i < p->n_laws && strcmp(p->laws[i].title, title))
    i++;
  if (i == MAX_LAWS || w <= 0) return;
  if (i == p->n_laws) {
    if (!(p->laws[i].title = strdup(title))) return;
    p->n_laws++;
  }
  p->laws[i].weight = w;
}

static void set_weight(rt_prior *p, const char *category, double w) {
  size_t i = 0;
  while (i < p->n && strcmp(p->category[i], category))
    i++;
  if (i == MAX_CATEGORIES || w <= 0) return;
  snprintf(p->category[i], sizeof p->category[i], "%s", category);
  p->weight[i] = w;
  if (i == p->n) p->n++;
}

/* DB.priors, when present, replaces the compiled-in values it names. */
static void read_overrides(rt_prior *p, const char *db_path) {
  char path[4096], line[256];
  snprintf(path, sizeof path, "%s.priors", db_path);
  FILE *f = fopen(path, "r");
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    char *tab = strchr(line, '\t');
    if (line[0] == '#' || !tab) continue;
    *tab = 0;
    char *tab2 = strchr(tab + 1, '\t');
    if (!strcmp(line, "law") && tab2) { /* law<TAB>title<TAB>weight */
      *tab2 = 0;
      set_law(p, tab + 1, strtod(tab2 + 1, NULL));
      continue;
    }
    double v = strtod(tab + 1, NULL);
    if (!strcmp(line, "beta"))
      p->beta = v;
    else if (!strcmp(line, "depth"))
      p->depth = (int)v;
    else if (!strcmp(line, "default"))
      p->default_weight = v;
    else
      set_weight(p, line, v);
  }
  fclose(f);
}

static int load_law_weights(rt_prior *p, sqlite3 *db);

rt_prior *rt_prior_begin(rt_handle *h) {
  rt_prior *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->beta = rt_prior_beta;
  p->default_weight = rt_prior_default_weight;
  p->depth = rt_prior_depth;
  for (size_t i = 0; i < rt_category_priors_len; i++)
    set_weight(p, rt_category_priors[i].category, rt_category_priors[i].weight);
  for (size_t i = 0; i < rt_law_priors_len; i++)
    set_law(p, rt_law_priors[i].category, rt_law_priors[i].weight);
  read_overrides(p, h->db_path);
  p->bm25 = h->bm25;
  if (p->beta == 0 || load_law_weights(p, h->db)) {
    rt_prior_end(p);
    return NULL;
  }
  return p;
}

/* ln(weight) of a law: its own weight if it has one, else its category's,
 * else the default. */
static double law_log_weight(const rt_prior *p, const char *category, const char *title) {
  double w = p->default_weight;
  for (size_t i = 0; category && i < p->n; i++)
    if (!strcmp(p->category[i], category)) {
      w = p->weight[i];
      break;
    }
  for (size_t i = 0; title && i < p->n_laws; i++)
    if (!strcmp(p->laws[i].title, title)) {
      w = p->laws[i].weight;
      break;
    }
  return w > 0 ? log(w) : 0.0;
}

/* Fills law_logw for every law in the database; -1 on error. */
static int load_law_weights(rt_prior *p, sqlite3 *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT max(id) FROM laws", -1, &st, NULL) != SQLITE_OK) return -1;
  p->max_law_id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (p->max_law_id < 0 || !(p->law_logw = calloc((size_t)p->max_law_id + 1, sizeof *p->law_logw)))
    return -1;
  if (sqlite3_prepare_v2(db, "SELECT id, category, title FROM laws", -1, &st, NULL) != SQLITE_OK)
    return -1;
  while (sqlite3_step(st) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    if (id >= 0 && id <= p->max_law_id)
      p->law_logw[id] = law_log_weight(p, (const char *)sqlite3_column_text(st, 1),
                                       (const char *)sqlite3_column_text(st, 2));
  }
  return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

/* ln(weight) of the law of article id. */
static double log_weight(rt_prior *p, int64_t id) {
  double lw = p->default_weight > 0 ? log(p->default_weight) : 0.0;
  /* from bm25.c's arrays: a query per candidate was a third of a search */
  int64_t law = rt_bm25_law(p->bm25, id);
  if (law >= 0 && law <= p->max_law_id) lw = p->law_logw[law];
  return lw;
}

typedef struct {
  double score;
  size_t at;
} ranked;

static int by_score(const void *a, const void *b) {
  const ranked *x = a, *y = b;
  if (x->score != y->score) return x->score < y->score ? 1 : -1;
  return x->at < y->at ? -1 : x->at > y->at;
}

#define AT(base, i, type) ((type *)((char *)(base) + (i)*stride))

int rt_prior_rerank(rt_prior *p, size_t n, size_t stride, int64_t *ids, double *scores,
                    int *ranks) {
  if (!p || !n) return 0;
  ranked *r = malloc(n * sizeof *r);
  size_t m = 0;
  if (!r) return -1;
  for (size_t i = 0; i < n; i++)
    if (*AT(ranks, i, int)) {
      r[m].score = *AT(scores, i, double) + p->beta * log_weight(p, *AT(ids, i, int64_t));
      r[m++].at = i;
    }
  qsort(r, m, sizeof *r, by_score);
  for (size_t k = 0; k < m; k++) {
    *AT(scores, r[k].at, double) = r[k].score;
    *AT(ranks, r[k].at, int) = (int)k + 1;
  }
  free(r);
  return 0;
}

int rt_prior_candidates(const rt_prior *p, int depth) {
  return p && p->depth > depth ? p->depth : depth;
}

void rt_prior_end(rt_prior *p) {
  if (!p) return;
  for (size_t i = 0; i < p->n_laws; i++)
    free(p->laws[i].title);
  free(p->law_logw);
  free(p);
}
