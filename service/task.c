/* task — one request's journey: created on the loop, queued to a worker
 * (and maybe the generator thread), woken back on the loop with its result
 * or its streamed bytes, answered, logged, freed.
 *
 * Ownership: the loop creates and frees a task; a worker may use it from
 * tq_pop until it sets done (under mu, together with event_active, so the
 * loop cannot free it while the worker still holds it). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "svc.h"

static void wake_cb(evutil_socket_t fd, short what, void *arg);

/* The reply is out (or abandoned): a client leaving from now on no longer
 * concerns t. */
static void unhook_close(task *t) { conn_detach(t); }

task *task_new(svc *s, struct evhttp_request *req, route_id r) {
  task *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->s = s;
  t->req = req;
  t->route = r;
  t->t0 = svc_now_ms();
  TAILQ_INIT(&t->query);
  pthread_mutex_init(&t->mu, NULL);
  t->pending = evbuffer_new();
  t->wake = event_new(s->base, -1, 0, wake_cb, t);
  const char *uri = evhttp_request_get_uri(req);
  if (asprintf(&t->line, "%s %s", method_name(req), uri ? uri : "") < 0) t->line = NULL;
  struct evhttp_connection *evcon = evhttp_request_get_connection(req);
  if (evcon) {
    char *addr = NULL;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(evcon, &addr, &port);
    snprintf(t->remote, sizeof t->remote, "%s", addr ? addr : "");
  }
  if (!t->pending || !t->wake || !t->line) {
    evbuffer_free(t->pending);
    if (t->wake) event_free(t->wake);
    free(t->line);
    pthread_mutex_destroy(&t->mu);
    free(t);
    return NULL;
  }
  conn_attach(t); /* the client leaving cancels t */
  s->inflight++;
  return t;
}

static void task_free(task *t) {
  conn_detach(t); /* a connection must never point at a freed task */
  if (t->wake) event_free(t->wake);
  if (t->timer) event_free(t->timer);
  evbuffer_free(t->pending);
  cJSON_Delete(t->in);
  free(t->p1);
  free(t->p2);
  free(t->out);
  free(t->line);
  evhttp_clear_headers(&t->query);
  if (t->user_free) t->user_free(t->user);
  pthread_mutex_destroy(&t->mu);
  t->s->inflight--;
  free(t);
}

/* Sends the final non-streamed reply. */
static void send_final(task *t, int status, const char *body, int retry_after) {
  struct evhttp_request *req = t->req;
  size_t len = body ? strlen(body) : 0;
  unhook_close(t);
  struct evkeyvalq *h = evhttp_request_get_output_headers(req);
  evhttp_add_header(h, "Content-Type", t->ctype ? t->ctype : "application/json; charset=utf-8");
  if (retry_after > 0) {
    char ra[16];
    snprintf(ra, sizeof ra, "%d", retry_after);
    evhttp_add_header(h, "Retry-After", ra);
  }
  struct evbuffer *b = evbuffer_new();
  if (b && len) evbuffer_add(b, body, len);
  track_write(t->s, req);
  evhttp_send_reply(req, status, status_reason(status), b);
  if (b) evbuffer_free(b);
  log_request(t->s, t->line, t->remote, t->route, status, len, svc_now_ms() - t->t0);
  t->req = NULL;
  t->replied = true;
}

static void start_stream(task *t) {
  t->started = true;
  if (!evhttp_request_get_connection(t->req)) return; /* client gone */
  struct evkeyvalq *h = evhttp_request_get_output_headers(t->req);
  evhttp_add_header(h, "Content-Type", t->ctype);
  evhttp_add_header(h, "Cache-Control", "no-cache");
  evhttp_add_header(h, "X-Accel-Buffering", "no");
  evhttp_send_reply_start(t->req, 200, "OK");
}

static void end_stream(task *t, int status_for_log) {
  unhook_close(t);
  track_write(t->s, t->req);
  evhttp_send_reply_end(t->req);
  log_request(t->s, t->line, t->remote, t->route, status_for_log, t->bytes_out,
              svc_now_ms() - t->t0);
  t->req = NULL;
  t->replied = true;
}

