/* svc — the server's private state and the task that carries one request
 * from the event loop to a worker (and the generator thread) and back.
 *
 * Threads: the event loop owns every evhttp object and the metrics; the
 * retrieval workers each own an rt_handle; the generator thread owns the
 * model; the indexer thread runs one bulk job at a time.  A task crosses
 * threads only through its queue and its wake event. */
#ifndef LAWQA_SVC_H
#define LAWQA_SVC_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "metrics.h"
#include "rcache.h"
#include "service.h"
#include "tqueue.h"

/* The nice value of the generator thread and the model's matmul threads:
 * searches keep the CPU when both want it. */
#define GEN_NICE 10

typedef struct svc svc;
typedef struct task task;
typedef struct ix_job ix_job;
typedef struct conn conn;

/* Runs on a worker with its retrieval handle (or on the generator thread
 * with the model).  Must end with task_done(t) or hand t on to another
 * queue that will. */
typedef void (*task_fn)(task *t, rt_handle *rt, gen_model *m);

struct task {
  svc *s;
  struct evhttp_request *req; /* loop only; NULL once the reply is out */
  route_id route;
  double t0;                  /* monotonic ms at arrival */
  char *line;                 /* "GET /v1/search?q=…" for the log */
  char remote[64];
  conn *conn;                 /* loop: the client's connection; NULL once it closed */

  /* inputs, owned */
  cJSON *in;
  char *p1, *p2;              /* path parameters */
  struct evkeyvalq query;
  task_fn work, gen;          /* retrieval step, generation step (or NULL) */
  void *user;                 /* route state, freed with user_free */
  void (*user_free)(void *);

  /* outputs: written by the worker before task_done */
  int status;
  char *out;                  /* response body (JSON) */
  const char *ctype;
  int retry_after;            /* seconds, 0: none */

  /* streaming: bytes move to the loop through pending */
  pthread_mutex_t mu;
  struct evbuffer *pending;   /* under mu */
  bool stream;                /* under mu: a chunked reply was opened */
  bool done;                  /* under mu: no thread touches t after this */
  bool started;               /* loop: chunked reply started */
  bool replied;               /* loop: the reply is finished (or abandoned) */
  atomic_int cancel;          /* client gone or timed out */
  struct event *wake, *timer;
  size_t bytes_out;
  const char *cache_key;      /* loop: store a 200 reply under this key */
  unsigned cache_epoch;
};

struct svc {
  svc_opts o;
  struct event_base *base;
  struct evhttp *http;
  struct evhttp_bound_socket *sock;
  struct event *sig_term, *sig_int, *drain_timer;
  bool draining;
  double drain_deadline;
  int inflight;               /* loop: tasks alive */
  int writing;                /* loop: replies handed to evhttp, not yet flushed */
  double idle_since;          /* loop: draining, when inflight reached 0 */
  conn **conns;               /* loop: admitted connections, hashed by evcon */
  size_t conn_buckets;
  int n_conns;

  tqueue work, genq;
  struct worker *pool;        /* retrieval threads */
  int n_pool;
  pthread_t gen_thread;
  bool gen_started;
  gen_model *model;
  char model_name[128];
  atomic_uint db_epoch;       /* bumped after a bulk index switched the DB */
  atomic_int workers_ready;

  char **keys;                /* API keys */
  size_t n_keys;

  /* bulk indexing */
  pthread_t ix_thread;
  bool ix_started;
  pthread_mutex_t jobs_mu;
  pthread_cond_t jobs_cv;
  ix_job *jobs;               /* newest first */
  long next_job;
  bool jobs_stop;

  metrics m;
  rcache cache;               /* loop: search responses */
};

double svc_now_ms(void);

