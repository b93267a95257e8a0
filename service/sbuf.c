/* sbuf — growable strings and the UTF-8 checks the service needs. */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool sbuf_grow(sbuf *b, size_t need) {
  if (b->oom) return false;
  if (b->len + need + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + need + 1) cap *= 2;
  char *p = realloc(b->s, cap);
  if (!p) {
    b->oom = true;
    return false;
  }
  b->s = p;
  b->cap = cap;
  return true;
}

void sbuf_add(sbuf *b, const char *p, size_t n) {
  if (!sbuf_grow(b, n)) return;
  memcpy(b->s + b->len, p, n);
  b->len += n;
  b->s[b->len] = '\0';
}

void sbuf_puts(sbuf *b, const char *p) { sbuf_add(b, p, strlen(p)); }

void sbuf_printf(sbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !sbuf_grow(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

char *sbuf_take(sbuf *b) {
  if (!b->s) sbuf_add(b, "", 0);
  char *s = b->s;
  if (b->oom) {
    free(s);
    s = NULL;
  }
  b->s = NULL;
  b->len = b->cap = 0;
  b->oom = false;
  return s;
}

void sbuf_free(sbuf *b) {
  free(b->s);
  b->s = NULL;
  b->len = b->cap = 0;
}

/* Length of the UTF-8 sequence starting at s, 0 when it is invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  unsigned min, cp;
  if ((c & 0xE0) == 0xC0) len = 2, min = 0x80, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0) len = 3, min = 0x800, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0) len = 4, min = 0x10000, cp = c & 0x07;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool svc_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    size_t l = utf8_seq_len(p + i, n - i);
    if (!l) return false;
    i += l;
  }
  return true;
}

size_t svc_utf8_prefix(const char *s, size_t n, size_t max_chars) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  for (size_t c = 0; i < n && c < max_chars; c++) {
    size_t l = utf8_seq_len(p + i, n - i);
    i += l ? l : 1;
  }
  return i < n ? i : n;
}
