#include "fixture.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

void fx_tmpdir(char *buf, size_t cap) {
  const char *t = getenv("TMPDIR");
  snprintf(buf, cap, "%s/lawqa-dense-XXXXXX", t && *t ? t : "/tmp");
  assert_non_null(mkdtemp(buf));
}

void fx_rmdir(const char *dir) {
  char cmd[4200];
  /* the folder name comes from mkdtemp: no shell metacharacters */
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

void fx_exec(sqlite3 *db, const char *sql) {
  char *msg = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK) fail_msg("%s: %s", sql, msg ? msg : "?");
}

sqlite3 *fx_open_db(const char *path) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  /* scratch databases: no fsync per statement */
  fx_exec(db, "PRAGMA synchronous=OFF");
  fx_exec(db,
          "CREATE TABLE IF NOT EXISTS laws(id INTEGER PRIMARY KEY, title TEXT);"
          "CREATE TABLE IF NOT EXISTS versions(id INTEGER PRIMARY KEY, law_id INTEGER,"
          " content_hash INTEGER, is_current INTEGER);"
          "CREATE TABLE IF NOT EXISTS articles(id INTEGER PRIMARY KEY, version_id INTEGER,"
          " kind INTEGER DEFAULT 0, label TEXT, path TEXT, text TEXT);"
          "INSERT OR IGNORE INTO laws VALUES (1, '中华人民共和国测试法');"
          "INSERT OR IGNORE INTO versions VALUES (1, 1, 7, 1);");
  return db;
}

void fx_add_article(sqlite3 *db, int64_t id, const char *text) {
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(db,
                                      "INSERT INTO articles(id, version_id, label, path, text)"
                                      " VALUES (?, 1, '第一条', '第一章 总则', ?)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  sqlite3_bind_int64(st, 1, id);
  sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
}

void fx_unit_vector(float *v, int dim, uint64_t seed) {
  uint64_t s = seed * 0x9E3779B97F4A7C15ULL + 1;
  double n = 0;
  for (int i = 0; i < dim; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    v[i] = (float)((double)(s >> 11) / (double)(1ULL << 53) - 0.5);
    n += (double)v[i] * v[i];
  }
  for (int i = 0; i < dim; i++) v[i] = (float)(v[i] / sqrt(n));
}

int fx_file_exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}
