/* answer — the pipeline's state and svc_answer, which runs it in one go
 * (the command line; the server runs the same steps on its threads). */
#include "answer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s) { return s && *s ? strdup(s) : NULL; }

int ans_init(ans_state *st, const svc_ask *a) {
  memset(st, 0, sizeof *st);
  st->question = strdup(a->question ? a->question : "");
  st->as_of = dup_or_null(a->as_of);
  st->law = dup_or_null(a->law);
  st->model_name = strdup(a->model_name ? a->model_name : "lawqa-extractive");
  st->k = a->k > 0 ? a->k : 5;
  st->max_tokens = a->max_tokens > 0 ? a->max_tokens : 512;
  st->temperature = a->temperature;
  st->retrieval = true;
  if (!st->question || !st->model_name || (a->as_of && *a->as_of && !st->as_of) ||
      (a->law && *a->law && !st->law)) {
    ans_free(st);
    return -1;
  }
  return 0;
}

int ans_add_history(ans_state *st, const char *role, const char *content) {
  gen_message *h = realloc(st->history, (st->n_history + 1) * sizeof *h);
  if (!h) return -1;
  st->history = h;
  char *r = strdup(role), *c = strdup(content);
  if (!r || !c) {
    free(r);
    free(c);
    return -1;
  }
  h[st->n_history].role = r;
  h[st->n_history].content = c;
  st->n_history++;
  return 0;
}

void ans_free(ans_state *st) {
  free(st->question);
  free(st->as_of);
  free(st->law);
  free(st->model_name);
  for (size_t i = 0; i < st->n_history; i++) {
    free((char *)st->history[i].role);
    free((char *)st->history[i].content);
  }
  free(st->history);
  rt_result_free(&st->arts);
  rt_result_free(&st->cases);
  sbuf_free(&st->text);
  memset(st, 0, sizeof *st);
}

int svc_answer(rt_handle *rt, gen_model *model, const svc_ask *a, svc_emit_fn emit, void *ctx,
               cJSON **out, char *err, size_t errlen) {
  ans_state st;
  *out = NULL;
  if (ans_init(&st, a)) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  int rc = ans_retrieve(&st, rt, err, errlen);
  if (!rc && model) rc = ans_generate(&st, model, NULL, emit, ctx, err, errlen);
  else if (!rc) ans_extractive(&st, emit, ctx);
  if (!rc) {
    *out = ans_result(&st, rt);
    if (!*out) {
      snprintf(err, errlen, "out of memory");
      rc = -1;
    }
  }
  ans_free(&st);
  return rc;
}
