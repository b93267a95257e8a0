/* h_openai — the OpenAI-compatible surface: chat completions (with
 * retrieval applied to the last user message unless the request sets
 * "retrieval": false; the references come back in an extra "references"
 * field, verified citations in "citations"), embeddings and models.
 * Streams use OpenAI's chunk format: data: {...} events, then data: [DONE]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "answer.h"
#include "hitjson.h"
#include "sse.h"
#include "svc.h"

static atomic_ulong completion_seq;

typedef struct {
  ans_state st;
  bool stream;
  bool extractive; /* the client asked for lawqa-extractive */
  char id[48];
  long created;
  char *model;     /* as the client named it */
} chat_job;

static void chat_free(void *p) {
  chat_job *j = p;
  if (!j) return;
  ans_free(&j->st);
  free(j->model);
  free(j);
}

/* The envelope that streamed chunks and the whole response share: id,
 * object, created, model and one choice (index 0), returned in *choice. */
static cJSON *completion(const chat_job *j, const char *object, cJSON **choice) {
  cJSON *o = cJSON_CreateObject();
  hj_str(o, "id", j->id);
  hj_str(o, "object", object);
  cJSON_AddNumberToObject(o, "created", (double)j->created);
  hj_str(o, "model", j->model);
  cJSON *choices = cJSON_AddArrayToObject(o, "choices");
  cJSON *c = cJSON_CreateObject();
  cJSON_AddItemToArray(choices, c);
  cJSON_AddNumberToObject(c, "index", 0);
  *choice = c;
  return o;
}

static cJSON *chunk(const chat_job *j, const char *role, const char *content,
                    const char *finish_reason) {
  cJSON *c;
  cJSON *o = completion(j, "chat.completion.chunk", &c);
  cJSON *d = cJSON_AddObjectToObject(c, "delta");
  if (role) hj_str(d, "role", role);
  if (content) hj_str(d, "content", content);
  if (finish_reason) hj_str(c, "finish_reason", finish_reason);
  else cJSON_AddNullToObject(c, "finish_reason");
  return o;
}

static int send_chunk(task *t, cJSON *o) {
  char *s = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  int rc = s ? sse_data(t, s) : 1;
  free(s);
  return rc;
}

static int emit_chunk(const char *piece, size_t len, void *ctx) {
  task *t = ctx;
  chat_job *j = t->user;
  char *p = strndup(piece, len);
  int rc = p ? send_chunk(t, chunk(j, NULL, p, NULL)) : 1;
  free(p);
  return rc;
}

static const char *finish_reason(const chat_job *j) {
  return j->st.generated && j->st.gs.stop == GEN_STOP_MAX_TOKENS ? "length" : "stop";
}

static void add_extras(cJSON *o, cJSON *answer) {
  /* The retrieved articles and verified citations ride along as extra
   * fields, which OpenAI clients pass through untouched. */
  cJSON_AddItemToObject(o, "references", cJSON_DetachItemFromObject(answer, "retrieved"));
  cJSON_AddItemToObject(o, "citations", cJSON_DetachItemFromObject(answer, "citations"));
  cJSON_AddItemToObject(o, "cases", cJSON_DetachItemFromObject(answer, "cases"));
  cJSON *mode = cJSON_GetObjectItem(answer, "mode");
  hj_str(o, "lawqa_mode", cJSON_GetStringValue(mode));
  cJSON *w = cJSON_GetObjectItem(answer, "warning");
  if (w) hj_str(o, "warning", cJSON_GetStringValue(w));
}

static void finish(task *t, rt_handle *rt) {
  chat_job *j = t->user;
  cJSON *answer = ans_result(&j->st, rt);
  if (!answer) {
    task_error(t, 500, "internal", "out of memory");
    task_done(t);
    return;
  }
  if (j->stream) {
    /* The unverified-citation note (if any) was appended after the text
     * streamed: send it as a last content delta. */
    const char *warn = cJSON_GetStringValue(cJSON_GetObjectItem(answer, "warning"));
    if (warn) {
      char *note = NULL;
      if (asprintf(&note, "\n\n%s", warn) >= 0) {
        send_chunk(t, chunk(j, NULL, note, NULL));
        free(note);
      }
    }
    cJSON *last = chunk(j, NULL, NULL, finish_reason(j));
    add_extras(last, answer);
    send_chunk(t, last);
    sse_data(t, "[DONE]");
  } else {
    cJSON *c;
    cJSON *o = completion(j, "chat.completion", &c);
    cJSON *msg = cJSON_AddObjectToObject(c, "message");
    hj_str(msg, "role", "assistant");
    hj_str(msg, "content", cJSON_GetStringValue(cJSON_GetObjectItem(answer, "answer")));
    hj_str(c, "finish_reason", finish_reason(j));
    cJSON *u = cJSON_AddObjectToObject(o, "usage");
    cJSON_AddNumberToObject(u, "prompt_tokens", j->st.gs.prompt_tokens);
    cJSON_AddNumberToObject(u, "completion_tokens", j->st.gs.generated_tokens);
    cJSON_AddNumberToObject(u, "total_tokens", j->st.gs.prompt_tokens + j->st.gs.generated_tokens);
    add_extras(o, answer);
    task_json(t, 200, o);
  }
  cJSON_Delete(answer);
  task_done(t);
}

static void open_stream(task *t) {
  chat_job *j = t->user;
  if (!j->stream) return;
  task_stream_open(t, "text/event-stream; charset=utf-8");
  send_chunk(t, chunk(j, "assistant", "", NULL));
}

static void chat_gen(task *t, rt_handle *rt, gen_model *m) {
  chat_job *j = t->user;
  open_stream(t);
  if (ans_generate_task(t, &j->st, m, j->stream, emit_chunk)) return;
  finish(t, rt);
}

