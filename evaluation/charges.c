/* LawBench 3-1 gives the facts and the charges and asks for the 刑法
 * articles.  The charges decide it: the supreme courts' charge-name
 * provisions say which article defines each charge, and where the next
 * article says how that charge is punished ("对犯贪污罪的，…") a judgment
 * cites it as well, together with the articles it refers to. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "charges.h"
#include "evaluation.h"
#include "statutes.h"

#define MAX_CHARGES 16

const ev_charge *ev_charge_find(const ev_charges *t, const char *charge) {
  size_t len = strlen(charge);
  char *name = malloc(len + sizeof "罪");
  const ev_charge *best = NULL;
  double best_sim = 0.6; /* below this a name is a different charge */
  if (!name) return NULL;
  memcpy(name, charge, len + 1);
  if (len < 3 || strcmp(name + len - 3, "罪")) strcat(name, "罪");
  for (size_t i = 0; i < t->n; i++) {
    if (!strcmp(t->v[i].name, name)) {
      best = &t->v[i];
      break;
    }
    double sim = ev_rouge_l(name, t->v[i].name);
    if (sim > best_sim) best_sim = sim, best = &t->v[i];
  }
  free(name);
  return best;
}

static void add(int *out, size_t *n, size_t cap, int v) {
  for (size_t i = 0; i < *n; i++)
    if (out[i] == v) return;
  if (*n < cap) out[(*n)++] = v;
}

/* Adds the numbers of every 本法第X条 in text. */
static void add_referred(const char *text, int *out, size_t *n, size_t cap) {
  st_citation c[16];
  size_t found = st_find_citations(text, strlen(text), c, 16);
  for (size_t i = 0; i < found && i < 16; i++)
    if (c[i].this_law && c[i].article > 0) add(out, n, cap, c[i].article);
}

/* The article after a charge's own, when it is that charge's sentencing
 * rule: it starts "对犯<charge>…". */
static void add_sentencing(rt_handle *h, const char *charge_name, int article, int *out, size_t *n,
                           size_t cap) {
  char num[16], err[256];
  rt_hit hit;
  memset(&hit, 0, sizeof hit);
  snprintf(num, sizeof num, "%d", article + 1);
  if (rt_get_article(h, "中华人民共和国刑法", num, NULL, &hit, err, sizeof err) != 0) return;
  if (hit.text && !strncmp(hit.text, "对犯", strlen("对犯")) && strstr(hit.text, charge_name)) {
    add(out, n, cap, article + 1);
    add_referred(hit.text, out, n, cap);
  }
  rt_hit_clear(&hit);
}

size_t ev_predict_articles(rt_handle *h, const ev_charges *t, const char *question, int *out,
                           size_t cap) {
  char *charges[MAX_CHARGES];
  size_t nc = ev_answer_charges(question, charges, MAX_CHARGES), n = 0;
  for (size_t i = 0; i < nc; i++) {
    const ev_charge *c = ev_charge_find(t, charges[i]);
    for (const char *a = c ? c->articles : ""; *a;) {
      int article = (int)strtol(a, NULL, 10);
      if (article > 0) {
        add(out, &n, cap, article);
        if (h) add_sentencing(h, c->name, article, out, &n, cap);
      }
      a += strcspn(a, ",");
      if (*a == ',') a++;
    }
    free(charges[i]);
  }
  return n;
}

/* How much of a charge's name the facts spell out: the share of its
 * characters that appear, in order, in the facts. */
static double name_coverage(const char *name, const char *facts) {
  double f = ev_rouge_l(name, facts);
  size_t nn = strlen(name), nf = strlen(facts);
  /* From F = 2PR/(P+R) with P = l/|name| … solve for l/|name| roughly: the
   * facts are much longer, so F ≈ 2l/|facts| and l/|name| ≈ F|facts|/2|name|. */
  return nn ? f * (double)nf / (2.0 * (double)nn) : 0.0;
}

int ev_predict_charges(rt_handle *h, const ev_charges *t, const char *question, char **out,
                       size_t cap, size_t *n) {
  char err[256];
  rt_result res;
  /* The first hit that defines a charge: general-part articles (自首, 缓刑)
   * rank high for any facts but name no charge. */
  rt_query q = {.k = 20, .law = "刑法", .no_cases = true};
  const char *facts =
      strncmp(question, "事实:", strlen("事实:")) ? question : question + strlen("事实:");
  *n = 0;
  if (rt_search(h, facts, &q, &res, err, sizeof err) != 0) return -1;
  const ev_charge *best = NULL;
  for (size_t h_i = 0; h_i < res.n && !best && cap; h_i++) {
    if (res.hits[h_i].kind != RT_ARTICLE) continue;
    double best_cov = -1.0;
    for (size_t i = 0; i < t->n; i++) {
      const char *a = t->v[i].articles;
      bool match = false;
      for (; *a && !match; a += strcspn(a, ","), a += *a == ',')
        match = strtol(a, NULL, 10) == res.hits[h_i].number;
      if (!match) continue;
      double cov = name_coverage(t->v[i].name, facts);
      if (cov > best_cov) best_cov = cov, best = &t->v[i];
    }
  }
  if (best) {
    size_t len = strlen(best->name) - strlen("罪");
    if ((out[0] = strndup(best->name, len)) != NULL) *n = 1;
  }
  rt_result_free(&res);
  return 0;
}
