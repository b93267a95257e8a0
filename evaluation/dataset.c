/* The evaluation sets in their published JSON: LeCoQA records carry 问题 and
 * the article keys of 相关法规; LawBench records carry question and answer.
 * Nothing else of a record is read (LeCoQA's 关键词 and answer text would
 * leak the answer into the query). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluation.h"

static const char *const kind_names[EV_KIND_COUNT] = {
    "lecoqa", "lawbench-1-1", "lawbench-3-1", "lawbench-3-2", "lawbench-3-3", "lawbench-3-8"};

int ev_kind_parse(const char *name) {
  for (int i = 0; i < EV_KIND_COUNT; i++)
    if (!strcmp(name, kind_names[i])) return i;
  return -1;
}

const char *ev_kind_name(ev_kind kind) {
  return kind < EV_KIND_COUNT ? kind_names[kind] : "?";
}

static char *read_file(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long len;
  if (!f) {
    snprintf(err, errlen, "cannot open %s", path);
    return NULL;
  }
  if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
      (buf = malloc((size_t)len + 1)) != NULL) {
    if (fread(buf, 1, (size_t)len, f) == (size_t)len)
      buf[len] = 0;
    else {
      free(buf);
      buf = NULL;
    }
  }
  if (!buf) snprintf(err, errlen, "cannot read %s", path);
  fclose(f);
  return buf;
}

/* LeCoQA was written by pandas, which spells a missing value NaN: not JSON,
 * and cJSON refuses it.  Outside strings, NaN becomes null. */
static char *nan_to_null(const char *in) {
  size_t len = strlen(in), nans = 0;
  for (const char *p = strstr(in, "NaN"); p; p = strstr(p + 3, "NaN")) nans++;
  char *out = malloc(len + nans + 1), *o = out;
  bool in_string = false;
  if (!out) return NULL;
  for (const char *p = in; *p; p++) {
    if (in_string) {
      if (*p == '\\' && p[1]) *o++ = *p++;
      else if (*p == '"') in_string = false;
    } else if (*p == '"') {
      in_string = true;
    } else if (!strncmp(p, "NaN", 3)) {
      memcpy(o, "null", 4);
      o += 4;
      p += 2;
      continue;
    }
    *o++ = *p;
  }
  *o = 0;
  return out;
}

static const char *string_field(const cJSON *o, const char *name) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int load_item(const cJSON *rec, ev_kind kind, ev_item *it) {
  const char *q = string_field(rec, kind == EV_LECOQA ? "问题" : "question");
  if (!q) return 1; /* not a record of this set: skipped */
  if (!(it->question = strdup(q))) return -1;
  if (kind != EV_LECOQA) {
    const char *a = string_field(rec, "answer");
    return (it->answer = strdup(a ? a : "")) ? 0 : -1;
  }
  const cJSON *laws = cJSON_GetObjectItemCaseSensitive(rec, "相关法规");
  size_t n = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, laws) n++;
  if (n && !(it->gold_keys = calloc(n, sizeof *it->gold_keys))) return -1;
  cJSON_ArrayForEach(c, laws) {
    if (!c->string) continue;
    if (!(it->gold_keys[it->n_gold] = strdup(c->string))) return -1;
    it->n_gold++;
  }
  return 0;
}

int ev_load(const char *path, ev_kind kind, ev_set *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  char *buf = read_file(path, err, errlen);
  if (!buf) return -1;
  char *clean = nan_to_null(buf);
  free(buf);
  cJSON *root = clean ? cJSON_Parse(clean) : NULL;
  free(clean);
  if (!cJSON_IsArray(root)) {
    snprintf(err, errlen, "%s: not a JSON array of records", path);
    cJSON_Delete(root);
    return -1;
  }
  size_t cap = (size_t)cJSON_GetArraySize(root);
  int rc = 0;
  if (cap && !(out->items = calloc(cap, sizeof *out->items))) rc = -1;
  const cJSON *rec;
  cJSON_ArrayForEach(rec, root) {
    if (rc) break;
    int r = load_item(rec, kind, &out->items[out->n]);
    if (r < 0) rc = -1;
    out->n++; /* a failed or skipped item is freed with the set */
    if (r > 0) {
      free(out->items[--out->n].question);
      memset(&out->items[out->n], 0, sizeof out->items[out->n]);
    }
  }
  cJSON_Delete(root);
  if (!rc && !out->n) {
    snprintf(err, errlen, "%s: no %s records in it", path, ev_kind_name(kind));
    rc = -1;
  } else if (rc)
    snprintf(err, errlen, "out of memory reading %s", path);
  if (rc) ev_set_free(out);
  return rc;
}

void ev_set_free(ev_set *set) {
  for (size_t i = 0; i < set->n; i++) {
    ev_item *it = &set->items[i];
    free(it->question);
    free(it->answer);
    for (size_t g = 0; g < it->n_gold; g++) free(it->gold_keys[g]);
    free(it->gold_keys);
  }
  free(set->items);
  memset(set, 0, sizeof *set);
}
