/* Character-level metrics (ROUGE-L over Chinese text) need code points, not
 * bytes: one Chinese character is three bytes. */
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

size_t ev_utf8_len(const char *s) {
  unsigned char c = (unsigned char)s[0];
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  for (size_t i = 1; i < n; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) return 1;
  return n;
}

uint32_t *ev_utf8_decode(const char *s, size_t *n) {
  size_t len = s ? strlen(s) : 0, k = 0;
  uint32_t *out = malloc((len + 1) * sizeof *out);
  if (!out) return NULL;
  for (size_t i = 0; i < len;) {
    const unsigned char *p = (const unsigned char *)s + i;
    size_t l = ev_utf8_len(s + i);
    uint32_t cp;
    if (l == 1)
      cp = p[0] < 0x80 ? p[0] : 0xFFFD;
    else if (l == 2)
      cp = (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
    else if (l == 3)
      cp = (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    else
      cp = (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
           (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
    out[k++] = cp;
    i += l;
  }
  *n = k;
  return out;
}