/* task.c — lifecycle */
task *task_new(svc *s, struct evhttp_request *req, route_id r);
/* Queues t on the retrieval workers; replies 503 when the queue is full. */
void task_submit(task *t);
/* Hands t from its worker to the generator thread (503 when full). */
void task_to_generator(task *t);
void task_json(task *t, int status, cJSON *body); /* takes body */
void task_error(task *t, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void task_done(task *t);
/* Loop only, before submission: replies and frees t. */
void task_reply_now(task *t, int status, cJSON *body); /* takes body */
void task_reply_cached(task *t, const char *body, size_t len);
void task_reject(task *t, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Opens a chunked reply with this content type; the loop sends the
 * headers with the first bytes. */
void task_stream_open(task *t, const char *ctype);
/* Queues bytes for the client; returns non-zero when the client is gone. */
int task_stream_write(task *t, const char *p, size_t n);

/* reply.c — replies sent directly from the loop */
void reply_json(svc *s, struct evhttp_request *req, route_id r, double t0, int status,
                cJSON *body);
void reply_error(svc *s, struct evhttp_request *req, route_id r, double t0, int status,
                 const char *code, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void reply_raw(svc *s, struct evhttp_request *req, route_id r, double t0, int status,
               const char *ctype, const void *body, size_t len);
/* Access log line and metrics for a finished request. */
void log_request(svc *s, const char *line, const char *remote, route_id r, int status,
                 size_t bytes, double ms);
char *error_body(const char *code, const char *msg);
/* error_body with the message formatted from fmt and ap (cut at 511
 * bytes): the one place the printf-style error replies format it. */
char *error_bodyv(const char *code, const char *fmt, va_list ap);
/* Counts req as a reply being written until evhttp has flushed it (the
 * drain waits for that). */
void track_write(svc *s, struct evhttp_request *req);
const char *method_name(struct evhttp_request *req);
const char *status_reason(int status);

/* conn.c — connection accounting (loop only) */
typedef enum { CONN_OK, CONN_FULL } conn_admit_result;
int conns_init(svc *s);
void conns_free(svc *s);
/* Counts req's connection on its first request; CONN_FULL when the server
 * already holds max_conns connections. */
conn_admit_result conn_admit(svc *s, struct evhttp_request *req);
/* Marks t as the request served on its connection (so that a client that
 * leaves cancels it), and undoes that once its reply is out. */
void conn_attach(task *t);
void conn_detach(task *t);

/* wire.c — for evhttp_set_bevcb: a connection's bufferevent, whose
 * output turns libevent's own HTML error pages into JSON errors. */
struct bufferevent *wire_new_bev(struct event_base *base, void *arg);

/* router.c */
void router_dispatch(struct evhttp_request *req, void *arg);

/* Handlers of task routes validate on the loop, then submit or reject t. */
void h_search(task *t);
void h_laws(task *t);
void h_law_versions(task *t);
void h_article(task *t);
void h_case(task *t);
void h_answer(task *t);
void h_chat(task *t);
void h_embeddings(task *t);
void h_index(task *t);
/* Routes answered on the loop itself. */
void h_models(svc *s, struct evhttp_request *req, double t0);
void h_index_job(svc *s, struct evhttp_request *req, const char *id, double t0);
void h_metrics(svc *s, struct evhttp_request *req, double t0);
void h_web(svc *s, struct evhttp_request *req, const char *path, double t0);

/* workers.c */
int workers_start(svc *s, char *err, size_t errlen);
void workers_stop(svc *s);

/* jobs.c */
int jobs_start(svc *s, char *err, size_t errlen);
void jobs_stop(svc *s);

/* apikeys.c */
int keys_load(svc *s, const char *path, char *err, size_t errlen);
void keys_free(svc *s);
/* 0 ok; 403 writes disabled; 401 missing or wrong key. */
int keys_check(const svc *s, struct evhttp_request *req);

/* body.c — the request body as validated JSON; on error rejects t and
 * returns NULL. */
cJSON *body_json(task *t, size_t limit);
/* The body (within s->o.max_body) as a JSON object, kept as t->in; on
 * error rejects t and returns NULL.  Shared by the JSON POST handlers,
 * which each repeated these checks. */
cJSON *body_object(task *t);
/* Query parameter helpers (t->query); return false after rejecting t. */
bool q_int(task *t, const char *name, int lo, int hi, int def, int *out);
bool q_str(task *t, const char *name, bool required, const char **out);
/* JSON member helpers; return false after rejecting t. */
bool j_str(task *t, const cJSON *o, const char *name, bool required, const char **out);
bool j_int(task *t, const cJSON *o, const char *name, int lo, int hi, int *out);
bool j_num(task *t, const cJSON *o, const char *name, double lo, double hi, double *out);
bool j_bool(task *t, const cJSON *o, const char *name, bool *out);

#endif
