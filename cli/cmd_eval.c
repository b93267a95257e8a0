/* lawqa eval — retrieval metrics on a published evaluation set (LeCoQA,
 * LawBench 1-1, 3-1, 3-2, 3-3, 3-8), as a table or JSON; with --folds N the
 * questions are also split into N folds (question i in fold i mod N) so
 * that anything tuned on a training file can be reported fold by fold. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "evaluation.h"
#include "retriever.h"

typedef struct {
  const char *db, *set, *kind, *dump, *as_of;
  int k, folds, holdout;
  long limit;
  int max_terms;
  double title_weight, path_weight, max_df;
  bool json, quiet_unresolved;
} eval_args;

static void usage(FILE *f) {
  fprintf(f,
          "usage: lawqa eval --db FILE --set FILE --kind KIND [--k N] [--folds N [--holdout F]]\n"
          "                  [--limit N] [--json] [--no-unresolved] [--dump FILE]\n"
          "                  [--as-of YYYY-MM-DD]\n"
          "--folds N: also report each fold (question i is in fold i mod N + 1);\n"
          "--holdout F: score fold F alone (cross-validation of what was learned\n"
          "             on the other folds)\n"
          "--dump FILE: write each question's gold keys and ranked hits (JSON lines)\n"
          "--as-of DATE: search and look up the laws as in force on DATE\n"
          "--max-terms N, --max-df F, --title-weight X, --path-weight X: override the\n"
          "             retriever's BM25 weights\n"
          "kinds: lecoqa lawbench-1-1 lawbench-3-1 lawbench-3-2 lawbench-3-3 lawbench-3-8\n");
}

static int parse_args(int argc, char **argv, eval_args *a) {
  memset(a, 0, sizeof *a);
  a->k = 100;
  for (int i = 1; i < argc; i++) {
    const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(o, "--json")) a->json = true;
    else if (!strcmp(o, "--no-unresolved")) a->quiet_unresolved = true;
    else if (!strcmp(o, "-h") || !strcmp(o, "--help")) return 1;
    else if (!v) return -1;
    else if (!strcmp(o, "--db")) a->db = v, i++;
    else if (!strcmp(o, "--set")) a->set = v, i++;
    else if (!strcmp(o, "--kind")) a->kind = v, i++;
    else if (!strcmp(o, "--dump")) a->dump = v, i++;
    else if (!strcmp(o, "--as-of")) a->as_of = v, i++;
    else if (!strcmp(o, "--k")) a->k = atoi(v), i++;
    else if (!strcmp(o, "--folds")) a->folds = atoi(v), i++;
    else if (!strcmp(o, "--limit")) a->limit = atol(v), i++;
    else if (!strcmp(o, "--holdout")) a->holdout = atoi(v), i++;
    else if (!strcmp(o, "--max-terms")) a->max_terms = atoi(v), i++;
    else if (!strcmp(o, "--max-df")) a->max_df = atof(v), i++;
    else if (!strcmp(o, "--title-weight")) a->title_weight = atof(v), i++;
    else if (!strcmp(o, "--path-weight")) a->path_weight = atof(v), i++;
    else return -1;
  }
  if (!a->db || !a->set || !a->kind || a->k < 1 || a->folds < 0 || a->limit < 0) return -1;
  if (a->as_of && !rt_valid_date(a->as_of)) return -1;
  /* --holdout F scores fold F of --folds N alone (default N 5). */
  if (a->holdout < 0 || (a->holdout && a->holdout > (a->folds ? a->folds : 5))) return -1;
  return 0;
}

static void print_table(const ev_report *r, const eval_args *a) {
  printf("%s: %zu questions, %zu gold references (%zu unresolved), %.1f s\n",
         ev_kind_name(r->kind), r->n, r->n_gold, r->n_unresolved, r->seconds);
  printf("%-26s %8s", "metric", "all");
  for (int f = 0; f < a->folds; f++) printf("   fold%-2d", f + 1);
  printf("\n");
  for (size_t m = 0; m < r->n_metrics; m++) {
    printf("%-26s %8.4f", r->names[m], ev_report_mean(r, m, -1, 0));
    for (int f = 0; f < a->folds; f++) printf(" %8.4f", ev_report_mean(r, m, f, a->folds));
    printf("\n");
  }
  if (!a->quiet_unresolved)
    for (size_t i = 0; i < r->n_unresolved; i++) printf("unresolved: %s\n", r->unresolved[i]);
}

