/* label — see label.h. */
#include "label.h"

#include <string.h>

#include "statutes.h"
#include "utf8.h"

static bool is_cn_numeral_char(int32_t c) {
  /* 零〇○一二两三四五六七八九十百千万 */
  static const int32_t set[] = {0x96F6, 0x3007, 0x25CB, 0x4E00, 0x4E8C, 0x4E24,
                                0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03, 0x516B,
                                0x4E5D, 0x5341, 0x767E, 0x5343, 0x4E07};
  for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
    if (set[i] == c) return true;
  return false;
}

static bool is_digit_char(int32_t c) {
  return (c >= '0' && c <= '9') || (c >= 0xFF10 && c <= 0xFF19);
}

size_t numeral_prefix(const char *s, size_t n) {
  size_t i = 0, k;
  if (n == 0) return 0;
  bool digits = is_digit_char(utf8_decode(s, n, &k));
  while (i < n) {
    int32_t c = utf8_decode(s + i, n - i, &k);
    if (digits ? !is_digit_char(c) : !is_cn_numeral_char(c)) break;
    i += k;
  }
  return i;
}

static bool starts(const char *s, size_t n, const char *lit) {
  size_t l = strlen(lit);
  return n >= l && memcmp(s, lit, l) == 0;
}

static size_t skip_blanks(const char *s, size_t n, size_t i) {
  size_t k;
  while (i < n && utf8_is_blank(utf8_decode(s + i, n - i, &k))) i += k;
  return i;
}

static size_t article(const char *s, size_t n, long *num, int *suffix, bool loose) {
  if (!starts(s, n, "第") && !(loose && starts(s, n, "笫"))) return 0;
  size_t i = loose ? skip_blanks(s, n, 3) : 3;
  size_t nl = numeral_prefix(s + i, n - i);
  /* 24 bytes = eight Chinese numeral characters: 一千二百六十 has six. */
  if (nl == 0 || nl > 24) return 0;
  long v;
  if (!st_cn_to_int(s + i, nl, &v) || v < 1) return 0;
  i += nl;
  if (loose) i = skip_blanks(s, n, i);
  if (!starts(s + i, n - i, "条")) return 0;
  i += 3;
  int suf = 0;
  if (starts(s + i, n - i, "之")) {
    size_t sl = numeral_prefix(s + i + 3, n - i - 3);
    long sv;
    if (sl > 0 && sl <= 12 && st_cn_to_int(s + i + 3, sl, &sv) && sv >= 1 && sv < 100) {
      suf = (int)sv;
      i += 3 + sl;
    }
  }
  *num = v;
  *suffix = suf;
  return i;
}

size_t label_article(const char *s, size_t n, long *num, int *suffix) {
  return article(s, n, num, suffix, false);
}

size_t label_article_loose(const char *s, size_t n, long *num, int *suffix) {
  return article(s, n, num, suffix, true);
}

/* Chinese digits and 十/百 only: 一、 … 九十九、 */
static size_t cn_small_prefix(const char *s, size_t n) {
  size_t i = 0, k;
  while (i < n && i < 15) {
    int32_t c = utf8_decode(s + i, n - i, &k);
    if (c == 0x4E24 || c == 0x4E07 || c == 0x5343 || !is_cn_numeral_char(c)) break;
    i += k;
  }
  return i;
}

static size_t section_cn(const char *s, size_t n, long *num) {
  size_t l = cn_small_prefix(s, n);
  if (l == 0 || !starts(s + l, n - l, "、")) return 0;
  if (!st_cn_to_int(s, l, num) || *num < 1) return 0;
  return l + 3;
}

static size_t section_paren(const char *s, size_t n, long *num) {
  size_t open = starts(s, n, "（") ? 3 : starts(s, n, "(") ? 1 : 0;
  if (!open) return 0;
  size_t l = cn_small_prefix(s + open, n - open);
  if (l == 0) return 0;
  size_t at = open + l;
  size_t close = starts(s + at, n - at, "）") ? 3 : starts(s + at, n - at, ")") ? 1 : 0;
  if (!close) return 0;
  if (!st_cn_to_int(s + open, l, num) || *num < 1) return 0;
  return at + close;
}

static size_t section_digit(const char *s, size_t n, long *num) {
  size_t l = numeral_prefix(s, n), k;
  if (l == 0 || !is_digit_char(utf8_decode(s, n, &k)) || l > 9) return 0;
  size_t p;
  if (starts(s + l, n - l, ".")) p = 1;
  else if (starts(s + l, n - l, "．") || starts(s + l, n - l, "、")) p = 3;
  else return 0;
  /* 1.5倍 is a number, not a label. */
  if (l + p < n && is_digit_char(utf8_decode(s + l + p, n - l - p, &k))) return 0;
  if (!st_cn_to_int(s, l, num) || *num < 1 || *num > 999) return 0;
  return l + p;
}

size_t label_section(const char *s, size_t n, num_style *style, long *num) {
  size_t l;
  if ((l = section_cn(s, n, num))) {
    *style = NUM_CN;
  } else if ((l = section_paren(s, n, num))) {
    *style = NUM_PAREN_CN;
  } else if ((l = section_digit(s, n, num))) {
    *style = NUM_DIGIT;
  } else {
    *style = NUM_NONE;
  }
  return l;
}
