/* The database schema.  See indexer.h for what each table holds. */
#include <stdio.h>

#include "internal.h"

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS laws("
    "  id INTEGER PRIMARY KEY, title TEXT NOT NULL UNIQUE, short_title TEXT NOT NULL,"
    "  category TEXT NOT NULL, is_case INTEGER NOT NULL DEFAULT 0,"
    /* 1: no longer in force per the corpus's metadata, date unknown */
    "  expired INTEGER NOT NULL DEFAULT 0);"
    /* One name may fit several laws (a national law and a local one that
     * shares its short title): prio orders them, lowest first. */
    "CREATE TABLE IF NOT EXISTS aliases("
    "  alias TEXT NOT NULL, law_id INTEGER NOT NULL REFERENCES laws(id),"
    "  prio INTEGER NOT NULL, PRIMARY KEY(alias, law_id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS versions("
    "  id INTEGER PRIMARY KEY, law_id INTEGER NOT NULL REFERENCES laws(id),"
    "  version_date TEXT NOT NULL, first_date TEXT NOT NULL,"
    "  effective_from TEXT NOT NULL, repealed_on TEXT NOT NULL DEFAULT '',"
    "  source_path TEXT NOT NULL, content_hash INTEGER NOT NULL,"
    "  n_articles INTEGER NOT NULL, is_current INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS versions_by_law ON versions(law_id, version_date, id);"
    "CREATE INDEX IF NOT EXISTS versions_by_hash ON versions(content_hash);"
    "CREATE TABLE IF NOT EXISTS articles("
    "  id INTEGER PRIMARY KEY, version_id INTEGER NOT NULL REFERENCES versions(id),"
    "  kind INTEGER NOT NULL, number INTEGER NOT NULL, suffix INTEGER NOT NULL,"
    "  label TEXT NOT NULL, path TEXT NOT NULL, text TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS articles_by_number ON articles(version_id, kind, number, suffix);"
    /* Contentless: the text lives in articles; FTS5 keeps only its index
     * (and the column sizes bm25() needs).  Rows are never deleted: old
     * versions stay searchable for as-of queries. */
    "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
    "  title, path, text, content='', tokenize='lawqa');"
    /* BM25 postings (postings.c): what FTS5's bm25() reads, laid out so
     * that a search scores a question's terms without calling bm25() for
     * every row they match.  See indexer.h for the blob layouts. */
    "CREATE TABLE IF NOT EXISTS postings(term TEXT PRIMARY KEY, df INTEGER NOT NULL,"
    "  data BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS doc_stats(id INTEGER PRIMARY KEY CHECK(id=1),"
    "  n INTEGER NOT NULL, data BLOB NOT NULL);";

int ix_schema_create(sqlite3 *db, char *err, size_t errlen) {
  char *msg = NULL;
  if (sqlite3_exec(db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(err, errlen, "creating schema: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
  }
  char sql[128];
  snprintf(sql, sizeof sql,
           "INSERT OR REPLACE INTO meta VALUES('schema_version','%d'),('tokenizer','lawqa')",
           IX_SCHEMA_VERSION);
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(err, errlen, "writing meta: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

int ix_schema_version(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  int n_tables = 0, version = -1;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL) != SQLITE_OK)
    return -1; /* not a database at all */
  if (sqlite3_step(st) == SQLITE_ROW) n_tables = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (n_tables == 0) return 0;
  if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema_version'", -1, &st, NULL) !=
      SQLITE_OK)
    return -1;
  if (sqlite3_step(st) == SQLITE_ROW) version = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return version > 0 ? version : -1;
}
