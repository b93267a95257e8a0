/* evaluation — measures lawqa's retrieval on the published evaluation sets
 * (LeCoQA, LawBench 1-1, 3-1, 3-2, 3-3, 3-8) read in their published JSON
 * formats, and the metrics themselves (Recall@k, MRR, character ROUGE-L,
 * LawBench's per-example F1 with abstention).
 *
 * Errors are returned with a message in the caller's buffer; nothing here
 * prints. */
#ifndef LAWQA_EVALUATION_H
#define LAWQA_EVALUATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "retriever.h"

/* ---- Metrics ----------------------------------------------------------- */

/* Share of the distinct gold keys found among the first k ranked keys.
 * 0 when there is no gold. */
double ev_recall_at(const uint64_t *ranked, size_t n_ranked, const uint64_t *gold, size_t n_gold,
                    size_t k);

/* 1/rank of the first gold key among the first k ranked keys, else 0. */
double ev_rr_at(const uint64_t *ranked, size_t n_ranked, const uint64_t *gold, size_t n_gold,
                size_t k);

/* ROUGE-L F1 (beta 1) over Unicode characters, in [0, 1].  Both empty: 0. */
double ev_rouge_l(const char *candidate, const char *reference);

/* LawBench's per-example F1 of two sets of integers (duplicates count once).
 * An empty prediction is an abstention and scores 0. */
double ev_f1_ints(const int *pred, size_t n_pred, const int *gold, size_t n_gold);

/* The same for strings (charge names). */
double ev_f1_strs(const char *const *pred, size_t n_pred, const char *const *gold, size_t n_gold);

/* Identity of an article across calls: law title, number, suffix. */
uint64_t ev_article_key(const char *law_title, int number, int suffix);

/* ---- Answer parsing ---------------------------------------------------- */

/* LawBench's form of an article: no "答案:" prefix, no blanks, paragraphs
 * joined with ','.  Returns a malloc'd string. */
char *ev_lawbench_text(const char *text);

/* The same with every punctuation mark removed too: what "the same text"
 * means when two renderings of one article are compared.  malloc'd. */
char *ev_bare_text(const char *text);

/* The ASCII article numbers of a 3-1 answer ("法条:刑法第234、275条").
 * Writes up to cap distinct numbers; returns how many were written. */
size_t ev_answer_numbers(const char *answer, int *out, size_t cap);

/* The charges of a 3-1 question line "罪名:盗窃;诈骗。" or a 3-3 answer
 * "罪名:盗窃;诈骗": malloc'd names without 罪, up to cap; returns count. */
size_t ev_answer_charges(const char *text, char **out, size_t cap);

/* Splits a LeCoQA key "中华人民共和国民法典第五十四条" into the law name and
 * the article label ("第五十四条", "第一百三十三条之一").  Both malloc'd.
 * Returns false when the key does not end with an article label. */
bool ev_split_key(const char *key, char **law, char **label);

/* ---- Evaluation sets --------------------------------------------------- */

typedef enum {
  EV_LECOQA = 0,
  EV_LAWBENCH_1_1,
  EV_LAWBENCH_3_1,
  EV_LAWBENCH_3_2,
  EV_LAWBENCH_3_3,
  EV_LAWBENCH_3_8,
  EV_KIND_COUNT
} ev_kind;

/* "lecoqa", "lawbench-1-1" … ; returns -1 when unknown. */
int ev_kind_parse(const char *name);
const char *ev_kind_name(ev_kind kind);

typedef struct {
  char *question;   /* LeCoQA 问题, LawBench question */
  char *answer;     /* LawBench answer, NULL for LeCoQA */
  char **gold_keys; /* LeCoQA: the keys of 相关法规 */
  size_t n_gold;
} ev_item;

typedef struct {
  ev_item *items;
  size_t n;
} ev_set;

/* Reads a set in its published JSON format.  Returns 0 or -1 with err. */
int ev_load(const char *path, ev_kind kind, ev_set *out, char *err, size_t errlen);
void ev_set_free(ev_set *set);

/* ---- Running ----------------------------------------------------------- */

#define EV_MAX_METRICS 12

typedef struct {
  ev_kind kind;
  size_t n;                           /* questions scored */
  size_t n_metrics;
  const char *names[EV_MAX_METRICS];  /* "Recall@10" … (static strings) */
  double *values[EV_MAX_METRICS];     /* per question, n each; mean = score */
  char **unresolved;                  /* gold references that did not resolve */
  size_t n_unresolved;
  size_t n_gold;                      /* gold references seen */
  double seconds;
} ev_report;

typedef struct {
  int k;           /* hits asked of the retriever (default 100) */
  const char *as_of; /* YYYY-MM-DD: the law in force then (NULL: current) */
  size_t limit;    /* score only the first limit questions (0: all) */
  const rt_weights *weights; /* NULL: the handle's (for experiments on fusion) */
  int fold, folds; /* folds > 0: score only questions i with i % folds == fold
                      (the held-out part of a cross-validation) */
  FILE *dump;      /* non-NULL: one JSON line per LeCoQA / 3-2 question with its
                      gold keys and ranked hits, for studying the misses */
} ev_opts;

/* Runs every question of set through h and scores it.  Returns 0 or -1. */
int ev_run(rt_handle *h, const ev_set *set, ev_kind kind, const ev_opts *opts, ev_report *out,
           char *err, size_t errlen);
void ev_report_free(ev_report *r);

/* Mean of metric m over the questions i with i % n_folds == fold (fold < 0:
 * all questions). */
double ev_report_mean(const ev_report *r, size_t m, int fold, int n_folds);

#endif
