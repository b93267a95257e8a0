/* sse — formats Server-Sent Events.  Every event's data is one line of
 * JSON, so a newline in the text can never end an event early. */
#include "sse.h"

#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

static int send_event(task *t, const char *name, const char *data) {
  sbuf b = {0};
  if (name) sbuf_printf(&b, "event: %s\n", name);
  sbuf_printf(&b, "data: %s\n\n", data);
  int rc = b.s ? task_stream_write(t, b.s, b.len) : 1;
  sbuf_free(&b);
  return rc;
}

int sse_json_event(task *t, const char *name, const cJSON *json) {
  char *s = cJSON_PrintUnformatted(json);
  if (!s) return 1;
  int rc = send_event(t, name, s);
  free(s);
  return rc;
}

int sse_text_event(task *t, const char *name, const char *text, size_t len) {
  char *piece = strndup(text, len);
  cJSON *o = cJSON_CreateObject();
  int rc = 1;
  if (piece && o && cJSON_AddStringToObject(o, "text", piece)) rc = sse_json_event(t, name, o);
  cJSON_Delete(o);
  free(piece);
  return rc;
}

int sse_error_event(task *t, const char *code, const char *message) {
  char *body = error_body(code, message);
  int rc = send_event(t, "error", body);
  free(body);
  return rc;
}

int sse_data(task *t, const char *data) { return send_event(t, NULL, data); }
