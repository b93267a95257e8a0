/* Filling rt_hit from the database, and the version/article lookups every
 * arm shares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int64_t rt_version_at(rt_handle *h, int64_t law_id, const char *date) {
  /* called for every hit (in_force): both forms stay prepared */
  sqlite3_stmt **st = date ? &h->version_on : &h->version_now;
  const char *sql = date ? "SELECT id FROM versions WHERE law_id=?1 AND version_date<=?2 "
                           "ORDER BY version_date DESC, id DESC LIMIT 1"
                         : "SELECT id FROM versions WHERE law_id=?1 AND is_current";
  if (!*st && sqlite3_prepare_v3(h->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
    return -1;
  int64_t id = -1;
  sqlite3_bind_int64(*st, 1, law_id);
  if (date) sqlite3_bind_text(*st, 2, date, -1, SQLITE_STATIC);
  if (sqlite3_step(*st) == SQLITE_ROW) id = sqlite3_column_int64(*st, 0);
  sqlite3_reset(*st);
  sqlite3_clear_bindings(*st);
  return id;
}

int64_t rt_article_id(rt_handle *h, int64_t version_id, int number, int suffix) {
  sqlite3_stmt *st = NULL;
  int64_t id = -1;
  if (sqlite3_prepare_v2(h->db,
                         "SELECT id FROM articles WHERE version_id=?1 AND kind=0 AND number=?2 "
                         "AND suffix=?3 ORDER BY id LIMIT 1",
                         -1, &st, NULL) != SQLITE_OK)
    return -1;
  sqlite3_bind_int64(st, 1, version_id);
  sqlite3_bind_int(st, 2, number);
  sqlite3_bind_int(st, 3, suffix);
  if (sqlite3_step(st) == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return id;
}

/* A text column as a malloc'd string, "" for NULL; NULL only when out of
 * memory. */
char *rt_col_dup(sqlite3_stmt *st, int i) {
  const char *s = (const char *)sqlite3_column_text(st, i);
  return strdup(s ? s : "");
}

void rt_hit_clear(rt_hit *hit) {
  if (!hit) return;
  free(hit->law_title);
  free(hit->law_short);
  free(hit->category);
  free(hit->version_date);
  free(hit->repealed_on);
  free(hit->label);
  free(hit->path);
  free(hit->text);
  memset(hit, 0, sizeof *hit);
}

void rt_hits_free(rt_hit *hits, size_t n) {
  for (size_t i = 0; i < n; i++)
    rt_hit_clear(&hits[i]);
  free(hits);
}

int rt_fill_hit(rt_handle *h, int64_t id, const char *date, rt_hit *out, char *err, size_t errlen) {
  sqlite3_stmt *st = h->fill;
  memset(out, 0, sizeof *out);
  sqlite3_bind_int64(st, 1, id);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) return 1;
    snprintf(err, errlen, "reading article: %s", sqlite3_errmsg(h->db));
    return -1;
  }
  out->id = id;
  out->kind = (rt_kind)sqlite3_column_int(st, 0);
  out->law_title = rt_col_dup(st, 1);
  out->law_short = rt_col_dup(st, 2);
  out->category = rt_col_dup(st, 3);
  out->version_date = rt_col_dup(st, 4);
  out->repealed_on = rt_col_dup(st, 5);
  out->number = sqlite3_column_int(st, 6);
  out->suffix = sqlite3_column_int(st, 7);
  out->label = rt_col_dup(st, 8);
  out->path = rt_col_dup(st, 9);
  out->text = rt_col_dup(st, 10);
  int64_t version_id = sqlite3_column_int64(st, 11), law_id = sqlite3_column_int64(st, 12);
  out->expired = sqlite3_column_int(st, 13) != 0;
  sqlite3_reset(st);
  if (!out->law_title || !out->law_short || !out->category || !out->version_date ||
      !out->repealed_on || !out->label || !out->path || !out->text) {
    rt_hit_clear(out);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  /* In force on date: this is the version that applied then, and the law
   * had not been repealed by then.  An expired law's repeal date is not
   * known: it is out of force today (and later), and for an earlier date
   * the versions' dates are all there is to go by. */
  char today[11];
  rt_today(today);
  out->in_force = rt_version_at(h, law_id, date) == version_id &&
                  (!out->repealed_on[0] || strcmp(out->repealed_on, date) > 0) &&
                  !(out->expired && strcmp(date, today) >= 0);
  return 0;
}
