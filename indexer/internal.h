/* Private to the indexer: schema and the per-build state shared by the
 * files that write a database. */
#ifndef LAWQA_INDEXER_INTERNAL_H
#define LAWQA_INDEXER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "indexer.h"

/* schema.c */
int ix_schema_create(sqlite3 *db, char *err, size_t errlen);
/* Returns the schema version stored in db, 0 for an empty database, -1 when
 * the file is a database of something else. */
int ix_schema_version(sqlite3 *db);

/* store.c: inserts parsed documents into an open database, inside the
 * caller's transaction. */
typedef struct ix_store ix_store;
ix_store *ix_store_open(sqlite3 *db, char *err, size_t errlen);
int ix_store_doc(ix_store *s, const st_doc *doc, char *err, size_t errlen);
/* Recomputes versions.is_current after inserts. */
int ix_store_finish(ix_store *s, char *err, size_t errlen);
void ix_store_close(ix_store *s);

/* postings.c: rebuilds the postings and doc_stats tables (and meta
 * n_docs, n_tokens) from the articles table. */
int ix_postings_build(sqlite3 *db, char *err, size_t errlen);

/* expired.c: laws the corpus's metadata (LawRefBook's db.sqlite3) marks as
 * no longer in force. */
typedef struct {
  char *name;         /* full or short title, as the metadata has it */
  char *key;          /* the name as titles are compared (expired.c) */
  char last_date[11]; /* newest version the metadata knows, or "" */
} ix_expired_law;
typedef struct {
  ix_expired_law *laws;
  size_t n, cap;
  uint64_t hash; /* of the list: meta 'expired_hash' */
} ix_expired;
/* Reads the list (empty when the corpus has no usable metadata).  Returns
 * 0, or -1 when out of memory. */
int ix_expired_read(const char *corpus_dir, ix_expired *e, char *err, size_t errlen);
/* Sets laws.expired from the list and records its hash. */
int ix_expired_apply(sqlite3 *db, const ix_expired *e, char *err, size_t errlen);
void ix_expired_free(ix_expired *e);

/* Counts for ix_stats from a finished database. */
int ix_count(sqlite3 *db, ix_stats *stats, char *err, size_t errlen);

#endif
