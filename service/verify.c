/* verify — every citation in an answer is checked against the database:
 * does the article exist, was it among the references the answer was
 * given, is it in force at the question's date.  An extractive answer
 * cites exactly the articles it quotes; a generated one is parsed with
 * st_find_citations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "hitjson.h"
#include "statutes.h"

#define MAX_CITATIONS 64

typedef struct {
  char *law;        /* as resolved or written, malloc'd; NULL: none */
  int article, suffix;
} cite_key;

static bool in_references(const ans_state *st, const char *title, int article, int suffix) {
  for (size_t i = 0; i < st->arts.n; i++) {
    const rt_hit *h = &st->arts.hits[i];
    if (h->number == article && h->suffix == suffix && h->law_title && title &&
        !strcmp(h->law_title, title))
      return true;
  }
  return false;
}

/* The law an unquoted candidate run names: its longest suffix that
 * resolves (the run may begin with ordinary words: 依照民法典 …). */
static char *resolve_run(rt_handle *rt, const char *run, size_t len) {
  size_t start = len > 90 ? len - 90 : 0; /* 30 characters at most */
  while (start < len && ((unsigned char)run[start] & 0xC0) == 0x80) start++;
  for (size_t i = start; i < len; i++) {
    if (((unsigned char)run[i] & 0xC0) == 0x80) continue;
    char *name = strndup(run + i, len - i);
    if (!name) return NULL;
    char *title = rt_resolve_law(rt, name);
    free(name);
    if (title) return title;
  }
  return NULL;
}

/* A bare 第X条: the reference with that number, when exactly one has it. */
static char *law_from_references(const ans_state *st, int article, int suffix) {
  const char *found = NULL;
  for (size_t i = 0; i < st->arts.n; i++) {
    const rt_hit *h = &st->arts.hits[i];
    if (h->number != article || h->suffix != suffix) continue;
    if (found && strcmp(found, h->law_title)) return NULL;
    found = h->law_title;
  }
  return found ? strdup(found) : NULL;
}

static cJSON *check(rt_handle *rt, const ans_state *st, const char *law, int article, int suffix,
                    bool *ok) {
  cJSON *c = cJSON_CreateObject();
  if (!c) return NULL;
  rt_hit hit;
  memset(&hit, 0, sizeof hit);
  char err[256] = "";
  const char *enclosing = st->arts.n ? st->arts.hits[0].law_title : NULL;
  int rc = law ? rt_check_citation(rt, law, enclosing, article, suffix, st->as_of, &hit, err,
                                   sizeof err)
               : 1;
  bool found = rc == 0;
  const char *title = found ? hit.law_title : law;
  char ref[512] = "";
  if (!title || !st_format_citation(title, article, suffix, ref, sizeof ref))
    snprintf(ref, sizeof ref, "第%d条", article);
  bool in_refs = found && in_references(st, hit.law_title, article, suffix);
  bool in_force = found && hit.in_force;
  *ok = found && in_refs && in_force;
  hj_str(c, "ref", ref);
  hj_str(c, "law", title);
  cJSON_AddNumberToObject(c, "article", article);
  cJSON_AddNumberToObject(c, "suffix", suffix);
  hj_str(c, "label", found ? hit.label : "");
  hj_str(c, "version_date", found ? hit.version_date : "");
  hj_str(c, "text", found ? hit.text : "");
  cJSON_AddBoolToObject(c, "found", found);
  cJSON_AddBoolToObject(c, "in_references", in_refs);
  cJSON_AddBoolToObject(c, "in_force", in_force);
  cJSON_AddBoolToObject(c, "verified", *ok);
  const char *note = !law      ? "未写明法律名称，无法核实"
                     : rc < 0  ? err
                     : !found  ? "数据库中没有这一条"
                     : !in_force ? "在所问日期不在施行期"
                     : !in_refs ? "不在提供给回答的参考法条中"
                                : "";
  hj_str(c, "note", note);
  rt_hit_clear(&hit);
  return c;
}

static bool seen(const cite_key *keys, size_t n, const char *law, int article, int suffix) {
  for (size_t i = 0; i < n; i++)
    if (keys[i].article == article && keys[i].suffix == suffix &&
        ((!keys[i].law && !law) || (keys[i].law && law && !strcmp(keys[i].law, law))))
      return true;
  return false;
}

static cJSON *verify_generated(ans_state *st, rt_handle *rt, int *unverified) {
  cJSON *arr = cJSON_CreateArray();
  const char *t = st->text.s ? st->text.s : "";
  st_citation cits[MAX_CITATIONS];
  size_t n = st_find_citations(t, strlen(t), cits, MAX_CITATIONS);
  if (n > MAX_CITATIONS) n = MAX_CITATIONS;
  cite_key keys[MAX_CITATIONS];
  size_t nk = 0;
  for (size_t i = 0; arr && i < n; i++) {
    const st_citation *c = &cits[i];
    char *law = NULL;
    if (c->this_law && st->arts.n) law = strdup(st->arts.hits[0].law_title);
    else if (c->law_len && c->law_quoted) law = strndup(t + c->law_start, c->law_len);
    else if (c->law_len) law = resolve_run(rt, t + c->law_start, c->law_len);
    else law = law_from_references(st, c->article, c->suffix);
    if (seen(keys, nk, law, c->article, c->suffix)) {
      free(law);
      continue;
    }
    keys[nk++] = (cite_key){law, c->article, c->suffix};
    bool ok;
    cJSON *j = check(rt, st, law, c->article, c->suffix, &ok);
    if (!ok) (*unverified)++;
    cJSON_AddItemToArray(arr, j);
  }
  for (size_t i = 0; i < nk; i++) free(keys[i].law);
  return arr;
}

static cJSON *verify_extractive(ans_state *st, rt_handle *rt, int *unverified) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr && i < st->arts.n; i++) {
    const rt_hit *h = &st->arts.hits[i];
    if (h->kind != RT_ARTICLE || h->number <= 0) continue;
    bool ok;
    cJSON *j = check(rt, st, h->law_title, h->number, h->suffix, &ok);
    if (!ok) (*unverified)++;
    cJSON_AddItemToArray(arr, j);
  }
  return arr;
}

cJSON *ans_verify(ans_state *st, rt_handle *rt, int *unverified) {
  *unverified = 0;
  return st->generated ? verify_generated(st, rt, unverified)
                       : verify_extractive(st, rt, unverified);
}
