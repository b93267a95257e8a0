/* indexer — builds and updates lawqa's SQLite database (laws, versions,
 * articles, FTS5 with a Chinese-aware tokenizer) from a statute corpus.
 * Builds are atomic: a reader sees the old database or the new one. */
#ifndef LAWQA_INDEXER_H
#define LAWQA_INDEXER_H

#include <stddef.h>
#include <stdint.h>

#include "statutes.h"

typedef struct {
  const char *const *exclude; /* top-level corpus folders to skip */
  size_t n_exclude;
  int progress;                /* 1: progress bar on stderr (when a terminal) */
  /* Dense vectors (issue 5): NULL for lexical only. */
  const char *model_path;
  int embed_layers;  /* 0 = all */
  int pooling_last;  /* 0 = mean, 1 = last token */
} ix_opts;

typedef struct {
  size_t files_seen, files_skipped, files_unchanged;
  size_t laws, versions, versions_added;
  size_t current_articles, case_documents;
  double seconds;
} ix_stats;

/* Indexes every statute under corpus_dir into db_path (created if needed).
 * Unchanged files (same content hash) are skipped.  Returns 0 or -1 with err. */
int ix_index_corpus(const char *db_path, const char *corpus_dir, const ix_opts *opts,
                    ix_stats *stats, char *err, size_t errlen);

/* Adds already-parsed documents (from the service's bulk endpoint) in one
 * atomic step.  Same rules as ix_index_corpus. */
int ix_index_docs(const char *db_path, const st_doc *const *docs, size_t n_docs,
                  const ix_opts *opts, ix_stats *stats, char *err, size_t errlen);

/* Registers lawqa's FTS5 tokenizer ("lawqa") on an open connection. Every
 * connection that queries the FTS table needs it. */
struct sqlite3;
int ix_register_tokenizer(struct sqlite3 *db);

#endif
