/* stop.h — holding back generated text that might be the start of a stop
 * string, so that the caller never sees any part of one.  Private. */
#ifndef LAWQA_STOP_H
#define LAWQA_STOP_H

#include <stddef.h>

typedef struct {
  const char *const *stop;
  int n_stop;
  size_t max_stop; /* longest stop string */
  char *buf;       /* held text; owned */
  size_t len, cap;
} stopper;

/* cap_piece: the most bytes one stopper_push may add.  Returns 0, or -1
 * when out of memory. */
int stopper_init(stopper *s, const char *const *stop, int n_stop, size_t cap_piece);
void stopper_free(stopper *s);

/* Appends text (whole UTF-8 characters).  Afterwards the first *emit bytes
 * of s->buf may be shown; returns 1 when a stop string was found (it begins
 * at *emit and generation should end), else 0.  Call stopper_consume after
 * showing the bytes. */
int stopper_push(stopper *s, const char *text, size_t len, size_t *emit);
void stopper_consume(stopper *s, size_t n);

/* At the end of generation: all held bytes may be shown (no stop string can
 * complete any more). */
size_t stopper_pending(const stopper *s);

#endif
