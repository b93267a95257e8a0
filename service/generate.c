/* generate — runs the model on the prompt, streaming pieces as they come. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "answer.h"
#include "sse.h"
#include "svc.h"

typedef struct {
  ans_state *st;
  svc_emit_fn emit;
  void *ctx;
} piece_ctx;

static int on_piece(const char *piece, size_t len, void *user) {
  piece_ctx *pc = user;
  sbuf_add(&pc->st->text, piece, len);
  return pc->emit ? pc->emit(piece, len, pc->ctx) : 0;
}

int ans_generate(ans_state *st, gen_model *m, const atomic_int *cancel, svc_emit_fn emit,
                 void *ctx, char *err, size_t errlen) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int n_ids = 0;
  int32_t *ids = ans_prompt(st, m, &n_ids, err, errlen);
  if (!ids) return -1;
  gen_params p;
  gen_params_default(&p);
  p.max_tokens = st->max_tokens;
  p.temperature = (float)st->temperature;
  p.cancel = cancel;
  piece_ctx pc = {st, emit, ctx};
  /* gen_generate_tokens refuses a prompt that leaves no room in the context */
  int rc = gen_generate_tokens(m, ids, n_ids, &p, on_piece, &pc, &st->gs, err, errlen);
  free(ids);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  st->generation_ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  st->generated = true;
  return rc;
}

int ans_generate_task(task *t, ans_state *st, gen_model *m, bool stream, svc_emit_fn emit) {
  char err[256];
  int rc = ans_generate(st, m, &t->cancel, stream ? emit : NULL, t, err, sizeof err);
  atomic_fetch_add(&t->s->m.tokens_generated, (unsigned long long)st->gs.generated_tokens);
  if (rc) {
    if (stream) sse_error_event(t, "generation_failed", err);
    else task_error(t, 500, "generation_failed", "%s", err);
    task_done(t);
  }
  return rc;
}
