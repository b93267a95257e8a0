/* The law-category prior: see expand.h for why.  Each law's addition to a
 * BM25 score is worked out once, when the prior is loaded, from the
 * compiled-in values or from DB.priors when that file exists
 * (cross-validation writes one per fold); the BM25 scorer adds it. */
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
  double beta, default_weight;
  size_t n;
  char category[MAX_CATEGORIES][64];
  double weight[MAX_CATEGORIES];
  size_t n_laws;
  law_weight laws[MAX_LAWS]; /* a law's own weight, over its category's */
  double *law_bonus;         /* beta * ln(weight) by laws.id, 0 .. max_law_id */
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
  for (size_t i = 0; i < rt_category_priors_len; i++)
    set_weight(p, rt_category_priors[i].category, rt_category_priors[i].weight);
  for (size_t i = 0; i < rt_law_priors_len; i++)
    set_law(p, rt_law_priors[i].category, rt_law_priors[i].weight);
  read_overrides(p, h->db_path);
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

/* Fills law_bonus for every law in the database; -1 on error. */
static int load_law_weights(rt_prior *p, sqlite3 *db) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, "SELECT max(id) FROM laws", -1, &st, NULL) != SQLITE_OK) return -1;
  p->max_law_id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  if (p->max_law_id < 0 ||
      !(p->law_bonus = calloc((size_t)p->max_law_id + 1, sizeof *p->law_bonus)))
    return -1;
  if (sqlite3_prepare_v2(db, "SELECT id, category, title FROM laws", -1, &st, NULL) != SQLITE_OK)
    return -1;
  while (sqlite3_step(st) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    if (id >= 0 && id <= p->max_law_id)
      p->law_bonus[id] = p->beta * law_log_weight(p, (const char *)sqlite3_column_text(st, 1),
                                                  (const char *)sqlite3_column_text(st, 2));
  }
  return sqlite3_finalize(st) == SQLITE_OK ? 0 : -1;
}

const double *rt_prior_law_bonus(const rt_prior *p, size_t *n) {
  *n = p ? (size_t)p->max_law_id + 1 : 0;
  return p ? p->law_bonus : NULL;
}

void rt_prior_end(rt_prior *p) {
  if (!p) return;
  for (size_t i = 0; i < p->n_laws; i++)
    free(p->laws[i].title);
  free(p->law_bonus);
  free(p);
}
