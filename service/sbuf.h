/* sbuf — a growable byte string; the owner frees .s. */
#ifndef LAWQA_SVC_SBUF_H
#define LAWQA_SVC_SBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
  char *s;    /* NUL-terminated; NULL until the first add */
  size_t len, cap;
  bool oom;   /* an add failed: the content is incomplete */
} sbuf;

void sbuf_add(sbuf *b, const char *p, size_t n);
void sbuf_puts(sbuf *b, const char *p);
void sbuf_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the string to the caller (never NULL unless out of memory). */
char *sbuf_take(sbuf *b);
void sbuf_free(sbuf *b);

/* ---- UTF-8 ---- */

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
bool svc_utf8_valid(const char *s, size_t n);
/* Byte length of the first max_chars characters of s (n bytes). */
size_t svc_utf8_prefix(const char *s, size_t n, size_t max_chars);

#endif
