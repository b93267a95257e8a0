/* strbuf — see strbuf.h. */
#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

void sb_append(strbuf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->cap - b->len < n + 1) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void sb_putc(strbuf *b, char c) { sb_append(b, &c, 1); }

void sb_reset(strbuf *b) {
  b->len = 0;
  if (b->p) b->p[0] = '\0';
}

void sb_free(strbuf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
  b->oom = false;
}
