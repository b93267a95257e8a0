/* Runs an evaluation set through the retriever, question by question, and
 * keeps every per-question score so that the caller can average over all
 * questions or over cross-validation folds.  Gold references that do not
 * resolve to an article of the database count as missed, and are listed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "charges.h"
#include "evaluation.h"
#include "resolve.h"
#include "statutes.h"

#define MAX_GOLD 64

typedef struct {
  rt_handle *h;
  const ev_opts *opts;
  ev_report *r;
  size_t i;           /* question being scored, among those scored */
  size_t item;        /* its index in the set */
  ev_charges charges; /* the charge-name map, for LawBench 3-1 and 3-3 */
  char err[512];      /* why a question's run failed; "" = out of memory */
} run_ctx;

static int add_metric(ev_report *r, const char *name, size_t n) {
  if (r->n_metrics == EV_MAX_METRICS) return -1;
  r->names[r->n_metrics] = name;
  if (!(r->values[r->n_metrics] = calloc(n ? n : 1, sizeof(double)))) return -1;
  r->n_metrics++;
  return 0;
}

static void set(run_ctx *c, size_t m, double v) {
  c->r->values[m][c->i] = v;
}

/* Ranked article keys for a query; *n set to their count.  NULL on error,
 * with c->err set when the search itself failed: a failed search scored as
 * an empty result would lower every figure and say nothing (a malformed
 * DB.rerank fails every search). */
static uint64_t *search_keys(run_ctx *c, const char *query, const char *law, rt_result *res,
                             size_t *n) {
  char err[256];
  rt_query q = {.k = c->opts->k > 0 ? c->opts->k : 100,
                .law = law,
                .as_of = c->opts->as_of,
                .no_cases = true,
                .weights = c->opts->weights};
  memset(res, 0, sizeof *res);
  *n = 0;
  if (rt_search(c->h, query, &q, res, err, sizeof err) != 0) {
    snprintf(c->err, sizeof c->err, "question %zu: search failed: %s", c->item + 1, err);
    return NULL;
  }
  uint64_t *keys = calloc(res->n + 1, sizeof *keys);
  if (!keys) return NULL;
  for (size_t i = 0; i < res->n; i++)
    keys[i] = ev_hit_key(&res->hits[i]);
  *n = res->n;
  return keys;
}

/* ---- dump ----------------------------------------------------------------
 * One JSON line per question: its position among those scored (i), its
 * gold keys, each hit's key, law, number, category, BM25 score (after the
 * prior) and BM25 rank, and the text the retriever's BM25 arm took the
 * question's terms from (expanded) and the part the reranker reads (bare),
 * so that misses can be studied and the learned model trained outside the
 * retriever (bench/train_rerank.py) on exactly the words a search uses.  Built with cJSON, so a law
 * title with a quote or backslash still gives valid JSON.  Keys are 64-bit:
 * written as strings, which a JSON number would round. */

/* Adds item to array; false (item freed) when either is missing. */
static bool put(cJSON *array, cJSON *item) {
  if (array && item && cJSON_AddItemToArray(array, item)) return true;
  cJSON_Delete(item);
  return false;
}

static cJSON *key_string(uint64_t key) {
  char s[24];
  snprintf(s, sizeof s, "%llu", (unsigned long long)key);
  return cJSON_CreateString(s);
}

/* Writes o as one line and frees it; -1 when it could not be built. */
static int dump_json(run_ctx *c, cJSON *o, bool ok) {
  char *s = ok && o ? cJSON_PrintUnformatted(o) : NULL;
  cJSON_Delete(o);
  if (!s) return -1;
  fprintf(c->opts->dump, "%s\n", s);
  cJSON_free(s);
  return 0;
}