static void chat_work(task *t, rt_handle *rt, gen_model *m) {
  (void)m;
  chat_job *j = t->user;
  if (ans_retrieve_task(t, &j->st, rt)) return;
  if (t->s->model && !j->extractive) {
    t->gen = chat_gen;
    task_to_generator(t);
    return;
  }
  open_stream(t);
  ans_extractive(&j->st, j->stream ? emit_chunk : NULL, t);
  finish(t, rt);
}

/* Message content: a string, or an array of {type: "text", text} parts. */
static char *content_text(const cJSON *c) {
  if (cJSON_IsString(c)) return strdup(c->valuestring);
  if (!cJSON_IsArray(c)) return NULL;
  sbuf b = {0};
  const cJSON *part;
  cJSON_ArrayForEach(part, c) {
    const cJSON *txt = cJSON_GetObjectItemCaseSensitive(part, "text");
    if (!cJSON_IsString(txt)) {
      sbuf_free(&b);
      return NULL;
    }
    sbuf_puts(&b, txt->valuestring);
  }
  return sbuf_take(&b);
}

/* Fills the job's question (last user message) and history from
 * messages; rejects t and returns false on a malformed list. */
static bool read_messages(task *t, chat_job *j, const cJSON *msgs) {
  if (!cJSON_IsArray(msgs) || !cJSON_GetArraySize(msgs)) {
    task_reject(t, 400, cJSON_IsArray(msgs) ? "invalid_value" : "invalid_type",
                "field 'messages' must be a non-empty array");
    return false;
  }
  int n = cJSON_GetArraySize(msgs), last_user = -1;
  for (int i = 0; i < n; i++) {
    const cJSON *m = cJSON_GetArrayItem(msgs, i);
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
    const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");
    if (!cJSON_IsObject(m) || !cJSON_IsString(role) ||
        (!cJSON_IsString(content) && !cJSON_IsArray(content))) {
      task_reject(t, 400, "invalid_type",
                  "messages[%d] must be an object with string 'role' and 'content'", i);
      return false;
    }
    if (!strcmp(role->valuestring, "user")) last_user = i;
  }
  if (last_user < 0) {
    task_reject(t, 400, "invalid_value", "messages must contain a user message");
    return false;
  }
  for (int i = 0; i <= last_user; i++) {
    const cJSON *m = cJSON_GetArrayItem(msgs, i);
    char *text = content_text(cJSON_GetObjectItemCaseSensitive(m, "content"));
    if (!text) {
      task_reject(t, 400, "invalid_type", "messages[%d].content must be text", i);
      return false;
    }
    const char *role = cJSON_GetObjectItemCaseSensitive(m, "role")->valuestring;
    int rc = 0;
    if (i == last_user) {
      free(j->st.question);
      j->st.question = text;
      text = NULL;
    } else {
      rc = ans_add_history(&j->st, role, text);
    }
    free(text);
    if (rc) {
      task_reject(t, 500, "internal", "out of memory");
      return false;
    }
  }
  return true;
}

void h_chat(task *t) {
  cJSON *in = body_object(t);
  if (!in) return;
  svc_ask a = {.k = 5, .max_tokens = 512, .temperature = 0.3, .model_name = t->s->model_name,
               .question = ""};
  const char *model = NULL;
  bool stream = false, retrieval = true;
  if (!j_str(t, in, "model", false, &model) || !j_str(t, in, "as_of", false, &a.as_of) ||
      !j_str(t, in, "law", false, &a.law) || !j_int(t, in, "k", 1, 50, &a.k) ||
      !j_bool(t, in, "stream", &stream) || !j_bool(t, in, "retrieval", &retrieval) ||
      !j_int(t, in, "max_tokens", 1, 8192, &a.max_tokens) ||
      !j_num(t, in, "temperature", 0, 2, &a.temperature))
    return;
  bool extractive = !t->s->model || (model && !strcmp(model, "lawqa-extractive"));
  if (!retrieval && extractive) {
    task_reject(t, 400, "model_required",
                "\"retrieval\": false needs a model; this server answers extractively "
                "(start it with --model)");
    return;
  }
  chat_job *j = calloc(1, sizeof *j);
  if (!j || ans_init(&j->st, &a)) {
    free(j);
    task_reject(t, 500, "internal", "out of memory");
    return;
  }
  t->user = j;
  t->user_free = chat_free;
  j->stream = stream;
  j->extractive = extractive;
  j->st.retrieval = retrieval;
  j->created = (long)time(NULL);
  j->model = strdup(model ? model : t->s->model_name);
  snprintf(j->id, sizeof j->id, "chatcmpl-lawqa-%lu", atomic_fetch_add(&completion_seq, 1) + 1);
  if (!j->model) {
    task_reject(t, 500, "internal", "out of memory");
    return;
  }
  if (!read_messages(t, j, cJSON_GetObjectItemCaseSensitive(in, "messages"))) return;
  t->work = chat_work;
  task_submit(t);
}

/* ---- GET /v1/models ---- */

static cJSON *model_entry(const char *id) {
  cJSON *m = cJSON_CreateObject();
  hj_str(m, "id", id);
  hj_str(m, "object", "model");
  cJSON_AddNumberToObject(m, "created", 0);
  hj_str(m, "owned_by", "lawqa");
  return m;
}

void h_models(svc *s, struct evhttp_request *req, double t0) {
  cJSON *o = cJSON_CreateObject();
  hj_str(o, "object", "list");
  cJSON *data = cJSON_AddArrayToObject(o, "data");
  cJSON_AddItemToArray(data, model_entry(s->model_name));
  if (s->model) cJSON_AddItemToArray(data, model_entry("lawqa-extractive"));
  reply_json(s, req, R_MODELS, t0, 200, o);
}
