/* stop.c — stop strings over a stream of text pieces. */
#include "stop.h"

#include <stdlib.h>
#include <string.h>

int stopper_init(stopper *s, const char *const *stop, int n_stop, size_t cap_piece) {
  memset(s, 0, sizeof *s);
  s->stop = stop;
  s->n_stop = stop ? n_stop : 0;
  for (int i = 0; i < s->n_stop; i++) {
    size_t l = stop[i] ? strlen(stop[i]) : 0;
    if (l > s->max_stop) s->max_stop = l;
  }
  s->cap = s->max_stop + cap_piece + 1;
  s->buf = malloc(s->cap);
  return s->buf ? 0 : -1;
}

void stopper_free(stopper *s) {
  free(s->buf);
  s->buf = NULL;
}

/* Length of the longest suffix of buf that is a proper prefix of a stop
 * string: those bytes could still grow into a stop string. */
static size_t partial_suffix(const stopper *s) {
  size_t best = 0;
  for (int i = 0; i < s->n_stop; i++) {
    const char *t = s->stop[i];
    if (!t) continue;
    size_t tl = strlen(t);
    for (size_t k = tl - (tl > 0); k > best; k--)
      if (k <= s->len && !memcmp(s->buf + s->len - k, t, k)) {
        best = k;
        break;
      }
  }
  return best;
}

int stopper_push(stopper *s, const char *text, size_t len, size_t *emit) {
  if (len > s->cap - s->len) len = s->cap - s->len; /* cannot happen with a right cap_piece */
  memcpy(s->buf + s->len, text, len);
  s->len += len;
  size_t first = s->len;
  for (int i = 0; i < s->n_stop; i++) {
    const char *t = s->stop[i];
    if (!t || !*t) continue;
    size_t tl = strlen(t);
    for (size_t at = 0; at + tl <= s->len && at < first; at++)
      if (!memcmp(s->buf + at, t, tl)) {
        first = at;
        break;
      }
  }
  if (first < s->len) {
    *emit = first;
    return 1;
  }
  *emit = s->len - partial_suffix(s);
  return 0;
}

void stopper_consume(stopper *s, size_t n) {
  memmove(s->buf, s->buf + n, s->len - n);
  s->len -= n;
}

size_t stopper_pending(const stopper *s) { return s->len; }