static int dump_line(run_ctx *c, const char *query, const uint64_t *gold, size_t ng,
                     const rt_result *res) {
  if (!c->opts->dump) return 0;
  size_t bare_at = 0;
  char *expanded = rt_expand_query(query, &bare_at);
  cJSON *o = cJSON_CreateObject(), *g = cJSON_CreateArray(), *hits = cJSON_CreateArray();
  bool ok = expanded && o && cJSON_AddNumberToObject(o, "i", (double)c->i) &&
            cJSON_AddStringToObject(o, "expanded", expanded) &&
            cJSON_AddStringToObject(o, "bare", expanded + bare_at);
  free(expanded);
  ok = ok && cJSON_AddItemToObject(o, "gold", g) && cJSON_AddItemToObject(o, "hits", hits);
  if (!ok) cJSON_Delete(g), cJSON_Delete(hits);
  for (size_t i = 0; ok && i < ng; i++)
    ok = put(g, key_string(gold[i]));
  for (size_t i = 0; ok && i < res->n; i++) {
    const rt_hit *x = &res->hits[i];
    cJSON *h = cJSON_CreateArray();
    ok = put(hits, h) && put(h, key_string(ev_hit_key(x))) &&
         put(h, cJSON_CreateString(x->law_title)) && put(h, cJSON_CreateNumber(x->number)) &&
         put(h, cJSON_CreateNumber(x->suffix)) && put(h, cJSON_CreateString(x->category)) &&
         put(h, cJSON_CreateNumber(x->score_bm25)) && put(h, cJSON_CreateNumber(x->rank_bm25));
  }
  return dump_json(c, o, ok);
}

/* LawBench 1-1: which version the lookup read, and whether it matched. */
static int dump_lookup(run_ctx *c, const rt_hit *hit, bool exact) {
  if (!c->opts->dump) return 0;
  cJSON *o = cJSON_CreateObject();
  bool ok = o && cJSON_AddNumberToObject(o, "i", (double)c->i) &&
            cJSON_AddStringToObject(o, "law", hit->law_title) &&
            cJSON_AddStringToObject(o, "label", hit->label) &&
            cJSON_AddStringToObject(o, "version", hit->version_date) &&
            cJSON_AddBoolToObject(o, "exact", exact);
  return dump_json(c, o, ok);
}

/* ---- LeCoQA ------------------------------------------------------------ */

static int run_lecoqa(run_ctx *c, const ev_item *it) {
  uint64_t gold[MAX_GOLD];
  size_t ng = 0, nk;
  for (size_t g = 0; g < it->n_gold && ng < MAX_GOLD; g++) {
    char why[256];
    if (ev_resolve_key(c->h, it->gold_keys[g], &gold[ng], why, sizeof why) != 0) {
      if (ev_note_unresolved(c->r, it->gold_keys[g], why)) return -1;
      gold[ng] = ev_article_key(it->gold_keys[g], -1, -1); /* never retrieved */
    }
    ng++;
  }
  c->r->n_gold += ng;
  rt_result res;
  uint64_t *keys = search_keys(c, it->question, NULL, &res, &nk);
  if (!keys) return -1;
  static const size_t at[] = {1, 5, 10, 20, 100};
  for (size_t m = 0; m < 5; m++)
    set(c, m, ev_recall_at(keys, nk, gold, ng, at[m]));
  set(c, 5, ev_rr_at(keys, nk, gold, ng, 100));
  int rc = dump_line(c, it->question, gold, ng, &res);
  free(keys);
  rt_result_free(&res);
  return rc;
}

/* ---- LawBench 1-1: recitation ------------------------------------------ */

static bool same_text(const char *a, const char *b) {
  char *x = ev_bare_text(a), *y = ev_bare_text(b);
  bool same = x && y && !strcmp(x, y);
  free(x);
  free(y);
  return same;
}

static double rouge_lawbench(const char *article_text, const char *answer) {
  char *x = ev_lawbench_text(article_text), *y = ev_lawbench_text(answer);
  double f = x && y ? ev_rouge_l(x, y) : 0.0;
  free(x);
  free(y);
  return f;
}

