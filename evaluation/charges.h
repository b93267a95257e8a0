/* The charge-name map (罪名 -> 刑法 articles) and the LawBench 3-1 rules that
 * use it.  Private to the evaluation library. */
#ifndef LAWQA_EV_CHARGES_H
#define LAWQA_EV_CHARGES_H

#include <stddef.h>

#include "retriever.h"

typedef struct {
  const char *name;     /* 盗窃罪 */
  const char *articles; /* "264", "114,115", "133之一" */
} ev_charge;

typedef struct {
  ev_charge *v; /* names and articles malloc'd */
  size_t n, cap;
} ev_charges;

/* charges_load.c: the map from the charge-name provisions in h's database
 * (empty when it has none).  Returns 0, or -1 with a message. */
int ev_charges_load(rt_handle *h, ev_charges *t, char *err, size_t errlen);
void ev_charges_free(ev_charges *t);

/* The table entry for a charge as a judgment names it ("盗窃", "盗窃罪"):
 * exact, else the most similar name (character ROUGE-L >= 0.6), else NULL. */
const ev_charge *ev_charge_find(const ev_charges *t, const char *charge);

/* 刑法 article numbers (without 之X, as LawBench writes them) for the charges
 * named in a 3-1 question's "罪名:" line.  h, when not NULL, is used to add
 * the sentencing article that follows a charge's article ("对犯受贿罪的 …")
 * and the articles it refers to.  Writes up to cap; returns the count. */
size_t ev_predict_articles(rt_handle *h, const ev_charges *t, const char *question, int *out,
                           size_t cap);

/* LawBench 3-3: the charges for the facts of a question, predicted from the
 * 刑法 articles the retriever ranks first for them.  malloc'd names without
 * 罪, up to cap, count in *n.  Returns 0 or -1. */
int ev_predict_charges(rt_handle *h, const ev_charges *t, const char *question, char **out,
                       size_t cap, size_t *n);

#endif
