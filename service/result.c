/* result — the answer object every front end returns: the text, how it
 * was made, its verified citations, what was retrieved, and timings. */
#include <stdio.h>

#include "answer.h"
#include "hitjson.h"

static const char unverified_note[] =
    "\n\n注意：回答中有 %d 处引用无法在法条数据库中核实（见 citations 中 verified 为 false 的条目），"
    "请勿依赖这些引用。\n";

cJSON *ans_result(ans_state *st, rt_handle *rt) {
  int bad = 0;
  cJSON *cits = ans_verify(st, rt, &bad);
  cJSON *o = cJSON_CreateObject();
  if (!o || !cits) {
    cJSON_Delete(o);
    cJSON_Delete(cits);
    return NULL;
  }
  char warn[512] = "";
  if (bad) {
    snprintf(warn, sizeof warn, unverified_note, bad);
    sbuf_puts(&st->text, warn);
  }
  hj_str(o, "question", st->question);
  hj_str(o, "answer", st->text.s);
  hj_str(o, "mode", st->generated ? "generated" : "extractive");
  hj_str(o, "model", st->model_name);
  hj_str(o, "as_of", st->as_of);
  cJSON_AddItemToObject(o, "citations", cits);
  cJSON_AddNumberToObject(o, "unverified", bad);
  if (bad) hj_str(o, "warning", warn + 2);
  cJSON_AddItemToObject(o, "retrieved", hj_hits(st->arts.hits, st->arts.n, true));
  cJSON_AddItemToObject(o, "cases", hj_hits(st->cases.hits, st->cases.n, false));
  cJSON *t = cJSON_AddObjectToObject(o, "timings");
  if (t) {
    cJSON_AddNumberToObject(t, "retrieval_ms", st->retrieval_ms);
    cJSON_AddNumberToObject(t, "generation_ms", st->generation_ms);
    if (st->generated) {
      cJSON_AddNumberToObject(t, "prompt_tokens", st->gs.prompt_tokens);
      cJSON_AddNumberToObject(t, "generated_tokens", st->gs.generated_tokens);
      cJSON_AddNumberToObject(t, "references_in_prompt", st->refs_used);
    }
  }
  return o;
}
