/* vec — see vec.h. */
#include "vec.h"

#include <stdlib.h>
#include <string.h>

void *vec_push(vec *v, size_t sz) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 16;
    void *p = realloc(v->p, cap * sz);
    if (!p) return NULL;
    v->p = p;
    v->cap = cap;
  }
  void *slot = (char *)v->p + v->n * sz;
  memset(slot, 0, sz);
  v->n++;
  return slot;
}

void vec_free(vec *v) {
  free(v->p);
  v->p = NULL;
  v->n = v->cap = 0;
}
