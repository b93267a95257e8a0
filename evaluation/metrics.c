/* Retrieval and answer metrics, exactly as the evaluation report states
 * them: Recall@k over distinct gold articles, reciprocal rank, ROUGE-L over
 * characters, LawBench's per-example set F1 where no answer scores 0. */
#include <stdlib.h>
#include <string.h>

#include "evaluation.h"
#include "utf8.h"

static bool contains(const uint64_t *a, size_t n, uint64_t x) {
  for (size_t i = 0; i < n; i++)
    if (a[i] == x) return true;
  return false;
}

double ev_recall_at(const uint64_t *ranked, size_t n_ranked, const uint64_t *gold, size_t n_gold,
                    size_t k) {
  size_t distinct = 0, found = 0;
  if (k > n_ranked) k = n_ranked;
  for (size_t g = 0; g < n_gold; g++) {
    if (contains(gold, g, gold[g])) continue; /* counted already */
    distinct++;
    if (contains(ranked, k, gold[g])) found++;
  }
  return distinct ? (double)found / (double)distinct : 0.0;
}

double ev_rr_at(const uint64_t *ranked, size_t n_ranked, const uint64_t *gold, size_t n_gold,
                size_t k) {
  if (k > n_ranked) k = n_ranked;
  for (size_t i = 0; i < k; i++)
    if (contains(gold, n_gold, ranked[i])) return 1.0 / (double)(i + 1);
  return 0.0;
}

/* Length of the longest common subsequence, two rows of the usual table. */
static size_t lcs(const uint32_t *a, size_t na, const uint32_t *b, size_t nb) {
  size_t *prev = calloc(nb + 1, sizeof *prev), *cur = calloc(nb + 1, sizeof *cur);
  size_t best = 0;
  if (prev && cur) {
    for (size_t i = 1; i <= na; i++) {
      for (size_t j = 1; j <= nb; j++)
        cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1
                                      : (prev[j] > cur[j - 1] ? prev[j] : cur[j - 1]);
      size_t *t = prev;
      prev = cur;
      cur = t;
    }
    best = prev[nb];
  }
  free(prev);
  free(cur);
  return best;
}

double ev_rouge_l(const char *candidate, const char *reference) {
  size_t nc = 0, nr = 0;
  uint32_t *c = ev_utf8_decode(candidate, &nc), *r = ev_utf8_decode(reference, &nr);
  double f = 0.0;
  if (c && r && nc && nr) {
    size_t l = lcs(c, nc, r, nr);
    double p = (double)l / (double)nc, rec = (double)l / (double)nr;
    f = l ? 2.0 * p * rec / (p + rec) : 0.0;
  }
  free(c);
  free(r);
  return f;
}

static size_t distinct_ints(const int *a, size_t n) {
  size_t d = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = 0;
    while (j < i && a[j] != a[i]) j++;
    if (j == i) d++;
  }
  return d;
}

static double f1(size_t hit, size_t n_pred, size_t n_gold) {
  if (!hit || !n_pred || !n_gold) return 0.0;
  double p = (double)hit / (double)n_pred, r = (double)hit / (double)n_gold;
  return 2.0 * p * r / (p + r);
}

double ev_f1_ints(const int *pred, size_t n_pred, const int *gold, size_t n_gold) {
  size_t hit = 0;
  for (size_t i = 0; i < n_pred; i++) {
    size_t j = 0;
    while (j < i && pred[j] != pred[i]) j++;
    if (j < i) continue; /* a repeated prediction counts once */
    for (j = 0; j < n_gold; j++)
      if (gold[j] == pred[i]) {
        hit++;
        break;
      }
  }
  return f1(hit, distinct_ints(pred, n_pred), distinct_ints(gold, n_gold));
}

static size_t distinct_strs(const char *const *a, size_t n) {
  size_t d = 0;
  for (size_t i = 0; i < n; i++) {
    size_t j = 0;
    while (j < i && strcmp(a[j], a[i])) j++;
    if (j == i) d++;
  }
  return d;
}

double ev_f1_strs(const char *const *pred, size_t n_pred, const char *const *gold, size_t n_gold) {
  size_t hit = 0;
  for (size_t i = 0; i < n_pred; i++) {
    size_t j = 0;
    while (j < i && strcmp(pred[j], pred[i])) j++;
    if (j < i) continue;
    for (j = 0; j < n_gold; j++)
      if (!strcmp(gold[j], pred[i])) {
        hit++;
        break;
      }
  }
  return f1(hit, distinct_strs(pred, n_pred), distinct_strs(gold, n_gold));
}

uint64_t ev_article_key(const char *law_title, int number, int suffix) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a 64 */
  for (const unsigned char *p = (const unsigned char *)law_title; p && *p; p++)
    h = (h ^ *p) * 1099511628211ULL;
  h = (h ^ 0xff) * 1099511628211ULL; /* separator no title byte can be */
  h = (h ^ (uint64_t)(uint32_t)number) * 1099511628211ULL;
  h = (h ^ (uint64_t)(uint32_t)suffix) * 1099511628211ULL;
  return h;
}
