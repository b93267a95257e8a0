/* workers — the retrieval pool (one rt_handle per thread, as the
 * retriever requires) and the generator thread (the model, fed by a
 * bounded queue).  Handles are reopened when a bulk index has switched
 * the database underneath. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "svc.h"

typedef struct worker {
  svc *s;
  pthread_t th;
} worker;

/* The handle for the current database epoch; keeps the old one when a
 * reopen fails, so a bad moment on disk does not take reads down. */
static rt_handle *fresh_handle(svc *s, rt_handle *rt, unsigned *epoch) {
  unsigned e = atomic_load(&s->db_epoch);
  if (rt && e == *epoch) return rt;
  char err[256];
  rt_handle *nh = rt_open(s->o.db_path, err, sizeof err);
  if (!nh) return rt;
  rt_close(rt);
  *epoch = e;
  return nh;
}

static bool skip_or_fail(task *t, rt_handle *rt) {
  if (atomic_load(&t->cancel)) {
    task_done(t); /* the client left or the request timed out while queued */
    return true;
  }
  if (!rt) {
    task_error(t, 503, "db_unavailable", "the database cannot be opened");
    task_done(t);
    return true;
  }
  return false;
}

static void *worker_main(void *arg) {
  worker *w = arg;
  svc *s = w->s;
  unsigned epoch = 0;
  rt_handle *rt = fresh_handle(s, NULL, &epoch);
  bool counted = rt != NULL;
  if (counted) atomic_fetch_add(&s->workers_ready, 1);
  task *t;
  while ((t = tq_pop(&s->work))) {
    rt = fresh_handle(s, rt, &epoch);
    if (rt && !counted) counted = true, atomic_fetch_add(&s->workers_ready, 1);
    if (skip_or_fail(t, rt)) continue;
    t->work(t, rt, NULL);
  }
  rt_close(rt);
  return NULL;
}

static void *generator_main(void *arg) {
  svc *s = arg;
  unsigned epoch = 0;
  /* Generation is long and batch-like; searches are short and interactive.
   * A lower priority for this thread (Linux nices threads one by one)
   * keeps search latency steady while a generation runs.
   * (If it fails the thread keeps the default priority: not fatal.) */
  setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), GEN_NICE);
  rt_handle *rt = fresh_handle(s, NULL, &epoch);
  task *t;
  while ((t = tq_pop(&s->genq))) {
    rt = fresh_handle(s, rt, &epoch);
    if (skip_or_fail(t, rt)) continue;
    t->gen(t, rt, s->model);
  }
  rt_close(rt);
  return NULL;
}

int workers_start(svc *s, char *err, size_t errlen) {
  if (tq_init(&s->work, (size_t)s->o.work_queue) || tq_init(&s->genq, (size_t)s->o.gen_queue)) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  s->pool = calloc((size_t)s->o.threads, sizeof *s->pool);
  if (!s->pool) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (; s->n_pool < s->o.threads; s->n_pool++) {
    worker *w = &s->pool[s->n_pool];
    w->s = s;
    if (pthread_create(&w->th, NULL, worker_main, w)) {
      snprintf(err, errlen, "cannot start worker threads");
      return -1;
    }
  }
  if (s->model) {
    if (pthread_create(&s->gen_thread, NULL, generator_main, s)) {
      snprintf(err, errlen, "cannot start the generator thread");
      return -1;
    }
    s->gen_started = true;
  }
  return 0;
}

/* Lets the queues drain (tq_pop returns what is left before NULL), then
 * joins every thread. */
void workers_stop(svc *s) {
  if (s->work.items) tq_stop(&s->work);
  if (s->genq.items) tq_stop(&s->genq);
  for (int i = 0; i < s->n_pool; i++) pthread_join(s->pool[i].th, NULL);
  if (s->gen_started) pthread_join(s->gen_thread, NULL);
  s->gen_started = false;
  free(s->pool);
  s->pool = NULL;
  s->n_pool = 0;
  tq_destroy(&s->work);
  tq_destroy(&s->genq);
}
