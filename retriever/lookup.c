/* Direct lookups: one article by law and number, a citation check, a case
 * document's sections. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "statutes.h"

static bool strip_prefix(const char **s, size_t *len, const char *p) {
  size_t n = strlen(p);
  if (*len < n || memcmp(*s, p, n)) return false;
  *s += n;
  *len -= n;
  return true;
}

static bool strip_suffix(const char *s, size_t *len, const char *p) {
  size_t n = strlen(p);
  if (*len < n || memcmp(s + *len - n, p, n)) return false;
  *len -= n;
  return true;
}

static void trim(const char **s, size_t *len) {
  while (*len && (**s == ' ' || **s == '\t'))
    (*s)++, (*len)--;
  while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
    (*len)--;
}

/* "264", "二百六十四", "133之一", "第133条之一", "第一百三十三条之一". */
static bool parse_number(const char *s, int *number, int *suffix) {
  size_t len = strlen(s);
  trim(&s, &len);
  strip_prefix(&s, &len, "第");
  const char *zhi = NULL;
  for (size_t i = 0; i + 3 <= len; i++)
    if (!memcmp(s + i, "之", 3)) {
      zhi = s + i;
      break;
    }
  size_t main_len = zhi ? (size_t)(zhi - s) : len;
  strip_suffix(s, &main_len, "条");
  long n = 0, x = 0;
  if (!main_len || !st_cn_to_int(s, main_len, &n) || n <= 0 || n > 1000000) return false;
  if (zhi) {
    const char *rest = zhi + 3;
    size_t rest_len = len - (size_t)(rest - s);
    strip_suffix(rest, &rest_len, "条");
    if (!rest_len || !st_cn_to_int(rest, rest_len, &x) || x <= 0 || x > 1000) return false;
  }
  *number = (int)n;
  *suffix = (int)x;
  return true;
}

/* Finds article number/suffix of law_id in the version applying at as_of
 * (current when NULL) and fills out.  0, 1 not found (err says why), -1. */
static int find_article(rt_handle *h, int64_t law_id, const char *law_name, int number, int suffix,
                        const char *as_of, rt_hit *out, char *err, size_t errlen) {
  int64_t version = rt_version_at(h, law_id, as_of);
  if (version < 0) {
    snprintf(err, errlen, "%s had no version in force on %s", law_name, as_of ? as_of : "-");
    return 1;
  }
  int64_t id = rt_article_id(h, version, number, suffix);
  char label[128] = "";
  if (id < 0) {
    char cn[48];
    if (st_int_to_cn(number, cn, sizeof cn)) {
      if (suffix) {
        char sx[16];
        st_int_to_cn(suffix, sx, sizeof sx);
        snprintf(label, sizeof label, "第%s条之%s", cn, sx);
      } else {
        snprintf(label, sizeof label, "第%s条", cn);
      }
    }
    snprintf(err, errlen, "%s has no article %s", law_name, label);
    return 1;
  }
  char today[11];
  rt_today(today);
  return rt_fill_hit(h, id, as_of ? as_of : today, out, err, errlen) ? -1 : 0;
}

int rt_get_article(rt_handle *h, const char *law, const char *number, const char *as_of,
                   rt_hit *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (as_of && !rt_valid_date(as_of)) {
    snprintf(err, errlen, "bad date '%s': use YYYY-MM-DD", as_of);
    return -1;
  }
  int64_t law_id = law ? rt_law_id(h, law, strlen(law)) : -1;
  if (law_id < 0) {
    snprintf(err, errlen, "unknown law '%s'", law ? law : "");
    return 1;
  }
  int n = 0, sx = 0;
  if (!number || !parse_number(number, &n, &sx)) {
    snprintf(err, errlen, "bad article number '%s' (try 264, 二百六十四 or 133之一)",
             number ? number : "");
    return 1;
  }
  return find_article(h, law_id, law, n, sx, as_of, out, err, errlen);
}

int rt_check_citation(rt_handle *h, const char *law, const char *enclosing_law, int article,
                      int suffix, const char *as_of, rt_hit *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  if (as_of && !rt_valid_date(as_of)) {
    snprintf(err, errlen, "bad date '%s': use YYYY-MM-DD", as_of);
    return -1;
  }
  const char *name = law && *law ? law : enclosing_law;
  int64_t law_id = name ? rt_law_id(h, name, strlen(name)) : -1;
  if (law_id < 0) {
    snprintf(err, errlen, "unknown law '%s'", name ? name : "");
    return 1;
  }
  if (article <= 0 || suffix < 0) {
    snprintf(err, errlen, "bad article number %d", article);
    return 1;
  }
  return find_article(h, law_id, name, article, suffix, as_of, out, err, errlen);
}

/* Fills *out with a hit for every id the bound statement returns. */
static int fill_all(rt_handle *h, sqlite3_stmt *st, rt_hit **out, size_t *n, char *err,
                    size_t errlen) {
  char today[11];
  rt_today(today);
  size_t cap = 0;
  int rc = 0;
  while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
    if (*n == cap) {
      cap = cap ? 2 * cap : 8;
      rt_hit *p = realloc(*out, cap * sizeof *p);
      if (!p) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
        break;
      }
      *out = p;
    }
    int r = rt_fill_hit(h, sqlite3_column_int64(st, 0), today, &(*out)[*n], err, errlen);
    if (r < 0) rc = -1;
    if (r == 0) (*n)++;
  }
  return rc;
}

int rt_get_case(rt_handle *h, int64_t id, rt_hit **sections, size_t *n, char *err, size_t errlen) {
  *sections = NULL;
  *n = 0;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(h->db,
                         "SELECT b.id FROM articles a JOIN articles b ON b.version_id=a.version_id"
                         " WHERE a.id=?1 AND a.kind=2 ORDER BY b.id",
                         -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "reading case: %s", sqlite3_errmsg(h->db));
    return -1;
  }
  sqlite3_bind_int64(st, 1, id);
  int rc = fill_all(h, st, sections, n, err, errlen);
  sqlite3_finalize(st);
  if (rc == 0 && *n == 0) {
    snprintf(err, errlen, "no case document with id %lld", (long long)id);
    rc = 1;
  }
  if (rc < 0) {
    rt_hits_free(*sections, *n);
    *sections = NULL;
    *n = 0;
  }
  return rc;
}

int rt_law_units(rt_handle *h, const char *law, const char *as_of, rt_hit **units, size_t *n,
                 char *err, size_t errlen) {
  *units = NULL;
  *n = 0;
  int64_t law_id = law ? rt_law_id(h, law, strlen(law)) : -1;
  if (law_id < 0) {
    snprintf(err, errlen, "unknown law '%s'", law ? law : "");
    return 1;
  }
  if (as_of && !rt_valid_date(as_of)) {
    snprintf(err, errlen, "bad date '%s': use YYYY-MM-DD", as_of);
    return -1;
  }
  int64_t version = rt_version_at(h, law_id, as_of);
  if (version < 0) {
    snprintf(err, errlen, "%s had no version in force on %s", law, as_of ? as_of : "that date");
    return 1;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(h->db, "SELECT id FROM articles WHERE version_id=?1 ORDER BY id", -1, &st,
                         NULL) != SQLITE_OK) {
    snprintf(err, errlen, "reading law: %s", sqlite3_errmsg(h->db));
    return -1;
  }
  sqlite3_bind_int64(st, 1, version);
  int rc = fill_all(h, st, units, n, err, errlen);
  sqlite3_finalize(st);
  if (rc < 0) {
    rt_hits_free(*units, *n);
    *units = NULL;
    *n = 0;
  }
  return rc;
}
