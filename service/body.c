/* body — request input checked before any work is queued: the body's
 * size, UTF-8 and JSON syntax, and the type and range of each parameter.
 * Every failure rejects the task with a JSON error naming the field. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "svc.h"

cJSON *body_json(task *t, size_t limit) {
  struct evbuffer *in = evhttp_request_get_input_buffer(t->req);
  size_t n = evbuffer_get_length(in);
  if (n > limit) {
    task_reject(t, 413, "body_too_large", "request body is %zu bytes; the limit is %zu", n, limit);
    return NULL;
  }
  if (n == 0) {
    task_reject(t, 400, "invalid_json", "request body is empty; a JSON document is required");
    return NULL;
  }
  const char *p = (const char *)evbuffer_pullup(in, (ev_ssize_t)n);
  if (!p) {
    task_reject(t, 500, "internal", "out of memory");
    return NULL;
  }
  if (!svc_utf8_valid(p, n)) {
    task_reject(t, 400, "invalid_utf8", "request body is not valid UTF-8");
    return NULL;
  }
  const char *end = NULL;
  cJSON *j = cJSON_ParseWithLengthOpts(p, n, &end, 0);
  if (!j) {
    size_t at = end && end >= p ? (size_t)(end - p) : 0;
    task_reject(t, 400, "invalid_json", "request body is not valid JSON (near byte %zu)", at);
    return NULL;
  }
  /* Anything but blanks after the document is an error too. */
  for (const char *q = end ? end : p + n; q < p + n; q++)
    if (!strchr(" \t\r\n", *q)) {
      cJSON_Delete(j);
      task_reject(t, 400, "invalid_json", "trailing data after the JSON document");
      return NULL;
    }
  return j;
}

cJSON *body_object(task *t) {
  cJSON *in = body_json(t, t->s->o.max_body);
  if (!in) return NULL;
  t->in = in;
  if (!cJSON_IsObject(in)) {
    task_reject(t, 400, "invalid_type", "the body must be a JSON object");
    return NULL;
  }
  return in;
}

bool q_str(task *t, const char *name, bool required, const char **out) {
  const char *v = evhttp_find_header(&t->query, name);
  if (v && !svc_utf8_valid(v, strlen(v))) {
    task_reject(t, 400, "invalid_utf8", "query parameter '%s' is not valid UTF-8", name);
    return false;
  }
  if (required && (!v || !*v)) {
    task_reject(t, 400, "missing_parameter", "query parameter '%s' is required", name);
    return false;
  }
  *out = v && *v ? v : NULL;
  return true;
}

bool q_int(task *t, const char *name, int lo, int hi, int def, int *out) {
  const char *v = evhttp_find_header(&t->query, name);
  *out = def;
  if (!v || !*v) return true;
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (errno || *end || x < lo || x > hi) {
    task_reject(t, 400, "invalid_parameter", "query parameter '%s' must be an integer %d..%d",
                name, lo, hi);
    return false;
  }
  *out = (int)x;
  return true;
}

bool j_str(task *t, const cJSON *o, const char *name, bool required, const char **out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  *out = NULL;
  if (!v || cJSON_IsNull(v)) {
    if (!required) return true;
    task_reject(t, 400, "missing_field", "field '%s' is required", name);
    return false;
  }
  if (!cJSON_IsString(v)) {
    task_reject(t, 400, "invalid_type", "field '%s' must be a string", name);
    return false;
  }
  if (required && !*v->valuestring) {
    task_reject(t, 400, "invalid_value", "field '%s' must not be empty", name);
    return false;
  }
  *out = *v->valuestring ? v->valuestring : NULL;
  return true;
}

bool j_num(task *t, const cJSON *o, const char *name, double lo, double hi, double *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  if (!v || cJSON_IsNull(v)) return true;
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi)) {
    task_reject(t, 400, cJSON_IsNumber(v) ? "invalid_value" : "invalid_type",
                "field '%s' must be a number %g..%g", name, lo, hi);
    return false;
  }
  *out = v->valuedouble;
  return true;
}

bool j_int(task *t, const cJSON *o, const char *name, int lo, int hi, int *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  if (!v || cJSON_IsNull(v)) return true;
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi) ||
      v->valuedouble != (double)(int)v->valuedouble) {
    task_reject(t, 400, cJSON_IsNumber(v) ? "invalid_value" : "invalid_type",
                "field '%s' must be an integer %d..%d", name, lo, hi);
    return false;
  }
  *out = (int)v->valuedouble;
  return true;
}

bool j_bool(task *t, const cJSON *o, const char *name, bool *out) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  if (!v || cJSON_IsNull(v)) return true;
  if (!cJSON_IsBool(v)) {
    task_reject(t, 400, "invalid_type", "field '%s' must be true or false", name);
    return false;
  }
  *out = cJSON_IsTrue(v);
  return true;
}
