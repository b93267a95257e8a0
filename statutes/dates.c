/* dates — see dates.h. */
#include "dates.h"

#include <stdio.h>
#include <string.h>

/* ASCII digits at s[*i], at most max of them; -1 if none. */
static long digits(const char *s, size_t n, size_t *i, int max) {
  long v = 0;
  int k = 0;
  while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9') v = v * 10 + (s[(*i)++] - '0'), k++;
  return k ? v : -1;
}

static bool lit(const char *s, size_t n, size_t *i, const char *l) {
  size_t ll = strlen(l);
  if (n - *i < ll || memcmp(s + *i, l, ll) != 0) return false;
  *i += ll;
  return true;
}

static bool valid(long y, long m, long d) {
  return y >= 1900 && y <= 2199 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

bool date_parse(const char *s, size_t n, char out[11]) {
  size_t i = 0;
  long y = digits(s, n, &i, 4);
  if (y < 0 || i != 4) return false;
  long m, d;
  if (lit(s, n, &i, "年")) {
    m = digits(s, n, &i, 2);
    if (m < 0 || !lit(s, n, &i, "月")) return false;
    d = digits(s, n, &i, 2);
    if (d < 0) return false;
  } else if (i < n && (s[i] == '-' || s[i] == '.' || s[i] == '/')) {
    char sep = s[i++];
    m = digits(s, n, &i, 2);
    if (m < 0 || i >= n || s[i++] != sep) return false;
    d = digits(s, n, &i, 2);
    if (d < 0) return false;
  } else {
    return false;
  }
  if (!valid(y, m, d)) return false;
  snprintf(out, 11, "%04ld-%02ld-%02ld", y % 10000, m % 100, d % 100);
  return true;
}

bool date_from_filename(const char *path, char out[11]) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(base);
  bool found = false;
  for (size_t i = 0; i < n; i++) {
    size_t open = 0;
    if (base[i] == '(') open = 1;
    else if (n - i >= 3 && memcmp(base + i, "（", 3) == 0) open = 3;
    if (!open) continue;
    size_t j = i + open;
    char tmp[11];
    if (n - j < 10 || !date_parse(base + j, 10, tmp)) continue;
    j += 10;
    if ((j < n && base[j] == ')') || (n - j >= 3 && memcmp(base + j, "）", 3) == 0)) {
      memcpy(out, tmp, 11);
      found = true;
    }
  }
  return found;
}
