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
  int progress; /* 1: progress bar on stderr (when a terminal) */
  /* Dense vectors (issue 5): NULL for lexical only. */
  const char *model_path;
  int embed_layers; /* 0 = all */
  int pooling_last; /* 0 = mean, 1 = last token */
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

/* The tokenizer itself, so that a query can be split exactly as the index
 * was: query_mode 0 gives a document's tokens (CJK unigrams and bigrams,
 * folded ASCII words), 1 a query's (CJK bigrams, a lone ideograph as a
 * unigram, ASCII words).  fn gets each token (not NUL-terminated) and its
 * byte span in text; a non-zero return stops and is returned. */
/* flags: IX_TOKEN_COLOCATED when the token shares the previous token's
 * position (a document's single character after the pair it ends). */
#define IX_TOKEN_COLOCATED 1
typedef int (*ix_token_fn)(void *ctx, int flags, const char *tok, int len, int start, int end);
int ix_tokenize(const char *text, int len, int query_mode, ix_token_fn fn, void *ctx);

/* Database schema (the retriever's contract with the indexer):
 *   meta(key PRIMARY KEY, value)              schema_version, tokenizer
 *   laws(id, title UNIQUE, short_title, category, is_case, expired)
 *                                             expired = 1: no longer in force
 *                                             per the corpus's metadata (a
 *                                             LawRefBook db.sqlite3 beside
 *                                             the Markdown), date unknown
 *   aliases(alias, law_id, prio)              name lookup; lowest prio wins
 *   versions(id, law_id, version_date, first_date, effective_from,
 *            repealed_on, source_path, content_hash, n_articles, is_current)
 *   articles(id, version_id, kind, number, suffix, label, path, text)
 *   articles_fts(title, path, text)           FTS5, contentless, rowid =
 *                                             articles.id, tokenizer lawqa
 *   postings(term PRIMARY KEY, df, data)      BM25 postings of each tokenizer
 *                                             term over every row (all
 *                                             versions): df = rows with the
 *                                             term; data = per row, ids
 *                                             ascending, varint(id - previous
 *                                             id, starting from 0), then
 *                                             varint(text tf << 2 | title? << 1
 *                                             | path?), then varint(title tf)
 *                                             if title?, varint(path tf) if
 *                                             path? (unsigned LEB128 varints)
 *   doc_stats(id = 1, n, data)                per article id 0 .. n-1,
 *                                             IX_DOC_STATS_BYTES each: u32le
 *                                             token positions (tokens not
 *                                             colocated) in its three columns,
 *                                             u32le version_id, u8 kind (all
 *                                             zero for an unused id)
 *   meta 'n_docs', 'n_tokens'                 rows of articles; tokens of all
 *                                             rows (FTS5's bm25 statistics)
 *   meta 'expired_hash'                       the expired list last applied
 * Dates are 'YYYY-MM-DD' text ('' when unknown).  is_current marks the
 * newest version of each law (latest version_date, then latest id). */
#define IX_SCHEMA_VERSION 5
#define IX_DOC_STATS_BYTES 9

#endif
