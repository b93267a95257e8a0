/* Listing laws and their versions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const cols =
    "SELECT l.title, l.short_title, l.category, v.version_date, v.first_date, v.repealed_on,"
    " v.n_articles, l.expired FROM versions v JOIN laws l ON l.id=v.law_id ";

void rt_law_versions_free(rt_law_version *v, size_t n) {
  if (!v) return;
  for (size_t i = 0; i < n; i++) {
    free(v[i].title);
    free(v[i].short_title);
    free(v[i].category);
    free(v[i].version_date);
    free(v[i].first_date);
    free(v[i].repealed_on);
  }
  free(v);
}

static int collect(rt_handle *h, sqlite3_stmt *st, rt_law_version **out, size_t *n, char *err,
                   size_t errlen) {
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (*n == cap) {
      cap = cap ? 2 * cap : 64;
      rt_law_version *p = realloc(*out, cap * sizeof *p);
      if (!p) goto oom;
      *out = p;
    }
    rt_law_version *v = &(*out)[(*n)++];
    v->title = rt_col_dup(st, 0);
    v->short_title = rt_col_dup(st, 1);
    v->category = rt_col_dup(st, 2);
    v->version_date = rt_col_dup(st, 3);
    v->first_date = rt_col_dup(st, 4);
    v->repealed_on = rt_col_dup(st, 5);
    v->n_articles = (size_t)sqlite3_column_int64(st, 6);
    v->expired = sqlite3_column_int(st, 7) != 0;
    if (!v->title || !v->short_title || !v->category || !v->version_date || !v->first_date ||
        !v->repealed_on)
      goto oom;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "listing laws: %s", sqlite3_errmsg(h->db));
    goto fail;
  }
  return 0;
oom:
  sqlite3_finalize(st);
  snprintf(err, errlen, "out of memory");
fail:
  rt_law_versions_free(*out, *n);
  *out = NULL;
  *n = 0;
  return -1;
}

static sqlite3_stmt *prepare(rt_handle *h, const char *where, char *err, size_t errlen) {
  char sql[512];
  snprintf(sql, sizeof sql, "%s%s", cols, where);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "listing laws: %s", sqlite3_errmsg(h->db));
    return NULL;
  }
  return st;
}

int rt_list_laws(rt_handle *h, rt_law_version **out, size_t *n, char *err, size_t errlen) {
  *out = NULL;
  *n = 0;
  sqlite3_stmt *st =
      prepare(h, "WHERE v.is_current AND l.is_case=0 ORDER BY l.category, l.title", err, errlen);
  return st ? collect(h, st, out, n, err, errlen) : -1;
}

int rt_law_versions(rt_handle *h, const char *law, rt_law_version **out, size_t *n, char *err,
                    size_t errlen) {
  *out = NULL;
  *n = 0;
  int64_t id = law ? rt_law_id(h, law, strlen(law)) : -1;
  if (id < 0) {
    snprintf(err, errlen, "unknown law '%s'", law ? law : "");
    return -1;
  }
  sqlite3_stmt *st = prepare(h, "WHERE l.id=?1 ORDER BY v.version_date, v.id", err, errlen);
  if (!st) return -1;
  sqlite3_bind_int64(st, 1, id);
  return collect(h, st, out, n, err, errlen);
}
