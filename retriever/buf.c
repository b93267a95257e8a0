/* rt_buf: a growing NUL-terminated string for the retriever's query
 * rewriting (expand.c, phrase.c). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

bool rt_buf_put(rt_buf *b, const char *s, size_t n) {
  if (b->oom) return false;
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return false;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
  return true;
}
