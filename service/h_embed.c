/* h_embed — POST /v1/embeddings: the model's sentence embeddings (mean
 * pooled, L2-normalized, as the dense index uses), as float arrays or, when
 * the client asks (OpenAI's own client does by default), base64 of the
 * little-endian float32 bytes.  Runs on the generator thread: embedding
 * uses the model's scratch buffers like generation does. */
#include <stdlib.h>
#include <string.h>

#include "hitjson.h"
#include "sbuf.h"
#include "svc.h"

#define MAX_INPUTS 256

typedef struct {
  const char **texts; /* point into t->in */
  int n;
  bool base64;
  char *model;
} embed_job;

static void embed_free(void *p) {
  embed_job *j = p;
  if (!j) return;
  free(j->texts);
  free(j->model);
  free(j);
}

static char *base64(const unsigned char *p, size_t n) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
  if (!out) return NULL;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < n) v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < n) v |= p[i + 2];
    *o++ = tab[(v >> 18) & 63];
    *o++ = tab[(v >> 12) & 63];
    *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
    *o++ = i + 2 < n ? tab[v & 63] : '=';
  }
  *o = '\0';
  return out;
}

static cJSON *vector_json(const float *v, int dim, bool b64) {
  if (b64) {
    /* x86 and ARM are little-endian, which is what the format wants. */
    char *s = base64((const unsigned char *)v, (size_t)dim * sizeof *v);
    cJSON *j = s ? cJSON_CreateString(s) : NULL;
    free(s);
    return j;
  }
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; a && i < dim; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
  return a;
}

static void embed_gen(task *t, rt_handle *rt, gen_model *m) {
  (void)rt;
  embed_job *j = t->user;
  int dim = gen_model_info(m)->dim;
  float *out = malloc((size_t)j->n * (size_t)dim * sizeof *out);
  char err[256];
  if (!out) {
    task_error(t, 500, "internal", "out of memory");
  } else if (gen_embed(m, j->texts, j->n, 0, GEN_POOL_MEAN, out, err, sizeof err)) {
    task_error(t, 500, "embedding_failed", "%s", err);
  } else {
    cJSON *o = cJSON_CreateObject();
    hj_str(o, "object", "list");
    cJSON *data = cJSON_AddArrayToObject(o, "data");
    long tokens = 0;
    for (int i = 0; i < j->n; i++) {
      cJSON *e = cJSON_CreateObject();
      hj_str(e, "object", "embedding");
      cJSON_AddNumberToObject(e, "index", i);
      cJSON_AddItemToObject(e, "embedding", vector_json(out + (size_t)i * dim, dim, j->base64));
      cJSON_AddItemToArray(data, e);
      int32_t first;
      int nt = gen_tokenize(m, j->texts[i], 1, 0, &first, 1, err, sizeof err);
      if (nt > 0) tokens += nt;
    }
    hj_str(o, "model", j->model);
    cJSON *u = cJSON_AddObjectToObject(o, "usage");
    cJSON_AddNumberToObject(u, "prompt_tokens", (double)tokens);
    cJSON_AddNumberToObject(u, "total_tokens", (double)tokens);
    task_json(t, 200, o);
  }
  free(out);
  task_done(t);
}

/* Nothing to retrieve: the worker only passes the job on. */
static void embed_work(task *t, rt_handle *rt, gen_model *m) {
  (void)rt, (void)m;
  t->gen = embed_gen;
  task_to_generator(t);
}

static bool read_input(task *t, embed_job *j, const cJSON *in) {
  int n = cJSON_IsString(in) ? 1 : cJSON_IsArray(in) ? cJSON_GetArraySize(in) : -1;
  if (n < 1 || n > MAX_INPUTS) {
    task_reject(t, 400, n < 0 ? "invalid_type" : "invalid_value",
                "field 'input' must be a string or an array of 1..%d strings", MAX_INPUTS);
    return false;
  }
  j->texts = calloc((size_t)n, sizeof *j->texts);
  if (!j->texts) {
    task_reject(t, 500, "internal", "out of memory");
    return false;
  }
  j->n = n;
  for (int i = 0; i < n; i++) {
    const cJSON *s = cJSON_IsString(in) ? in : cJSON_GetArrayItem(in, i);
    if (!cJSON_IsString(s) || !*s->valuestring) {
      task_reject(t, 400, "invalid_type", "input[%d] must be a non-empty string", i);
      return false;
    }
    j->texts[i] = s->valuestring;
  }
  return true;
}

void h_embeddings(task *t) {
  cJSON *in = body_object(t);
  if (!in) return;
  const char *model = NULL, *fmt = NULL;
  if (!j_str(t, in, "model", false, &model) || !j_str(t, in, "encoding_format", false, &fmt))
    return;
  if (fmt && strcmp(fmt, "float") && strcmp(fmt, "base64")) {
    task_reject(t, 400, "invalid_value", "encoding_format must be 'float' or 'base64'");
    return;
  }
  if (!t->s->model) {
    task_reject(t, 503, "model_unavailable",
                "embeddings need a model; start lawqa serve with --model");
    return;
  }
  embed_job *j = calloc(1, sizeof *j);
  if (!j) {
    task_reject(t, 500, "internal", "out of memory");
    return;
  }
  t->user = j;
  t->user_free = embed_free;
  j->base64 = fmt && !strcmp(fmt, "base64");
  j->model = strdup(model ? model : t->s->model_name);
  if (!j->model || !read_input(t, j, cJSON_GetObjectItemCaseSensitive(in, "input"))) {
    if (!j->model) task_reject(t, 500, "internal", "out of memory");
    return;
  }
  t->work = embed_work;
  task_submit(t);
}
