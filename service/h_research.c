/* h_research — the research API: search, laws, a law's versions, one
 * article, one case.  Parameters are checked on the loop; the lookups run
 * on a retrieval worker. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hitjson.h"
#include "svc.h"

/* ---- GET /v1/search?q=&k=&law=&as_of= ---- */

typedef struct {
  const char *q, *law, *as_of;
  int k;
  bool cases, only_cases;
} search_args;

static void search_work(task *t, rt_handle *rt, gen_model *m) {
  (void)m;
  search_args *a = t->user;
  rt_query q = {.k = a->k, .law = a->law, .as_of = a->as_of, .no_cases = !a->cases,
               .only_cases = a->only_cases};
  rt_result r = {0};
  char err[256];
  if (rt_search(rt, a->q, &q, &r, err, sizeof err)) {
    task_error(t, 400, "bad_query", "%s", err);
  } else {
    cJSON *o = cJSON_CreateObject();
    hj_str(o, "query", a->q);
    cJSON_AddNumberToObject(o, "count", (double)r.n);
    cJSON_AddBoolToObject(o, "dense_used", r.dense_used);
    if (r.note) hj_str(o, "note", r.note);
    cJSON_AddItemToObject(o, "hits", hj_hits(r.hits, r.n, true));
    task_json(t, 200, o);
  }
  rt_result_free(&r);
  task_done(t);
}

void h_search(task *t) {
  search_args *a = calloc(1, sizeof *a);
  if (!a) {
    task_reject(t, 500, "internal", "out of memory");
    return;
  }
  t->user = a;
  t->user_free = free;
  const char *cases = NULL;
  if (!q_str(t, "q", true, &a->q) || !q_str(t, "law", false, &a->law) ||
      !q_str(t, "as_of", false, &a->as_of) || !q_int(t, "k", 1, 100, 10, &a->k) ||
      !q_str(t, "cases", false, &cases))
    return;
  /* cases=1 mixes typical cases in; cases=only searches them alone. */
  a->only_cases = cases && !strcmp(cases, "only");
  a->cases = a->only_cases || (cases && (!strcmp(cases, "1") || !strcmp(cases, "true")));
  /* Popular questions repeat: the same URI at the same database epoch
   * gets the same answer without a trip to a worker. */
  const char *uri = evhttp_request_get_uri(t->req);
  unsigned epoch = atomic_load(&t->s->db_epoch);
  size_t len = 0;
  const char *hit = uri ? rc_get(&t->s->cache, uri, epoch, &len) : NULL;
  if (hit) {
    task_reply_cached(t, hit, len);
    return;
  }
  t->cache_key = uri;
  t->cache_epoch = epoch;
  t->work = search_work;
  task_submit(t);
}

/* ---- GET /v1/laws ---- */

static cJSON *versions_json(rt_law_version *v, size_t n) {
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; a && i < n; i++) cJSON_AddItemToArray(a, hj_law_version(&v[i]));
  return a;
}

static void laws_work(task *t, rt_handle *rt, gen_model *m) {
  (void)m;
  rt_law_version *v = NULL;
  size_t n = 0;
  char err[256];
  if (rt_list_laws(rt, &v, &n, err, sizeof err)) {
    task_error(t, 500, "internal", "%s", err);
  } else {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)n);
    cJSON_AddItemToObject(o, "laws", versions_json(v, n));
    task_json(t, 200, o);
  }
  rt_law_versions_free(v, n);
  task_done(t);
}

void h_laws(task *t) {
  t->work = laws_work;
  task_submit(t);
}

/* ---- GET /v1/laws/{law}/versions ---- */

static void versions_work(task *t, rt_handle *rt, gen_model *m) {
  (void)m;
  char *title = rt_resolve_law(rt, t->p1);
  if (!title) {
    task_error(t, 404, "unknown_law", "no law is called '%s'", t->p1);
    task_done(t);
    return;
  }
  rt_law_version *v = NULL;
  size_t n = 0;
  char err[256];
  if (rt_law_versions(rt, title, &v, &n, err, sizeof err)) {
    task_error(t, 404, "unknown_law", "%s", err);
  } else {
    cJSON *o = cJSON_CreateObject();
    hj_str(o, "law", title);
    cJSON_AddItemToObject(o, "versions", versions_json(v, n));
    task_json(t, 200, o);
  }
  rt_law_versions_free(v, n);
  free(title);
  task_done(t);
}

void h_law_versions(task *t) {
  t->work = versions_work;
  task_submit(t);
}

/* ---- GET /v1/laws/{law}/articles/{number}?as_of= ---- */

static void article_work(task *t, rt_handle *rt, gen_model *m) {
  (void)m;
  rt_hit hit;
  memset(&hit, 0, sizeof hit);
  char err[256] = "";
  int rc = rt_get_article(rt, t->p1, t->p2, t->user, &hit, err, sizeof err);
  if (rc == 0) {
    cJSON *o = hj_hit(&hit, false);
    task_json(t, 200, o);
  } else if (rc == 1) {
    task_error(t, 404, "not_found", "%s", *err ? err : "no such article");
  } else {
    task_error(t, 400, "bad_request", "%s", err);
  }
  rt_hit_clear(&hit);
  task_done(t);
}

void h_article(task *t) {
  const char *as_of;
  if (!q_str(t, "as_of", false, &as_of)) return;
  if (as_of) {
    t->user = strdup(as_of);
    t->user_free = free;
  }
  t->work = article_work;
  task_submit(t);
}

/* ---- GET /v1/cases/{id} ---- */

static void case_work(task *t, rt_handle *rt, gen_model *m) {
  (void)m;
  int64_t id = *(int64_t *)t->user;
  rt_hit *secs = NULL;
  size_t n = 0;
  char err[256] = "";
  if (rt_get_case(rt, id, &secs, &n, err, sizeof err) || n == 0) {
    task_error(t, 404, "not_found", "no case has id %lld%s%s", (long long)id, *err ? ": " : "",
               err);
  } else {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)id);
    hj_str(o, "title", secs[0].law_title);
    hj_str(o, "category", secs[0].category);
    cJSON_AddItemToObject(o, "sections", hj_hits(secs, n, false));
    task_json(t, 200, o);
  }
  rt_hits_free(secs, n);
  task_done(t);
}

void h_case(task *t) {
  char *end;
  errno = 0;
  long long id = strtoll(t->p1, &end, 10);
  if (errno || *end || !*t->p1 || id <= 0) {
    task_reject(t, 400, "invalid_parameter", "a case id is a positive integer");
    return;
  }
  int64_t *p = malloc(sizeof *p);
  if (!p) {
    task_reject(t, 500, "internal", "out of memory");
    return;
  }
  *p = id;
  t->user = p;
  t->user_free = free;
  t->work = case_work;
  task_submit(t);
}
