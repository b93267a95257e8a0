/* h_answer — POST /v1/answer.  Retrieval runs on a worker; with a model
 * the answer is generated on the generator thread, otherwise composed
 * extractively right there.  With stream: true the answer goes out as
 * Server-Sent Events: "token" events as text comes, then one "done" event
 * carrying the whole answer object with its verified citations. */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "sse.h"
#include "svc.h"

typedef struct {
  ans_state st;
  bool stream;
} answer_job;

static void job_free(void *p) {
  answer_job *j = p;
  if (!j) return;
  ans_free(&j->st);
  free(j);
}

static int emit_sse(const char *piece, size_t len, void *ctx) {
  return sse_text_event((task *)ctx, "token", piece, len);
}

static void finish(task *t, rt_handle *rt) {
  answer_job *j = t->user;
  cJSON *o = ans_result(&j->st, rt);
  if (j->stream) {
    sse_json_event(t, "done", o);
    cJSON_Delete(o);
  } else {
    task_json(t, 200, o);
  }
  task_done(t);
}

static void answer_gen(task *t, rt_handle *rt, gen_model *m) {
  answer_job *j = t->user;
  if (j->stream) task_stream_open(t, "text/event-stream; charset=utf-8");
  if (ans_generate_task(t, &j->st, m, j->stream, emit_sse)) return;
  finish(t, rt);
}

static void answer_work(task *t, rt_handle *rt, gen_model *m) {
  (void)m;
  answer_job *j = t->user;
  if (ans_retrieve_task(t, &j->st, rt)) return;
  if (t->s->model) {
    t->gen = answer_gen;
    task_to_generator(t);
    return;
  }
  if (j->stream) task_stream_open(t, "text/event-stream; charset=utf-8");
  ans_extractive(&j->st, j->stream ? emit_sse : NULL, t);
  finish(t, rt);
}

void h_answer(task *t) {
  cJSON *in = body_object(t);
  if (!in) return;
  svc_ask a = {.k = 5, .max_tokens = 512, .temperature = 0.3, .model_name = t->s->model_name};
  bool stream = false;
  if (!j_str(t, in, "question", true, &a.question) || !j_str(t, in, "as_of", false, &a.as_of) ||
      !j_str(t, in, "law", false, &a.law) || !j_int(t, in, "k", 1, 50, &a.k) ||
      !j_bool(t, in, "stream", &stream) || !j_int(t, in, "max_tokens", 1, 8192, &a.max_tokens) ||
      !j_num(t, in, "temperature", 0, 2, &a.temperature))
    return;
  answer_job *j = calloc(1, sizeof *j);
  if (!j || ans_init(&j->st, &a)) {
    free(j);
    task_reject(t, 500, "internal", "out of memory");
    return;
  }
  j->stream = stream;
  t->user = j;
  t->user_free = job_free;
  t->work = answer_work;
  task_submit(t);
}