static int print_json(const ev_report *r, const eval_args *a) {
  cJSON *o = cJSON_CreateObject(), *metrics = cJSON_AddObjectToObject(o, "metrics");
  cJSON_AddStringToObject(o, "kind", ev_kind_name(r->kind));
  cJSON_AddNumberToObject(o, "questions", (double)r->n);
  cJSON_AddNumberToObject(o, "gold", (double)r->n_gold);
  cJSON_AddNumberToObject(o, "seconds", r->seconds);
  for (size_t m = 0; m < r->n_metrics; m++)
    cJSON_AddNumberToObject(metrics, r->names[m], ev_report_mean(r, m, -1, 0));
  if (a->folds > 0) {
    cJSON *folds = cJSON_AddArrayToObject(o, "folds");
    for (int f = 0; f < a->folds; f++) {
      cJSON *fo = cJSON_CreateObject();
      for (size_t m = 0; m < r->n_metrics; m++)
        cJSON_AddNumberToObject(fo, r->names[m], ev_report_mean(r, m, f, a->folds));
      cJSON_AddItemToArray(folds, fo);
    }
  }
  cJSON *u = cJSON_AddArrayToObject(o, "unresolved");
  for (size_t i = 0; i < r->n_unresolved; i++)
    cJSON_AddItemToArray(u, cJSON_CreateString(r->unresolved[i]));
  char *s = cJSON_Print(o);
  cJSON_Delete(o);
  if (!s) return -1;
  puts(s);
  free(s);
  return 0;
}

int cmd_eval(int argc, char **argv) {
  eval_args a;
  int pr = parse_args(argc, argv, &a);
  if (pr) {
    usage(pr > 0 ? stdout : stderr);
    return pr > 0 ? 0 : 2;
  }
  int kind = ev_kind_parse(a.kind);
  if (kind < 0) {
    fprintf(stderr, "lawqa eval: unknown kind '%s'\n", a.kind);
    usage(stderr);
    return 2;
  }
  char err[512];
  ev_set set;
  if (ev_load(a.set, (ev_kind)kind, &set, err, sizeof err)) {
    fprintf(stderr, "lawqa eval: %s\n", err);
    return 1;
  }
  rt_handle *h = rt_open(a.db, err, sizeof err);
  if (!h) {
    fprintf(stderr, "lawqa eval: %s\n", err);
    ev_set_free(&set);
    return 1;
  }
  ev_opts opts = {.k = a.k, .limit = (size_t)a.limit, .as_of = a.as_of};
  rt_weights w;
  if (a.max_terms > 0 || a.max_df > 0 || a.title_weight > 0 || a.path_weight > 0) {
    rt_default_weights(&w);
    if (a.max_terms > 0) w.max_terms = a.max_terms;
    if (a.max_df > 0) w.max_df = a.max_df;
    if (a.title_weight > 0) w.bm25_title = a.title_weight;
    if (a.path_weight > 0) w.bm25_path = a.path_weight;
    opts.weights = &w;
  }
  if (a.holdout) {
    opts.folds = a.folds ? a.folds : 5;
    opts.fold = a.holdout - 1;
    a.folds = 0; /* the held-out fold is reported as a whole */
  }
  if (a.dump && !(opts.dump = fopen(a.dump, "w"))) {
    fprintf(stderr, "lawqa eval: cannot write %s\n", a.dump);
    rt_close(h);
    ev_set_free(&set);
    return 1;
  }
  ev_report r;
  int rc = ev_run(h, &set, (ev_kind)kind, &opts, &r, err, sizeof err);
  if (rc == 0) {
    if (a.json ? print_json(&r, &a) : (print_table(&r, &a), 0)) rc = -1;
    ev_report_free(&r);
  } else
    fprintf(stderr, "lawqa eval: %s\n", err);
  if (opts.dump && fclose(opts.dump)) rc = -1;
  rt_close(h);
  ev_set_free(&set);
  return rc ? 1 : 0;
}
