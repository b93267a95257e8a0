/* server — sets up the event loop, the evhttp server and the threads,
 * runs until SIGTERM/SIGINT, then drains: it stops accepting, lets the
 * requests in flight finish (each is bounded by the request timeout), and
 * tears everything down in reverse order. */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <event2/thread.h>

#include "svc.h"

static void apply_defaults(svc_opts *o) {
  if (!o->host) o->host = "127.0.0.1";
  if (o->port < 0) o->port = 8080;
  if (o->threads <= 0) o->threads = 2;
  if (o->gen_threads <= 0) o->gen_threads = 1;
  if (!o->max_body) o->max_body = 1 << 20;
  if (!o->max_index_body) o->max_index_body = 64u << 20;
  if (o->gen_queue <= 0) o->gen_queue = 4;
  if (o->work_queue <= 0) o->work_queue = 256;
  if (o->max_inflight <= 0) o->max_inflight = 1024;
  if (!o->max_headers) o->max_headers = 16 * 1024;
  if (o->max_conns <= 0) o->max_conns = 512;
  if (o->timeout_ms <= 0) o->timeout_ms = 60000;
  if (o->cache_entries == 0) o->cache_entries = 1024;
}

/* Exits once no request is in flight and every reply has been flushed to
 * its client; a client that stops reading gets two seconds, and the whole
 * drain is bounded by the request timeout. */
static void drain_tick(evutil_socket_t fd, short what, void *arg) {
  (void)fd, (void)what;
  svc *s = arg;
  double now = svc_now_ms();
  if (s->inflight == 0 && s->idle_since == 0) s->idle_since = now;
  bool flushed = s->inflight == 0 && (s->writing <= 0 || now - s->idle_since > 2000);
  if (flushed || now > s->drain_deadline) event_base_loopexit(s->base, NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg) {
  (void)what;
  svc *s = arg;
  if (s->draining) {
    event_base_loopbreak(s->base); /* a second signal: stop now */
    return;
  }
  s->draining = true;
  fprintf(stderr, "{\"event\":\"draining\",\"signal\":%d,\"in_flight\":%d}\n", (int)sig,
          s->inflight);
  if (s->sock) evhttp_del_accept_socket(s->http, s->sock);
  s->sock = NULL;
  s->drain_deadline = svc_now_ms() + s->o.timeout_ms + 5e3;
  struct timeval tv = {0, 20000};
  event_add(s->drain_timer, &tv);
}

/* gen_load on a thread of its own at a lower priority: the threads of the
 * model's matmul pool (--gen-threads > 1) are started there and inherit
 * its nice value (Linux nices threads one by one), as the generator thread
 * sets its own.  Generation is long and batch-like, searches are short and
 * interactive: on a small machine the scheduler should favour searches. */
typedef struct {
  svc *s;
  char *err;
  size_t errlen;
} load_job;

static void *load_main(void *arg) {
  load_job *j = arg;
  setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), GEN_NICE); /* best effort */
  gen_load_params lp = {.n_threads = j->s->o.gen_threads,
                        .n_ctx = 0,
                        .huge_pages = j->s->o.gen_huge_pages};
  j->s->model = gen_load(j->s->o.model_path, &lp, j->err, j->errlen);
  return NULL;
}

static int load_model(svc *s, char *err, size_t errlen) {
  snprintf(s->model_name, sizeof s->model_name, "lawqa-extractive");
  if (!s->o.model_path) return 0;
  load_job j = {s, err, errlen};
  pthread_t th;
  if (pthread_create(&th, NULL, load_main, &j)) load_main(&j); /* no thread: load here */
  else pthread_join(th, NULL);
  if (!s->model) return -1;
  const gen_info *info = gen_model_info(s->model);
  const char *base = strrchr(s->o.model_path, '/');
  snprintf(s->model_name, sizeof s->model_name, "%s",
           info->name && *info->name ? info->name : base ? base + 1 : s->o.model_path);
  return 0;
}

/* Every admitted connection is a descriptor: raise the soft limit toward
 * the hard one, and keep max_conns under what is left for the database,
 * the model and the listening socket. */
static void fit_fd_limit(svc *s) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl)) return;
  rlim_t want = (rlim_t)s->o.max_conns + 256;
  if (rl.rlim_cur < want) {
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    int fit = rl.rlim_cur > 320 ? (int)(rl.rlim_cur - 256) : 64;
    fprintf(stderr, "{\"event\":\"max_conns_lowered\",\"from\":%d,\"to\":%d}\n",
            s->o.max_conns, fit);
    s->o.max_conns = fit;
  }
}

