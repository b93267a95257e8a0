/* rcache — a small LRU cache of search responses, owned by the event loop
 * (no locks).  Keyed by the request URI and tagged with the database epoch:
 * a bulk index that switches the database makes every entry stale. */
#ifndef LAWQA_SVC_RCACHE_H
#define LAWQA_SVC_RCACHE_H

#include <stddef.h>

typedef struct rc_entry rc_entry;

typedef struct {
  rc_entry **buckets;
  size_t n_buckets, n, cap;
  rc_entry *head, *tail; /* most and least recently used */
  unsigned long long hits, misses;
} rcache;

/* cap 0: the cache is off.  Returns 0 or -1 (out of memory). */
int rc_init(rcache *c, size_t cap);
void rc_free(rcache *c);
/* The cached body for key at this epoch, or NULL. */
const char *rc_get(rcache *c, const char *key, unsigned epoch, size_t *len);
void rc_put(rcache *c, const char *key, unsigned epoch, const char *body, size_t len);

#endif
