/* sse — Server-Sent Events on a task's stream. */
#ifndef LAWQA_SVC_SSE_H
#define LAWQA_SVC_SSE_H

#include "svc.h"

/* event: NAME / data: {"text": ...}; returns non-zero when the client is gone. */
int sse_text_event(task *t, const char *name, const char *text, size_t len);
/* event: NAME / data: <json> (json is not consumed). */
int sse_json_event(task *t, const char *name, const cJSON *json);
int sse_error_event(task *t, const char *code, const char *message);
/* data: <json> with no event name (OpenAI's chunk stream). */
int sse_data(task *t, const char *data);

#endif
