/* Writes parsed documents into the tables: a law row (once per title), its
 * alias names, a version row, the version's units and their FTS rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { S_LAW_INS, S_LAW_ID, S_ALIAS, S_VERSION, S_ARTICLE, S_FTS, S_COUNT };

static const char *const store_sql[S_COUNT] = {
    [S_LAW_INS] = "INSERT INTO laws(title, short_title, category, is_case) VALUES(?1,?2,?3,?4) "
                  "ON CONFLICT(title) DO NOTHING",
    [S_LAW_ID] = "SELECT id FROM laws WHERE title=?1",
    [S_ALIAS] = "INSERT INTO aliases(alias, law_id, prio) VALUES(?1,?2,?3) "
                "ON CONFLICT DO UPDATE SET prio=min(prio, excluded.prio)",
    [S_VERSION] = "INSERT INTO versions(law_id, version_date, first_date, effective_from, "
                  "source_path, content_hash, n_articles) VALUES(?1,?2,?3,?2,?4,?5,?6)",
    [S_ARTICLE] = "INSERT INTO articles(version_id, kind, number, suffix, label, path, text) "
                  "VALUES(?1,?2,?3,?4,?5,?6,?7)",
    [S_FTS] = "INSERT INTO articles_fts(rowid, title, path, text) VALUES(?1,?2,?3,?4)",
};

struct ix_store {
  sqlite3 *db;
  sqlite3_stmt *st[S_COUNT];
};

ix_store *ix_store_open(sqlite3 *db, char *err, size_t errlen) {
  ix_store *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->db = db;
  for (int i = 0; i < S_COUNT; i++) {
    if (sqlite3_prepare_v2(db, store_sql[i], -1, &s->st[i], NULL) != SQLITE_OK) {
      snprintf(err, errlen, "preparing statement: %s", sqlite3_errmsg(db));
      ix_store_close(s);
      return NULL;
    }
  }
  return s;
}

void ix_store_close(ix_store *s) {
  if (!s) return;
  for (int i = 0; i < S_COUNT; i++)
    sqlite3_finalize(s->st[i]);
  free(s);
}

/* Steps a bound insert/update to completion and resets it. */
static int run(ix_store *s, sqlite3_stmt *st, char *err, size_t errlen) {
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
    snprintf(err, errlen, "writing index: %s", sqlite3_errmsg(s->db));
    return -1;
  }
  return 0;
}

static const char *nz(const char *s) {
  return s ? s : "";
}

/* Alias priority: the canonical key beats other names, national texts beat
 * local (DLC) ones, and a case never takes a statute's name. */
static int alias_prio(const st_doc *doc, size_t i) {
  int prio = i == 0 ? 0 : 1;
  if (doc->category && !strcmp(doc->category, "DLC")) prio += 2;
  if (doc->is_case) prio += 4;
  return prio;
}