static int run_1_1(run_ctx *c, const ev_item *it) {
  rt_result res;
  size_t nk;
  uint64_t *keys = search_keys(c, it->question, NULL, &res, &nk);
  if (!keys) return -1;
  free(keys);
  const char *top = res.n ? res.hits[0].text : "";
  set(c, 0, rouge_lawbench(top, it->answer));
  set(c, 1, same_text(top, it->answer));
  rt_result_free(&res);

  rt_hit hit;
  char why[256];
  c->r->n_gold++;
  if (ev_lookup_question(c->h, it->question, c->opts->as_of, &hit, why, sizeof why) == 0) {
    set(c, 2, rouge_lawbench(hit.text, it->answer));
    bool exact = same_text(hit.text, it->answer);
    set(c, 3, exact);
    int rc = dump_lookup(c, &hit, exact);
    rt_hit_clear(&hit);
    return rc;
  }
  return ev_note_unresolved(c->r, it->question, why) ? -1 : 0;
}

/* ---- LawBench 3-1: articles from facts and charges --------------------- */

static int run_3_1(run_ctx *c, const ev_item *it) {
  int pred[32], gold[32];
  size_t np = ev_predict_articles(c->h, &c->charges, it->question, pred, 32);
  size_t ng = ev_answer_numbers(it->answer, gold, 32);
  c->r->n_gold += ng;
  set(c, 0, ev_f1_ints(pred, np, gold, ng));
  set(c, 1, np == 0);
  return 0;
}

/* ---- LawBench 3-2: one article for a scenario -------------------------- */

static int run_3_2(run_ctx *c, const ev_item *it) {
  uint64_t gold;
  char why[256];
  size_t ng = 0, nk;
  if (ev_resolve_cited(c->h, it->answer, strlen(it->answer), &gold, 1, &ng, c->r) != 0) return -1;
  c->r->n_gold++;
  if (!ng) {
    gold = ev_article_key(it->answer, -1, -1);
    snprintf(why, sizeof why, "no resolvable citation");
    if (ev_note_unresolved(c->r, it->answer, why)) return -1;
  }
  rt_result res;
  uint64_t *keys = search_keys(c, it->question, NULL, &res, &nk);
  if (!keys) return -1;
  set(c, 0, nk && keys[0] == gold);
  set(c, 1, ev_recall_at(keys, nk, &gold, 1, 10));
  set(c, 2, rouge_lawbench(res.n ? res.hits[0].text : "", it->answer));
  int rc = dump_line(c, it->question, &gold, 1, &res);
  free(keys);
  rt_result_free(&res);
  return rc;
}

/* ---- LawBench 3-3: charges from facts ---------------------------------- */

static int run_3_3(run_ctx *c, const ev_item *it) {
  char *gold[16], *pred[16];
  size_t ng = ev_answer_charges(it->answer, gold, 16), np = 0;
  if (ev_predict_charges(c->h, &c->charges, it->question, pred, 16, &np) != 0) np = 0;
  c->r->n_gold += ng;
  set(c, 0, ev_f1_strs((const char *const *)pred, np, (const char *const *)gold, ng));
  set(c, 1, np == 0);
  for (size_t i = 0; i < ng; i++)
    free(gold[i]);
  for (size_t i = 0; i < np; i++)
    free(pred[i]);
  return 0;
}

/* ---- LawBench 3-8: consultations --------------------------------------- */

static int run_3_8(run_ctx *c, const ev_item *it) {
  uint64_t gold[MAX_GOLD];
  size_t ng = 0, nk;
  const char *basis = strstr(it->answer, "法律依据");
  if (!basis) basis = it->answer;
  if (ev_resolve_cited(c->h, basis, strlen(basis), gold, MAX_GOLD, &ng, c->r) != 0) return -1;
  c->r->n_gold += ng;
  rt_result res;
  uint64_t *keys = search_keys(c, it->question, NULL, &res, &nk);
  if (!keys) return -1;
  set(c, 0, ev_recall_at(keys, nk, gold, ng, 5));
  set(c, 1, ev_recall_at(keys, nk, gold, ng, 10));
  set(c, 2, ng > 0);
  free(keys);
  rt_result_free(&res);
  return 0;
}

