/* Opening a database for retrieval. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dense.h"
#include "expand.h"
#include "indexer.h"
#include "internal.h"
#include "rerank.h"

void rt_default_weights(rt_weights *w) {
  /* Citation weight 10 keeps every explicitly cited article above anything
   * BM25 and dense can reach together (10/(60+r) > 2/61 for r < 245). */
  *w = (rt_weights){.w_citation = 10.0,
                    .w_bm25 = 1.0,
                    .w_dense = 1.0,
                    .rrf_k = 60.0,
                    .bm25_title = 1.0,
                    .bm25_path = 1.0,
                    .bm25_text = 1.0,
                    .depth = 0,
                    /* 32 terms / 0.3 ranked like the unpruned query on
                     * LeCoQA (R@10 0.367 vs 0.369); 12 / 0.1 is about 3x
                     * faster at R@10 0.334 (bench/search_latency).  With
                     * the learned term weights (rerank.h), 48 terms gave
                     * +0.3 points R@10 and MRR in cross-validation over 32,
                     * for +0.02 ms at the median. */
                    .max_terms = 48,
                    .max_df = 0.3};
}

void rt_set_weights(rt_handle *h, const rt_weights *w) {
  if (h && w) h->weights = *w;
}

static const char *const fill_sql =
    "SELECT a.kind, l.title, l.short_title, l.category, v.version_date, v.repealed_on,"
    " a.number, a.suffix, a.label, a.path, a.text, v.id, l.id, l.expired"
    " FROM articles a JOIN versions v ON v.id=a.version_id JOIN laws l ON l.id=v.law_id"
    " WHERE a.id=?1";

int rt_init(void) {
  return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK ? 0 : -1;
}

rt_handle *rt_open(const char *db_path, char *err, size_t errlen) {
  return rt_open_model(db_path, NULL, err, errlen);
}

rt_handle *rt_open_model(const char *db_path, const char *model_path, char *err, size_t errlen) {
  rt_handle *h = calloc(1, sizeof *h);
  if (!h || !(h->db_path = strdup(db_path))) {
    free(h);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  rt_default_weights(&h->weights);
  if (sqlite3_open_v2(db_path, &h->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(h->db));
    goto fail;
  }
  /* Map the file: a search touches many pages, and reading them through
   * SQLite's small per-connection cache costs a system call each.  The
   * mapping is shared by every handle on the database. */
  sqlite3_exec(h->db, "PRAGMA mmap_size=4294967296", NULL, NULL, NULL);
  if (ix_register_tokenizer(h->db) != SQLITE_OK) {
    snprintf(err, errlen, "registering the lawqa tokenizer failed");
    goto fail;
  }
  sqlite3_stmt *st = NULL;
  int version = -1;
  if (sqlite3_prepare_v2(h->db, "SELECT value FROM meta WHERE key='schema_version'", -1, &st,
                         NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    version = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (version != IX_SCHEMA_VERSION) {
    snprintf(err, errlen, "%s is not a lawqa database (or was built by another version)", db_path);
    goto fail;
  }
  if (sqlite3_prepare_v3(h->db, fill_sql, -1, SQLITE_PREPARE_PERSISTENT, &h->fill, NULL) !=
      SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", db_path, sqlite3_errmsg(h->db));
    goto fail;
  }
  if (!(h->bm25 = rt_bm25_open(h->db, err, errlen))) goto fail;
  /* No vectors is not an error: the dense arm is simply off, and
   * rt_result.note says why. */
  char note[1024] = "";
  h->dense = rt_dense_open(h->db, db_path, model_path, note, sizeof note);
  if (!h->dense && !(h->dense_note = strdup(note[0] ? note : "dense retrieval unavailable"))) {
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  return h;
fail:
  rt_close(h);
  return NULL;
}

void rt_close(rt_handle *h) {
  if (!h) return;
  rt_bm25_close(h->bm25);
  sqlite3_finalize(h->fill);
  sqlite3_finalize(h->version_on);
  sqlite3_finalize(h->version_now);
  rt_dense_close(h->dense);
  rt_prior_end(h->prior);
  rt_rerank_close(h->rerank);
  sqlite3_close(h->db);
  free(h->dense_note);
  free(h->db_path);
  free(h);
}
