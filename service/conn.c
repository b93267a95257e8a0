/* conn — the client connections the server holds, counted so that a flood
 * of them is refused with a JSON 503 instead of running the process out of
 * file descriptors and memory, while the connections already admitted keep
 * being served.
 *
 * libevent 2.1 (Debian 12) has no evhttp_set_max_connections (2.2 has) and
 * no hook at accept time that also tells when the connection goes away, so
 * a connection is admitted at its first request: evhttp's close callback,
 * the one reliable end-of-connection signal 2.1 offers, is set then.  A
 * connection that never completes a request is not counted; evhttp's idle
 * timeout closes it.
 *
 * The close callback is also how a task learns that its client left, so
 * the connection carries the task being served on it (one at a time:
 * evhttp reads the next request only after the reply to this one). */
#include <stdint.h>
#include <stdlib.h>

#include "svc.h"

struct conn {
  svc *s;
  struct evhttp_connection *evcon;
  task *cur;         /* the request being served, or NULL */
  struct conn *next; /* hash chain */
};

static size_t slot(const svc *s, const struct evhttp_connection *evcon) {
  uintptr_t h = (uintptr_t)evcon;
  h ^= h >> 17;
  h *= (uintptr_t)0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 7) & (s->conn_buckets - 1);
}

int conns_init(svc *s) {
  size_t n = 64;
  while (n < (size_t)s->o.max_conns) n <<= 1; /* a power of two: slot() masks */
  s->conns = calloc(n, sizeof *s->conns);
  if (!s->conns) return -1;
  s->conn_buckets = n;
  return 0;
}

static conn *find(const svc *s, const struct evhttp_connection *evcon) {
  for (conn *c = s->conns[slot(s, evcon)]; c; c = c->next)
    if (c->evcon == evcon) return c;
  return NULL;
}

static void unlink_conn(svc *s, conn *c) {
  for (conn **p = &s->conns[slot(s, c->evcon)]; *p; p = &(*p)->next)
    if (*p == c) {
      *p = c->next;
      break;
    }
  s->n_conns--;
}

/* evhttp is freeing the connection: the client closed it, it timed out, or
 * the server is shutting down.  A request still being served is detached
 * from it (evhttp keeps it for us to finish and free) and cancelled. */
static void on_close(struct evhttp_connection *evcon, void *arg) {
  (void)evcon;
  conn *c = arg;
  if (c->cur) {
    atomic_store(&c->cur->cancel, 1);
    c->cur->conn = NULL;
  }
  unlink_conn(c->s, c);
  free(c);
}

conn_admit_result conn_admit(svc *s, struct evhttp_request *req) {
  struct evhttp_connection *evcon = evhttp_request_get_connection(req);
  if (!evcon || !s->conns) return CONN_OK; /* nothing to count */
  if (find(s, evcon)) return CONN_OK;
  if (s->n_conns >= s->o.max_conns) return CONN_FULL;
  conn *c = calloc(1, sizeof *c);
  if (!c) return CONN_FULL; /* out of memory: shed it like an excess one */
  c->s = s;
  c->evcon = evcon;
  size_t i = slot(s, evcon);
  c->next = s->conns[i];
  s->conns[i] = c;
  s->n_conns++;
  evhttp_connection_set_closecb(evcon, on_close, c);
  return CONN_OK;
}

void conn_attach(task *t) {
  struct evhttp_connection *evcon = evhttp_request_get_connection(t->req);
  conn *c = evcon && t->s->conns ? find(t->s, evcon) : NULL;
  t->conn = c;
  if (c) c->cur = t;
}

void conn_detach(task *t) {
  if (t->conn) t->conn->cur = NULL;
  t->conn = NULL;
}

/* After evhttp_free (which closes every connection through on_close)
 * nothing should be left; free whatever is, and the table. */
void conns_free(svc *s) {
  for (size_t i = 0; s->conns && i < s->conn_buckets; i++)
    while (s->conns[i]) {
      conn *c = s->conns[i];
      s->conns[i] = c->next;
      if (c->cur) c->cur->conn = NULL;
      free(c);
    }
  free(s->conns);
  s->conns = NULL;
  s->n_conns = 0;
}
