/* Laws no longer in force, from the corpus's own metadata.
 *
 * A statute file does not say that its law was repealed: a repealed law
 * simply stops getting new versions, and without help lawqa would keep
 * showing its last version as current law.  LawRefBook ships db.sqlite3
 * beside its Markdown, with a table law(name, publish, expired, ...) of one
 * row per version; a name all of whose rows are expired is a law (or
 * judicial interpretation) that is no longer in force.  The repeal date is
 * not recorded, so the database only learns "expired, date unknown".
 *
 * A corpus without that file, or with one of another shape, simply has no
 * expired laws: the metadata is optional. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define EXPIRED_FILE "db.sqlite3"

static const char *const expired_sql =
    "SELECT name, max(coalesce(publish, '')) FROM law GROUP BY name"
    " HAVING sum(expired <> 0) = count(*) ORDER BY name";

/* A title as names are compared: without 中华人民共和国 and 《》, with
 * ASCII parentheses ("《中华人民共和国婚姻法》…（一）" and "《婚姻法》…(一)"
 * name the same interpretation).  Writes at most cap-1 bytes. */
static void name_key(const char *title, char *out, size_t cap) {
  static const char *const drop[] = {"中华人民共和国", "《", "》"};
  static const char *const from[] = {"（", "）"}, *const to[] = {"(", ")"};
  size_t n = 0;
  while (*title && n + 1 < cap) {
    size_t skip = 0;
    for (size_t i = 0; i < 3 && !skip; i++)
      if (!strncmp(title, drop[i], strlen(drop[i]))) skip = strlen(drop[i]);
    for (size_t i = 0; i < 2 && !skip; i++)
      if (!strncmp(title, from[i], strlen(from[i]))) {
        out[n++] = to[i][0];
        skip = strlen(from[i]);
      }
    if (!skip) {
      out[n++] = *title;
      skip = 1;
    }
    title += skip;
  }
  out[n] = '\0';
}

static int add_name(ix_expired *e, const char *name, const char *last_date) {
  if (e->n == e->cap) {
    size_t cap = e->cap ? 2 * e->cap : 64;
    ix_expired_law *p = realloc(e->laws, cap * sizeof *p);
    if (!p) return -1;
    e->laws = p;
    e->cap = cap;
  }
  ix_expired_law *x = &e->laws[e->n];
  char key[1024];
  name_key(name, key, sizeof key);
  if (!(x->name = strdup(name))) return -1;
  if (!(x->key = strdup(key))) {
    free(x->name);
    return -1;
  }
  snprintf(x->last_date, sizeof x->last_date, "%.10s", last_date);
  e->n++;
  /* FNV-1a over names and dates: a changed list forces a rebuild */
  for (const char *s = name; *s; s++)
    e->hash = (e->hash ^ (unsigned char)*s) * 1099511628211ull;
  for (const char *s = x->last_date; *s; s++)
    e->hash = (e->hash ^ (unsigned char)*s) * 1099511628211ull;
  e->hash = (e->hash ^ 0xFF) * 1099511628211ull;
  return 0;
}

int ix_expired_read(const char *corpus_dir, ix_expired *e, char *err, size_t errlen) {
  memset(e, 0, sizeof *e);
  e->hash = 14695981039346656037ull;
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", corpus_dir, EXPIRED_FILE) >= (int)sizeof path) return 0;
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int rc = 0;
  /* no file, not a database, or no law table: no metadata */
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, expired_sql, -1, &st, NULL) != SQLITE_OK)
    goto done;
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    const char *date = (const char *)sqlite3_column_text(st, 1);
    if (name && *name && add_name(e, name, date ? date : "")) {
      snprintf(err, errlen, "out of memory");
      rc = -1;
      goto done;
    }
  }
  if (step != SQLITE_DONE) ix_expired_free(e); /* a damaged file: no metadata */
done:
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rc;
}

void ix_expired_free(ix_expired *e) {
  for (size_t i = 0; i < e->n; i++) {
    free(e->laws[i].name);
    free(e->laws[i].key);
  }
  free(e->laws);
  uint64_t hash = e->hash;
  memset(e, 0, sizeof *e);
  e->hash = hash;
}

static const ix_expired_law *find_expired(const ix_expired *e, const char *title) {
  char key[1024];
  name_key(title, key, sizeof key);
  for (size_t i = 0; i < e->n; i++)
    if (!strcmp(key, e->laws[i].key)) return &e->laws[i];
  return NULL;
}

/* Marks the national laws and interpretations of e (compared by name_key)
 * as expired, unless the corpus has a version newer than any the metadata
 * knows: such a law was re-enacted after the metadata was made. */
int ix_expired_apply(sqlite3 *db, const ix_expired *e, char *err, size_t errlen) {
  static const char *const laws_sql =
      "SELECT l.id, l.title, max(v.version_date) FROM laws l JOIN versions v ON v.law_id=l.id"
      " WHERE l.category<>'DLC' AND l.is_case=0 GROUP BY l.id";
  sqlite3_stmt *st = NULL, *mark = NULL;
  char sql[160];
  snprintf(sql, sizeof sql,
           "UPDATE laws SET expired=0; INSERT OR REPLACE INTO meta VALUES"
           "('expired_hash','%llu')",
           (unsigned long long)e->hash);
  if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, laws_sql, -1, &st, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "UPDATE laws SET expired=1 WHERE id=?1", -1, &mark, NULL) != SQLITE_OK)
    goto fail;
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    const char *title = (const char *)sqlite3_column_text(st, 1);
    const char *newest = (const char *)sqlite3_column_text(st, 2);
    const ix_expired_law *x = title ? find_expired(e, title) : NULL;
    if (!x || (x->last_date[0] && newest && strcmp(newest, x->last_date) > 0)) continue;
    sqlite3_bind_int64(mark, 1, sqlite3_column_int64(st, 0));
    int rc = sqlite3_step(mark);
    sqlite3_reset(mark);
    if (rc != SQLITE_DONE) goto fail;
  }
  if (step != SQLITE_DONE) goto fail;
  sqlite3_finalize(st);
  sqlite3_finalize(mark);
  return 0;
fail:
  snprintf(err, errlen, "marking expired laws: %s", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  sqlite3_finalize(mark);
  return -1;
}