static int bind_http(svc *s, char *err, size_t errlen) {
  s->http = evhttp_new(s->base);
  if (!s->http) {
    snprintf(err, errlen, "cannot create the HTTP server");
    return -1;
  }
  /* evhttp answers its own limits with an HTML page (libevent 2.1 has no
   * hook to change that), so its limits sit above ours: a body up to the
   * largest any route takes, and headers up to four times ours, reach the
   * router, which answers 413 / 431 in JSON.  Past these, wire.c rewrites
   * libevent's page into a JSON error. */
  evhttp_set_max_body_size(s->http, (ev_ssize_t)s->o.max_index_body);
  evhttp_set_max_headers_size(s->http, (ev_ssize_t)(4 * s->o.max_headers));
  evhttp_set_timeout(s->http, s->o.timeout_ms / 1000 + 5);
  /* Every method reaches the router, which answers 405 in JSON. */
  evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
                                          EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                          EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
  evhttp_set_gencb(s->http, router_dispatch, s);
  evhttp_set_bevcb(s->http, wire_new_bev, s); /* JSON for evhttp's own errors too */
  s->sock = evhttp_bind_socket_with_handle(s->http, s->o.host, (ev_uint16_t)s->o.port);
  if (!s->sock) {
    snprintf(err, errlen, "cannot listen on %s:%d", s->o.host, s->o.port);
    return -1;
  }
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int port = s->o.port;
  if (!getsockname(evhttp_bound_socket_get_fd(s->sock), (struct sockaddr *)&ss, &len))
    port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
  fprintf(stderr,
          "{\"event\":\"listening\",\"host\":\"%s\",\"port\":%d,\"model\":\"%s\",\"threads\":%d}\n",
          s->o.host, port, s->model_name, s->o.threads);
  return 0;
}

static int check_db(const svc *s, char *err, size_t errlen) {
  rt_handle *rt = rt_open(s->o.db_path, err, errlen);
  if (!rt) return -1;
  rt_close(rt);
  return 0;
}

static int start(svc *s, char *err, size_t errlen) {
  if (evthread_use_pthreads()) {
    snprintf(err, errlen, "libevent has no pthreads support");
    return -1;
  }
  if (check_db(s, err, errlen) || load_model(s, err, errlen)) return -1;
  fit_fd_limit(s);
  if (conns_init(s)) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (s->o.api_key_file && keys_load(s, s->o.api_key_file, err, errlen)) return -1;
  if (rc_init(&s->cache, s->o.cache_entries > 0 ? (size_t)s->o.cache_entries : 0)) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  s->base = event_base_new();
  if (!s->base) {
    snprintf(err, errlen, "cannot create the event loop");
    return -1;
  }
  s->sig_term = evsignal_new(s->base, SIGTERM, on_signal, s);
  s->sig_int = evsignal_new(s->base, SIGINT, on_signal, s);
  s->drain_timer = event_new(s->base, -1, EV_PERSIST, drain_tick, s);
  if (!s->sig_term || !s->sig_int || !s->drain_timer || evsignal_add(s->sig_term, NULL) ||
      evsignal_add(s->sig_int, NULL)) {
    snprintf(err, errlen, "cannot install signal handlers");
    return -1;
  }
  if (bind_http(s, err, errlen)) return -1;
  if (workers_start(s, err, errlen) || jobs_start(s, err, errlen)) return -1;
  return 0;
}

static void teardown(svc *s) {
  workers_stop(s);
  jobs_stop(s);
  if (s->http) evhttp_free(s->http); /* closes the connections: conn's on_close */
  conns_free(s);
  if (s->sig_term) event_free(s->sig_term);
  if (s->sig_int) event_free(s->sig_int);
  if (s->drain_timer) event_free(s->drain_timer);
  if (s->base) event_base_free(s->base);
  if (s->model) gen_free(s->model);
  keys_free(s);
  rc_free(&s->cache);
  libevent_global_shutdown();
}

int svc_serve(const svc_opts *o, char *err, size_t errlen) {
  svc *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  s->o = *o;
  apply_defaults(&s->o);
  /* A client that vanishes mid-write must not kill the process. */
  signal(SIGPIPE, SIG_IGN);
  rt_init(); /* before the threads: see retriever.h */
  int rc = start(s, err, errlen);
  if (!rc) {
    event_base_dispatch(s->base);
    fprintf(stderr, "{\"event\":\"stopped\",\"in_flight\":%d}\n", s->inflight);
  }
  teardown(s);
  free(s);
  return rc;
}
