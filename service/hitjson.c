/* hitjson — rt_hit and rt_law_version as JSON objects. */
#include "hitjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statutes.h"

static const char *kind_name(rt_kind k) {
  switch (k) {
  case RT_ARTICLE: return "article";
  case RT_SECTION: return "section";
  case RT_CASE: return "case";
  case RT_PREAMBLE: return "preamble";
  }
  return "article";
}

void hj_str(cJSON *o, const char *key, const char *val) {
  cJSON_AddStringToObject(o, key, val ? val : "");
}

char *hj_ref(const rt_hit *h) {
  char buf[512];
  const char *title = h->law_title ? h->law_title : "";
  if (h->kind == RT_ARTICLE && h->number > 0 &&
      st_format_citation(title, h->number, h->suffix, buf, sizeof buf))
    return strdup(buf);
  snprintf(buf, sizeof buf, "《%s》%s", title, h->label ? h->label : "");
  return strdup(buf);
}

cJSON *hj_hit(const rt_hit *h, bool with_scores) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  char *ref = hj_ref(h);
  cJSON_AddNumberToObject(o, "id", (double)h->id);
  hj_str(o, "kind", kind_name(h->kind));
  hj_str(o, "ref", ref);
  free(ref);
  hj_str(o, "law", h->law_title);
  hj_str(o, "law_short", h->law_short);
  hj_str(o, "category", h->category);
  hj_str(o, "article", h->label);
  cJSON_AddNumberToObject(o, "number", h->number);
  cJSON_AddNumberToObject(o, "suffix", h->suffix);
  hj_str(o, "path", h->path);
  hj_str(o, "version_date", h->version_date);
  hj_str(o, "repealed_on", h->repealed_on);
  cJSON_AddBoolToObject(o, "expired", h->expired);
  cJSON_AddBoolToObject(o, "in_force", h->in_force);
  hj_str(o, "text", h->text);
  if (with_scores) {
    cJSON_AddNumberToObject(o, "score", h->score);
    cJSON *r = cJSON_AddObjectToObject(o, "ranks");
    if (r) {
      cJSON_AddNumberToObject(r, "citation", h->rank_citation);
      cJSON_AddNumberToObject(r, "bm25", h->rank_bm25);
      cJSON_AddNumberToObject(r, "dense", h->rank_dense);
    }
  }
  return o;
}

cJSON *hj_hits(const rt_hit *hits, size_t n, bool with_scores) {
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; a && i < n; i++) cJSON_AddItemToArray(a, hj_hit(&hits[i], with_scores));
  return a;
}

cJSON *hj_law_version(const rt_law_version *v) {
  cJSON *o = cJSON_CreateObject();
  if (!o) return NULL;
  hj_str(o, "title", v->title);
  hj_str(o, "short_title", v->short_title);
  hj_str(o, "category", v->category);
  hj_str(o, "version_date", v->version_date);
  hj_str(o, "first_date", v->first_date);
  hj_str(o, "repealed_on", v->repealed_on);
  cJSON_AddBoolToObject(o, "expired", v->expired);
  cJSON_AddNumberToObject(o, "articles", (double)v->n_articles);
  return o;
}
