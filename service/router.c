/* router — maps method and path to a handler.  Unknown paths get 404,
 * known paths with the wrong method 405 with Allow, both as JSON errors.
 * Path segments are percent-decoded one by one, so a law title may carry
 * any character, '/' included. */
#include <stdlib.h>
#include <string.h>

#include "svc.h"

#define MAX_SEGS 6

typedef struct {
  char *seg[MAX_SEGS];
  int n;
} path_segs;

static void segs_free(path_segs *p) {
  for (int i = 0; i < p->n; i++) free(p->seg[i]);
  p->n = 0;
}

/* Splits and decodes; returns -1 on a segment that is not UTF-8 or holds
 * a NUL, or on too many segments. */
static int split_path(const char *path, path_segs *out) {
  out->n = 0;
  const char *p = path;
  while (*p == '/') p++;
  while (*p) {
    const char *e = strchr(p, '/');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (out->n == MAX_SEGS) return -1;
    char *raw = strndup(p, len);
    size_t dlen = 0;
    char *dec = raw ? evhttp_uridecode(raw, 0, &dlen) : NULL;
    free(raw);
    if (!dec) return -1;
    out->seg[out->n++] = dec;
    if (dlen != strlen(dec) || !svc_utf8_valid(dec, dlen)) return -1;
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

static bool is(const path_segs *p, int n, const char *a, const char *b, const char *c) {
  if (p->n != n) return false;
  const char *want[3] = {a, b, c};
  for (int i = 0; i < n && i < 3; i++)
    if (want[i] && strcmp(p->seg[i], want[i])) return false;
  return true;
}

typedef void (*task_handler)(task *t);

typedef struct {
  route_id r;
  const char *allow; /* the one method the route takes */
  task_handler h;    /* NULL: answered on the loop */
} match;

static match route_of(const path_segs *p) {
  if (p->n == 0 || !strcmp(p->seg[0], "static")) return (match){R_WEB, "GET", NULL};
  if (is(p, 1, "healthz", 0, 0)) return (match){R_HEALTHZ, "GET", NULL};
  if (is(p, 1, "readyz", 0, 0)) return (match){R_READYZ, "GET", NULL};
  if (is(p, 1, "metrics", 0, 0)) return (match){R_METRICS, "GET", NULL};
  if (p->n < 2 || strcmp(p->seg[0], "v1")) return (match){R_OTHER, NULL, NULL};
  if (is(p, 2, "v1", "search", 0)) return (match){R_SEARCH, "GET", h_search};
  if (is(p, 2, "v1", "laws", 0)) return (match){R_LAWS, "GET", h_laws};
  if (is(p, 4, "v1", "laws", 0) && !strcmp(p->seg[3], "versions"))
    return (match){R_LAW_VERSIONS, "GET", h_law_versions};
  if (is(p, 5, "v1", "laws", 0) && !strcmp(p->seg[3], "articles"))
    return (match){R_ARTICLE, "GET", h_article};
  if (is(p, 3, "v1", "cases", 0)) return (match){R_CASE, "GET", h_case};
  if (is(p, 2, "v1", "answer", 0)) return (match){R_ANSWER, "POST", h_answer};
  if (is(p, 3, "v1", "chat", "completions")) return (match){R_CHAT, "POST", h_chat};
  if (is(p, 2, "v1", "embeddings", 0)) return (match){R_EMBEDDINGS, "POST", h_embeddings};
  if (is(p, 2, "v1", "models", 0)) return (match){R_MODELS, "GET", NULL};
  if (is(p, 2, "v1", "index", 0)) return (match){R_INDEX, "POST", h_index};
  if (is(p, 4, "v1", "index", "jobs")) return (match){R_INDEX_JOB, "GET", NULL};
  return (match){R_OTHER, NULL, NULL};
}

static void loop_route(svc *s, struct evhttp_request *req, match m, const path_segs *p,
                       const char *path, double t0) {
  switch (m.r) {
  case R_WEB: h_web(s, req, path, t0); break;
  case R_HEALTHZ: {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    reply_json(s, req, m.r, t0, 200, o);
    break;
  }
  case R_READYZ: {
    int ready = atomic_load(&s->workers_ready);
    if (s->draining || ready < s->o.threads) {
      reply_error(s, req, m.r, t0, 503, "not_ready",
                  s->draining ? "draining" : "retrieval workers are not ready (%d of %d)", ready,
                  s->o.threads);
      break;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ready");
    cJSON_AddNumberToObject(o, "workers", ready);
    cJSON_AddBoolToObject(o, "model", s->model != NULL);
    reply_json(s, req, m.r, t0, 200, o);
    break;
  }
  case R_METRICS: h_metrics(s, req, t0); break;
  case R_MODELS: h_models(s, req, t0); break;
  case R_INDEX_JOB: h_index_job(s, req, p->seg[3], t0); break;
  default: reply_error(s, req, R_OTHER, t0, 500, "internal", "no handler"); break;
  }
}

static void task_route(svc *s, struct evhttp_request *req, match m, path_segs *p, double t0) {
  if (s->inflight >= s->o.max_inflight) {
    atomic_fetch_add(&s->m.rejected_busy, 1);
    reply_error(s, req, m.r, t0, 503, "busy", "too many requests in flight; retry shortly");
    return;
  }
  task *t = task_new(s, req, m.r);
  if (!t) {
    reply_error(s, req, m.r, t0, 500, "internal", "out of memory");
    return;
  }
  t->t0 = t0;
  const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
  if (q && evhttp_parse_query_str(q, &t->query)) {
    task_reject(t, 400, "invalid_query", "the query string is malformed");
    return;
  }
  /* Path parameters: law and number, or a case / job id. */
  if (m.r == R_LAW_VERSIONS || m.r == R_ARTICLE) {
    t->p1 = p->seg[2], p->seg[2] = strdup("");
    if (m.r == R_ARTICLE) t->p2 = p->seg[4], p->seg[4] = strdup("");
  } else if (m.r == R_CASE) {
    t->p1 = p->seg[2], p->seg[2] = strdup("");
  }
  m.h(t);
}

/* Bytes of the request line and headers as the client sent them (give or
 * take the spaces around each ':'). */
static size_t head_size(struct evhttp_request *req) {
  const char *uri = evhttp_request_get_uri(req);
  size_t n = strlen(method_name(req)) + (uri ? strlen(uri) : 0) + sizeof " HTTP/1.1\r\n";
  const struct evkeyval *kv;
  TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next)
    n += strlen(kv->key) + strlen(kv->value) + 4;
  return n;
}

/* Limits checked before routing, each answered with a JSON error and the
 * connection closed.  evhttp's own limits are set looser (server.c) so
 * that these, not its HTML error pages, are what a client meets. */
static bool over_limits(svc *s, struct evhttp_request *req, double t0) {
  struct evkeyvalq *out = evhttp_request_get_output_headers(req);
  if (conn_admit(s, req) == CONN_FULL) {
    evhttp_add_header(out, "Connection", "close");
    reply_error(s, req, R_OTHER, t0, 503, "too_many_connections",
                "the server holds %d connections, its limit; retry shortly", s->n_conns);
    return true;
  }
  size_t head = head_size(req);
  if (head > s->o.max_headers) {
    evhttp_add_header(out, "Connection", "close");
    reply_error(s, req, R_OTHER, t0, 431, "headers_too_large",
                "request line and headers are %zu bytes; the limit is %zu", head,
                s->o.max_headers);
    return true;
  }
  return false;
}

void router_dispatch(struct evhttp_request *req, void *arg) {
  svc *s = arg;
  double t0 = svc_now_ms();
  if (over_limits(s, req, t0)) return;
  const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
  if (!path || !*path) path = "/";
  path_segs p = {0};
  if (split_path(path, &p)) {
    segs_free(&p);
    reply_error(s, req, R_OTHER, t0, 400, "invalid_path", "the path is not valid UTF-8");
    return;
  }
  match m = route_of(&p);
  if (!m.allow) {
    reply_error(s, req, R_OTHER, t0, 404, "not_found", "no such route: %s", path);
  } else if (strcmp(method_name(req), m.allow)) {
    evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", m.allow);
    reply_error(s, req, m.r, t0, 405, "method_not_allowed", "%s takes %s only", path, m.allow);
  } else if (s->draining && m.r != R_HEALTHZ && m.r != R_READYZ) {
    evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
    reply_error(s, req, m.r, t0, 503, "draining", "the server is shutting down");
  } else if (m.h) {
    task_route(s, req, m, &p, t0);
  } else {
    loop_route(s, req, m, &p, path, t0);
  }
  segs_free(&p);
}
