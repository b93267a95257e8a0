/* Dates are YYYY-MM-DD strings: they compare correctly as text. */
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "internal.h"

bool rt_valid_date(const char *s) {
  if (!s) return false;
  for (int i = 0; i < 10; i++) {
    if (i == 4 || i == 7) {
      if (s[i] != '-') return false;
    } else if (s[i] < '0' || s[i] > '9') {
      return false;
    }
  }
  if (s[10]) return false;
  int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

void rt_today(char out[11]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, m = (unsigned)tm.tm_mon % 12u + 1u,
           d = (unsigned)tm.tm_mday % 32u;
  snprintf(out, 11, "%04u-%02u-%02u", y, m, d);
}
