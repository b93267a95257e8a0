/* tqueue — a bounded queue of pointers with the threads that drain it. */
#ifndef LAWQA_SVC_TQUEUE_H
#define LAWQA_SVC_TQUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
  void **items;
  size_t cap, head, n;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool stop;
} tqueue;

int tq_init(tqueue *q, size_t cap);
void tq_destroy(tqueue *q);
/* Returns 0, or -1 when the queue is full or stopped. */
int tq_push(tqueue *q, void *item);
/* Blocks for the next item; NULL once stopped and empty. */
void *tq_pop(tqueue *q);
void tq_stop(tqueue *q);
size_t tq_depth(tqueue *q);

#endif
