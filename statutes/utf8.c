/* utf8 — see utf8.h.  Strict decoding: overlong forms, surrogates and code
 * points above U+10FFFF count as invalid, as RFC 3629 requires. */
#include "utf8.h"

int32_t utf8_decode(const char *str, size_t len, size_t *n) {
  const unsigned char *s = (const unsigned char *)str;
  *n = 1;
  if (len == 0) return -1;
  unsigned c = s[0];
  if (c < 0x80) return (int32_t)c;
  size_t need;
  uint32_t cp, min;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1, cp = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2, cp = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3, cp = c & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (len < need + 1) return -1;
  for (size_t i = 1; i <= need; i++) {
    if ((s[i] & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *n = need + 1;
  return (int32_t)cp;
}

size_t utf8_count_invalid(const char *s, size_t len) {
  size_t bad = 0, i = 0;
  while (i < len) {
    if ((unsigned char)s[i] < 0x80) {
      i++;
      continue;
    }
    size_t n;
    if (utf8_decode(s + i, len - i, &n) < 0) bad++;
    i += n;
  }
  return bad;
}

size_t utf8_sanitize(const char *s, size_t len, char *out) {
  size_t i = 0, o = 0;
  while (i < len) {
    size_t n;
    if ((unsigned char)s[i] < 0x80) {
      out[o++] = s[i++];
      continue;
    }
    if (utf8_decode(s + i, len - i, &n) < 0) {
      out[o++] = (char)0xEF, out[o++] = (char)0xBF, out[o++] = (char)0xBD;
    } else {
      for (size_t k = 0; k < n; k++) out[o++] = s[i + k];
    }
    i += n;
  }
  return o;
}

bool utf8_is_blank(int32_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' ||
         c == 0x3000 || c == 0xA0 || c == 0xFEFF || (c >= 0x200B && c <= 0x200D) || c == 0x2060;
}

bool utf8_is_cjk(int32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2FA1F) || (c >= 0xF900 && c <= 0xFAFF) || c == 0x3007;
}

void utf8_trim(const char **s, size_t *len) {
  const char *p = *s;
  size_t n = *len;
  while (n > 0) {
    size_t k;
    int32_t c = utf8_decode(p, n, &k);
    if (!utf8_is_blank(c)) break;
    p += k, n -= k;
  }
  /* Trailing blanks: all of them are 1, 2 or 3 bytes long. */
  for (;;) {
    if (n >= 1 && utf8_is_blank((unsigned char)p[n - 1]) && (unsigned char)p[n - 1] < 0x80) {
      n--;
      continue;
    }
    size_t k;
    if (n >= 3 && utf8_decode(p + n - 3, 3, &k) >= 0 && k == 3 &&
        utf8_is_blank(utf8_decode(p + n - 3, 3, &k))) {
      n -= 3;
      continue;
    }
    if (n >= 2 && utf8_decode(p + n - 2, 2, &k) >= 0 && k == 2 &&
        utf8_is_blank(utf8_decode(p + n - 2, 2, &k))) {
      n -= 2;
      continue;
    }
    break;
  }
  *s = p;
  *len = n;
}
