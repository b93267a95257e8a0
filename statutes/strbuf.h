/* strbuf — a growable byte buffer for text that is being assembled before
 * it is copied into a document's arena (unit texts, joined history). */
#ifndef LAWQA_STATUTES_STRBUF_H
#define LAWQA_STATUTES_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  char *p;
  size_t len, cap;
  bool oom; /* set once an append failed; later appends are ignored */
} strbuf;

void sb_append(strbuf *b, const char *s, size_t n);
void sb_putc(strbuf *b, char c);
void sb_reset(strbuf *b);
void sb_free(strbuf *b);

#endif
