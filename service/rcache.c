/* rcache — hash table plus a doubly linked LRU list. */
#include "rcache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct rc_entry {
  char *key, *body;
  size_t len;
  unsigned epoch;
  uint64_t hash;
  rc_entry *hnext;       /* bucket chain */
  rc_entry *prev, *next; /* LRU list */
};

static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

int rc_init(rcache *c, size_t cap) {
  memset(c, 0, sizeof *c);
  c->cap = cap;
  if (!cap) return 0;
  c->n_buckets = cap * 2;
  c->buckets = calloc(c->n_buckets, sizeof *c->buckets);
  return c->buckets ? 0 : -1;
}

static void lru_unlink(rcache *c, rc_entry *e) {
  if (e->prev) e->prev->next = e->next;
  else c->head = e->next;
  if (e->next) e->next->prev = e->prev;
  else c->tail = e->prev;
  e->prev = e->next = NULL;
}

static void lru_push_front(rcache *c, rc_entry *e) {
  e->next = c->head;
  e->prev = NULL;
  if (c->head) c->head->prev = e;
  c->head = e;
  if (!c->tail) c->tail = e;
}

static void drop(rcache *c, rc_entry *e) {
  rc_entry **p = &c->buckets[e->hash % c->n_buckets];
  while (*p != e) p = &(*p)->hnext;
  *p = e->hnext;
  lru_unlink(c, e);
  free(e->key);
  free(e->body);
  free(e);
  c->n--;
}

void rc_free(rcache *c) {
  while (c->head) drop(c, c->head);
  free(c->buckets);
  memset(c, 0, sizeof *c);
}

static rc_entry *find(rcache *c, const char *key, uint64_t h) {
  for (rc_entry *e = c->buckets[h % c->n_buckets]; e; e = e->hnext)
    if (e->hash == h && !strcmp(e->key, key)) return e;
  return NULL;
}

const char *rc_get(rcache *c, const char *key, unsigned epoch, size_t *len) {
  if (!c->cap) return NULL;
  rc_entry *e = find(c, key, fnv1a(key));
  if (e && e->epoch != epoch) {
    drop(c, e);
    e = NULL;
  }
  if (!e) {
    c->misses++;
    return NULL;
  }
  c->hits++;
  lru_unlink(c, e);
  lru_push_front(c, e);
  *len = e->len;
  return e->body;
}

void rc_put(rcache *c, const char *key, unsigned epoch, const char *body, size_t len) {
  if (!c->cap) return;
  uint64_t h = fnv1a(key);
  rc_entry *old = find(c, key, h);
  if (old) drop(c, old);
  if (c->n == c->cap) drop(c, c->tail);
  rc_entry *e = calloc(1, sizeof *e);
  if (!e) return;
  e->key = strdup(key);
  e->body = malloc(len + 1);
  if (!e->key || !e->body) {
    free(e->key);
    free(e->body);
    free(e);
    return;
  }
  memcpy(e->body, body, len);
  e->body[len] = '\0';
  e->len = len;
  e->epoch = epoch;
  e->hash = h;
  e->hnext = c->buckets[h % c->n_buckets];
  c->buckets[h % c->n_buckets] = e;
  lru_push_front(c, e);
  c->n++;
}
