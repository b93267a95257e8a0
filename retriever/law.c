/* Law names as users write them: 刑法, 《中华人民共和国刑法》, 刑诉法 … are
 * looked up through the aliases table the indexer fills from
 * st_law_aliases(); several laws may share a name, the lowest prio wins. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "statutes.h"

static int64_t lookup(rt_handle *h, const char *sql, const char *key, size_t len) {
  sqlite3_stmt *st = NULL;
  int64_t id = -1;
  if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  sqlite3_bind_text(st, 1, key, (int)len, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return id;
}

/* Several laws may share an alias: the lowest prio wins, then the shortest
 * title. */
static const char ALIAS_SQL[] =
    "SELECT a.law_id FROM aliases a JOIN laws l ON l.id=a.law_id WHERE a.alias=?1 "
    "ORDER BY a.prio, length(l.title), l.id LIMIT 1";

/* Trial rules are mostly cited without their note: 《处方药与非处方药分类
 * 管理办法》 and …办法试行 name …办法（试行）.  A law of that very name
 * without the note is found first, by the lookups before this one.  Done
 * here rather than as another alias (st_law_aliases) so that databases
 * indexed before need no re-index; it costs one more lookup only for a
 * name that matched nothing (measured: no change in search_latency over
 * 500 LawBench questions that cite laws). */
static int64_t trial_law_id(rt_handle *h, const char *key) {
  static const char note[] = "(试行)", word[] = "试行";
  size_t n = strlen(key);
  if (n >= strlen(note) && !strcmp(key + n - strlen(note), note)) return -1;
  if (n > strlen(word) && !strcmp(key + n - strlen(word), word)) n -= strlen(word);
  char *with_note = malloc(n + sizeof note);
  if (!with_note) return -1;
  memcpy(with_note, key, n);
  memcpy(with_note + n, note, sizeof note);
  int64_t id = lookup(h, ALIAS_SQL, with_note, strlen(with_note));
  free(with_note);
  return id;
}

int64_t rt_law_id(rt_handle *h, const char *name, size_t len) {
  if (!name || !len) return -1;
  int64_t id = lookup(h, "SELECT id FROM laws WHERE title=?1", name, len);
  if (id >= 0) return id;
  char *key = st_law_key(name, len);
  if (!key) return -1;
  if (*key) id = lookup(h, ALIAS_SQL, key, strlen(key));
  if (id < 0 && *key) id = lookup(h, "SELECT id FROM laws WHERE title=?1", key, strlen(key));
  if (id < 0 && *key) id = trial_law_id(h, key);
  free(key);
  return id;
}

int64_t rt_law_id_suffix(rt_handle *h, const char *text, size_t len) {
  /* a law name is rarely longer than 40 characters (120 bytes) */
  size_t from = len > 120 ? len - 120 : 0;
  for (size_t i = from; i < len; i++) {
    if (((unsigned char)text[i] & 0xC0) == 0x80) continue; /* not a char start */
    int64_t id = rt_law_id(h, text + i, len - i);
    if (id >= 0) return id;
  }
  return -1;
}

char *rt_resolve_law(rt_handle *h, const char *name) {
  if (!h || !name) return NULL;
  int64_t id = rt_law_id(h, name, strlen(name));
  if (id < 0) return NULL;
  sqlite3_stmt *st = NULL;
  char *title = NULL;
  if (sqlite3_prepare_v2(h->db, "SELECT title FROM laws WHERE id=?1", -1, &st, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_int64(st, 1, id);
  if (sqlite3_step(st) == SQLITE_ROW) title = strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return title;
}