/* ---- driver ------------------------------------------------------------ */

typedef struct {
  int (*run)(run_ctx *, const ev_item *);
  const char *metrics[EV_MAX_METRICS];
} kind_def;

static const kind_def kinds[EV_KIND_COUNT] = {
    [EV_LECOQA] = {run_lecoqa,
                   {"Recall@1", "Recall@5", "Recall@10", "Recall@20", "Recall@100", "MRR@100"}},
    [EV_LAWBENCH_1_1] = {run_1_1,
                         {"ROUGE-L(search top-1)", "exact(search top-1)", "ROUGE-L(lookup)",
                          "exact(lookup)"}},
    [EV_LAWBENCH_3_1] = {run_3_1, {"F1", "abstained"}},
    [EV_LAWBENCH_3_2] = {run_3_2, {"top-1 citation accuracy", "Recall@10", "ROUGE-L(top-1)"}},
    [EV_LAWBENCH_3_3] = {run_3_3, {"F1", "abstained"}},
    [EV_LAWBENCH_3_8] = {run_3_8, {"Recall@5", "Recall@10", "has resolvable gold"}},
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool in_fold(const ev_opts *o, size_t i) {
  return o->folds <= 0 || (int)(i % (size_t)o->folds) == o->fold;
}

int ev_run(rt_handle *h, const ev_set *set, ev_kind kind, const ev_opts *opts, ev_report *out,
           char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (kind >= EV_KIND_COUNT) {
    snprintf(err, errlen, "unknown evaluation kind");
    return -1;
  }
  out->kind = kind;
  size_t n = opts->limit && opts->limit < set->n ? opts->limit : set->n;
  for (size_t i = 0; i < n; i++)
    out->n += in_fold(opts, i);
  const kind_def *def = &kinds[kind];
  run_ctx c = {h, opts, out, 0, 0, {0}, ""}; /* before any goto fail: fail frees c.charges */
  for (size_t m = 0; m < EV_MAX_METRICS && def->metrics[m]; m++)
    if (add_metric(out, def->metrics[m], out->n)) goto fail;
  double t0 = now();
  if ((kind == EV_LAWBENCH_3_1 || kind == EV_LAWBENCH_3_3) &&
      ev_charges_load(h, &c.charges, err, errlen)) {
    ev_report_free(out);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    if (in_fold(opts, i)) {
      c.item = i;
      if (def->run(&c, &set->items[i])) goto fail;
      c.i++;
    }
  out->seconds = now() - t0;
  ev_charges_free(&c.charges);
  return 0;
fail: /* a question's own failure says why; anything else ran out of memory */
  snprintf(err, errlen, "%s", c.err[0] ? c.err : "out of memory");
  ev_charges_free(&c.charges);
  ev_report_free(out);
  return -1;
}

void ev_report_free(ev_report *r) {
  for (size_t m = 0; m < r->n_metrics; m++)
    free(r->values[m]);
  for (size_t i = 0; i < r->n_unresolved; i++)
    free(r->unresolved[i]);
  free(r->unresolved);
  memset(r, 0, sizeof *r);
}

double ev_report_mean(const ev_report *r, size_t m, int fold, int n_folds) {
  double sum = 0.0;
  size_t cnt = 0;
  if (m >= r->n_metrics) return 0.0;
  for (size_t i = 0; i < r->n; i++)
    if (fold < 0 || n_folds <= 0 || (int)(i % (size_t)n_folds) == fold) {
      sum += r->values[m][i];
      cnt++;
    }
  return cnt ? sum / (double)cnt : 0.0;
}
