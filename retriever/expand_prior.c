/* The law-category prior: see expand.h for why.  One statement per search
 * looks up each candidate's category; the weights come compiled in, or from
 * DB.priors when that file exists (cross-validation writes one per fold). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include "expand.h"
#include "internal.h"

#define MAX_CATEGORIES 32

struct rt_prior {
  sqlite3_stmt *st;
  double beta, default_weight;
  int depth;
  size_t n;
  char category[MAX_CATEGORIES][64];
  double weight[MAX_CATEGORIES];
};

static void set_weight(rt_prior *p, const char *category, double w) {
  size_t i = 0;
  while (i < p->n && strcmp(p->category[i], category)) i++;
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
    double v = strtod(tab + 1, NULL);
    if (!strcmp(line, "beta")) p->beta = v;
    else if (!strcmp(line, "depth")) p->depth = (int)v;
    else if (!strcmp(line, "default")) p->default_weight = v;
    else set_weight(p, line, v);
  }
  fclose(f);
}

rt_prior *rt_prior_begin(rt_handle *h) {
  rt_prior *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->beta = rt_prior_beta;
  p->default_weight = rt_prior_default_weight;
  p->depth = rt_prior_depth;
  for (size_t i = 0; i < rt_category_priors_len; i++)
    set_weight(p, rt_category_priors[i].category, rt_category_priors[i].weight);
  read_overrides(p, h->db_path);
  if (p->beta == 0 ||
      sqlite3_prepare_v2(h->db,
                         "SELECT l.category FROM articles a JOIN versions v ON v.id=a.version_id"
                         " JOIN laws l ON l.id=v.law_id WHERE a.id=?1",
                         -1, &p->st, NULL) != SQLITE_OK) {
    rt_prior_end(p);
    return NULL;
  }
  return p;
}

double rt_prior_factor(rt_prior *p, int64_t id) {
  if (!p) return 1.0;
  double w = p->default_weight;
  sqlite3_bind_int64(p->st, 1, id);
  if (sqlite3_step(p->st) == SQLITE_ROW) {
    const char *c = (const char *)sqlite3_column_text(p->st, 0);
    for (size_t i = 0; c && i < p->n; i++)
      if (!strcmp(p->category[i], c)) {
        w = p->weight[i];
        break;
      }
  }
  sqlite3_reset(p->st);
  return w > 0 ? pow(w, p->beta) : 1.0;
}

int rt_prior_candidates(const rt_prior *p, int depth) {
  return p && p->depth > depth ? p->depth : depth;
}

void rt_prior_end(rt_prior *p) {
  if (!p) return;
  sqlite3_finalize(p->st);
  free(p);
}
