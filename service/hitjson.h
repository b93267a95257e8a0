/* hitjson — the JSON shapes of retriever results, shared by every route. */
#ifndef LAWQA_SVC_HITJSON_H
#define LAWQA_SVC_HITJSON_H

#include <cJSON.h>

#include "retriever.h"

/* 《title》第X条[之Y] for an article, the title and label otherwise;
 * malloc'd. */
char *hj_ref(const rt_hit *h);
cJSON *hj_hit(const rt_hit *h, bool with_scores);
cJSON *hj_hits(const rt_hit *hits, size_t n, bool with_scores);
cJSON *hj_law_version(const rt_law_version *v);
/* Adds a string member, "" for NULL. */
void hj_str(cJSON *o, const char *key, const char *val);

#endif
