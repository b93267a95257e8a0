/* answer — the state of one answer as it moves through the pipeline:
 * retrieval (a worker's rt_handle), then an extractive composition or a
 * generation (the generator thread), then citation verification. */
#ifndef LAWQA_SVC_ANSWER_H
#define LAWQA_SVC_ANSWER_H

#include <stdatomic.h>
#include <stdbool.h>

#include "sbuf.h"
#include "service.h"

typedef struct {
  char *question, *as_of, *law, *model_name;
  int k, max_tokens;
  double temperature;
  bool retrieval;        /* false: answer without references (chat API) */
  gen_message *history;  /* earlier chat turns (chat API), owned */
  size_t n_history;

  rt_result arts;        /* retrieved articles */
  rt_result cases;       /* related cases */
  sbuf text;             /* the answer as produced */
  bool generated;
  gen_stats gs;
  double retrieval_ms, generation_ms;
  int refs_used;         /* references that fitted in the prompt */
} ans_state;

/* Copies a's strings.  Returns 0 or -1 (out of memory). */
int ans_init(ans_state *st, const svc_ask *a);
/* Adds an earlier chat turn (copied). */
int ans_add_history(ans_state *st, const char *role, const char *content);
void ans_free(ans_state *st);

/* retrieval.c */
int ans_retrieve(ans_state *st, rt_handle *rt, char *err, size_t errlen);

/* extractive.c: composes the answer from the retrieved articles. */
void ans_extractive(ans_state *st, svc_emit_fn emit, void *ctx);

/* prompt.c: the chat-templated prompt's tokens (malloc'd, *n_out of them;
 * message text never becomes a control token); fits n_ctx - max_tokens. */
int32_t *ans_prompt(ans_state *st, gen_model *m, int *n_out, char *err, size_t errlen);

/* generate.c */
int ans_generate(ans_state *st, gen_model *m, const atomic_int *cancel, svc_emit_fn emit,
                 void *ctx, char *err, size_t errlen);

/* verify.c: checks the answer's citations; returns the citations array and
 * sets *unverified to how many could not be verified. */
cJSON *ans_verify(ans_state *st, rt_handle *rt, int *unverified);

/* Shared by /v1/answer and /v1/chat/completions, which handled a task's
 * retrieval and generation failures with the same code (t is a task *).
 * ans_retrieve_task: retrieves for t; on failure answers 400 bad_query,
 * ends t and returns nonzero.  ans_generate_task: generates for t (emit
 * only when stream), counts the tokens; on failure reports
 * generation_failed (an SSE error event when stream), ends t and returns
 * nonzero.  On 0 the caller goes on to finish t. */
struct task;
int ans_retrieve_task(struct task *t, ans_state *st, rt_handle *rt);
int ans_generate_task(struct task *t, ans_state *st, gen_model *m, bool stream, svc_emit_fn emit);

/* result.c: the answer object (citations verified with rt). */
cJSON *ans_result(ans_state *st, rt_handle *rt);

/* Text of an article cut to max_chars characters (with …… when cut). */
void ans_quote(sbuf *b, const char *text, size_t max_chars);

#endif