static void wake_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  task *t = arg;
  struct evbuffer *chunk = evbuffer_new();
  pthread_mutex_lock(&t->mu);
  bool stream = t->stream, done = t->done;
  if (chunk) evbuffer_add_buffer(chunk, t->pending);
  pthread_mutex_unlock(&t->mu);
  if (!t->replied) {
    if (stream) {
      if (!t->started) start_stream(t);
      size_t n = chunk ? evbuffer_get_length(chunk) : 0;
      if (n) {
        t->bytes_out += n;
        evhttp_send_reply_chunk(t->req, chunk);
      }
      if (done) end_stream(t, atomic_load(&t->cancel) ? 499 : 200);
    } else if (done) {
      if (t->cache_key && t->status == 200 && t->out)
        rc_put(&t->s->cache, t->cache_key, t->cache_epoch, t->out, strlen(t->out));
      send_final(t, t->status ? t->status : 500, t->out, t->retry_after);
    }
  }
  if (chunk) evbuffer_free(chunk);
  if (done) task_free(t);
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  task *t = arg;
  atomic_store(&t->cancel, 1);
  if (t->replied) return;
  if (t->started) {
    end_stream(t, 504);
    return;
  }
  char *body = error_body("timeout", "the request took longer than the server's time limit");
  t->ctype = NULL;
  send_final(t, 504, body, 0);
  free(body);
}

void task_reject(task *t, int status, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *body = error_bodyv(code, fmt, ap);
  va_end(ap);
  send_final(t, status, body, status == 503 ? 1 : 0);
  free(body);
  task_free(t);
}

void task_reply_now(task *t, int status, cJSON *body) {
  task_json(t, status, body);
  send_final(t, t->status, t->out, 0);
  task_free(t);
}

void task_reply_cached(task *t, const char *body, size_t len) {
  (void)len;
  send_final(t, 200, body, 0);
  task_free(t);
}

void task_submit(task *t) {
  svc *s = t->s;
  t->timer = evtimer_new(s->base, timeout_cb, t);
  if (!t->timer) {
    task_reject(t, 500, "internal", "out of memory");
    return;
  }
  struct timeval tv = {s->o.timeout_ms / 1000, (s->o.timeout_ms % 1000) * 1000};
  evtimer_add(t->timer, &tv);
  if (tq_push(&s->work, t)) {
    atomic_fetch_add(&s->m.rejected_busy, 1);
    task_reject(t, 503, "busy", "the server is busy; retry shortly");
  }
}

void task_to_generator(task *t) {
  if (tq_push(&t->s->genq, t)) {
    atomic_fetch_add(&t->s->m.rejected_busy, 1);
    t->retry_after = 2;
    task_error(t, 503, "busy", "the generation queue is full; retry shortly");
    task_done(t);
  }
}

void task_json(task *t, int status, cJSON *body) {
  free(t->out);
  t->out = body ? cJSON_PrintUnformatted(body) : NULL;
  cJSON_Delete(body);
  t->status = t->out ? status : 500;
  if (!t->out) t->out = error_body("internal", "out of memory");
}

void task_error(task *t, int status, const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *body = error_bodyv(code, fmt, ap);
  va_end(ap);
  free(t->out);
  t->out = body;
  t->status = status;
}

void task_done(task *t) {
  pthread_mutex_lock(&t->mu);
  t->done = true;
  event_active(t->wake, EV_READ, 0);
  pthread_mutex_unlock(&t->mu);
}

void task_stream_open(task *t, const char *ctype) {
  pthread_mutex_lock(&t->mu);
  t->ctype = ctype;
  t->stream = true;
  pthread_mutex_unlock(&t->mu);
}

int task_stream_write(task *t, const char *p, size_t n) {
  if (atomic_load(&t->cancel)) return 1;
  pthread_mutex_lock(&t->mu);
  evbuffer_add(t->pending, p, n);
  event_active(t->wake, EV_READ, 0);
  pthread_mutex_unlock(&t->mu);
  return 0;
}