static int64_t store_law(ix_store *s, const st_doc *doc, char *err, size_t errlen) {
  char *aliases[32];
  size_t n = st_law_aliases(doc->title, aliases, sizeof aliases / sizeof aliases[0]);
  int64_t id = -1;
  sqlite3_stmt *ins = s->st[S_LAW_INS], *get = s->st[S_LAW_ID];
  sqlite3_bind_text(ins, 1, doc->title, -1, SQLITE_STATIC);
  sqlite3_bind_text(ins, 2, n ? aliases[0] : doc->title, -1, SQLITE_STATIC);
  sqlite3_bind_text(ins, 3, nz(doc->category), -1, SQLITE_STATIC);
  sqlite3_bind_int(ins, 4, doc->is_case);
  if (run(s, ins, err, errlen)) goto done;
  sqlite3_bind_text(get, 1, doc->title, -1, SQLITE_STATIC);
  if (sqlite3_step(get) == SQLITE_ROW) id = sqlite3_column_int64(get, 0);
  sqlite3_reset(get);
  if (id < 0) {
    snprintf(err, errlen, "law row for '%s' missing", doc->title);
    goto done;
  }
  sqlite3_stmt *al = s->st[S_ALIAS];
  for (size_t i = 0; i < n; i++) {
    sqlite3_bind_text(al, 1, aliases[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(al, 2, id);
    sqlite3_bind_int(al, 3, alias_prio(doc, i));
    if (run(s, al, err, errlen)) {
      id = -1;
      goto done;
    }
  }
done:
  for (size_t i = 0; i < n; i++)
    free(aliases[i]);
  return id;
}

static int store_unit(ix_store *s, const st_doc *doc, int64_t version_id, const st_unit *u,
                      char *err, size_t errlen) {
  sqlite3_stmt *a = s->st[S_ARTICLE], *f = s->st[S_FTS];
  sqlite3_bind_int64(a, 1, version_id);
  sqlite3_bind_int(a, 2, (int)u->kind);
  sqlite3_bind_int(a, 3, u->number);
  sqlite3_bind_int(a, 4, u->suffix);
  sqlite3_bind_text(a, 5, nz(u->label), -1, SQLITE_STATIC);
  sqlite3_bind_text(a, 6, nz(u->path), -1, SQLITE_STATIC);
  sqlite3_bind_text(a, 7, nz(u->text), -1, SQLITE_STATIC);
  if (run(s, a, err, errlen)) return -1;
  sqlite3_bind_int64(f, 1, sqlite3_last_insert_rowid(s->db));
  sqlite3_bind_text(f, 2, doc->title, -1, SQLITE_STATIC);
  sqlite3_bind_text(f, 3, nz(u->path), -1, SQLITE_STATIC);
  sqlite3_bind_text(f, 4, nz(u->text), -1, SQLITE_STATIC);
  return run(s, f, err, errlen);
}

int ix_store_doc(ix_store *s, const st_doc *doc, char *err, size_t errlen) {
  if (!doc->title || !*doc->title) {
    snprintf(err, errlen, "%s: document without a title", nz(doc->source_path));
    return -1;
  }
  int64_t law_id = store_law(s, doc, err, errlen);
  if (law_id < 0) return -1;
  sqlite3_stmt *v = s->st[S_VERSION];
  sqlite3_bind_int64(v, 1, law_id);
  sqlite3_bind_text(v, 2, nz(doc->version_date), -1, SQLITE_STATIC);
  sqlite3_bind_text(v, 3, nz(doc->first_date), -1, SQLITE_STATIC);
  sqlite3_bind_text(v, 4, nz(doc->source_path), -1, SQLITE_STATIC);
  sqlite3_bind_int64(v, 5, (int64_t)doc->content_hash);
  sqlite3_bind_int64(v, 6, (int64_t)doc->n_units);
  if (run(s, v, err, errlen)) return -1;
  int64_t version_id = sqlite3_last_insert_rowid(s->db);
  for (size_t i = 0; i < doc->n_units; i++)
    if (store_unit(s, doc, version_id, &doc->units[i], err, errlen)) return -1;
  return 0;
}

int ix_store_finish(ix_store *s, char *err, size_t errlen) {
  /* The newest version of each law is current: latest date, then the one
   * indexed last (a changed file with an unchanged date). */
  static const char *const sql =
      "UPDATE versions SET is_current = (id = (SELECT v2.id FROM versions v2 "
      "WHERE v2.law_id = versions.law_id ORDER BY v2.version_date DESC, v2.id DESC LIMIT 1))";
  char *msg = NULL;
  if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(err, errlen, "marking current versions: %s", msg ? msg : sqlite3_errmsg(s->db));
    sqlite3_free(msg);
    return -1;
  }
  return ix_postings_build(s->db, err, errlen);
}

int ix_count(sqlite3 *db, ix_stats *stats, char *err, size_t errlen) {
  static const char *const sql =
      "SELECT (SELECT count(*) FROM laws WHERE is_case=0),"
      " (SELECT count(*) FROM versions),"
      " (SELECT count(*) FROM articles a JOIN versions v ON v.id=a.version_id"
      "   WHERE v.is_current AND a.kind=0),"
      " (SELECT count(*) FROM laws WHERE is_case=1)";
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "counting: %s", sqlite3_errmsg(db));
    return -1;
  }
  if (sqlite3_step(st) == SQLITE_ROW) {
    stats->laws = (size_t)sqlite3_column_int64(st, 0);
    stats->versions = (size_t)sqlite3_column_int64(st, 1);
    stats->current_articles = (size_t)sqlite3_column_int64(st, 2);
    stats->case_documents = (size_t)sqlite3_column_int64(st, 3);
  }
  sqlite3_finalize(st);
  return 0;
}
