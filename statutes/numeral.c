/* numeral — Chinese numerals as statutes write them (第二百六十四条), plus
 * ASCII and full-width digits, which citations in answers and cases use. */
#include <string.h>

#include "statutes.h"
#include "utf8.h"

#define CN_MAX 99999999L

/* Digit value of c, or -1.  〇 (U+3007) and the look-alike ○ (U+25CB) are
 * both used as zero in the corpus (一八四○年). */
static int cn_digit(int32_t c) {
  switch (c) {
  case 0x96F6: case 0x3007: case 0x25CB: return 0; /* 零 〇 ○ */
  case 0x4E00: return 1;                           /* 一 */
  case 0x4E8C: case 0x4E24: return 2;              /* 二 两 */
  case 0x4E09: return 3;                           /* 三 */
  case 0x56DB: return 4;                           /* 四 */
  case 0x4E94: return 5;                           /* 五 */
  case 0x516D: return 6;                           /* 六 */
  case 0x4E03: return 7;                           /* 七 */
  case 0x516B: return 8;                           /* 八 */
  case 0x4E5D: return 9;                           /* 九 */
  default: return -1;
  }
}

static long cn_unit(int32_t c) {
  switch (c) {
  case 0x5341: return 10;    /* 十 */
  case 0x767E: return 100;   /* 百 */
  case 0x5343: return 1000;  /* 千 */
  case 0x4E07: return 10000; /* 万 */
  default: return 0;
  }
}

static int ascii_digit(int32_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 0xFF10 && c <= 0xFF19) return c - 0xFF10; /* full-width */
  return -1;
}

/* 264 / ２６４ */
static bool parse_digits(const char *s, size_t len, long *out) {
  long v = 0;
  size_t i = 0, n;
  while (i < len) {
    int d = ascii_digit(utf8_decode(s + i, len - i, &n));
    if (d < 0) return false;
    v = v * 10 + d;
    if (v > CN_MAX) return false;
    i += n;
  }
  *out = v;
  return true;
}

/* 二〇一八: digits without units, read positionally (years, 一九八二). */
static bool parse_positional(const char *s, size_t len, long *out) {
  long v = 0;
  size_t i = 0, n;
  while (i < len) {
    int d = cn_digit(utf8_decode(s + i, len - i, &n));
    if (d < 0) return false;
    v = v * 10 + d;
    if (v > CN_MAX) return false;
    i += n;
  }
  *out = v;
  return true;
}

/* 一千二百六十, 十五, 一百零五, 三万五千, and the clipped spoken form
 * 一百五 (= 150): a last digit right after a unit, with no 零 between,
 * counts in the next lower unit. */
static bool parse_units(const char *s, size_t len, long *out) {
  long total = 0, section = 0, last_unit = 0;
  int pending = -1;
  bool zero = false, any = false, wan = false;
  size_t i = 0, n;
  while (i < len) {
    int32_t c = utf8_decode(s + i, len - i, &n);
    i += n;
    int d = cn_digit(c);
    long u = cn_unit(c);
    if (d == 0) {
      if (pending >= 0) return false; /* 五零 */
      zero = true;
    } else if (d > 0) {
      if (pending >= 0) return false; /* 二三 */
      pending = d;
    } else if (u == 10000) {
      if (wan) return false;
      if (pending >= 0) section += pending;
      if (section == 0) return false;
      total = section * 10000;
      section = 0, pending = -1, last_unit = 0, zero = false, wan = true;
    } else if (u > 0) {
      if (last_unit && u >= last_unit) return false; /* 十百 */
      long m = pending >= 0 ? pending : (u == 10 ? 1 : -1); /* 十五 = 一十五 */
      if (m < 0) return false;
      section += m * u;
      last_unit = u, pending = -1, zero = false;
    } else {
      return false;
    }
    any = true;
  }
  if (!any) return false;
  if (pending >= 0) {
    long scale = 1;
    if (!zero && last_unit >= 100) scale = last_unit / 10;
    else if (!zero && last_unit == 0 && wan && section == 0) scale = 1000;
    section += pending * scale;
  }
  total += section;
  if (total > CN_MAX) return false;
  *out = total;
  return true;
}

static bool has_unit(const char *s, size_t len) {
  size_t i = 0, n;
  while (i < len) {
    if (cn_unit(utf8_decode(s + i, len - i, &n))) return true;
    i += n;
  }
  return false;
}

bool st_cn_to_int(const char *s, size_t len, long *out) {
  if (!s || len == 0 || !out) return false;
  size_t n;
  if (ascii_digit(utf8_decode(s, len, &n)) >= 0) return parse_digits(s, len, out);
  if (!has_unit(s, len)) return parse_positional(s, len, out);
  return parse_units(s, len, out);
}

static const char *const CN_DIGIT[10] = {"零", "一", "二", "三", "四",
                                         "五", "六", "七", "八", "九"};
static const char *const CN_UNIT[4] = {"", "十", "百", "千"};

/* Writes 0 < n < 10000; lead says whether this section starts the number
 * (only then is 一十 shortened to 十). */
static void put_section(long n, bool lead, char *tmp, size_t *len) {
  bool zero = false, started = false;
  for (int pos = 3; pos >= 0; pos--) {
    long p = 1;
    for (int k = 0; k < pos; k++) p *= 10;
    int d = (int)((n / p) % 10);
    if (d == 0) {
      if (started) zero = true;
      continue;
    }
    if (zero) {
      memcpy(tmp + *len, CN_DIGIT[0], 3), *len += 3;
      zero = false;
    }
    if (!(pos == 1 && d == 1 && lead && !started)) {
      memcpy(tmp + *len, CN_DIGIT[d], 3), *len += 3;
    }
    size_t ul = strlen(CN_UNIT[pos]);
    memcpy(tmp + *len, CN_UNIT[pos], ul), *len += ul;
    started = true;
  }
}

size_t st_int_to_cn(long n, char *buf, size_t cap) {
  if (n < 0 || n > CN_MAX || !buf) return 0;
  char tmp[64];
  size_t len = 0;
  if (n == 0) {
    memcpy(tmp, CN_DIGIT[0], 3), len = 3;
  } else {
    long hi = n / 10000, lo = n % 10000;
    if (hi) {
      put_section(hi, true, tmp, &len);
      memcpy(tmp + len, "万", 3), len += 3;
    }
    if (lo) {
      if (hi && lo < 1000) memcpy(tmp + len, CN_DIGIT[0], 3), len += 3;
      put_section(lo, !hi, tmp, &len);
    }
  }
  if (len + 1 > cap) return 0;
  memcpy(buf, tmp, len);
  buf[len] = '\0';
  return len;
}
