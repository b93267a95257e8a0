/* A test's synthetic database: synth.h's documents indexed with the real
 * indexer. */
#ifndef LAWQA_TESTS_SYNTH_INDEX_H
#define LAWQA_TESTS_SYNTH_INDEX_H

#include "indexer.h"
#include "synth.h"

/* Indexes docs into db_path; 0, or -1 after printing why (for a cmocka
 * group setup, which reports a failed setup but not its reason). */
static inline int synth_index(const char *db_path, const st_doc *const *docs, size_t n) {
  ix_stats st;
  char err[512];
  if (ix_index_docs(db_path, docs, n, NULL, &st, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  return 0;
}

#endif
