/* vec — a growable array of fixed-size elements (units, history lines,
 * warnings) collected while parsing, then copied into the arena. */
#ifndef LAWQA_STATUTES_VEC_H
#define LAWQA_STATUTES_VEC_H

#include <stddef.h>

typedef struct {
  void *p;
  size_t n, cap;
} vec;

/* Returns a zeroed slot for one more element of size sz, NULL on OOM. */
void *vec_push(vec *v, size_t sz);
void vec_free(vec *v);

#endif
