/* tqueue — a ring buffer guarded by a mutex; full means the caller sheds
 * load (503) instead of queueing without bound. */
#include "tqueue.h"

#include <stdlib.h>

int tq_init(tqueue *q, size_t cap) {
  q->items = calloc(cap ? cap : 1, sizeof *q->items);
  if (!q->items) return -1;
  q->cap = cap ? cap : 1;
  q->head = q->n = 0;
  q->stop = false;
  pthread_mutex_init(&q->mu, NULL);
  pthread_cond_init(&q->cv, NULL);
  return 0;
}

void tq_destroy(tqueue *q) {
  if (!q->items) return;
  free(q->items);
  q->items = NULL;
  pthread_mutex_destroy(&q->mu);
  pthread_cond_destroy(&q->cv);
}

int tq_push(tqueue *q, void *item) {
  pthread_mutex_lock(&q->mu);
  int rc = -1;
  if (!q->stop && q->n < q->cap) {
    q->items[(q->head + q->n) % q->cap] = item;
    q->n++;
    rc = 0;
    pthread_cond_signal(&q->cv);
  }
  pthread_mutex_unlock(&q->mu);
  return rc;
}

void *tq_pop(tqueue *q) {
  pthread_mutex_lock(&q->mu);
  while (!q->n && !q->stop) pthread_cond_wait(&q->cv, &q->mu);
  void *item = NULL;
  if (q->n) {
    item = q->items[q->head];
    q->head = (q->head + 1) % q->cap;
    q->n--;
  }
  pthread_mutex_unlock(&q->mu);
  return item;
}

void tq_stop(tqueue *q) {
  pthread_mutex_lock(&q->mu);
  q->stop = true;
  pthread_cond_broadcast(&q->cv);
  pthread_mutex_unlock(&q->mu);
}

size_t tq_depth(tqueue *q) {
  pthread_mutex_lock(&q->mu);
  size_t n = q->n;
  pthread_mutex_unlock(&q->mu);
  return n;
}
