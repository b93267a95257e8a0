/* retrieval — the articles a question needs, and typical cases beside them. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "svc.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int ans_retrieve(ans_state *st, rt_handle *rt, char *err, size_t errlen) {
  double t0 = now_ms();
  if (!st->retrieval) return 0;
  rt_query q = {.k = st->k, .law = st->law, .as_of = st->as_of, .no_cases = true};
  if (rt_search(rt, st->question, &q, &st->arts, err, errlen)) return -1;
  /* Cases are an aid, not the answer: a database without them (or a law
   * filter that excludes them) still answers. */
  rt_query qc = {.k = 3, .as_of = st->as_of, .only_cases = true};
  char cerr[256];
  if (rt_search(rt, st->question, &qc, &st->cases, cerr, sizeof cerr))
    memset(&st->cases, 0, sizeof st->cases);
  st->retrieval_ms = now_ms() - t0;
  return 0;
}

int ans_retrieve_task(task *t, ans_state *st, rt_handle *rt) {
  char err[256];
  if (ans_retrieve(st, rt, err, sizeof err)) {
    task_error(t, 400, "bad_query", "%s", err);
    task_done(t);
    return -1;
  }
  return 0;
}
